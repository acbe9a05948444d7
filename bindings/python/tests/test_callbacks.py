"""on_success / on_failure: the events as dicts of payload fields, run on the
emitter's dispatcher thread; failures from a dead port, 500 and 400; exceptions
in callbacks; flush and track from inside a callback."""

import threading

import pytest

from snowplow import Emitter, PageView, SelfDescribing, SelfDescribingJson, StructuredEvent, Tracker

from conftest import TEST_EVENT, WAIT


def make(collector_url, recorder, **kw):
    emitter = Emitter(collector_url, on_success=recorder.on_success,
                      on_failure=recorder.on_failure, **kw)
    return emitter, Tracker("ns", emitter, app_id="cb")


def test_on_success_gets_the_sent_events_as_dicts(collector, recorder):
    emitter, tracker = make(collector.url, recorder, batch_size=3)
    eids = [tracker.track(StructuredEvent("c", "a", str(i), value=i)) for i in range(7)]
    eids.append(tracker.track(SelfDescribing(SelfDescribingJson(TEST_EVENT, {"name": "x"}))))
    tracker.flush()
    # The blocking flush returned: every callback for those events has run.
    assert sorted(e["eid"] for e in recorder.sent) == sorted(eids)
    assert recorder.failures == []
    by_eid = {e["eid"]: e for e in recorder.sent}
    for i, eid in enumerate(eids[:7]):
        event = by_eid[eid]
        assert all(isinstance(v, str) for v in event.values())
        assert (event["e"], event["se_ca"], event["se_la"], event["se_va"]) == (
            "se", "c", str(i), str(i))
        assert event["tna"] == "ns" and event["aid"] == "cb" and "stm" in event
    assert "ue_px" in by_eid[eids[7]]
    assert recorder.threads and all(name.startswith("snowplow-dispatcher")
                                    for name in recorder.threads)
    assert threading.current_thread().name not in recorder.threads
    stats = emitter.stats()
    assert stats["sent"] == 8 and stats["failed"] == 0


def test_dead_port_reports_failures_with_the_events(dead_url, recorder):
    emitter, tracker = make(dead_url, recorder, request_timeout=5)
    eids = {tracker.track(PageView("http://e.com/%d" % i)) for i in range(3)}
    recorder.wait(lambda: {e["eid"] for e in recorder.failed_events()} >= eids)
    count, events = recorder.failures[0]
    assert count == 0
    assert all(e["e"] == "pv" and e["url"].startswith("http://e.com/") for e in events)
    # Network errors are retried until the emitter is closed; closing reports
    # the events once more, for good, before close returns.
    emitter.close(timeout=0.5)
    assert recorder.sent == []
    assert emitter.stats()["sent"] == 0


def test_http_500_is_reported_and_retried(collector, recorder):
    collector.fault(status=500)
    emitter, tracker = make(collector.url, recorder)
    eid = tracker.track(PageView("http://e.com/"))
    recorder.wait(lambda: len(recorder.failures) >= 2)  # first attempt and a retry
    assert all(e["eid"] == eid for e in recorder.failed_events())
    assert emitter.stats()["retried"] >= 1
    collector.fault(status=200)
    # flush does not wait for a retry (the event had its attempt): the retry
    # delivers it on its own.
    recorder.wait(lambda: recorder.sent)
    assert [e["eid"] for e in recorder.sent] == [eid]
    assert collector.good_eids() == [eid]


def test_http_400_fails_for_good_without_retry(collector, recorder):
    collector.fault(status=400)
    emitter, tracker = make(collector.url, recorder, batch_size=2)
    eids = [tracker.track(StructuredEvent("c", "a")) for _ in range(4)]
    tracker.flush(timeout=WAIT)
    # Given up for good, so the flush returned, after the callbacks ran.
    assert sorted(e["eid"] for e in recorder.failed_events()) == sorted(eids)
    assert all(count == 0 for count, _ in recorder.failures)
    assert recorder.sent == []
    stats = emitter.stats()
    assert stats["failed"] == 4 and stats["retried"] == 0
    assert collector.good() == []


def test_custom_retry_codes_override(collector, recorder):
    collector.fault(status=500)
    emitter, tracker = make(collector.url, recorder, custom_retry_codes={500: False})
    eid = tracker.track(PageView("http://e.com/"))
    tracker.flush(timeout=WAIT)
    assert [e["eid"] for e in recorder.failed_events()] == [eid]
    assert emitter.stats()["retried"] == 0


def test_exception_in_a_callback_goes_to_unraisablehook(collector, monkeypatch):
    reported = []
    monkeypatch.setattr("sys.unraisablehook", lambda args: reported.append(args))
    seen = []

    def on_success(events):
        seen.extend(events)
        if len(seen) == 1:
            raise KeyError("boom")

    tracker = Tracker("ns", Emitter(collector.url, batch_size=1, on_success=on_success))
    tracker.track(PageView("http://e.com/1"))
    tracker.flush()
    tracker.track(PageView("http://e.com/2"))
    tracker.flush()
    assert len(seen) == 2  # the dispatcher lived on
    assert len(reported) == 1
    assert reported[0].exc_type is KeyError and reported[0].object is on_success


def test_flush_and_track_inside_a_callback_do_not_deadlock(collector):
    done = threading.Event()
    results = []
    box = {}

    def on_success(events):
        tracker = box["tracker"]
        for event in events:
            if event.get("se_ac") == "first":
                # A blocking flush here cannot wait for this very thread: it
                # turns into an asynchronous one and returns at once.
                results.append(tracker.flush())
                results.append(box["emitter"].sync_flush())
                results.append(tracker.track(StructuredEvent("c", "from-callback")))
            if event.get("se_ac") == "from-callback":
                done.set()

    emitter = Emitter(collector.url, on_success=on_success)
    box["emitter"], box["tracker"] = emitter, Tracker("ns", emitter)

    def scenario():
        box["tracker"].track(StructuredEvent("c", "first"))
        box["tracker"].flush()

    runner = threading.Thread(target=scenario, daemon=True)
    runner.start()
    runner.join(WAIT)
    assert not runner.is_alive(), "flush deadlocked"
    assert done.wait(WAIT)
    assert results[0] is box["tracker"] and results[1] is False and len(results[2]) == 36
    box["tracker"].flush()
    assert sorted(r["event"]["se_ac"] for r in collector.good("?fields=se_ac")) == [
        "first", "from-callback"]


def test_close_inside_a_callback(collector):
    box = {}
    closed = threading.Event()

    def on_success(events):
        box["emitter"].close()
        closed.set()

    box["emitter"] = Emitter(collector.url, on_success=on_success)
    Tracker("ns", box["emitter"]).track(PageView("http://e.com/"))
    assert closed.wait(WAIT)
    assert box["emitter"].closed


def test_queue_full_reports_the_dropped_event(dead_url, recorder):
    emitter, tracker = make(dead_url, recorder, buffer_capacity=2, request_timeout=5)
    results = [tracker.track(StructuredEvent("c", "a", str(i))) for i in range(10)]
    assert None in results  # a full queue refuses events instead of raising
    refused = {str(i) for i, r in enumerate(results) if r is None}
    # Each refused event is reported to on_failure, with its fields.
    recorder.wait(lambda: refused <= {e["se_la"] for e in recorder.failed_events()})
    assert emitter.stats()["dropped"] >= len(refused)
    emitter.close(timeout=0.2)
