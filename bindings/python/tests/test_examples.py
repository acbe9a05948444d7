"""The example scripts of examples/python run against the collector (and the
Redis one against a redis-server started here)."""

import json
import os
import urllib.request

import pytest

from conftest import ROOT, run_python

EXAMPLES = os.path.join(ROOT, "examples", "python")


def run_example(name, *args):
    with open(os.path.join(EXAMPLES, name), encoding="utf-8") as f:
        code = f.read()
    argv = [name] + [str(a) for a in args]
    return run_python("import sys; sys.argv = %r\n%s" % (argv, code))


@pytest.mark.parametrize("name, events", [("track_events.py", 5), ("callbacks.py", 7),
                                          ("threads.py", 4000), ("snowplow_api.py", 5),
                                          ("tracker_api.py", 5)])
def test_example_runs(collector, name, events):
    proc = run_example(name, collector.url)
    assert proc.returncode == 0, proc.stderr
    assert collector.counts() == {"total": events, "good": events, "bad": 0}
    if name == "callbacks.py":
        assert proc.stdout.count("delivered") == 3  # batches of 3, 3 and 1
    if name == "snowplow_api.py":
        assert proc.stdout.split() == ["delivered", "5"]  # one batch of five
    if name == "tracker_api.py":
        raws = [r["raw"] for r in collector.good()]
        assert [r.get("cd") for r in raws] == ["10", None, None, None, None]
        assert [r["uid"] for r in raws] == ["test_user"] * 4 + ["another_user"]
        assert proc.stdout.startswith("Sending events to %s/com.snowplowanalytics.snowplow/tp2"
                                      % collector.url)


def test_legacy_0_7_0_example(collector):
    host, port = collector.url.split("://")[1].split(":")
    proc = run_example("legacy_0_7_0.py", host, port)
    assert proc.returncode == 0, proc.stderr
    # pv, se, tr and two ti, screen view (GET, one request each), ue (POST)
    assert collector.counts() == {"total": 7, "good": 7, "bad": 0}
    assert proc.stdout.splitlines() == ["sent 1"] * 7


def test_user_defined_redis_emitter(collector, redis_server):
    port, client = redis_server
    proc = run_example("redis_emitter.py", "redis://127.0.0.1:%d/0" % port, "events")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "pushed 5 events onto events"
    payloads = [json.loads(item) for item in client.lrange("events", 0, -1)]
    assert [p["e"] for p in payloads] == ["pv", "pp", "ue", "ue", "se"]
    # What a Redis worker does with them: POST them to the collector as they are.
    body = json.dumps({"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/"
                                 "1-0-4", "data": payloads}).encode("utf-8")
    request = urllib.request.Request(collector.url + "/com.snowplowanalytics.snowplow/tp2",
                                     data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    assert collector.counts() == {"total": 5, "good": 5, "bad": 0}
    assert {r["raw"]["tna"] for r in collector.good()} == {"snowplow_tracker"}
