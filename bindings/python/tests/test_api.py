"""The names and keyword arguments of snowplow-tracker 1.x, so that a script
written for it runs with only the import changed; and the track_* methods,
checked against the collector."""

import inspect
import uuid

import pytest

import snowplow
from snowplow import (AsyncEmitter, Emitter, PagePing, PageView, ScreenView, SelfDescribing,
                      SelfDescribingJson, StructuredEvent, Subject, Tracker)

from conftest import SP, TEST_EVENT


def params(fn):
    return [p for p in inspect.signature(fn).parameters if p != "self"]


def test_constructor_signatures():
    assert params(Tracker.__init__) == ["namespace", "emitters", "subject", "app_id",
                                        "encode_base64", "json_encoder"]
    assert params(Emitter.__init__)[:13] == [
        "endpoint", "protocol", "port", "method", "batch_size", "on_success", "on_failure",
        "byte_limit", "request_timeout", "max_retry_delay_seconds", "buffer_capacity",
        "custom_retry_codes", "event_store"]
    assert "buffer_size" in params(Emitter.__init__)
    assert params(AsyncEmitter.__init__)[:8] == [
        "endpoint", "protocol", "port", "method", "batch_size", "on_success", "on_failure",
        "thread_count"]
    assert params(SelfDescribingJson.__init__) == ["schema", "data"]
    assert params(PageView.__init__) == ["page_url", "page_title", "referrer", "event_subject",
                                         "context", "true_timestamp"]
    assert params(PagePing.__init__)[:7] == ["page_url", "page_title", "referrer", "min_x",
                                             "max_x", "min_y", "max_y"]
    assert params(StructuredEvent.__init__)[:5] == ["category", "action", "label",
                                                    "property_", "value"]
    assert params(SelfDescribing.__init__) == ["event_json", "event_subject", "context",
                                               "true_timestamp"]
    assert params(ScreenView.__init__)[:7] == ["id_", "name", "type", "previous_name",
                                               "previous_id", "previous_type", "transition_type"]


TRACK_METHODS = {
    "track_page_view": ["page_url", "page_title", "referrer"],
    "track_page_ping": ["page_url", "page_title", "referrer", "min_x", "max_x", "min_y",
                        "max_y"],
    "track_link_click": ["target_url", "element_id", "element_classes", "element_target",
                         "element_content"],
    "track_add_to_cart": ["sku", "quantity", "name", "category", "unit_price", "currency"],
    "track_remove_from_cart": ["sku", "quantity", "name", "category", "unit_price",
                               "currency"],
    "track_form_change": ["form_id", "element_id", "node_name", "value", "type_",
                          "element_classes"],
    "track_form_submit": ["form_id", "form_classes", "elements"],
    "track_site_search": ["terms", "filters", "total_results", "page_results"],
    "track_ecommerce_transaction": ["order_id", "total_value", "affiliation", "tax_value",
                                    "shipping", "city", "state", "country", "currency",
                                    "items"],
    "track_screen_view": ["name", "id_"],
    "track_mobile_screen_view": ["name", "id_", "type", "previous_name", "previous_id",
                                 "previous_type", "transition_type"],
    "track_struct_event": ["category", "action", "label", "property_", "value"],
    "track_self_describing_event": ["event_json"],
    "track_unstruct_event": ["event_json"],
}


@pytest.mark.parametrize("name", sorted(TRACK_METHODS))
def test_track_method_signature(name):
    assert params(getattr(Tracker, name)) == TRACK_METHODS[name] + [
        "context", "tstamp", "event_subject"]


def test_subject_setters_chain():
    s = Subject()
    for name, args in [("set_platform", ("mob",)), ("set_user_id", ("u",)),
                       ("set_screen_resolution", (1, 2)), ("set_viewport", (3, 4)),
                       ("set_color_depth", (24,)), ("set_timezone", ("UTC",)),
                       ("set_lang", ("en",)), ("set_domain_user_id", ("d",)),
                       ("set_domain_session_id", ("s",)), ("set_domain_session_index", (2,)),
                       ("set_ip_address", ("1.2.3.4",)), ("set_useragent", ("ua",)),
                       ("set_network_user_id", ("n",))]:
        assert getattr(s, name)(*args) is s
    assert s.standard_nv_pairs == {"p": "mob", "uid": "u", "res": "1x2", "vp": "3x4",
                                   "cd": "24", "tz": "UTC", "lang": "en", "duid": "d",
                                   "sid": "s", "vid": "2", "ip": "1.2.3.4", "ua": "ua",
                                   "tnuid": "n"}
    assert Subject().standard_nv_pairs == {"p": "pc"}


