"""Valid events, hand-built, sent by GET and POST in every encoding: all land under good."""

import json
import urllib.parse

import pytest

from conftest import (ANYTHING, SP, TEST_ENTITY, TEST_EVENT, TP2, b64std, b64url, contexts,
                      event, unstruct)

# One valid example for every built-in self-describing event / entity schema.
BUILTIN_EXAMPLES = [
    (SP + "screen_view/jsonschema/1-0-0", {"name": "home", "id": "screen-1"}),
    (SP + "link_click/jsonschema/1-0-1", {"targetUrl": "https://example.com/a?b=c",
                                          "elementId": "link", "elementClasses": ["x"]}),
    (SP + "add_to_cart/jsonschema/1-0-0", {"sku": "sku-1", "quantity": 2, "unitPrice": 7.99,
                                           "currency": "EUR"}),
    (SP + "remove_from_cart/jsonschema/1-0-0", {"sku": "sku-1", "quantity": 1}),
    (SP + "change_form/jsonschema/1-0-0", {"formId": "f", "elementId": "e", "nodeName": "INPUT",
                                           "type": "text", "value": None}),
    (SP + "submit_form/jsonschema/1-0-0", {"formId": "f", "elements": [
        {"name": "q", "value": "v", "nodeName": "INPUT"}]}),
    (SP + "site_search/jsonschema/1-0-0", {"terms": ["c", "tracker"], "totalResults": 3}),
    (SP + "timing/jsonschema/1-0-0", {"category": "load", "variable": "map", "timing": 120}),
    (SP + "client_session/jsonschema/1-0-2", {
        "userId": "0b0f3d6c-7c0c-4d2a-9d4e-1a2b3c4d5e6f",
        "sessionId": "a0b0f3d6-7c0c-4d2a-9d4e-1a2b3c4d5e6f", "sessionIndex": 1,
        "previousSessionId": None, "storageMechanism": "SQLITE",
        "firstEventTimestamp": "2024-01-02T03:04:05.678Z"}),
    (SP + "desktop_context/jsonschema/1-0-0", {"osType": "Linux", "osVersion": "6.1",
                                               "osIs64Bit": True}),
    ("iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0",
     {"name": "home", "id": "5c4b2e3a-1d2f-4e5a-8b9c-0d1e2f3a4b5c"}),
    (TEST_EVENT, {"name": "t", "count": 3, "price": 1.5, "flag": False, "note": None}),
    (ANYTHING, {"whatever": [1, {"x": None}]}),
]


def test_startup_line_names_the_port_of_the_port_file(collector):
    assert collector.stdout_line == "listening on 127.0.0.1:%d" % collector.port


def test_post_plain_ue_pr_and_co_is_good_and_decoded(collector):
    ue = unstruct(SP + "link_click/jsonschema/1-0-1", {"targetUrl": "http://example.com/x"})
    cx = contexts((TEST_ENTITY, {"id": "e-1", "n": 4}), (ANYTHING, {"a": 1}))
    ev = event("ue", ue_pr=json.dumps(ue), co=json.dumps(cx))
    resp = collector.tp2([ev])
    assert resp.status == 200
    assert collector.counts() == {"total": 1, "good": 1, "bad": 0}
    [rec] = collector.good()
    assert rec["method"] == "POST" and rec["path"] == TP2
    assert isinstance(rec["request_id"], int) and isinstance(rec["collector_tstamp_ms"], int)
    assert "errors" not in rec
    assert rec["raw"] == ev
    got = rec["event"]
    assert got["unstruct_event"] == ue
    assert got["contexts"] == cx["data"]
    for key in ("ue_pr", "ue_px", "co", "cx"):
        assert key not in got
    assert got["eid"] == ev["eid"] and got["e"] == "ue"


@pytest.mark.parametrize("encode", [
    lambda o: b64url(o), lambda o: b64url(o, pad=True), b64std],
    ids=["urlsafe-unpadded", "urlsafe-padded", "standard"])
