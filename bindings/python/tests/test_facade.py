"""snowplow (1.x) additions: the Snowplow registry with EmitterConfiguration and
TrackerConfiguration (1.1.0's fields), the pre-1.0 argument order, custom
emitters, event_store=InMemoryEventStore(...), Emitter.endpoint as a URL, and
the lazy event sequence callbacks get."""

import threading

import pytest

import snowplow
from snowplow import (AsyncEmitter, Emitter, EmitterConfiguration, InMemoryEventStore, PageView,
                      SelfDescribing, SelfDescribingJson, Snowplow, StructuredEvent, Subject,
                      Tracker, TrackerConfiguration)

from conftest import TEST_EVENT, WAIT


@pytest.fixture(autouse=True)
def fresh_registry():
    Snowplow.reset()
    yield
    Snowplow.reset()


def test_create_get_remove_reset(collector, recorder):
    config = EmitterConfiguration(batch_size=5, on_success=recorder.on_success,
                                  custom_retry_codes={500: False, 401: True})
    tracker = Snowplow.create_tracker("ns", collector.url, app_id="app1",
                                      subject=Subject().set_user_id("uid"),
                                      tracker_config=TrackerConfiguration(encode_base64=False),
                                      emitter_config=config)
    assert Snowplow.get_tracker("ns") is tracker
    (emitter,) = tracker.emitters
    assert emitter.method == "post" and emitter.batch_size == 5
    assert emitter.custom_retry_codes == {500: False, 401: True}
    tracker.track(SelfDescribing(SelfDescribingJson(TEST_EVENT, {"name": "x"})))
    tracker.track(PageView("https://www.snowplow.io", "Homepage"))
    tracker.flush()
    raws = [r["raw"] for r in collector.good()]
    assert collector.bad() == [] and len(raws) == 2 and len(recorder.sent) == 2
    assert all(r["uid"] == "uid" and r["aid"] == "app1" and r["tna"] == "ns" for r in raws)
    assert "ue_pr" in raws[0]  # encode_base64=False
    with pytest.raises(TypeError, match="already exists"):
        Snowplow.create_tracker("ns", collector.url)
    Snowplow.remove_tracker(tracker)
    assert Snowplow.get_tracker("ns") is None
    Snowplow.remove_tracker_by_namespace("missing")  # nothing to do, no error
    Snowplow.create_tracker("a", collector.url, method="get")
    assert Snowplow.get_tracker("a").emitters[0].method == "get"
    Snowplow.reset()
    assert Snowplow.get_tracker("a") is None


def test_create_tracker_errors():
    with pytest.raises(TypeError, match="Collector URL must be provided"):
        Snowplow.create_tracker("ns", None)
    with pytest.raises(ValueError, match="method must be one of"):
        Snowplow.create_tracker("ns", "c.example.com", method="put")
    with pytest.raises(TypeError, match="emitter_config must be EmitterConfiguration"):
        Snowplow.create_tracker("ns", "c.example.com", emitter_config={"batch_size": 5})
    with pytest.raises(ValueError, match="batch_size must be greater than 0"):
        EmitterConfiguration(batch_size=0)
    with pytest.raises(ValueError, match="byte_limit must be of type int"):
        EmitterConfiguration(byte_limit="1")
    with pytest.raises(TypeError, match="on_failure must be callable"):
        EmitterConfiguration(on_failure=5)
    with pytest.raises(ValueError, match="event_store must be an EventStore"):
        EmitterConfiguration(event_store=[])
    with pytest.raises(TypeError, match="encode_base64 must be bool"):
        TrackerConfiguration(encode_base64="no")
    config = EmitterConfiguration()
    assert config.set_retry_code(503, False) and not config.set_retry_code(200)
    assert config.custom_retry_codes == {503: False}
    assert Snowplow.get_tracker("ns") is None  # nothing registered by the failures


def test_pre_1_0_argument_order(collector):
    emitter = Emitter(collector.url)
    subject = Subject().set_user_id("old")
    t = Tracker(emitter, subject, "old-ns", "old-app")  # 0.9 to 0.15
    assert t.get_namespace() == "old-ns" and t.subject is subject
    t2 = Tracker([emitter], namespace="kw-ns", app_id="kw")  # keywords, as 0.9 code did
    t3 = Tracker(emitters=emitter)                            # namespace optional then
    for tracker in (t, t2, t3):
        tracker.track(PageView("http://e.com/"))
    t.flush()
    raws = [r["raw"] for r in collector.good()]
    assert [(r.get("tna"), r.get("aid"), r.get("uid")) for r in raws] == [
        ("old-ns", "old-app", "old"), ("kw-ns", "kw", None), (None, None, None)]
    with pytest.raises(TypeError, match="multiple values for argument 'namespace'"):
        Tracker(emitter, subject, "a", namespace="b")


