"""snowplow_tracker.redis_worker.RedisWorker(emitter, rdb=None, key="snowplow"):
run() hands each item of the Redis list to emitter.input() until
request_shutdown(); items as 0.7.0's RedisEmitter wrote them (values as given)
and as the C Redis transport writes them (strings, stm) reach the collector
with their event ids. Against a redis-server the test starts."""

import json
import uuid

import pytest

from snowplow_tracker import Emitter
from snowplow_tracker.redis_worker import RedisWorker

from conftest import run_worker_until

redis = pytest.importorskip("redis", reason="redis-py not installed (Debian: python3-redis)")


def collector_emitter(collector, **kw):
    host, port = collector.url.split("://")[1].split(":")
    return Emitter(host, port=int(port), method="post", buffer_size=1, **kw)


def test_worker_takes_items_to_the_collector(redis_server, collector):
    port, client = redis_server
    typed = {"e": "se", "se_ca": "c", "se_ac": "0.7.0", "se_va": 1.5, "dtm": 1700000000000,
             "tv": "py-0.7.0", "p": "pc", "eid": str(uuid.uuid4())}
    strings = {"e": "pv", "url": "http://e.com/c", "dtm": "1700000000001", "stm": "1",
               "tv": "c-x", "p": "srv", "eid": str(uuid.uuid4())}
    for item in (json.dumps(typed), "not json", json.dumps([1]), json.dumps(strings)):
        client.rpush("custom", item)
    worker = RedisWorker(collector_emitter(collector), redis.StrictRedis(port=port), "custom")
    run_worker_until(worker, lambda: collector.wait_counts(2))
    raws = {r["raw"]["e"]: r["raw"] for r in collector.good()}
    assert collector.bad() == [] and set(raws) == {"se", "pv"}
    assert raws["se"]["eid"] == typed["eid"] and raws["se"]["se_va"] == "1.5"
    assert raws["se"]["dtm"] == "1700000000000"
    assert raws["pv"]["eid"] == strings["eid"] and raws["pv"]["stm"] != "1"  # set when sent
    assert client.llen("custom") == 0  # the two malformed items were dropped, not retried


def test_worker_feeds_any_emitter_and_checks_its_arguments(redis_server):
    port, client = redis_server
    got = []

    class ListEmitter:
        def input(self, payload):
            got.append(payload)

        def flush(self):
            got.append("flushed")

    client.rpush("snowplow", json.dumps({"e": "pv", "url": "u"}))
    worker = RedisWorker(ListEmitter(), redis.StrictRedis(port=port))  # default key
    assert worker.pop_payload() is True
    assert worker.pop_payload() is False  # waited a second: nothing came
    run_worker_until(worker, lambda: None)
    assert got == [{"e": "pv", "url": "u"}, "flushed"]  # run() flushes the emitter at the end
    with pytest.raises(TypeError, match="emitter must have input"):
        RedisWorker(object())
    with pytest.raises(ValueError, match="key must be a non-empty str"):
        RedisWorker(ListEmitter(), key="")
