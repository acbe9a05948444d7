"""store_path: events that could not be sent stay in the SQLite store when the
emitter is closed, and a later emitter on the same file sends them, with the
event ids they were given at track time. Skipped when the library was built
without SQLite."""

import collections

import pytest

from snowplow import Emitter, PageView, Tracker
from snowplow import _snowplow_c as c


def open_emitter(url, path, **kw):
    try:
        return Emitter(url, store_path=path, **kw)
    except RuntimeError as exc:
        if getattr(exc, "code", None) == c.EUNSUPPORTED:
            pytest.skip("libsnowplow was built without SQLite")
        raise


def test_unsent_events_survive_in_the_store(tmp_path, collector, dead_url):
    path = str(tmp_path / "events.db")
    first = open_emitter(dead_url, path, request_timeout=1)
    tracker = Tracker("store", first)
    eids = [tracker.track(PageView("http://e.com/%d" % i)) for i in range(5)]
    first.close(timeout=0.5)  # the collector is unreachable: they stay stored

    second = open_emitter(collector.url, path)
    collector.wait_counts(5)
    second.close()
    arrived = collections.Counter(collector.good_eids())
    assert set(arrived) == set(eids) and max(arrived.values()) == 1


def test_a_bad_store_path_is_an_error(tmp_path):
    with pytest.raises(RuntimeError) as info:
        open_emitter("http://127.0.0.1:9", str(tmp_path / "missing-dir" / "x" / "events.db"))
    assert info.value.code == c.ESTORE
