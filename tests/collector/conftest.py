"""Fixtures for the local collector's tests: one collector process per test module, reset
before every test, and a small HTTP client that speaks to it."""

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

sys.dont_write_bytecode = True

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTOR = os.environ.get("SNOWPLOW_COLLECTOR",
                           os.path.join(ROOT, "tools", "collector", "snowplow_collector.py"))
TP2 = "/com.snowplowanalytics.snowplow/tp2"
PAYLOAD_DATA = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"
UNSTRUCT = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
CONTEXTS = "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1"
SP = "iglu:com.snowplowanalytics.snowplow/"
# Test schemas shipped with the collector: a strict entity, a strict event, a wildcard.
TEST_ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"
TEST_EVENT = "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"
ANYTHING = "iglu:com.snowplowanalytics.iglu/anything-a/jsonschema/1-0-0"
LINK_CLICK = SP + "link_click/jsonschema/1-0-1"

# The collector's library, importable for the tests that check its parts directly.
sys.path.insert(0, os.path.dirname(COLLECTOR))


def b64url(obj, pad=False):
    text = base64.urlsafe_b64encode(json.dumps(obj).encode("utf-8")).decode("ascii")
    return text if pad else text.rstrip("=")


def b64std(obj):
    return base64.b64encode(json.dumps(obj).encode("utf-8")).decode("ascii")


def unstruct(schema, data):
    return {"schema": UNSTRUCT, "data": {"schema": schema, "data": data}}


def contexts(*entities):
    return {"schema": CONTEXTS, "data": [{"schema": s, "data": d} for s, d in entities]}


def event(etype="se", **fields):
    """A valid event of type `etype` (strings only), overridable field by field; a field set
    to None is removed."""
    base = {"e": etype, "eid": str(uuid.uuid4()), "tv": "c-0.1.0", "p": "pc", "tna": "test",
            "aid": "collector-tests", "dtm": "1700000000000", "stm": "1700000000100"}
    base.update({
        "se": {"se_ca": "shop", "se_ac": "add"},
        "pv": {"url": "http://example.com/page"},
        "pp": {"url": "http://example.com/page", "pp_mix": "0", "pp_max": "10",
               "pp_miy": "0", "pp_may": "20"},
        "tr": {"tr_id": "order-1", "tr_tt": "12.5"},
        "ti": {"ti_id": "order-1", "ti_sk": "sku-1", "ti_pr": "7.99", "ti_qu": "2"},
        "ue": {"ue_pr": json.dumps(unstruct(SP + "link_click/jsonschema/1-0-1",
                                            {"targetUrl": "http://example.com/x"}))},
    }.get(etype, {}))
    for key, value in fields.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


class Collector:
    def __init__(self, proc, port, stdout_line):
        self.proc, self.port, self.stdout_line = proc, port, stdout_line

    def connection(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None, timeout=30):
        own = conn is None
        conn = conn or self.connection(timeout)
        try:
            if isinstance(body, str):
                body = body.encode("utf-8")
            conn.request(method, path, body, headers or {})
            resp = conn.getresponse()
            return Response(resp.status, resp.headers, resp.read())
        finally:
            if own:
                conn.close()

    def get_json(self, path):
        resp = self.request("GET", path)
        assert resp.status == 200, (path, resp.status, resp.body)
        return resp.json()

    def post_json(self, path, obj):
        return self.request("POST", path, json.dumps(obj), {"Content-Type": "application/json"})

    def tp2(self, events, schema=PAYLOAD_DATA, **kw):
        body = json.dumps({"schema": schema, "data": events})
        return self.request("POST", TP2, body,
                            {"Content-Type": "application/json; charset=utf-8"}, **kw)

    def pixel(self, query, **kw):
        return self.request("GET", "/i?" + query, **kw)

    def fault(self, **cfg):
        resp = self.post_json("/micro/fault", cfg)
        assert resp.status == 200, resp.body
        return resp.json()

    def good(self, query=""):
        return self.get_json("/micro/good" + query)

    def bad(self, query=""):
        return self.get_json("/micro/bad" + query)

    def counts(self):
        return self.get_json("/micro/all")

    def requests(self):
        return self.get_json("/micro/requests")

    def wait_counts(self, good, bad, timeout=20.0):
        """Poll until at least good/bad events arrived (generous bound, not a timing check)."""
        deadline = time.monotonic() + timeout
        while True:
            c = self.counts()
            if c["good"] >= good and c["bad"] >= bad:
                return c
            if time.monotonic() > deadline:
                raise AssertionError("collector counts %s, wanted good>=%d bad>=%d" % (c, good, bad))
            time.sleep(0.02)


def start_collector(tmp_path, *extra):
    port_file = tmp_path / "port"
    stderr_path = tmp_path / "stderr"
    with open(stderr_path, "w") as stderr:
        proc = subprocess.Popen([sys.executable, COLLECTOR, "--port", "0", "--port-file",
                                 str(port_file), *extra],
                                stdout=subprocess.PIPE, stderr=stderr, text=True)
    deadline = time.monotonic() + 15
    while not port_file.exists():
        if proc.poll() is not None:
            raise RuntimeError("collector exited: %s" % stderr_path.read_text())
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("collector did not write its port file in 15 s")
        time.sleep(0.02)
    port = int(port_file.read_text())
    line = proc.stdout.readline().strip()
    c = Collector(proc, port, line)
    c.stderr_path = stderr_path
    return c


def stop_collector(c):
    if c.proc.poll() is None:
        c.proc.send_signal(signal.SIGTERM)
        try:
            c.proc.wait(10)
        except subprocess.TimeoutExpired:
            c.proc.kill()
            c.proc.wait()
    c.proc.stdout.close()
    return c.stderr_path.read_text()


@pytest.fixture(scope="module")
def collector_process(tmp_path_factory):
    c = start_collector(tmp_path_factory.mktemp("collector"))
    yield c
    stderr = stop_collector(c)
    # Server errors are logged with a traceback: none may happen, whatever the tests sent.
    assert "Traceback" not in stderr, stderr


@pytest.fixture
def collector(collector_process):
    collector_process.request("POST", "/micro/reset")
    return collector_process