def test_post_base64_ue_px_and_cx_in_either_alphabet(collector, encode):
    # Long enough that the encodings contain '-'/'_' or '+'/'/'.
    ue = unstruct(TEST_EVENT, {"name": "ü?>~" * 20, "text": "\u20ac" * 50})
    cx = contexts((TEST_ENTITY, {"id": "x" * 40, "tags": ["?>", "~~~"]}))
    ev = event("ue", ue_pr=None, ue_px=encode(ue), cx=encode(cx))
    assert collector.tp2([ev]).status == 200
    [rec] = collector.good()
    assert rec["event"]["unstruct_event"] == ue
    assert rec["event"]["contexts"] == cx["data"]
    assert collector.bad() == []


@pytest.mark.parametrize("etype", ["pv", "pp", "se", "ue", "tr", "ti"])
def test_every_event_type_by_post(collector, etype):
    assert collector.tp2([event(etype)]).status == 200
    [rec] = collector.good()
    assert rec["event"]["e"] == etype


def test_post_batch_keeps_arrival_order(collector):
    events = [event("se", se_la="n%d" % i) for i in range(50)]
    collector.tp2(events[:25])
    collector.tp2(events[25:])
    assert [r["event"]["se_la"] for r in collector.good()] == ["n%d" % i for i in range(50)]


def test_get_event_in_query_string_answers_a_gif(collector):
    ue = unstruct(SP + "screen_view/jsonschema/1-0-0", {"name": "home & away", "id": "1"})
    cx = contexts((TEST_ENTITY, {"id": "ä b+c"}))
    ev = event("ue", ue_pr=None, ue_px=b64url(ue), cx=b64url(cx), page="A & B = C ü")
    resp = collector.pixel(urllib.parse.urlencode(ev))
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "image/gif"
    assert resp.body.startswith(b"GIF89a")
    [rec] = collector.good()
    assert rec["method"] == "GET" and rec["path"] == "/i"
    assert rec["raw"] == ev
    assert rec["event"]["page"] == "A & B = C ü"
    assert rec["event"]["unstruct_event"] == ue
    assert rec["event"]["contexts"] == cx["data"]


def test_get_with_standard_base64_percent_encoded(collector):
    ue = unstruct(TEST_EVENT, {"name": "?>" * 30})
    ev = event("ue", ue_pr=None, ue_px=b64std(ue))
    assert "+" in ev["ue_px"] or "/" in ev["ue_px"]
    collector.pixel(urllib.parse.urlencode(ev))
    [rec] = collector.good()
    assert rec["event"]["unstruct_event"] == ue


def test_get_plain_ue_pr_and_ice_png_path(collector):
    ev = event("ue")
    assert collector.request("GET", "/ice.png?" + urllib.parse.urlencode(ev)).status == 200
    [rec] = collector.good()
    assert rec["path"] == "/ice.png"
    assert rec["event"]["unstruct_event"] == json.loads(ev["ue_pr"])


@pytest.mark.parametrize("schema,data", BUILTIN_EXAMPLES, ids=[s.split("/")[1] + "/" + s.split("/")[-1] for s, _ in BUILTIN_EXAMPLES])
def test_builtin_schemas_accept_a_valid_example(collector, schema, data):
    as_event = event("ue", ue_pr=None, ue_px=b64url(unstruct(schema, data)))
    as_entity = event("pv", cx=b64url(contexts((schema, data))))
    collector.tp2([as_event, as_entity])
    assert collector.bad() == []
    assert len(collector.good()) == 2


def test_stm_alone_is_enough_and_ttm_is_accepted(collector):
    collector.tp2([event("se", dtm=None, ttm="1700000000000")])
    assert collector.counts()["good"] == 1


@pytest.mark.parametrize("version", ["1-0-0", "1-0-1", "1-0-2", "1-0-3", "1-0-4"])
def test_older_payload_data_versions_validate_against_themselves(collector, version):
    # stm exists only from 1-0-3 on; dtm in every version.
    ev = event("se", stm=None)
    schema = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/" + version
    assert collector.tp2([ev], schema=schema).status == 200
    assert collector.counts() == {"total": 1, "good": 1, "bad": 0}


def test_numbers_in_the_protocol_shapes_are_accepted(collector):
    collector.tp2([event("se", se_va="0.30000000000000004", res="1920x1080", vp="800x600",
                         cd="24", vid="3"),
                   event("tr", tr_tt="-12", tr_tx="1e3", tr_sh="0"),
                   event("ti", ti_pr="7", ti_qu="-1")])
    assert collector.bad() == []
    assert collector.counts()["good"] == 3

