"""Fixtures of the Python binding's tests: the local collector on a free port
(tools/collector/snowplow_collector.py), reset before every test, and helpers to
read what arrived. The `snowplow` package under test is the one first on
PYTHONPATH (CTest points it at the staged package of the build tree)."""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
COLLECTOR = os.environ.get("SNOWPLOW_COLLECTOR",
                           os.path.join(ROOT, "tools", "collector", "snowplow_collector.py"))

SP = "iglu:com.snowplowanalytics.snowplow/"
TEST_EVENT = "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"
TEST_ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"
UNSTRUCT = SP + "unstruct_event/jsonschema/1-0-0"
CONTEXTS = SP + "contexts/jsonschema/1-0-1"

# Generous bound for things that happen in the background (not a timing check:
# only a guard against hanging forever).
WAIT = 60.0


class Collector:
    def __init__(self, proc, port):
        self.proc = proc
        self.port = port
        self.url = "http://127.0.0.1:%d" % port

    def _request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read().decode("utf-8"))

    def reset(self):
        return self._request("POST", "/micro/reset", {})

    def fault(self, **cfg):
        return self._request("POST", "/micro/fault", cfg)

    def good(self, query=""):
        return self._request("GET", "/micro/good" + query)

    def bad(self, query=""):
        return self._request("GET", "/micro/bad" + query)

    def counts(self):
        return self._request("GET", "/micro/all")

    def requests(self):
        return self._request("GET", "/micro/requests")

    def good_eids(self):
        return [r["event"]["eid"] for r in self.good("?fields=eid")]

    def wait_counts(self, good, bad=0, timeout=WAIT):
        """Poll until at least `good` good and `bad` bad events arrived."""
        deadline = time.monotonic() + timeout
        while True:
            c = self.counts()
            if c["good"] >= good and c["bad"] >= bad:
                return c
            if time.monotonic() > deadline:
                raise AssertionError("collector has %s, wanted good>=%d bad>=%d" % (c, good, bad))
            time.sleep(0.02)

    def by_eid(self):
        """Good records by event id; fails on a bad record or a duplicate."""
        bad = self.bad()
        assert bad == [], json.dumps(bad, indent=1)[:4000]
        records = {}
        for r in self.good():
            eid = r["event"]["eid"]
            assert eid not in records, "event %s arrived twice" % eid
            records[eid] = r
        return records


def _start_collector(tmp_path):
    port_file = tmp_path / "port"
    stderr = open(tmp_path / "stderr", "w")
    proc = subprocess.Popen([sys.executable, COLLECTOR, "--port", "0", "--port-file",
                             str(port_file), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=stderr)
    stderr.close()
    deadline = time.monotonic() + 30
    while not port_file.exists():
        if proc.poll() is not None:
            raise RuntimeError("collector exited: %s" % (tmp_path / "stderr").read_text())
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("collector did not start")
        time.sleep(0.02)
    return Collector(proc, int(port_file.read_text()))


@pytest.fixture(scope="session")
def collector_process(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("collector")
    c = _start_collector(tmp)
    yield c
    c.proc.send_signal(signal.SIGTERM)
    try:
        c.proc.wait(10)
    except subprocess.TimeoutExpired:
        c.proc.kill()
        c.proc.wait()
    stderr = (tmp / "stderr").read_text()
    assert "Traceback" not in stderr, stderr


@pytest.fixture
def collector(collector_process):
    collector_process.reset()
    return collector_process


@pytest.fixture
def dead_url():
    """A URL where nothing listens (a port that was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return "http://127.0.0.1:%d" % port


class Recorder:
    """Callbacks that record what they receive, thread-safely."""

    def __init__(self):
        self.lock = threading.Condition()
        self.sent = []        # event dicts, in arrival order
        self.failures = []    # (success_count, [event dicts])
        self.threads = set()

    def on_success(self, events):
        with self.lock:
            self.threads.add(threading.current_thread().name)
            self.sent.extend(events)
            self.lock.notify_all()

    def on_failure(self, success_count, events):
        with self.lock:
            self.threads.add(threading.current_thread().name)
            self.failures.append((success_count, events))
            self.lock.notify_all()

    def failed_events(self):
        with self.lock:
            return [e for _, events in self.failures for e in events]

    def wait(self, predicate, timeout=WAIT):
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("callbacks: condition not reached; sent=%d failures=%d"
                                         % (len(self.sent), len(self.failures)))
                self.lock.wait(remaining)


@pytest.fixture
def recorder():
    return Recorder()


def decode_b64url(text):
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8"))


def run_python(code, timeout=120, env=None):
    """Run `code` in a new interpreter with the same PYTHONPATH; returns the
    CompletedProcess (a hang fails the test through the timeout)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env=full_env)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of the test's own on a free port: yields (port, client)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server not installed (Debian: redis-server)")
    pytest.importorskip("redis", reason="redis-py not installed (Debian: python3-redis)")
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis
    client = redis.StrictRedis(port=port)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
    yield port, client
    proc.terminate()
    proc.wait(30)




def run_worker_until(worker, condition):
    """Run a RedisWorker on a thread until `condition()` returned, then shut it
    down and check that run() ended."""
    runner = threading.Thread(target=worker.run, daemon=True)
    runner.start()
    condition()
    worker.request_shutdown()
    runner.join(WAIT)
    assert not runner.is_alive(), "RedisWorker.run() did not end"
