"""snowplow_tracker (the 0.7.0 drop-in) against the local collector: the cases
of 0.7.0's integration suite (page view, ecommerce, screen view, struct,
unstruct and contexts with and without base64, subject fields, callbacks, POST
and POST batching), checked on the wire instead of through a mocked HTTP
library. The expected values are what 0.7.0 sends for the same calls (observed
against this collector), except the differences docs/python.md names."""

import json

import pytest

from snowplow_tracker import Emitter, SelfDescribingJson, Subject, Tracker, _version
from snowplow_tracker import emitters, subject, tracker

from conftest import CONTEXTS, UNSTRUCT, decode_b64url

ANY = "iglu:com.snowplowanalytics.iglu/anything-a/jsonschema/1-0-0"
SCREEN_VIEW = "iglu:com.snowplowanalytics.snowplow/screen_view/jsonschema/1-0-0"
PRODUCT = {"product_id": "ASO01043", "price$flt": 49.95, "walrus$tms": 1000}


def get_emitter(collector, **kw):
    host, port = collector.url.split("://")[1].split(":")
    return Emitter(host, port=int(port), **kw)


def raws(collector):
    """What arrived, oldest first; nothing may be bad."""
    assert collector.bad() == []
    return [r["raw"] for r in collector.good()]


def test_page_view(collector):
    t = Tracker([get_emitter(collector)], Subject())
    assert t.track_page_view("http://savethearctic.org", "Save The Arctic",
                             "http://referrer.com") is t
    (raw,) = raws(collector)  # sent before track_page_view returned: no flush
    assert {k: raw[k] for k in ("e", "url", "page", "refr")} == {
        "e": "pv", "url": "http://savethearctic.org", "page": "Save The Arctic",
        "refr": "http://referrer.com"}
    assert collector.requests()[0]["method"] == "GET"
    assert collector.requests()[0]["path"] == "/i"


def test_ecommerce_transaction_item(collector):
    t = Tracker([get_emitter(collector)], Subject())
    t.track_ecommerce_transaction_item("12345", "pbz0025", 7.99, 2, "black-tarot", "tarot",
                                       currency="GBP")
    (raw,) = raws(collector)
    assert {k: v for k, v in raw.items() if k.startswith("ti_") or k == "e"} == {
        "e": "ti", "ti_id": "12345", "ti_sk": "pbz0025", "ti_nm": "black-tarot",
        "ti_ca": "tarot", "ti_pr": "7.99", "ti_qu": "2", "ti_cu": "GBP"}


def test_ecommerce_transaction(collector):
    t = Tracker([get_emitter(collector)], Subject())
    items = [{"sku": "pbz0026", "price": 20, "quantity": 1},
             {"sku": "pbz0038", "price": 15, "quantity": 1,
              "context": [SelfDescribingJson(ANY, {"gift": True})]}]
    t.track_ecommerce_transaction("6a8078be", 35, city="London", currency="GBP", items=items,
                                  context=[SelfDescribingJson(ANY, {"order": "o"})])
    tr, ti1, ti2 = raws(collector)  # in this order, one request each
    assert {k: tr[k] for k in ("e", "tr_id", "tr_tt", "tr_ci", "tr_cu")} == {
        "e": "tr", "tr_id": "6a8078be", "tr_tt": "35", "tr_ci": "London", "tr_cu": "GBP"}
    for item, sku, price in ((ti1, "pbz0026", "20"), (ti2, "pbz0038", "15")):
        assert {k: item[k] for k in ("e", "ti_id", "ti_sk", "ti_pr", "ti_qu", "ti_cu")} == {
            "e": "ti", "ti_id": "6a8078be", "ti_sk": sku, "ti_pr": price, "ti_qu": "1",
            "ti_cu": "GBP"}
    assert tr["dtm"] == ti1["dtm"] == ti2["dtm"]
    # 0.7.0: the transaction's context on the tr event only, an item's own on its ti.
    assert decode_b64url(tr["cx"])["data"] == [{"schema": ANY, "data": {"order": "o"}}]
    assert "cx" not in ti1 and "co" not in ti1
    assert decode_b64url(ti2["cx"])["data"] == [{"schema": ANY, "data": {"gift": True}}]
    # 0.7.0 writes the transaction's values into the caller's item dicts.
    assert items[0]["order_id"] == "6a8078be" and items[0]["currency"] == "GBP"
    assert items[0]["tstamp"] == int(tr["dtm"])


