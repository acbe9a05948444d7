"""Every event type, over GET and POST, with base64 on and off, checked field by
field against what the local collector received (and validated against the
Iglu schemas)."""

import json
import uuid

import pytest

import snowplow
from snowplow import (AddToCart, EcommerceTransaction, Emitter, FormChange, FormSubmit,
                      LinkClick, PagePing, PageView, RemoveFromCart, ScreenView,
                      SelfDescribing, SelfDescribingJson, SiteSearch, StructuredEvent,
                      Subject, Timing, Tracker)
from snowplow.events import LegacyScreenView

from conftest import CONTEXTS, SP, TEST_ENTITY, TEST_EVENT, UNSTRUCT, decode_b64url

TV = "py-libsnowplow-" + snowplow.__version__
SCREEN_ID = str(uuid.uuid4())
PREVIOUS_ID = str(uuid.uuid4())


def entity(n):
    return SelfDescribingJson(TEST_ENTITY, {"id": "entity-%d" % n, "n": n, "tags": ["a", "ć"]})


# (event, expected raw fields, expected self-describing (schema, data) or None,
#  expected context entities)
def cases():
    return [
        (PageView("http://example.com/page", "Title", "http://ref.example/"),
         {"e": "pv", "url": "http://example.com/page", "page": "Title",
          "refr": "http://ref.example/"}, None, []),
        (PageView("http://example.com/bare"),
         {"e": "pv", "url": "http://example.com/bare"}, None, []),
        (PagePing("http://example.com/p", "T", None, 0, 100, 5, 200, context=[entity(1)]),
         {"e": "pp", "url": "http://example.com/p", "page": "T", "pp_mix": "0",
          "pp_max": "100", "pp_miy": "5", "pp_may": "200"}, None, [entity(1)]),
        (StructuredEvent("shop", "add", "label", "prop", 35),
         {"e": "se", "se_ca": "shop", "se_ac": "add", "se_la": "label", "se_pr": "prop",
          "se_va": "35"}, None, []),
        (StructuredEvent("shop", "add", value=7.99, true_timestamp=1700000000123),
         {"e": "se", "se_ca": "shop", "se_ac": "add", "se_va": "7.99",
          "ttm": "1700000000123"}, None, []),
        (StructuredEvent("shop", "zero", value=0),
         {"e": "se", "se_ca": "shop", "se_ac": "zero", "se_va": "0"}, None, []),
        (SelfDescribing(SelfDescribingJson(TEST_EVENT, {
            "name": "n", "count": 3, "price": 7.99, "flag": False, "note": None, "text": "ć"}),
            context=[entity(1), entity(2)]),
         {"e": "ue"},
         (TEST_EVENT, {"name": "n", "count": 3, "price": 7.99, "flag": False, "note": None,
                       "text": "ć"}),
         [entity(1), entity(2)]),
        (ScreenView(SCREEN_ID, "home", "feed", "login", PREVIOUS_ID, "form", "push"),
         {"e": "ue"},
         ("iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0",
          {"id": SCREEN_ID, "name": "home", "type": "feed", "previousName": "login",
           "previousId": PREVIOUS_ID, "previousType": "form", "transitionType": "push"}),
         []),
        (LegacyScreenView("home", "screen-1"),
         {"e": "ue"}, (SP + "screen_view/jsonschema/1-0-0", {"name": "home", "id": "screen-1"}),
         []),
        (LinkClick("http://example.com/target", "link-id", ["c1", "c2"], "_blank", "Click"),
         {"e": "ue"},
         (SP + "link_click/jsonschema/1-0-1",
          {"targetUrl": "http://example.com/target", "elementId": "link-id",
           "elementClasses": ["c1", "c2"], "elementTarget": "_blank",
           "elementContent": "Click"}), []),
        (AddToCart("sku-1", 2, "Name", "Cat", 9.99, "EUR"),
         {"e": "ue"},
         (SP + "add_to_cart/jsonschema/1-0-0",
          {"sku": "sku-1", "quantity": 2, "name": "Name", "category": "Cat",
           "unitPrice": 9.99, "currency": "EUR"}), []),
        (RemoveFromCart("sku-2", 1.5),
         {"e": "ue"},
         (SP + "remove_from_cart/jsonschema/1-0-0", {"sku": "sku-2", "quantity": 1.5}), []),
        (FormChange("form", "field", "INPUT", "typed", "text", ["x"]),
         {"e": "ue"},
         (SP + "change_form/jsonschema/1-0-0",
          {"formId": "form", "elementId": "field", "nodeName": "INPUT", "value": "typed",
           "type": "text", "elementClasses": ["x"]}), []),
        (FormChange("form", "field", "SELECT", None),
         {"e": "ue"},
         (SP + "change_form/jsonschema/1-0-0",
          {"formId": "form", "elementId": "field", "nodeName": "SELECT", "value": None}), []),
        (FormSubmit("form", ["f1"], [{"name": "q", "value": "v", "nodeName": "INPUT",
                                      "type": "text"}]),
         {"e": "ue"},
         (SP + "submit_form/jsonschema/1-0-0",
          {"formId": "form", "formClasses": ["f1"],
           "elements": [{"name": "q", "value": "v", "nodeName": "INPUT", "type": "text"}]}),
         []),
        (SiteSearch(["shoes", "red"], {"color": "red", "new": True}, 120, 10),
         {"e": "ue"},
         (SP + "site_search/jsonschema/1-0-0",
          {"terms": ["shoes", "red"], "filters": {"color": "red", "new": True},
           "totalResults": 120, "pageResults": 10}), []),
        (Timing("load", "dom", 123, "first"),
         {"e": "ue"},
         (SP + "timing/jsonschema/1-0-0",
          {"category": "load", "variable": "dom", "timing": 123, "label": "first"}), []),
    ]


