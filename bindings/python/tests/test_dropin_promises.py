"""snowplow_tracker keeps what the 0.7.0 release promised, and fixes what it
warned about: a thread pool that neither duplicates nor skips events, every
2xx and 3xx status a success, network errors reported as failures (never
raised), a synchronous flush inside a callback that does not deadlock, and
unicode, base64 included (0.7.0 raised UnicodeEncodeError there)."""

import json
import threading

import pytest

from snowplow_tracker import AsyncEmitter, CeleryEmitter, Emitter, SelfDescribingJson, Tracker

from conftest import WAIT, decode_b64url, run_python

ANY = "iglu:com.snowplowanalytics.iglu/anything-a/jsonschema/1-0-0"


def host_port(url):
    host, port = url.split("://")[1].split(":")
    return host, int(port)


@pytest.mark.parametrize("method", ["get", "post"])
def test_thread_pool_neither_duplicates_nor_skips(collector, method):
    host, port = host_port(collector.url)
    lock, counts, failures = threading.Lock(), [], []

    def on_success(n):
        with lock:
            counts.append(n)

    emitter = AsyncEmitter(host, port=port, method=method, thread_count=4,
                           on_success=on_success,
                           on_failure=lambda n, unsent: failures.append(unsent))
    tracker = Tracker(emitter, namespace="pool")
    per_thread = 100 if method == "get" else 500

    def work(k):
        for i in range(per_thread):
            tracker.track_struct_event("pool", "t%d" % k, str(i))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    tracker.flush()  # blocking: delivered and callbacks run
    records = collector.by_eid()  # no duplicate, nothing bad
    seen = sorted((r["raw"]["se_ac"], int(r["raw"]["se_la"])) for r in records.values())
    assert seen == sorted(("t%d" % k, i) for k in range(6) for i in range(per_thread))
    assert sum(counts) == 6 * per_thread and failures == []
    if method == "post":
        assert all(r["events"] <= 10 for r in collector.requests())


@pytest.mark.parametrize("status", [200, 201, 204, 301, 302, 304])
def test_2xx_and_3xx_are_success(collector, status):
    collector.fault(status=status)
    host, port = host_port(collector.url)
    ok, failed = [], []
    tracker = Tracker(Emitter(host, port=port, on_success=ok.append,
                              on_failure=lambda n, u: failed.append(n)))
    tracker.track_page_view("http://example.com/%d" % status)
    assert ok == [1] and failed == []
    assert collector.requests()[0]["status"] == status


def test_4xx_and_5xx_are_failures_reported_once(collector):
    host, port = host_port(collector.url)
    failed = []
    tracker = Tracker(Emitter(host, port=port, on_failure=lambda n, u: failed.append(u)))
    for status in (400, 404, 500, 503):
        collector.fault(status=status)
        tracker.track_struct_event("c", str(status))
    assert [u[0]["se_ac"] for u in failed] == ["400", "404", "500", "503"]
    assert len(collector.requests()) == 4  # no retry: 0.7.0 did not retry


@pytest.mark.parametrize("cls", [Emitter, AsyncEmitter])
def test_network_errors_are_failures_not_exceptions(dead_url, cls):
    host, port = host_port(dead_url)
    done = threading.Event()
    ok, failed = [], []

    def on_failure(n, unsent):
        failed.append((n, unsent))
        done.set()

    emitter = cls(host, port=port, on_success=ok.append, on_failure=on_failure)
    tracker = Tracker(emitter)
    tracker.track_page_view("http://example.com/")  # does not raise
    tracker.flush()
    assert done.wait(WAIT)
    ((count, (event,)),) = failed
    assert count == 0 and event["e"] == "pv" and ok == []
    assert emitter.stats()["retried"] == 0


def test_retries_are_opt_in(collector):
    collector.fault(status=500, count=1)
    host, port = host_port(collector.url)
    ok, failed = [], []
    tracker = Tracker(Emitter(host, port=port, retries=True, on_success=ok.append,
                              on_failure=lambda n, u: failed.append(n)))
    tracker.track_page_view("http://example.com/")
    # The retry delivered it before the flush returned: a success, no loss.
    assert failed == [] and ok == [1]
    assert len(collector.good()) == 1 and len(collector.requests()) == 2


