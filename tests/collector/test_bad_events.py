"""Invalid events land under bad, each with errors that name the problem; good ones sent
alongside are unaffected."""

import base64
import json
import urllib.parse

import pytest

from conftest import (ANYTHING, LINK_CLICK, SP, TEST_ENTITY, TEST_EVENT, TP2, b64url,
                      contexts, event, unstruct)



def only_bad(collector, ev, via="post"):
    """Send one bad event (and one good one by POST), return the bad record's errors."""
    if via == "post":
        assert collector.tp2([ev, event("se")]).status == 200
        assert collector.counts() == {"total": 2, "good": 1, "bad": 1}
    else:
        assert collector.pixel(ev if isinstance(ev, str) else urllib.parse.urlencode(ev)).status == 200
        assert collector.counts() == {"total": 1, "good": 0, "bad": 1}
    [rec] = collector.bad()
    assert rec["errors"], rec
    return rec, "\n".join(rec["errors"])


@pytest.mark.parametrize("field,value,kind", [
    ("se_va", 7.99, "a number"), ("dtm", 1700000000000, "a number"),
    ("tv", None, "null"), ("aid", True, "a boolean"), ("page", ["x"], "an array")])
def test_post_non_string_values_are_bad(collector, field, value, kind):
    ev = event("se")
    ev[field] = value
    rec, errors = only_bad(collector, ev)
    assert "field '%s'" % field in errors and kind in errors and "not a string" in errors
    assert rec["raw"][field] == value  # raw keeps what was received


@pytest.mark.parametrize("etype,missing", [
    ("se", "se_ca"), ("se", "se_ac"), ("tr", "tr_id"), ("tr", "tr_tt"), ("ti", "ti_id"),
    ("ti", "ti_sk"), ("ti", "ti_pr"), ("ti", "ti_qu"), ("pv", "url")])
def test_missing_type_specific_fields(collector, etype, missing):
    _, errors = only_bad(collector, event(etype, **{missing: None}))
    assert "%s event: missing required field '%s'" % (etype, missing) in errors


@pytest.mark.parametrize("missing", ["e", "tv", "p"])
def test_missing_envelope_fields_named_by_payload_data(collector, missing):
    _, errors = only_bad(collector, event("pv", **{missing: None}))
    assert "payload_data: '%s' is a required property" % missing in errors


def test_missing_eid_and_timestamps(collector):
    _, errors = only_bad(collector, event("pv", eid=None, dtm=None, stm=None))
    assert "missing field 'eid'" in errors
    assert "neither 'dtm' nor 'stm'" in errors


@pytest.mark.parametrize("fields,expect", [
    ({"e": "xx"}, "field 'e': unknown event type 'xx'"),
    ({"eid": "not-a-uuid"}, "field 'eid': 'not-a-uuid' is not a lowercase UUID"),
    ({"eid": "0B0F3D6C-7C0C-4D2A-9D4E-1A2B3C4D5E6F"}, "is not a lowercase UUID"),
    ({"p": "desktop"}, "field 'p': unknown platform 'desktop'"),
    ({"dtm": "1700000000000.5"}, "field 'dtm': '1700000000000.5' is not a timestamp"),
    ({"stm": "-5"}, "field 'stm'"),
    ({"se_va": "7,99"}, "field 'se_va': '7,99' is not a decimal number"),
    ({"se_va": "nan"}, "field 'se_va'"),
    ({"res": "1920*1080"}, "field 'res': '1920*1080' is not WIDTHxHEIGHT"),
    ({"vid": "1.0"}, "field 'vid': '1.0' is not an integer"),
    ({"se_la": ""}, "field 'se_la': empty string"),
    ({"foo": "bar"}, "Additional properties are not allowed ('foo' was unexpected)"),
])
def test_envelope_value_problems(collector, fields, expect):
    _, errors = only_bad(collector, event("se", **fields))
    assert expect in errors


