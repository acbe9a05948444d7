"""The inspection API: counts, filters, reset, the request log."""

import json
import threading
import urllib.parse

from conftest import LINK_CLICK, TEST_ENTITY, TP2, b64url, contexts, event, unstruct


def test_all_counts_good_and_bad(collector):
    assert collector.counts() == {"total": 0, "good": 0, "bad": 0}
    collector.tp2([event("se"), event("pv"), event("se", eid="x")])
    assert collector.counts() == {"total": 3, "good": 2, "bad": 1}


def test_filters_event_type_schema_contexts_and_limit(collector):
    ue = event("ue", ue_pr=json.dumps(unstruct(LINK_CLICK, {"targetUrl": "http://e.com"})))
    with_ctx = event("pv", cx=b64url(contexts((TEST_ENTITY, {"id": "1"}))))
    collector.tp2([event("se", se_la="a"), ue, with_ctx, event("se", se_la="b"),
                   event("se", se_la="c")])
    assert [r["event"]["se_la"] for r in collector.good("?event_type=se")] == ["a", "b", "c"]
    assert [r["event"]["se_la"] for r in collector.good("?event_type=se&limit=2")] == ["a", "b"]
    assert [r["event"]["eid"] for r in collector.good("?schema=" + urllib.parse.quote(LINK_CLICK))] == [ue["eid"]]
    assert [r["event"]["eid"] for r in collector.good("?contexts=" + TEST_ENTITY)] == [with_ctx["eid"]]
    assert collector.good("?event_type=tr") == []
    collector.tp2([event("se", se_ac=None), event("pv", url=None)])
    assert [r["raw"]["e"] for r in collector.bad("?event_type=pv")] == ["pv"]


def test_fields_cut_records_down(collector):
    ev = event("se", se_la="x")
    collector.tp2([ev, event("se", se_ac=None)])
    [rec] = collector.good("?fields=eid,se_la,nothing")
    assert rec == {"request_id": rec["request_id"], "event": {"eid": ev["eid"], "se_la": "x"}}
    [rec] = collector.bad("?fields=e")
    assert rec["event"] == {"e": "se"} and "se_ac" in "\n".join(rec["errors"])


def test_reset_clears_events_requests_and_fault(collector):
    collector.tp2([event("se"), event("se", eid="bad")])
    collector.fault(status=503)
    assert collector.tp2([event("se")]).status == 503
    resp = collector.request("POST", "/micro/reset")
    assert resp.status == 200 and resp.json() == {"reset": True}
    assert collector.counts() == {"total": 0, "good": 0, "bad": 0}
    assert collector.requests() == []
    assert collector.get_json("/micro/fault") == {"active": False}
    assert collector.tp2([event("se")]).status == 200
    assert collector.request("GET", "/micro/reset").json() == {"reset": True}
    assert collector.counts()["total"] == 0


def test_requests_log_describes_each_tracker_request(collector):
    body = json.dumps({"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
                       "data": [event("se"), event("pv")]})
    conn = collector.connection()
    try:
        collector.request("POST", TP2, body, {"Content-Type": "application/json; charset=utf-8",
                                              "X-Test": "one"}, conn=conn)
        collector.request("GET", "/i?" + urllib.parse.urlencode(event("pv")), conn=conn)
    finally:
        conn.close()
    collector.request("GET", "/i?" + urllib.parse.urlencode(event("pv")))  # a new connection
    collector.request("POST", "/nowhere", "x")
    collector.counts()  # /micro/ requests are not logged

    post, get1, get2, nowhere = collector.requests()
    assert post["method"] == "POST" and post["path"] == TP2 and post["status"] == 200
    assert post["events"] == 2 and post["bytes"] == len(body.encode())
    assert post["headers"]["content-type"] == "application/json; charset=utf-8"
    assert post["headers"]["x-test"] == "one"
    assert get1["method"] == "GET" and get1["events"] == 1 and get1["bytes"] == 0
    assert post["keepalive_conn_id"] == get1["keepalive_conn_id"]
    assert get2["keepalive_conn_id"] != get1["keepalive_conn_id"]
    assert nowhere["status"] == 404 and nowhere["events"] == 0
    ids = [r["request_id"] for r in (post, get1, get2, nowhere)]
    assert ids == sorted(ids) and len(set(ids)) == 4
    # Each stored record points back at its request.
    assert [r["request_id"] for r in collector.good()] == [post["request_id"]] * 2 + [
        get1["request_id"], get2["request_id"]]


def test_unknown_paths_and_methods(collector):
    assert collector.request("POST", "/nowhere", "{}").status == 404
    assert collector.request("GET", "/a/b/c").status == 404
    assert collector.request("GET", TP2).status == 405
    assert collector.request("POST", "/i", "{}").status == 405
    assert collector.request("PUT", TP2, "{}").status == 405
    assert collector.request("GET", "/micro/nothing").status == 404
    assert collector.request("POST", "/micro/good", "").status == 405
    assert collector.counts()["total"] == 0


def test_any_vendor_version_post_path_is_a_tracker_route(collector):
    # Trackers may configure the POST path; the Snowplow collector accepts /VENDOR/VERSION.
    body = json.dumps({"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
                       "data": [event("se")]})
    assert collector.request("POST", "/com.acme/track", body).status == 200
    [rec] = collector.good()
    assert rec["path"] == "/com.acme/track"


def test_concurrent_posts_all_arrive(collector):
    def send(n):
        for _ in range(5):
            assert collector.tp2([event("se", se_la="t%d" % n) for _ in range(20)]).status == 200

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert collector.counts() == {"total": 800, "good": 800, "bad": 0}
    assert len(collector.requests()) == 40
    assert len({r["event"]["eid"] for r in collector.good()}) == 800