def test_screen_view_without_base64(collector):
    t = Tracker([get_emitter(collector)], Subject(), encode_base64=False)
    t.track_screen_view("Game HUD 2", id_="534")
    (raw,) = raws(collector)
    assert raw["e"] == "ue"
    assert json.loads(raw["ue_pr"]) == {"schema": UNSTRUCT, "data": {
        "schema": SCREEN_VIEW, "data": {"name": "Game HUD 2", "id": "534"}}}


def test_struct_event(collector):
    t = Tracker([get_emitter(collector)], Subject())
    t.track_struct_event("Ecomm", "add-to-basket", "dog-skateboarding-video", "hd", 13.99)
    (raw,) = raws(collector)
    assert {k: v for k, v in raw.items() if k.startswith("se_") or k == "e"} == {
        "e": "se", "se_ca": "Ecomm", "se_ac": "add-to-basket",
        "se_la": "dog-skateboarding-video", "se_pr": "hd", "se_va": "13.99"}


@pytest.mark.parametrize("base64", [False, True])
def test_unstruct_event(collector, base64):
    t = Tracker([get_emitter(collector)], Subject(), encode_base64=base64)
    t.track_unstruct_event(SelfDescribingJson(ANY, PRODUCT))
    (raw,) = raws(collector)
    envelope = decode_b64url(raw["ue_px"]) if base64 else json.loads(raw["ue_pr"])
    assert ("ue_pr" in raw) is not base64
    assert envelope == {"schema": UNSTRUCT, "data": {"schema": ANY, "data": PRODUCT}}


@pytest.mark.parametrize("base64", [False, True])
def test_context(collector, base64):
    t = Tracker([get_emitter(collector)], Subject(), encode_base64=base64)
    t.track_page_view("localhost", "local host", None,
                      [SelfDescribingJson(ANY, {"user_type": "tester"})])
    (raw,) = raws(collector)
    envelope = decode_b64url(raw["cx"]) if base64 else json.loads(raw["co"])
    assert envelope == {"schema": CONTEXTS, "data": [{"schema": ANY,
                                                      "data": {"user_type": "tester"}}]}


def test_standard_nv_pairs(collector):
    s = subject.Subject()
    s.set_platform("mob")
    s.set_user_id("user12345")
    s.set_screen_resolution(100, 200)
    s.set_color_depth(24)
    s.set_timezone("Europe London")
    s.set_lang("en")
    t = tracker.Tracker([get_emitter(collector)], s, "cf", app_id="angry-birds-android")
    t.track_page_view("localhost", "local host")
    (raw,) = raws(collector)
    assert {k: raw[k] for k in ("tna", "res", "lang", "aid", "cd", "tz", "p", "tv")} == {
        "tna": "cf", "res": "100x200", "lang": "en", "aid": "angry-birds-android", "cd": "24",
        "tz": "Europe London", "p": "mob", "tv": tracker.VERSION}
    assert len(raw["eid"]) == 36 and raw["dtm"].isdigit()


def test_identification_methods(collector):
    s = subject.Subject()
    s.set_domain_user_id("4616bfb38f872d16")
    s.set_ip_address("255.255.255.255")
    s.set_useragent("Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.0; Trident/5.0)")
    s.set_network_user_id("fbc6c76c-bce5-43ce-8d5a-31c5")
    t = tracker.Tracker([get_emitter(collector)], s, "cf", app_id="angry-birds-android")
    t.track_page_view("localhost", "local host")
    (raw,) = raws(collector)
    assert {k: raw[k] for k in ("duid", "ip", "ua", "tnuid")} == {
        "duid": "4616bfb38f872d16", "ip": "255.255.255.255",
        "ua": "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.0; Trident/5.0)",
        "tnuid": "fbc6c76c-bce5-43ce-8d5a-31c5"}