def test_ue_event_without_ue_and_ue_on_other_types(collector):
    _, errors = only_bad(collector, event("ue", ue_pr=None))
    assert "ue event: missing 'ue_px' or 'ue_pr'" in errors
    collector.request("POST", "/micro/reset")
    _, errors = only_bad(collector, event("se", ue_pr=event("ue")["ue_pr"]))
    assert "se event carries ue_px/ue_pr" in errors


def test_bad_base64_in_ue_px(collector):
    _, errors = only_bad(collector, event("ue", ue_pr=None, ue_px="eyJz*ZW1h"))
    assert "field 'ue_px': invalid base64" in errors


def test_base64_of_non_json_and_of_non_utf8(collector):
    _, errors = only_bad(collector, event("ue", ue_pr=None,
                                          ue_px=base64.urlsafe_b64encode(b"{not json").decode()))
    assert "field 'ue_px': invalid JSON" in errors
    collector.request("POST", "/micro/reset")
    _, errors = only_bad(collector, event("se", cx=base64.urlsafe_b64encode(b"\xff\xfe{}").decode()))
    assert "field 'cx': decoded bytes are not UTF-8" in errors


def test_unescaped_plus_in_get_query_is_explained(collector):
    ue = unstruct(TEST_EVENT, {"name": "?>" * 30})
    px = base64.b64encode(json.dumps(ue).encode()).decode()
    assert "+" in px
    query = urllib.parse.urlencode(event("ue", ue_pr=None)) + "&ue_px=" + px  # '+' not escaped
    _, errors = only_bad(collector, query, via="get")
    assert "invalid base64" in errors and "space" in errors


def test_self_describing_event_schema_violation(collector):
    ue = unstruct(LINK_CLICK, {"elementId": "x"})
    _, errors = only_bad(collector, event("ue", ue_pr=None, ue_px=b64url(ue)))
    assert LINK_CLICK in errors
    assert "'targetUrl' is a required property" in errors


def test_self_describing_event_wrong_type_and_extra_key(collector):
    ue = unstruct(SP + "add_to_cart/jsonschema/1-0-0", {"sku": "s", "quantity": "2", "extra": 1})
    _, errors = only_bad(collector, event("ue", ue_pr=json.dumps(ue)))
    assert "quantity: '2' is not of type 'number'" in errors
    assert "'extra' was unexpected" in errors


def test_format_uuid_is_checked(collector):
    ue = unstruct("iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0",
                  {"name": "home", "id": "not-a-uuid"})
    _, errors = only_bad(collector, event("ue", ue_pr=json.dumps(ue)))
    assert "id: 'not-a-uuid' is not a 'uuid'" in errors


def test_unknown_schema_is_bad_and_says_so(collector):
    ue = unstruct("iglu:com.acme/no_such_event/jsonschema/1-0-0", {"a": 1})
    _, errors = only_bad(collector, event("ue", ue_pr=json.dumps(ue)))
    assert "unknown schema iglu:com.acme/no_such_event/jsonschema/1-0-0" in errors


def test_malformed_schema_uris_are_bad(collector):
    ue = unstruct("iglu:../../etc/passwd", {})
    _, errors = only_bad(collector, event("ue", ue_pr=json.dumps(ue)))
    assert "malformed schema URI 'iglu:../../etc/passwd'" in errors
    collector.request("POST", "/micro/reset")
    cx = contexts(("iglu:com.acme/x/jsonschema/1.0.0", {}))
    _, errors = only_bad(collector, event("pv", co=json.dumps(cx)))
    assert "field 'co' (contexts): [0].schema: " in errors and "does not match" in errors


def test_unstruct_envelope_with_wrong_schema(collector):
    ue = {"schema": SP + "contexts/jsonschema/1-0-1", "data": {"schema": LINK_CLICK,
                                                               "data": {"targetUrl": "http://x"}}}
    _, errors = only_bad(collector, event("ue", ue_pr=json.dumps(ue)))
    assert "envelope schema must be iglu:com.snowplowanalytics.snowplow/unstruct_event" in errors


