"""snowplow-relay delivers what applications push to Redis: every event type with the
fields of the direct HTTP path, the official RedisEmitter's format (numbers), and bad
items to the dead-letter list."""

import json
import subprocess

import pytest

from conftest import DEMO, held, push, run_relay, se_payload


def raw_events(collector):
    return {rec["raw"]["eid"]: rec["raw"] for rec in collector.get("/micro/good")}


def without_stm(raw):
    return {k: v for k, v in raw.items() if k != "stm"}


@pytest.mark.parametrize("source", ["transport", "pushed"])
@pytest.mark.parametrize("method", ["post", "get"])
@pytest.mark.parametrize("base64", [True, False])
def test_every_event_type_same_fields_as_direct(tmp_path, redis_server, collector, method,
                                                base64, source):
    """One event of every type, tracked once by snowplow-demo: straight to the collector
    (the direct path) and, through a second emitter with the Redis transport, into the
    list ("transport"), or pushed there afterwards as the collector received it
    ("pushed"). The relay then delivers the list's copies: same fields but stm."""
    client = redis_server.client()
    demo = [DEMO, "--collector", collector.url()] + ([] if base64 else ["--no-base64"])
    if source == "transport":
        demo += ["--redis", redis_server.url(), "--redis-key", "events"]
    subprocess.run(demo, check=True, stdout=subprocess.DEVNULL, timeout=120)
    direct = raw_events(collector)
    assert len(direct) >= 14 and collector.counts()["bad"] == 0
    assert {raw["e"] for raw in direct.values()} == {"pv", "pp", "se", "ue", "tr", "ti"}
    if source == "pushed":
        client.rpush("events", *[json.dumps(without_stm(raw), separators=(",", ":"))
                                 for raw in direct.values()])
    assert client.llen("events") == len(direct)

    collector.post("/micro/reset", {})
    rc, err = run_relay(tmp_path, "--redis", redis_server.url(), "--key", "events",
                        "--collector", collector.url(), "--method", method, "--once")
    assert rc == 0, err
    relayed = raw_events(collector)
    assert collector.counts() == {"total": len(direct), "good": len(direct), "bad": 0}
    assert set(relayed) == set(direct)
    for eid, raw in direct.items():
        assert without_stm(relayed[eid]) == without_stm(raw)
        assert relayed[eid]["stm"]  # set again at send time
    assert client.llen("events") == 0 and client.llen("events:dead") == 0
    assert held(client, "events", err.split("[")[1].split("]")[0]) == 0


def test_official_redis_emitter_format(tmp_path, redis_server, collector):
    """A plain redis-py producer writes payload dicts with numbers, as the official
    tracker's RedisEmitter does (rpush(key, json.dumps(payload)))."""
    client = redis_server.client()
    payloads = [se_payload(i, se_va=i + 0.25, tid=100000 + i) for i in range(200)]
    eids = push(client, "snowplow", payloads)
    rc, err = run_relay(tmp_path, "--redis", redis_server.url(), "--key", "snowplow",
                        "--collector", collector.url(), "--once", "--id", "official")
    assert rc == 0, err
    assert collector.counts() == {"total": 200, "good": 200, "bad": 0}
    got = raw_events(collector)
    assert sorted(got) == sorted(eids)
    for i, p in enumerate(payloads):
        raw = got[p["eid"]]
        assert raw["dtm"] == str(1700000000000 + i)
        assert raw["se_va"] == str(i + 0.25)  # what Python's str() gives
        assert raw["tid"] == str(100000 + i)
        assert raw["se_la"] == f"item-{i}"
    assert "delivered 200" in err


def test_malformed_items_to_dead_letter(tmp_path, redis_server, collector):
    client = redis_server.client()
    good = [se_payload(i) for i in range(50)]
    bad = [b"not json", b"[1, 2]", b'"a string"', json.dumps({"se_ca": "no e"}).encode(),
           b'{"e": "se", "x": "\xff"}', b'{"e": "se", "eid": "not-a-uuid"}',
           b'{"e": "se", "se_ca": {"nested": 1}}', b'{"e":"se"}\x00trailing']
    client.rpush("ev", *[json.dumps(p) for p in good[:25]], *bad,
                 *[json.dumps(p) for p in good[25:]])
    rc, err = run_relay(tmp_path, "--redis", redis_server.url(), "--key", "ev",
                        "--collector", collector.url(), "--once")
    assert rc == 0, err
    assert collector.counts() == {"total": 50, "good": 50, "bad": 0}
    assert client.lrange("ev:dead", 0, -1) == bad
    assert client.llen("ev") == 0
    assert "malformed 8" in err
    assert "not valid JSON" in err and "not a JSON object" in err
    assert "field 'e'" in err and "not valid UTF-8" in err and "NUL byte" in err


def test_collector_refusal_to_dead_letter(tmp_path, redis_server, collector):
    """A status the collector will never accept (400) ends the events: dead-lettered and
    counted, not retried forever, not lost."""
    client = redis_server.client()
    eids = push(client, "ev", [se_payload(i) for i in range(30)])
    collector.post("/micro/fault", {"status": 400, "count": 1000})
    rc, err = run_relay(tmp_path, "--redis", redis_server.url(), "--key", "ev",
                        "--collector", collector.url(), "--once", "--batch", "10")
    assert rc == 0, err
    dead = [json.loads(x)["eid"] for x in client.lrange("ev:dead", 0, -1)]
    assert sorted(dead) == sorted(eids)
    assert "refused by the collector 30" in err


def test_requests_in_flight_deliver_each_event_once(tmp_path, redis_server, collector):
    """--max-inflight 4 with small batches and two sending threads: several requests
    at once, every event exactly once."""
    client = redis_server.client()
    eids = push(client, "ev", [se_payload(i) for i in range(3000)])
    rc, err = run_relay(tmp_path, "--redis", redis_server.url(), "--key", "ev",
                        "--collector", collector.url(), "--once", "--batch", "10",
                        "--threads", "2", "--max-inflight", "4")
    assert rc == 0, err
    got = collector.good_eids()
    assert sorted(got) == sorted(eids)
    assert collector.counts()["bad"] == 0
