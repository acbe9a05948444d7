"""The transport keywords of the emitter: max_inflight (requests in flight per
sending thread) and redis_url/redis_key (push to a Redis list started here)."""

import json

import pytest
import redis

from snowplow import Emitter, StructuredEvent, Tracker

from conftest import WAIT


def test_get_with_many_requests_in_flight_delivers_each_event_once(collector, recorder):
    emitter = Emitter(collector.url, method="get", thread_count=2, max_inflight=16,
                      on_success=recorder.on_success)
    tracker = Tracker("ns", emitter)
    for i in range(200):
        tracker.track(StructuredEvent("inflight", "n", str(i)))
    tracker.flush(timeout=WAIT)
    collector.wait_counts(200)
    labels = sorted(int(r["raw"]["se_la"]) for r in collector.good())
    assert labels == list(range(200))
    recorder.wait(lambda: len(recorder.sent) == 200)
    assert emitter.stats()["sent"] == 200
    emitter.close()


@pytest.mark.parametrize("value", [0, 257])
def test_max_inflight_out_of_range(collector, value):
    with pytest.raises(Exception, match="max_inflight"):
        Emitter(collector.url, max_inflight=value)


def test_redis_url_pushes_payloads(redis_server, recorder):
    port, client = redis_server
    emitter = Emitter(None, redis_url="redis://127.0.0.1:%d/0" % port, redis_key="events",
                      on_success=recorder.on_success, on_failure=recorder.on_failure)
    tracker = Tracker("ns", emitter, app_id="app")
    for i in range(30):
        tracker.track(StructuredEvent("redis", "push", str(i), value=i))
    tracker.flush(timeout=WAIT)
    recorder.wait(lambda: len(recorder.sent) == 30)
    items = [json.loads(x) for x in client.lrange("events", 0, -1)]
    assert sorted(int(item["se_la"]) for item in items) == list(range(30))
    for item in items:
        assert all(isinstance(v, str) for v in item.values())
        assert item["e"] == "se" and item["tna"] == "ns" and item["aid"] == "app"
        assert "stm" in item
    assert recorder.failures == []
    emitter.close()


def test_redis_wrong_type_is_a_failure_with_reason(redis_server, recorder):
    port, client = redis_server
    client.set("events", "a string")
    emitter = Emitter(None, redis_url="redis://127.0.0.1:%d" % port, redis_key="events",
                      on_failure=recorder.on_failure)
    tracker = Tracker("ns", emitter)
    tracker.track(StructuredEvent("redis", "push"))
    tracker.flush(timeout=WAIT)
    recorder.wait(lambda: len(recorder.failed_events()) == 1)
    assert emitter.stats()["failed"] == 1 and emitter.stats()["retried"] == 0
    emitter.close()


def test_redis_url_rejected_with_reason():
    with pytest.raises(Exception, match="unknown scheme"):
        Emitter(None, redis_url="http://127.0.0.1", redis_key="events")
    with pytest.raises(TypeError, match="redis_key"):
        Emitter(None, redis_url="redis://127.0.0.1")
