"""Eight Python threads tracking at once through one tracker: every event id
arrives exactly once, at the collector and in the success callback."""

import collections
import threading

from snowplow import AsyncEmitter, StructuredEvent, Subject, Tracker

THREADS = 8
PER_THREAD = 400


def test_eight_threads_exact_accounting(collector, recorder):
    emitter = AsyncEmitter(collector.url, thread_count=2, batch_size=25,
                           on_success=recorder.on_success, on_failure=recorder.on_failure)
    tracker = Tracker("ns", emitter, subject=Subject().set_user_id("shared"))
    tracked = [[] for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    errors = []

    def work(n):
        try:
            start.wait()
            for i in range(PER_THREAD):
                tracked[n].append(tracker.track(StructuredEvent("thread-%d" % n, "a", str(i),
                                                                value=i)))
                if i == PER_THREAD // 2:
                    tracker.flush(is_async=True)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    tracker.flush()

    all_eids = [eid for per in tracked for eid in per]
    assert len(all_eids) == THREADS * PER_THREAD
    assert len(set(all_eids)) == len(all_eids)
    assert None not in all_eids

    # Callbacks: each event once, none failed (the flush waited for them).
    callback_counts = collections.Counter(e["eid"] for e in recorder.sent)
    assert set(callback_counts) == set(all_eids)
    assert max(callback_counts.values()) == 1
    assert recorder.failures == []

    # Collector: each event once, and each thread's fields intact.
    arrived = collector.good("?fields=eid,se_ca,se_la")
    assert collector.bad() == []
    counts = collections.Counter(r["event"]["eid"] for r in arrived)
    assert set(counts) == set(all_eids) and max(counts.values()) == 1
    by_eid = {r["event"]["eid"]: r["event"] for r in arrived}
    for n, per in enumerate(tracked):
        assert [by_eid[eid]["se_la"] for eid in per] == [str(i) for i in range(PER_THREAD)]
        assert {by_eid[eid]["se_ca"] for eid in per} == {"thread-%d" % n}

    stats = emitter.stats()
    assert stats["tracked"] == stats["sent"] == len(all_eids)
    assert stats["failed"] == stats["dropped"] == stats["queued"] == 0
