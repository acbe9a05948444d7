"""Fixtures for snowplow-relay's tests: a redis-server, the local collector and relay
processes, each started by the test on a free loopback port and stopped by it."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest
import redis

sys.dont_write_bytecode = True

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTOR = os.path.join(ROOT, "tools", "collector", "snowplow_collector.py")
RELAY = os.environ.get("SNOWPLOW_RELAY", "snowplow-relay")
DEMO = os.environ.get("SNOWPLOW_DEMO", "snowplow-demo")
# Sanitizer builds run the relay several times slower: tests scale down.
SANITIZED = bool(os.environ.get("SNOWPLOW_SANITIZE"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port():
    """(socket, port): a loopback port bound but not listening. Connections to it are
    refused, and no other process can take it while the socket stays open."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]


def wait_until(what, predicate, timeout=60.0, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def stop_process(proc):
    """SIGTERM a child we started and wait for it."""
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


class RedisServer:
    """redis-server on 127.0.0.1:port with its data (AOF, fsync always) in a folder of its
    own, so that a restart finds every list as it was."""

    def __init__(self, folder, password=None, port=None):
        self.folder, self.password = str(folder), password
        self.port = port or free_port()
        self.proc = None
        os.makedirs(self.folder, exist_ok=True)

    def start(self):
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", self.folder, "--save", "", "--appendonly", "yes",
                "--appendfsync", "always", "--logfile", "redis.log"]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until("redis-server to answer", self._answers, timeout=30)
        return self

    def _answers(self):
        try:
            return self.client().ping()
        except redis.exceptions.ConnectionError:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}")
            return False
        except redis.exceptions.BusyLoadingError:
            return False

    def stop(self):
        stop_process(self.proc)
        self.proc = None

    def kill(self):
        """SIGKILL: whatever was fsynced to the AOF (every write) survives."""
        self.proc.kill()
        self.proc.wait(30)
        self.proc = None

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password,
                           socket_timeout=30)

    def url(self):
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}"


class Collector:
    def __init__(self, folder, port=0):
        self.folder, self.port, self.proc = str(folder), port, None

    def start(self):
        port_file = os.path.join(self.folder, "collector.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.proc = subprocess.Popen([sys.executable, COLLECTOR, "--port", str(self.port),
                                      "--port-file", port_file, "--quiet"],
                                     stdout=subprocess.DEVNULL)
        wait_until("the collector's port file", lambda: os.path.exists(port_file), 30)
        with open(port_file) as f:
            self.port = int(f.read())
        return self

    def stop(self):
        stop_process(self.proc)
        self.proc = None

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def get(self, path):
        with urllib.request.urlopen(self.url() + path, timeout=120) as r:
            return json.loads(r.read())

    def post(self, path, obj):
        req = urllib.request.Request(self.url() + path, data=json.dumps(obj).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"{}")

    def counts(self):
        return self.get("/micro/all")

    def good_eids(self):
        return [rec["event"]["eid"] for rec in self.get("/micro/good?fields=eid")]

    def wait_good(self, n, timeout=120.0):
        return wait_until(f"{n} good events at the collector",
                          lambda: self.counts()["good"] >= n, timeout, 0.2)


class Relay:
    """A snowplow-relay process; its stderr goes to a file that tests read."""

    def __init__(self, folder, redis_url, key, collector_url, *args, name="relay"):
        self.log = os.path.join(str(folder), f"{name}.stderr")
        self.argv = [RELAY, "--redis", redis_url, "--key", key, "--collector", collector_url,
                     *args]
        self.proc = None

    def start(self):
        self.stderr = open(self.log, "ab")
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=self.stderr)
        return self

    def wait(self, timeout=300):
        rc = self.proc.wait(timeout)
        self.stderr.close()
        return rc

    def signal(self, sig):
        self.proc.send_signal(sig)

    def text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
            self.stderr.close()


def run_relay(folder, *argv, timeout=300):
    """Run snowplow-relay to its end; (exit status, stderr text)."""
    p = subprocess.run([RELAY, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def se_payload(i, **extra):
    """A structured event as the official Python tracker's RedisEmitter pushes it: the
    payload dict, numbers left as numbers."""
    p = {"e": "se", "eid": str(uuid.uuid4()), "tv": "py-0.7.0", "p": "srv", "tna": "relay",
         "aid": "relay-tests", "dtm": 1700000000000 + i, "se_ca": "relay", "se_ac": "move",
         "se_la": f"item-{i}", "se_va": i}
    p.update(extra)
    return p


def push(client, key, payloads, chunk=2000):
    """RPUSH json.dumps of each payload, pipelined; returns the eids."""
    eids = []
    for start in range(0, len(payloads), chunk):
        part = payloads[start:start + chunk]
        client.rpush(key, *[json.dumps(p) for p in part])
        eids += [p.get("eid") for p in part]
    return eids


def held(client, key, relay_id):
    """Items a relay holds in Redis: in its claimed lists KEY:processing:ID:N (and in
    KEY:processing:ID, the single list of earlier builds)."""
    prefix = f"{key}:processing:{relay_id}:"
    lists = [k for k in client.scan_iter(match=prefix + "*", count=1000)
             if k.decode()[len(prefix):].isdigit()]
    return sum(client.llen(k) for k in lists) + client.llen(prefix[:-1])


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def collector(tmp_path):
    c = Collector(tmp_path).start()
    yield c
    c.stop()