def test_tstamp_is_the_device_timestamp(collector):
    t = Tracker(get_emitter(collector))
    t.track_struct_event("c", "a", tstamp=1234567.9)
    (raw,) = raws(collector)
    assert raw["dtm"] == "1234567" and "ttm" not in raw  # 0.7.0: int(tstamp) as dtm


def test_success_callback(collector):
    successes, failures = [], []
    e = get_emitter(collector, on_success=successes.append,
                    on_failure=lambda count, unsent: failures.append(count))
    t = tracker.Tracker([e], Subject())
    t.track_page_view("http://www.example.com")
    # The synchronous emitter ran the callback before track_page_view returned.
    assert successes == [1] and failures == []


def test_failure_callback(collector):
    collector.fault(status=501)
    successes, failures = [], []
    e = get_emitter(collector, on_success=successes.append,
                    on_failure=lambda count, unsent: failures.append((count, unsent)))
    t = tracker.Tracker([e], Subject(), namespace="cf")
    t.track_struct_event("c", "a", value=3.5, tstamp=1000)
    assert successes == []
    ((count, (unsent,)),) = failures
    assert count == 0
    # GET: the unsent payload with 0.7.0's value types, as it was built.
    assert unsent["dtm"] == 1000 and unsent["se_va"] == 3.5
    assert {k: unsent[k] for k in ("e", "se_ca", "se_ac", "tna", "p")} == {
        "e": "se", "se_ca": "c", "se_ac": "a", "tna": "cf", "p": "pc"}
    assert "stm" not in unsent
    assert len(collector.requests()) == 1  # reported once, not retried
    assert collector.good() == []


def test_post_failure_callback_gets_str_values(collector):
    collector.fault(status=500)
    failures = []
    e = get_emitter(collector, method="post", buffer_size=2,
                    on_failure=lambda count, unsent: failures.append((count, unsent)))
    t = Tracker(e)
    t.track_struct_event("c", "a", value=2).track_struct_event("c", "b")
    ((count, unsent),) = failures
    assert count == 0 and [u["se_ac"] for u in unsent] == ["a", "b"]
    assert all(isinstance(v, str) for u in unsent for v in u.values())
    assert len(collector.requests()) == 1


def test_post_page_view(collector):
    t = Tracker([get_emitter(collector, method="post", buffer_size=1)], Subject())
    t.track_page_view("localhost", "local host", None)
    (request,) = collector.requests()
    assert request["method"] == "POST"
    assert request["path"] == "/com.snowplowanalytics.snowplow/tp2"
    (raw,) = raws(collector)
    assert {k: raw[k] for k in ("e", "page", "url")} == {
        "e": "pv", "page": "local host", "url": "localhost"}


def test_post_batched(collector):
    successes = []
    e = get_emitter(collector, method="post", buffer_size=2, on_success=successes.append)
    t = Tracker(e, Subject())
    t.track_struct_event("Test", "A")
    assert collector.counts()["total"] == 0  # waits for the second
    t.track_struct_event("Test", "B")
    assert [r["se_ac"] for r in raws(collector)] == ["A", "B"]
    assert [r["events"] for r in collector.requests()] == [2]  # one request
    assert successes == [2]


def test_post_default_buffer_is_ten_and_flush_sends_the_rest(collector):
    successes = []
    e = get_emitter(collector, method="post", on_success=successes.append)
    t = Tracker(e)
    for i in range(13):
        t.track_struct_event("c", "a%d" % i)
    assert successes == [10]
    t.flush()
    assert successes == [10, 3]
    assert [r["events"] for r in collector.requests()] == [10, 3]


def test_version_and_endpoint(collector):
    # The API is 0.8.4's, which includes 0.7.0's.
    assert _version.__version__ == "0.8.4" and _version.__version_info__ == (0, 8, 4)
    assert Emitter("collector.example.com").endpoint == "http://collector.example.com/i"
    assert (emitters.Emitter("c.example.com", "https", 8080, "post").endpoint
            == "https://c.example.com:8080/com.snowplowanalytics.snowplow/tp2")
    assert Emitter.as_collector_uri("h", port=9) == "http://h:9/i"