def emitter_for(collector, method, **kw):
    return Emitter(collector.url, method=method, **kw)


def check_common(raw, subject_fields):
    assert raw["tv"] == TV
    assert raw["tna"] == "ns-test"
    assert raw["aid"] == "app-test"
    for key, value in subject_fields.items():
        assert raw[key] == value, key
    assert len(raw["eid"]) == 36
    assert raw["dtm"].isdigit() and raw["stm"].isdigit()


def check_self_describing(record, base64_on, expected):
    raw, event = record["raw"], record["event"]
    if base64_on:
        assert "ue_px" in raw and "ue_pr" not in raw
        wire = decode_b64url(raw["ue_px"])
    else:
        assert "ue_pr" in raw and "ue_px" not in raw
        wire = json.loads(raw["ue_pr"])
    schema, data = expected
    assert wire == {"schema": UNSTRUCT, "data": {"schema": schema, "data": data}}
    assert event["unstruct_event"]["data"] == {"schema": schema, "data": data}


def check_contexts(record, base64_on, expected):
    raw = record["raw"]
    if not expected:
        assert "cx" not in raw and "co" not in raw
        return
    if base64_on:
        assert "cx" in raw and "co" not in raw
        wire = decode_b64url(raw["cx"])
    else:
        assert "co" in raw and "cx" not in raw
        wire = json.loads(raw["co"])
    assert wire == {"schema": CONTEXTS, "data": [e.to_json() for e in expected]}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("base64_on", [True, False], ids=["base64", "plain"])
def test_every_event_type_field_by_field(collector, method, base64_on):
    subject = (Subject().set_user_id("user-ć").set_screen_resolution(1920, 1080)
               .set_viewport(800, 600).set_color_depth(24).set_timezone("Europe/Warsaw")
               .set_lang("pl-PL").set_domain_user_id("duid-1").set_domain_session_id(
                   str(uuid.uuid4())).set_domain_session_index(3).set_ip_address("10.0.0.1")
               .set_useragent("agent/1.0").set_network_user_id("nuid-1").set_platform("srv"))
    subject_fields = {k: v for k, v in subject.standard_nv_pairs.items()}
    tracker = Tracker("ns-test", emitter_for(collector, method), subject=subject,
                      app_id="app-test", encode_base64=base64_on)
    tracked = {}
    for event, fields, sd, ctx in cases():
        eid = tracker.track(event)
        assert isinstance(eid, str) and len(eid) == 36
        tracked[eid] = (fields, sd, ctx)
    tracker.flush()

    records = collector.by_eid()
    assert set(records) == set(tracked)
    for eid, (fields, sd, ctx) in tracked.items():
        record = records[eid]
        raw = record["raw"]
        assert record["method"] == method.upper()
        check_common(raw, subject_fields)
        for key, value in fields.items():
            assert raw[key] == value, (key, raw)
        if "ttm" not in fields:
            assert "ttm" not in raw
        if sd is not None:
            check_self_describing(record, base64_on, sd)
        check_contexts(record, base64_on, ctx)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("base64_on", [True, False], ids=["base64", "plain"])
