"""Redis: snowplow_tracker's RedisEmitter(rdb=None, key="snowplow") and
redis_worker.RedisWorker (0.7.0's integration cases "redis default" and "redis
custom key", plus the worker taking events on to the collector), and
snowplow.RedisEmitter, on the C Redis transport, against a redis-server the
test starts."""

import json

import pytest

import snowplow
from snowplow.redis_emitter import redis_url
from snowplow_tracker import Emitter, RedisEmitter, Subject, Tracker
from snowplow_tracker.redis_worker import RedisWorker

from conftest import run_worker_until

redis = pytest.importorskip("redis", reason="redis-py not installed (Debian: python3-redis)")


def test_redis_default_key(redis_server):
    port, client = redis_server
    t = Tracker([RedisEmitter(redis.StrictRedis(port=port))], Subject())
    t.track_page_view("http://www.example.com")
    # Pushed before track_page_view returned, as 0.7.0 did.
    event = json.loads(client.rpop("snowplow").decode("utf-8"))
    assert event["e"] == "pv" and event["url"] == "http://www.example.com"
    assert all(isinstance(v, str) for v in event.values())


def test_redis_custom_key_and_db(redis_server):
    port, _ = redis_server
    r = redis.StrictRedis(port=port, db=1)
    t = Tracker([RedisEmitter(rdb=r, key="custom_key")], Subject())
    t.track_struct_event("c", "a", value=2)
    event = json.loads(r.rpop("custom_key").decode("utf-8"))
    assert (event["e"], event["se_va"]) == ("se", "2")
    assert redis.StrictRedis(port=port, db=0).llen("custom_key") == 0  # db 1 honoured


def test_redis_urls_of_clients():
    assert redis_url(None) == "redis://localhost:6379/0"
    assert redis_url(redis.StrictRedis(host="h", port=7, db=3, password="pw")) == \
        "redis://:pw@h:7/3"
    assert redis_url(redis.StrictRedis(unix_socket_path="/tmp/r.sock", db=2)) == \
        "unix:///tmp/r.sock?db=2"
    with pytest.raises(TypeError, match="rdb must be a redis-py client"):
        RedisEmitter(rdb="localhost")


def test_redis_down_raises_from_the_track_call(redis_server):
    port, client = redis_server
    client.set("not_a_list", "x")
    t = Tracker(RedisEmitter(redis.StrictRedis(port=port), key="not_a_list"))
    with pytest.raises(RuntimeError, match="WRONGTYPE"):
        t.track_page_view("http://www.example.com")


def test_redis_emitter_then_worker_to_the_collector(redis_server, collector):
    """0.7.0's whole Redis path: RedisEmitter pushes, RedisWorker delivers."""
    port, client = redis_server
    rdb = redis.StrictRedis(port=port)
    Tracker(RedisEmitter(rdb), namespace="via-redis").track_page_view("http://e.com/r")
    pushed_eid = json.loads(client.lindex("snowplow", 0))["eid"]
    host, cport = collector.url.split("://")[1].split(":")
    worker = RedisWorker(Emitter(host, port=int(cport)), rdb)
    run_worker_until(worker, lambda: collector.wait_counts(1))
    (raw,) = [r["raw"] for r in collector.good()]
    assert raw["eid"] == pushed_eid and raw["tna"] == "via-redis" and raw["url"] == "http://e.com/r"
    assert client.llen("snowplow") == 0


def test_snowplow_redis_emitter(redis_server, recorder):
    port, client = redis_server
    emitter = snowplow.RedisEmitter(redis.StrictRedis(port=port), key="events", batch_size=5,
                                    on_success=recorder.on_success)
    tracker = snowplow.Tracker("ns", emitter)
    eids = [tracker.track(snowplow.StructuredEvent("c", str(i))) for i in range(12)]
    tracker.flush()
    items = [json.loads(i) for i in client.lrange("events", 0, -1)]
    assert sorted(i["eid"] for i in items) == sorted(eids)
    assert len(recorder.sent) == 12 and emitter.endpoint is None