def test_context_entity_violation_names_the_entity(collector):
    cx = contexts((ANYTHING, {}), (TEST_ENTITY, {"n": "four"}))
    rec, errors = only_bad(collector, event("pv", cx=b64url(cx)))
    assert "context [1] %s: 'id' is a required property" % TEST_ENTITY in errors
    assert "context [1] %s: n: 'four' is not of type 'integer'" % TEST_ENTITY in errors
    assert rec["event"]["contexts"] == cx["data"]  # decoded even when bad


def test_contexts_envelope_problems(collector):
    wrong = {"schema": SP + "unstruct_event/jsonschema/1-0-0", "data": []}
    _, errors = only_bad(collector, event("pv", co=json.dumps(wrong)))
    assert "field 'co': envelope schema must be one of" in errors
    collector.request("POST", "/micro/reset")
    _, errors = only_bad(collector, event("pv", co=json.dumps(contexts())))
    assert "empty contexts array" in errors
    collector.request("POST", "/micro/reset")
    not_sd = {"schema": SP + "contexts/jsonschema/1-0-0", "data": [{"data": {}}]}
    _, errors = only_bad(collector, event("pv", co=json.dumps(not_sd)))
    assert "'schema' is a required property" in errors


def test_duplicate_key_inside_encoded_json(collector):
    _, errors = only_bad(collector, event("pv", co='{"schema": "a", "schema": "b", "data": []}'))
    assert "duplicate key 'schema'" in errors


def test_get_problems_in_query_string(collector):
    base = urllib.parse.urlencode(event("pv"))
    _, errors = only_bad(collector, base + "&page=%FF%FE", via="get")
    assert "not UTF-8" in errors
    collector.request("POST", "/micro/reset")
    _, errors = only_bad(collector, base + "&url=again", via="get")
    assert "field 'url' appears more than once" in errors


def test_get_without_query_is_a_bad_request_level_record(collector):
    assert collector.request("GET", "/i").status == 200
    [rec] = collector.bad()
    assert rec["raw"] == {} and "no event" in rec["errors"][0]


def test_post_envelope_problems_make_every_event_bad(collector):
    other = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-9"
    assert collector.tp2([event("se"), event("pv")], schema=other).status == 200
    bad = collector.bad()
    assert len(bad) == 2 and collector.good() == []
    assert all("unknown schema %s" % other in "\n".join(r["errors"]) for r in bad)
    collector.request("POST", "/micro/reset")
    collector.tp2([event("se")], schema=SP + "contexts/jsonschema/1-0-1")
    [rec] = collector.bad()
    assert "body: schema must be iglu:com.snowplowanalytics.snowplow/payload_data" in rec["errors"][0]


def test_post_empty_data_and_non_object_items(collector):
    collector.tp2([])
    [rec] = collector.bad()
    assert "body data: [] is too short" in rec["errors"]
    collector.request("POST", "/micro/reset")
    collector.tp2(["e=pv", event("pv")])
    assert collector.counts() == {"total": 2, "good": 1, "bad": 1}
    assert "event is str, not a JSON object" in collector.bad()[0]["errors"]


def test_post_body_that_is_not_json_gets_400_and_a_bad_record(collector):
    resp = collector.request("POST", TP2, "{not json", {"Content-Type": "application/json"})
    assert resp.status == 400
    [rec] = collector.bad()
    assert rec["errors"][0].startswith("body: invalid JSON")
    assert rec["body"] == "{not json"
    assert collector.good() == []


def test_overflowing_number_in_body_is_refused(collector):
    body = json.dumps({"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
                       "data": [event("se", se_va=None)]})[:-3] + ', "se_va": 1e400}]}'
    resp = collector.request("POST", TP2, body)
    assert resp.status == 400
    [rec] = collector.bad()
    assert "number 1e400 is out of range" in rec["errors"][0]
    # What the collector answers stays valid JSON (no Infinity).
    json.loads(collector.request("GET", "/micro/bad").body, parse_constant=pytest.fail)
