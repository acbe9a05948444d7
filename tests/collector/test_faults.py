"""Fault injection through POST /micro/fault: status, delay, drop, hang, Retry-After,
count and fail_every. Faulted requests are logged; their events are stored only for a
2xx/3xx answer."""

import http.client
import json
import socket
import time

import pytest

from conftest import TP2, event


def statuses(collector):
    return [r["status"] for r in collector.requests()]


def test_status_fault_for_count_requests_then_normal(collector):
    reply = collector.fault(status=500, count=2)
    assert reply["fault"]["active"] is True and reply["fault"]["status"] == 500
    assert collector.tp2([event("se")]).status == 500
    assert collector.pixel("e=pv&tv=x&p=pc").status == 500
    assert collector.tp2([event("se")]).status == 200
    assert statuses(collector) == [500, 500, 200]
    assert [r["fault"] for r in collector.requests()] == [True, True, False]
    assert collector.counts() == {"total": 1, "good": 1, "bad": 0}
    assert collector.requests()[0]["events"] == 1  # faulted requests still count their events


def test_status_fault_without_count_lasts_until_cleared(collector):
    collector.fault(status=503)
    for _ in range(3):
        assert collector.tp2([event("se")]).status == 503
    # /micro/ endpoints are never faulted.
    assert collector.counts()["total"] == 0
    assert collector.fault(status=200) == {"fault": {"active": False}}
    assert collector.tp2([event("se")]).status == 200
    assert collector.counts()["good"] == 1


def test_empty_fault_clears(collector):
    collector.fault(status=503)
    assert collector.tp2([event("se")]).status == 503
    assert collector.fault() == {"fault": {"active": False}}
    assert collector.tp2([event("se")]).status == 200


@pytest.mark.parametrize("status", [201, 204, 302])
def test_success_and_redirect_statuses_store_the_events(collector, status):
    collector.fault(status=status)
    resp = collector.tp2([event("se"), event("se", se_ac=None)])
    assert resp.status == status
    if status == 302:
        assert resp.headers["Location"]
    assert collector.counts() == {"total": 2, "good": 1, "bad": 1}


@pytest.mark.parametrize("status", [400, 404, 429, 500, 503])
def test_error_statuses_store_nothing(collector, status):
    collector.fault(status=status)
    assert collector.tp2([event("se")]).status == status
    assert collector.counts()["total"] == 0
    assert statuses(collector) == [status]


def test_retry_after_header(collector):
    collector.fault(status=429, retry_after=7)
    resp = collector.tp2([event("se")])
    assert resp.status == 429 and resp.headers["Retry-After"] == "7"
    collector.fault(status=200)
    assert collector.tp2([event("se")]).headers["Retry-After"] is None


def test_delay_answers_late_and_stores(collector):
    collector.fault(delay_ms=300)  # status defaults to 200 when only delaying
    started = time.monotonic()
    resp = collector.tp2([event("se")])
    assert resp.status == 200
    assert time.monotonic() - started >= 0.29  # a lower bound only: the server slept
    assert collector.counts()["good"] == 1


def test_delay_past_the_client_timeout_still_stores(collector):
    # The client gives up; the collector got the events anyway (why retries duplicate).
    collector.fault(delay_ms=1500, count=1)
    with pytest.raises(TimeoutError):
        collector.tp2([event("se")], timeout=0.3)
    collector.wait_counts(good=1, bad=0)
    assert statuses(collector) == [200]


def test_delay_with_error_status(collector):
    collector.fault(status=500, delay_ms=100, count=1)
    assert collector.tp2([event("se")]).status == 500
    assert collector.counts()["total"] == 0


def test_drop_closes_without_an_answer(collector):
    collector.fault(drop=True, count=1)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        collector.tp2([event("se")])
    [entry] = collector.requests()
    assert entry["status"] is None and entry["events"] == 1 and entry["bytes"] > 0
    assert collector.counts()["total"] == 0
    assert collector.tp2([event("se")]).status == 200  # count=1: back to normal


def test_drop_mid_body(collector):
    collector.fault(drop="mid_body", count=1)
    events = [event("se", se_la="x" * 200) for _ in range(50)]
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        collector.tp2(events)
    [entry] = collector.requests()
    body_len = len(json.dumps({"schema": "x" * 74, "data": events}))
    assert entry["status"] is None and 0 < entry["bytes"] < body_len
    assert collector.counts()["total"] == 0


def test_hang_never_answers_until_the_client_leaves(collector):
    collector.fault(hang=True, count=1)
    with pytest.raises(TimeoutError):
        collector.tp2([event("se")], timeout=0.5)
    [entry] = collector.requests()
    assert entry["status"] is None
    assert collector.counts()["total"] == 0
    assert collector.tp2([event("se")]).status == 200


def test_reset_releases_a_hung_request(collector):
    collector.fault(hang=True)
    sock = socket.create_connection(("127.0.0.1", collector.port))
    try:
        sock.sendall(b"GET /i?e=pv HTTP/1.1\r\nHost: x\r\n\r\n")
        deadline = time.monotonic() + 10
        while not collector.requests() and time.monotonic() < deadline:
            time.sleep(0.02)
        collector.request("POST", "/micro/reset")
        sock.settimeout(10)
        assert sock.recv(100) == b""  # closed without an answer once reset
    finally:
        sock.close()


def test_fail_every_nth_request(collector):
    collector.fault(fail_every=3, status=500)
    got = [collector.tp2([event("se")]).status for _ in range(7)]
    assert got == [200, 200, 500, 200, 200, 500, 200]
    assert collector.counts()["good"] == 5


def test_fail_every_with_count_limits_the_failures(collector):
    collector.fault(fail_every=2, count=1)  # status defaults to 500
    got = [collector.tp2([event("se")]).status for _ in range(6)]
    assert got == [200, 500, 200, 200, 200, 200]


def test_new_fault_replaces_the_old_one(collector):
    collector.fault(status=500)
    collector.fault(status=502, count=1)
    assert [collector.tp2([event("se")]).status for _ in range(2)] == [502, 200]


@pytest.mark.parametrize("cfg", [
    {"status": 99}, {"status": "500"}, {"count": -2}, {"delay_ms": -1}, {"drop": "maybe"},
    {"hang": 1}, {"colour": "red"}, [1, 2]])
def test_bad_fault_configs_are_refused(collector, cfg):
    resp = collector.post_json("/micro/fault", cfg)
    assert resp.status == 400 and "fault" in resp.json()["error"]
    assert collector.get_json("/micro/fault") == {"active": False}


def test_fault_state_is_visible(collector):
    collector.fault(status=500, count=3)
    collector.tp2([event("se")])
    state = collector.get_json("/micro/fault")
    assert state["active"] and state["count"] == 3 and state["applied"] == 1


def test_fault_on_a_keepalive_connection_only_hits_that_request(collector):
    collector.fault(status=500, count=1)
    conn = collector.connection()
    try:
        body = json.dumps({"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
                           "data": [event("se")]})
        assert collector.request("POST", TP2, body, conn=conn).status == 500
        assert collector.request("POST", TP2, body, conn=conn).status == 200
    finally:
        conn.close()
    a, b = collector.requests()
    assert a["keepalive_conn_id"] == b["keepalive_conn_id"]
