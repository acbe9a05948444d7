"""A collector outage and its recovery: while the collector answers 500 the
events are reported as failed and kept; once it answers 200 again they arrive,
each exactly once, with the event ids they were given at track time."""

import collections

from snowplow import Emitter, PageView, StructuredEvent, Tracker

from conftest import WAIT


def test_outage_then_recovery_delivers_every_event_once(collector, recorder):
    collector.fault(status=500)
    emitter = Emitter(collector.url, batch_size=5, max_retry_delay_seconds=1,
                      on_success=recorder.on_success, on_failure=recorder.on_failure)
    tracker = Tracker("ns", emitter)
    eids = [tracker.track(StructuredEvent("outage", "a", str(i))) for i in range(12)]
    eids.append(tracker.track(PageView("http://e.com/during-outage")))

    # Every event fails at least once while the collector is down.
    recorder.wait(lambda: {e["eid"] for e in recorder.failed_events()} >= set(eids))
    assert collector.good() == []
    assert emitter.stats()["retried"] >= len(eids)

    collector.fault(status=200)
    tracker.flush(timeout=WAIT)

    arrived = collections.Counter(collector.good_eids())
    assert set(arrived) == set(eids) and max(arrived.values()) == 1
    assert collector.bad() == []
    sent = collections.Counter(e["eid"] for e in recorder.sent)
    assert set(sent) == set(eids) and max(sent.values()) == 1
    stats = emitter.stats()
    assert stats["sent"] == len(eids) and stats["failed"] == 0 and stats["queued"] == 0
