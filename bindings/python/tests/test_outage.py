"""A collector outage and its recovery: while the collector answers 500 the
events are reported as failed and kept; once it answers 200 again they arrive,
each exactly once, with the event ids they were given at track time."""

import collections
import time

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

    # flush during the outage returns after one attempt per event; they stay
    # queued for their retries.
    tracker.flush()
    assert emitter.stats()["sent"] == 0 and emitter.stats()["queued"] + \
        emitter.stats()["in_flight"] == len(eids)

    collector.fault(status=200)
    recorder.wait(lambda: len(recorder.sent) >= len(eids))  # the retries deliver them

    arrived = collections.Counter(collector.good_eids())
    assert set(arrived) == set(eids) and max(arrived.values()) == 1
    assert collector.bad() == []
    sent = collections.Counter(e["eid"] for e in recorder.sent)
    assert set(sent) == set(eids) and max(sent.values()) == 1
    stats = emitter.stats()
    assert stats["sent"] == len(eids) and stats["failed"] == 0 and stats["queued"] == 0


def test_flush_during_outage_returns_after_one_attempt(collector, recorder):
    """The collector answers 500: a blocking flush without a timeout returns once
    every event had one attempt, reported with will_retry; the events are
    delivered later, when the collector is back."""
    collector.fault(status=500)
    emitter = Emitter(collector.url, batch_size=5, max_retry_delay_seconds=2,
                      on_success=recorder.on_success, on_failure=recorder.on_failure)
    tracker = Tracker("ns", emitter)
    eids = [tracker.track(StructuredEvent("outage", "flush", str(i))) for i in range(7)]
    start = time.monotonic()
    tracker.flush()  # no timeout: must return on its own
    assert time.monotonic() - start < WAIT
    assert {e["eid"] for e in recorder.failed_events()} == set(eids)  # reported before return
    stats = emitter.stats()
    assert stats["sent"] == 0 and stats["failed"] == 0 and stats["retried"] >= len(eids)
    assert stats["queued"] + stats["in_flight"] == len(eids)
    assert emitter.sync_flush() is True

    collector.fault(status=200)
    collector.wait_counts(len(eids))
    recorder.wait(lambda: len(recorder.sent) >= len(eids))
    assert sorted(collector.good_eids()) == sorted(eids)
    emitter.close()