def test_ecommerce_transaction_and_items(collector, method, base64_on):
    tracker = Tracker("ns-test", emitter_for(collector, method), app_id="app-test",
                      encode_base64=base64_on)
    event = EcommerceTransaction(
        "order-1", 12.5, "aff", 1.5, 2, "Kraków", "MA", "PL", "PLN",
        items=[{"sku": "a", "price": 7.99, "quantity": 2, "name": "A", "category": "X",
                "context": [entity(8)]},
               {"sku": "b", "price": 3, "quantity": 1}],
        context=[entity(7)], true_timestamp=1700000000000)
    eid = tracker.track(event)
    tracker.flush()
    records = collector.by_eid()
    assert len(records) == 3
    tr = records[eid]["raw"]
    assert {k: tr[k] for k in ("e", "tr_id", "tr_tt", "tr_af", "tr_tx", "tr_sh", "tr_ci",
                              "tr_st", "tr_co", "tr_cu", "ttm")} == {
        "e": "tr", "tr_id": "order-1", "tr_tt": "12.5", "tr_af": "aff", "tr_tx": "1.5",
        "tr_sh": "2", "tr_ci": "Kraków", "tr_st": "MA", "tr_co": "PL", "tr_cu": "PLN",
        "ttm": "1700000000000"}
    check_contexts(records[eid], base64_on, [entity(7)])
    items = sorted((r["raw"] for e, r in records.items() if e != eid), key=lambda r: r["ti_sk"])
    assert [(i["e"], i["ti_id"], i["ti_sk"], i["ti_pr"], i["ti_qu"], i["ti_cu"], i["ttm"])
            for i in items] == [("ti", "order-1", "a", "7.99", "2", "PLN", "1700000000000"),
                                ("ti", "order-1", "b", "3", "1", "PLN", "1700000000000")]
    assert items[0]["ti_nm"] == "A" and items[0]["ti_ca"] == "X"
    assert "ti_nm" not in items[1]
    # each item: the transaction's context, then its own (as the item's "context")
    by_sku = {r["raw"]["ti_sk"]: r for e, r in records.items() if e != eid}
    check_contexts(by_sku["a"], base64_on, [entity(7), entity(8)])
    check_contexts(by_sku["b"], base64_on, [entity(7)])
    assert len({tr["eid"], items[0]["eid"], items[1]["eid"]}) == 3
    assert tr["dtm"] == items[0]["dtm"] == items[1]["dtm"]


def test_event_subject_overrides_tracker_subject_field_by_field(collector):
    tracker = Tracker("ns-test", emitter_for(collector, "post"), app_id="app-test",
                      subject=Subject().set_user_id("tracker-user").set_lang("en"))
    eid = tracker.track(PageView("http://e.com/", event_subject=Subject().set_user_id("me")))
    tracker.flush()
    raw = collector.by_eid()[eid]["raw"]
    assert raw["uid"] == "me" and raw["lang"] == "en"


def test_set_subject_and_add_emitter(collector):
    first = emitter_for(collector, "post")
    tracker = Tracker("ns-test", first, app_id="app-test")
    tracker.set_subject(Subject().set_user_id("later"))
    tracker.add_emitter(emitter_for(collector, "get"))
    eid = tracker.track(PageView("http://e.com/"))
    tracker.flush()
    records = collector.good()
    assert sorted(r["method"] for r in records) == ["GET", "POST"]
    assert {r["event"]["eid"] for r in records} == {eid}
    assert all(r["raw"]["uid"] == "later" for r in records)
    tracker.set_subject(None)
    collector.reset()
    eid = tracker.track(PageView("http://e.com/"))
    tracker.flush()
    assert all("uid" not in r["raw"] for r in collector.good())


def test_an_event_object_can_be_tracked_again(collector):
    tracker = Tracker("ns-test", emitter_for(collector, "post"), app_id="app-test")
    event = StructuredEvent("c", "a", value=1)
    first = tracker.track(event)
    event.value = 2
    second = tracker.track(event)
    tracker.flush()
    records = collector.by_eid()
    assert first != second
    assert records[first]["raw"]["se_va"] == "1" and records[second]["raw"]["se_va"] == "2"


def test_json_encoder_serialises_unknown_values(collector):
    import datetime
    tracker = Tracker("ns-test", emitter_for(collector, "post"), app_id="app-test",
                      json_encoder=lambda o: o.isoformat())
    eid = tracker.track(SelfDescribing(SelfDescribingJson(
        "iglu:com.snowplowanalytics.iglu/anything-a/jsonschema/1-0-0",
        {"when": datetime.date(2024, 5, 1)})))
    tracker.flush()
    record = collector.by_eid()[eid]
    assert record["event"]["unstruct_event"]["data"]["data"] == {"when": "2024-05-01"}