def test_module_exports_and_version():
    for name in ["Tracker", "Emitter", "AsyncEmitter", "Subject", "SelfDescribingJson",
                 "PageView", "PagePing", "ScreenView", "StructuredEvent", "SelfDescribing"]:
        assert hasattr(snowplow, name)
    assert snowplow.__version__ == snowplow._snowplow_c.version()
    assert Tracker.get_timestamp(1234.9) == 1234
    assert len(Tracker.get_uuid()) == 36


def test_every_track_method_sends_its_event(collector):
    emitter = Emitter(collector.url)
    tracker = Tracker("ns", emitter, app_id="app")
    results = [
        tracker.track_page_view("http://e.com/", "T", "http://r.com/", tstamp=1700000000001),
        tracker.track_page_ping("http://e.com/", min_x=1, max_x=2, min_y=3, max_y=4),
        tracker.track_link_click("http://e.com/t", element_classes=("a",)),
        tracker.track_add_to_cart("s", 1, unit_price=2),
        tracker.track_remove_from_cart("s", 1),
        tracker.track_form_change("f", "e", "TEXTAREA", "v"),
        tracker.track_form_submit("f"),
        tracker.track_site_search(["q"]),
        tracker.track_ecommerce_transaction("o", 10, items=[{"sku": "s", "price": 5,
                                                             "quantity": 2}]),
        tracker.track_screen_view("home"),
        tracker.track_mobile_screen_view("home", str(uuid.uuid4())),
        tracker.track_mobile_screen_view("home"),
        tracker.track_struct_event("c", "a", "l", "p", 1.5),
        tracker.track_self_describing_event(SelfDescribingJson(TEST_EVENT, {"name": "x"})),
        tracker.track_unstruct_event(SelfDescribingJson(TEST_EVENT, {"name": "y"})),
    ]
    assert all(r is tracker for r in results)
    assert tracker.flush() is tracker
    records = list(collector.by_eid().values())
    kinds = sorted(r["raw"]["e"] for r in records)
    assert kinds == sorted(["pv", "pp", "ue", "ue", "ue", "ue", "ue", "ue", "tr", "ti", "ue",
                            "ue", "ue", "se", "ue", "ue"])
    schemas = sorted(r["event"]["unstruct_event"]["data"]["schema"].split("/")[1]
                     for r in records if r["raw"]["e"] == "ue")
    assert schemas == sorted(["link_click", "add_to_cart", "remove_from_cart", "change_form",
                              "submit_form", "site_search", "screen_view", "screen_view",
                              "screen_view", "test_event", "test_event"])
    pv = next(r["raw"] for r in records if r["raw"]["e"] == "pv")
    assert pv["ttm"] == "1700000000001"
    mobile = [r["event"]["unstruct_event"]["data"]["data"] for r in records
              if r["raw"]["e"] == "ue" and "mobile" in r["event"]["unstruct_event"]["data"]["schema"]]
    assert len(mobile) == 2 and all(len(m["id"]) == 36 for m in mobile)


def test_tracker_version_and_async_flush(collector):
    tracker = Tracker("ns", AsyncEmitter(collector.url, thread_count=2))
    tracker.track(PageView("http://e.com/"))
    assert tracker.flush(is_async=True) is tracker
    collector.wait_counts(1)
    assert collector.good()[0]["raw"]["tv"] == "py-libsnowplow-" + snowplow.__version__


def test_old_buffer_size_name_and_get_batches_one(collector):
    emitter = Emitter(collector.url, method="get", buffer_size=5)
    assert emitter.batch_size == 5
    assert Emitter(collector.url, method="get").batch_size == 1
    assert Emitter(collector.url, buffer_capacity=3).batch_size == 3
    tracker = Tracker("ns", emitter)
    for _ in range(3):
        tracker.track(PageView("http://e.com/"))
    tracker.flush()
    assert [r["method"] for r in collector.requests()] == ["GET"] * 3


def test_context_manager_closes(collector):
    with Emitter(collector.url) as emitter:
        Tracker("ns", emitter).track(StructuredEvent("c", "a"))
    assert emitter.closed
    assert collector.counts()["good"] == 1