class RecordingEmitter:
    def __init__(self):
        self.payloads, self.flushes, self.threads = [], 0, set()

    def input(self, payload):
        self.threads.add(threading.current_thread().name)
        self.payloads.append(payload)

    def flush(self):
        self.flushes += 1


def test_custom_emitter_gets_each_payload_on_the_tracking_thread():
    custom = RecordingEmitter()
    t = Tracker("ns", custom, app_id="a", subject=Subject().set_user_id("u"))
    eid = t.track(StructuredEvent("c", "a", value=3))
    t.track_ecommerce_transaction("o", 5, items=[{"sku": "s", "price": 5, "quantity": 1}])
    se, tr, ti = custom.payloads
    assert se["eid"] == eid and se["e"] == "se" and se["se_va"] == "3" and se["uid"] == "u"
    assert all(isinstance(v, str) for p in custom.payloads for v in p.values())
    assert tr["e"] == "tr" and ti["e"] == "ti" and "stm" not in se
    assert custom.threads == {threading.current_thread().name}
    t.set_subject(Subject().set_user_id("v"))
    t.track(PageView("http://e.com/"))
    assert custom.payloads[-1]["uid"] == "v"
    t.flush()
    assert custom.flushes == 1
    assert t.encode(PageView("http://x/"))[0]["url"] == "http://x/"
    with pytest.raises(TypeError, match=r"emitters\[0\] must be an Emitter or an object with"):
        Tracker("ns", object())


def test_event_store(collector, dead_url, recorder):
    emitter = Emitter(dead_url, event_store=InMemoryEventStore(buffer_capacity=2),
                      on_failure=recorder.on_failure, request_timeout=5)
    assert emitter.buffer_capacity == 2
    t = Tracker("ns", emitter)
    results = [t.track(StructuredEvent("c", "a", str(i))) for i in range(10)]
    assert None in results  # the store's bound is the C queue's
    emitter.close(timeout=0.2)
    with pytest.raises(ValueError, match="only InMemoryEventStore is supported"):
        Emitter(collector.url, event_store=object())
    with pytest.raises(ValueError, match="disagree"):
        Emitter(collector.url, buffer_capacity=5, event_store=InMemoryEventStore(None, 6))
    with pytest.raises(ValueError, match="buffer_capacity must be at least 1"):
        InMemoryEventStore(buffer_capacity=0)
    with pytest.raises(ValueError, match="session is not supported"):
        Emitter(collector.url, session=object())


def test_endpoint_is_the_full_url():
    assert Emitter("c.example.com").endpoint == "https://c.example.com/com.snowplowanalytics.snowplow/tp2"
    assert Emitter("c.example.com", method="get").endpoint == "https://c.example.com/i"
    assert AsyncEmitter("c.example.com", port=8080).endpoint == (
        "http://c.example.com:8080/com.snowplowanalytics.snowplow/tp2")
    assert Emitter("http://c.example.com/").endpoint == (
        "http://c.example.com/com.snowplowanalytics.snowplow/tp2")
    assert Emitter.as_collector_uri("c", "http", 9, "get") == "http://c:9/i"
    with pytest.raises(ValueError, match="endpoint must not be empty"):
        Emitter("")


def test_callbacks_get_a_lazy_sequence(collector):
    got = {}
    done = threading.Event()

    def on_success(events):
        got["events"] = events
        got["len"] = len(events)
        done.set()

    t = Tracker("ns", Emitter(collector.url, batch_size=3, on_success=on_success))
    eids = [t.track(StructuredEvent("c", "a", str(i))) for i in range(3)]
    t.flush()
    assert done.wait(WAIT)
    events = got["events"]
    assert got["len"] == 3 and len(events) == 3
    assert [e["eid"] for e in events] == eids and events[-1]["se_la"] == "2"
    assert events[0] is events[0]  # decoded once, then kept
    assert events == [dict(e) for e in events] and events[1:] == list(events)[1:]
    assert events + [] == list(events) and isinstance(events, snowplow._events.EventList)
    with pytest.raises(IndexError):
        events[3]


def test_custom_and_library_emitters_together(collector):
    custom = RecordingEmitter()
    emitter = Emitter(collector.url)
    t = Tracker("ns", [custom, emitter])
    eid = t.track(PageView("http://e.com/both"))
    t.flush()
    (raw,) = [r["raw"] for r in collector.good()]
    assert custom.payloads[0]["eid"] == raw["eid"] == eid  # one event, one id
    assert custom.flushes == 1
    assert emitter.input({"e": "pv", "url": "http://e.com/input", "tv": "t-1",
                          "p": "srv"}) is not None
    emitter.flush()
    emitter.sync_flush()
    assert collector.bad() == []
    assert [r["raw"]["url"] for r in collector.good()] == ["http://e.com/both",
                                                           "http://e.com/input"]