def test_sync_flush_inside_a_callback_does_not_deadlock(collector):
    host, port = host_port(collector.url)
    box, results, done = {}, [], threading.Event()

    def on_success(n):
        # The release post warned that this deadlocked the AsyncEmitter.
        results.append(box["emitter"].sync_flush())
        results.append(box["tracker"].flush() is box["tracker"])
        if len(results) >= 2:
            done.set()

    box["emitter"] = AsyncEmitter(host, port=port, on_success=on_success)
    box["tracker"] = Tracker(box["emitter"])
    runner = threading.Thread(target=lambda: box["tracker"].track_page_view("http://e/")
                              .flush(), daemon=True)
    runner.start()
    runner.join(WAIT)
    assert not runner.is_alive(), "flush deadlocked"
    assert done.wait(WAIT)
    assert results[:2] == [False, True]  # inside a callback: asynchronous, at once
    assert len(collector.good()) == 1


def test_synchronous_emitter_callback_may_flush_and_track(collector):
    host, port = host_port(collector.url)
    box, seen = {}, []

    def on_success(n):
        seen.append(n)
        if len(seen) == 1:
            box["tracker"].track_struct_event("c", "from-callback")
            box["tracker"].flush()

    box["tracker"] = Tracker(Emitter(host, port=port, on_success=on_success))
    box["tracker"].track_struct_event("c", "first")
    assert seen == [1, 1]
    assert sorted(r["raw"]["se_ac"] for r in collector.good()) == ["first", "from-callback"]


def test_flush_positional_and_async_keyword(collector):
    host, port = host_port(collector.url)
    tracker = Tracker(AsyncEmitter(host, port=port, method="post"))
    tracker.track_struct_event("c", "a")
    assert tracker.flush(True) is tracker                 # 0.7.0's flush(async) positionally
    assert tracker.flush(**{"async": False}) is tracker   # and by its old keyword
    assert len(collector.good()) == 1


def test_celery_emitter_delivers_on_the_c_threads(collector):
    host, port = host_port(collector.url)
    emitter = CeleryEmitter(host, port=port)
    tracker = Tracker(emitter)
    tracker.track_page_view("http://example.com/celery")
    emitter.flush()
    collector.wait_counts(1)
    assert collector.good()[0]["raw"]["url"] == "http://example.com/celery"


@pytest.mark.parametrize("base64", [True, False])
@pytest.mark.parametrize("method", ["get", "post"])
def test_unicode(collector, base64, method):
    host, port = host_port(collector.url)
    tracker = Tracker(Emitter(host, port=port, method=method, buffer_size=1),
                      encode_base64=base64, namespace="żółw")
    data = {"name": "Zażółć gęślą jaźń", "emoji": "🐢", "ja": "カメ"}
    tracker.track_unstruct_event(SelfDescribingJson(ANY, data),
                                 [SelfDescribingJson(ANY, {"city": "Kraków"})])
    tracker.track_page_view("http://example.com/ü", "Título ☃")
    ue, pv = [r["raw"] for r in collector.good()]
    assert collector.bad() == []
    envelope = decode_b64url(ue["ue_px"]) if base64 else json.loads(ue["ue_pr"])
    context = decode_b64url(ue["cx"]) if base64 else json.loads(ue["co"])
    assert envelope["data"]["data"] == data
    assert context["data"][0]["data"] == {"city": "Kraków"}
    assert ue["tna"] == "żółw" and pv["page"] == "Título ☃" and pv["url"] == "http://example.com/ü"


@pytest.mark.parametrize("cls", ["Emitter", "AsyncEmitter"])
def test_partial_buffer_is_sent_at_exit(collector, cls):
    """0.7.0 lost the events of a partial buffer when the process ended; here
    they are sent at exit (and the synchronous emitter's callback runs)."""
    host, port = host_port(collector.url)
    code = """
from snowplow_tracker import %s, Tracker
e = %s(%r, port=%d, method="post", on_success=lambda n: print("sent", n, flush=True))
t = Tracker(e)
for i in range(3):
    t.track_struct_event("exit", str(i))
""" % (cls, cls, host, port)
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert sorted(r["raw"]["se_ac"] for r in collector.good()) == ["0", "1", "2"]
    assert proc.stdout.split() == ["sent", "3"]


def test_synchronous_emitter_is_thread_safe(collector):
    """0.7.0 made Emitter thread-safe: threads share one synchronous emitter,
    each buffer is sent once, nothing twice, nothing skipped."""
    host, port = host_port(collector.url)
    lock, counts = threading.Lock(), []

    def on_success(n):
        with lock:
            counts.append(n)

    tracker = Tracker(Emitter(host, port=port, method="post", on_success=on_success))

    def work(k):
        for i in range(50):
            tracker.track_struct_event("sync", "t%d" % k, str(i))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    tracker.flush()
    records = collector.by_eid()
    assert len(records) == 200 and sum(counts) == 200
    assert sorted((r["raw"]["se_ac"], int(r["raw"]["se_la"])) for r in records.values()) == sorted(
        ("t%d" % k, i) for k in range(4) for i in range(50))
