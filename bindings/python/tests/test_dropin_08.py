"""snowplow_tracker runs code written for snowplow-tracker 0.8.x unchanged:
what 0.8 added to 0.7.0 (TrueTimestamp / DeviceTimestamp, the new track_*
methods, byte_limit, the flush timer, the new platforms, "" where a string or
None is allowed), checked at the local collector. The expected fields are what
0.8.4 builds for the same calls (its tracker.py and emitters.py), except the
differences docs/python.md names."""

import inspect
import json
import time

import pytest

import snowplow_tracker
from snowplow_tracker import (AsyncEmitter, CeleryEmitter, Emitter, SelfDescribingJson, Subject,
                              Tracker, _version, tracker as tracker_module)
from snowplow_tracker.subject import SUPPORTED_PLATFORMS
from snowplow_tracker.timestamp import DeviceTimestamp, Timestamp, TrueTimestamp

from conftest import decode_b64url

SP = "iglu:com.snowplowanalytics.snowplow/"
ANY = "iglu:com.snowplowanalytics.iglu/anything-a/jsonschema/1-0-0"
T0 = 1500000000123  # a millisecond time far from now


def host_port(collector):
    host, port = collector.url.split("://")[1].split(":")
    return host, int(port)


def get_emitter(collector, *args, **kw):
    host, port = host_port(collector)
    return Emitter(host, "http", port, *args, **kw)


def raws(collector):
    assert collector.bad() == []
    return [r["raw"] for r in collector.good()]


def unstruct(raw):
    """The inner self-describing event of a `ue` event (base64 or not)."""
    outer = decode_b64url(raw["ue_px"]) if "ue_px" in raw else json.loads(raw["ue_pr"])
    return outer["data"]


def params(fn):
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()
            if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD]


E = inspect.Parameter.empty


# ---- names and signatures ---------------------------------------------------------

def test_names_of_0_8():
    assert _version.__version__ == "0.8.4" and _version.__build_version__ == "0.8.4"
    assert issubclass(TrueTimestamp, Timestamp) and issubclass(DeviceTimestamp, Timestamp)
    t = TrueTimestamp(T0)
    assert (t.ts_type, t.value) == ("ttm", T0)
    assert (DeviceTimestamp(5).ts_type, Timestamp("dtm", 7).value) == ("dtm", 7)
    assert tracker_module.FORM_NODE_NAMES == ("INPUT", "TEXTAREA", "SELECT")
    assert "datetime-local" in tracker_module.FORM_TYPES and len(tracker_module.FORM_TYPES) == 23
    assert SUPPORTED_PLATFORMS == {"pc", "tv", "mob", "cnsl", "iot", "web", "srv", "app"}
    assert SelfDescribingJson(ANY, {"a": 1}).to_string() == json.dumps(
        {"schema": ANY, "data": {"a": 1}})
    assert CeleryEmitter.celery_app is None
    assert Tracker.check_form_element({"name": "n", "value": "v", "nodeName": "INPUT"})
    assert not Tracker.check_form_element({"name": "n", "value": "v", "nodeName": "DIV"})
    assert not Tracker.check_form_element({"name": "n", "value": "v", "nodeName": "INPUT",
                                           "type": "nope"})
    events = [{"e": "pv"}, {"e": "se"}]
    Emitter.attach_sent_timestamp(events)
    assert events[0]["stm"] == events[1]["stm"] and events[0]["stm"].endswith("000")


def test_signatures_of_0_8():
    tail = [("context", None), ("tstamp", None)]
    assert params(Tracker.track_page_ping) == [
        ("page_url", E), ("page_title", None), ("referrer", None), ("min_x", None),
        ("max_x", None), ("min_y", None), ("max_y", None)] + tail
    assert params(Tracker.track_link_click) == [
        ("target_url", E), ("element_id", None), ("element_classes", None),
        ("element_target", None), ("element_content", None)] + tail
    for method in (Tracker.track_add_to_cart, Tracker.track_remove_from_cart):
        assert params(method) == [
            ("sku", E), ("quantity", E), ("name", None), ("category", None),
            ("unit_price", None), ("currency", None)] + tail
    assert params(Tracker.track_form_change) == [
        ("form_id", E), ("element_id", E), ("node_name", E), ("value", E), ("type_", None),
        ("element_classes", None)] + tail
    assert params(Tracker.track_form_submit) == [
        ("form_id", E), ("form_classes", None), ("elements", None)] + tail
    assert params(Tracker.track_site_search) == [
        ("terms", E), ("filters", None), ("total_results", None), ("page_results", None)] + tail
    assert params(Tracker.track_self_describing_event) == [("event_json", E)] + tail
    assert params(Emitter.set_flush_timer) == [("timeout", E), ("flush_now", False)]


# ---- timestamps -----------------------------------------------------------------

def test_timestamps_on_the_wire(collector):
    t = Tracker([get_emitter(collector)], Subject())
    before = int(time.time() * 1000)
    t.track_page_view("http://a", tstamp=T0)                          # 0.7.0 and 0.8: dtm
    t.track_page_view("http://b", tstamp=T0 + 0.9)                    # int(): dtm
    t.track_page_view("http://c", tstamp=DeviceTimestamp(T0 + 1))     # dtm
    t.track_page_view("http://d", tstamp=TrueTimestamp(T0 + 2))       # ttm
    t.track_page_view("http://e", tstamp=Timestamp("ttm", T0 + 3))    # 0.8: neither
    t.track_page_view("http://f")                                     # time of tracking
    after = int(time.time() * 1000)
    a, b, c, d, e, f = raws(collector)
    assert (a["dtm"], b["dtm"], c["dtm"]) == (str(T0), str(T0), str(T0 + 1))
    assert "ttm" not in a and "ttm" not in b and "ttm" not in c
    assert d["ttm"] == str(T0 + 2)
    # 0.8 sent ttm alone; the engine stamps every event with dtm (the time of
    # tracking, which the pipeline ignores when ttm is there): docs/python.md.
    assert before <= int(d["dtm"]) <= after
    for raw in (e, f):
        assert "ttm" not in raw and before <= int(raw["dtm"]) <= after


def test_timestamps_of_the_other_methods(collector):
    t = Tracker([get_emitter(collector)], Subject())
    t.track_struct_event("c", "a", tstamp=TrueTimestamp(T0))
    t.track_screen_view("s", tstamp=DeviceTimestamp(T0))
    t.track_link_click("http://t", tstamp=T0)
    # 0.8 refused a float in track_unstruct_event (its contract: timestamp |
    # int | None); 0.7.0 took it: accepted, sent as dtm.
    t.track_self_describing_event(SelfDescribingJson(ANY, {"x": 1}), tstamp=float(T0))
    t.track_ecommerce_transaction_item("o", "sku", 1.5, 2, tstamp=TrueTimestamp(T0))
    se, sv, lc, sd, ti = raws(collector)
    assert se["ttm"] == ti["ttm"] == str(T0)
    assert sv["dtm"] == lc["dtm"] == sd["dtm"] == str(T0)
    assert not any("ttm" in raw for raw in (sv, lc, sd))


def test_timestamp_errors(collector):
    t = Tracker([get_emitter(collector)], Subject())
    for call, exc, match in [
        (lambda: TrueTimestamp(1.5), TypeError, "value must be int, not float"),
        (lambda: DeviceTimestamp("1"), TypeError, "value must be int, not str"),
        (lambda: Timestamp("stm", 1), ValueError, "ts_type must be 'ttm' or 'dtm', not 'stm'"),
        (lambda: TrueTimestamp(-1), ValueError, "value must be milliseconds"),
        (lambda: t.track_page_view("http://a", tstamp="now"), TypeError,
         "tstamp must be int, float, TrueTimestamp, DeviceTimestamp or None, not str"),
        # 0.8's get_timestamp contract refused a Timestamp for a transaction.
        (lambda: t.track_ecommerce_transaction("o", 1, items=[], tstamp=TrueTimestamp(T0)),
         TypeError, "tstamp of track_ecommerce_transaction must be int, float or None, "
                    "not TrueTimestamp"),
    ]:
        with pytest.raises(exc, match=match):
            call()
    t.flush()
    assert collector.counts()["total"] == 0


# ---- 0.8's new tracking methods ---------------------------------------------------

def test_new_events_on_the_wire(collector):
    t = Tracker([get_emitter(collector)], Subject(), namespace="ns", app_id="app")
    assert t.track_page_ping("http://p", "Title", "http://r", 0, 100, 10, 500) is t
    t.track_link_click("http://t", "id1", ["c1", "c2"], "_blank", "Click")
    t.track_add_to_cart("sku1", 3, "Name", "Cat", 9.99, "EUR")
    t.track_remove_from_cart("sku2", 1)
    t.track_form_change("form1", "el1", "INPUT", "val", "text", ("x",))
    elements = [{"name": "a", "value": "1", "nodeName": "INPUT", "type": "text"},
                {"name": "b", "value": None, "nodeName": "TEXTAREA"}]
    t.track_form_submit("form2", ["f"], elements)
    t.track_form_submit("form3", None, [])  # 0.8: an empty list is left out
    t.track_site_search(["a", "b"], {"cat": "x", "new": True}, 10, 2)
    t.track_self_describing_event(SelfDescribingJson(ANY, {"k": "v"}),
                                  [SelfDescribingJson(ANY, {"c": 1})])
    pp, lc, add, rem, fc, fs, fs_empty, ss, sd = raws(collector)
    assert {k: pp[k] for k in ("e", "url", "page", "refr", "pp_mix", "pp_max", "pp_miy",
                               "pp_may", "tna", "aid")} == {
        "e": "pp", "url": "http://p", "page": "Title", "refr": "http://r", "pp_mix": "0",
        "pp_max": "100", "pp_miy": "10", "pp_may": "500", "tna": "ns", "aid": "app"}
    assert unstruct(lc) == {"schema": SP + "link_click/jsonschema/1-0-1", "data": {
        "targetUrl": "http://t", "elementId": "id1", "elementClasses": ["c1", "c2"],
        "elementTarget": "_blank", "elementContent": "Click"}}
    assert unstruct(add) == {"schema": SP + "add_to_cart/jsonschema/1-0-0", "data": {
        "sku": "sku1", "quantity": 3, "name": "Name", "category": "Cat", "unitPrice": 9.99,
        "currency": "EUR"}}
    assert unstruct(rem) == {"schema": SP + "remove_from_cart/jsonschema/1-0-0",
                             "data": {"sku": "sku2", "quantity": 1}}
    assert unstruct(fc) == {"schema": SP + "change_form/jsonschema/1-0-0", "data": {
        "formId": "form1", "elementId": "el1", "nodeName": "INPUT", "value": "val",
        "type": "text", "elementClasses": ["x"]}}
    assert unstruct(fs) == {"schema": SP + "submit_form/jsonschema/1-0-0", "data": {
        "formId": "form2", "formClasses": ["f"], "elements": elements}}
    assert unstruct(fs_empty)["data"] == {"formId": "form3"}
    assert unstruct(ss) == {"schema": SP + "site_search/jsonschema/1-0-0", "data": {
        "terms": ["a", "b"], "filters": {"cat": "x", "new": True}, "totalResults": 10,
        "pageResults": 2}}
    assert unstruct(sd) == {"schema": ANY, "data": {"k": "v"}}
    assert decode_b64url(sd["cx"])["data"] == [{"schema": ANY, "data": {"c": 1}}]


def test_form_change_value_none_and_no_type(collector):
    t = Tracker([get_emitter(collector)], Subject(), encode_base64=False)
    t.track_form_change("f", "e", "SELECT", None)
    (raw,) = raws(collector)
    assert unstruct(raw)["data"] == {"formId": "f", "elementId": "e", "nodeName": "SELECT",
                                     "value": None}


def test_empty_strings_as_0_8_3(collector):
    """0.8.3 takes "" where a string or None is allowed: left out of the
    payload's own fields, kept inside self-describing data."""
    t = Tracker([get_emitter(collector)], Subject(), namespace="", app_id="")
    t.track_page_view("http://a", "", "")
    t.track_struct_event("c", "a", "", "")
    t.track_link_click("http://t", "", None, None, "")
    pv, se, lc = raws(collector)
    for raw in (pv, se):
        for field in ("page", "refr", "se_la", "se_pr", "tna", "aid"):
            assert field not in raw
    assert unstruct(lc)["data"] == {"targetUrl": "http://t", "elementId": "",
                                    "elementContent": ""}


def test_new_platforms(collector):
    t = Tracker([get_emitter(collector)], Subject().set_platform("srv"))
    t.track_page_view("http://a")
    t.set_subject(Subject().set_platform("app")).track_page_view("http://b")
    assert [raw["p"] for raw in raws(collector)] == ["srv", "app"]


@pytest.mark.parametrize("call, exc, match", [
    (lambda t: t.track_page_ping("http://p", min_x=1.5), TypeError, "min_x must be int"),
    (lambda t: t.track_page_ping(""), ValueError, "page_url must be a non-empty str"),
    (lambda t: t.track_link_click(""), ValueError, "target_url must be a non-empty str"),
    (lambda t: t.track_link_click("http://t", element_classes="c"), TypeError,
     "element_classes must be a list"),
    (lambda t: t.track_add_to_cart("s", 1.5), TypeError, "quantity must be int"),
    (lambda t: t.track_remove_from_cart("", 1), ValueError, "sku must be a non-empty str"),
    (lambda t: t.track_add_to_cart("s", 1, unit_price="1"), TypeError, "unit_price must be int"),
    (lambda t: t.track_form_change("f", "e", "DIV", "v"), ValueError,
     "node_name must be one of INPUT, TEXTAREA, SELECT, not 'DIV'"),
    (lambda t: t.track_form_change("f", "e", "INPUT", "v", "Text"), ValueError,
     r"type_ must be one of .* \(lower case\), not 'Text'"),
    (lambda t: t.track_form_change("f", None, "INPUT", "v"), TypeError,
     "element_id must be str, not None"),
    (lambda t: t.track_form_submit("f", elements=[{"name": "a", "value": "1"}]), ValueError,
     r"elements\[0\] must be a dict with name, value and nodeName"),
    (lambda t: t.track_form_submit("f", elements={"name": "a"}), TypeError,
     "elements must be a list of dict or None, not dict"),
    (lambda t: t.track_site_search([]), ValueError, "terms must be a list of at least one str"),
    (lambda t: t.track_site_search(None), TypeError, "terms must be a list of at least one str"),
    (lambda t: t.track_site_search(["a"], {"k": 1}), TypeError,
     "filters must map str to str or bool"),
    (lambda t: t.track_site_search(["a"], total_results="9"), TypeError,
     "total_results must be int"),
    (lambda t: t.track_self_describing_event({"schema": ANY, "data": {}}), TypeError,
     "event_json must be SelfDescribingJson, not dict"),
    (lambda t: Subject().set_platform("desktop"), ValueError,
     "platform must be one of app, cnsl, iot, mob, pc, srv, tv, web"),
])
def test_new_method_errors(collector, call, exc, match):
    t = Tracker([get_emitter(collector, "post", 1)], Subject())
    with pytest.raises(exc, match=match):
        call(t)
    t.flush()
    assert collector.counts()["total"] == 0, "something reached the collector"


# ---- emitters -------------------------------------------------------------------

def track_alike(t, n):
    for i in range(n):
        t.track_struct_event("cat", "act", "label-%d" % i)


def test_byte_limit_sends_once_the_bytes_reach_it(collector):
    # The size of one event, counted as 0.8 counts it (len(str(payload))).
    probe = get_emitter(collector, "post", 10, None, None, 10 ** 9)
    track_alike(Tracker(probe, Subject()), 1)
    size = probe.bytes_queued
    assert 100 < size < 1000
    probe.flush()
    collector.reset()
    # Events of the same size: the 2nd reaches the limit and the buffer goes.
    emitter = get_emitter(collector, "post", 10, None, None, 2 * size - 5)
    assert emitter.byte_limit == 2 * size - 5 and emitter.bytes_queued == 0
    t = Tracker(emitter, Subject())
    track_alike(t, 5)
    assert [r["events"] for r in collector.requests()] == [2, 2]
    assert emitter.bytes_queued == size and not emitter.reached_limit()
    t.flush()
    assert [r["events"] for r in collector.requests()] == [2, 2, 1]
    assert emitter.bytes_queued == 0
    assert [raw["se_la"] for raw in raws(collector)] == ["label-%d" % i for i in range(5)]


def test_byte_limit_of_async_and_celery_emitters(collector):
    host, port = host_port(collector)
    for emitter in (AsyncEmitter(host, "http", port, "post", 10, None, None, 2, 1),
                    CeleryEmitter(host, "http", port, "post", 10, 1)):
        collector.reset()
        t = Tracker(emitter, Subject())
        track_alike(t, 3)
        # byte_limit 1: every event reaches it and is sent without a flush
        # (the buffer of 10 is not full); the C threads may put events
        # tracked meanwhile into the same request.
        collector.wait_counts(3)
        assert sum(r["events"] for r in collector.requests()) == 3
        assert len(raws(collector)) == 3
        emitter.close()


def test_without_byte_limit_post_waits_for_the_buffer(collector):
    emitter = get_emitter(collector, "post", 3)
    assert emitter.byte_limit is None and emitter.bytes_queued is None
    track_alike(Tracker(emitter, Subject()), 3)
    assert [r["events"] for r in collector.requests()] == [3]


def test_flush_timer(collector, recorder):
    emitter = get_emitter(collector, "post", 10,
                          lambda n: recorder.on_success([None] * n), None)
    t = Tracker(emitter, Subject())
    track_alike(t, 2)
    assert collector.counts()["total"] == 0  # the buffer is not full
    assert emitter.timer is None
    emitter.set_flush_timer(0.2)
    assert emitter.timer is not None
    collector.wait_counts(2)  # sent by the timer, no flush called
    recorder.wait(lambda: len(recorder.sent) == 2)
    emitter.cancel_flush_timer()
    assert emitter.timer is None
    track_alike(t, 1)
    emitter.set_flush_timer(600, flush_now=True)  # flush_now: sent before it returns
    assert collector.counts()["good"] == 3
    emitter.cancel_flush_timer()
    with pytest.raises(TypeError, match="flush_now must be bool"):
        emitter.set_flush_timer(1, "yes")
    with pytest.raises(TypeError, match="byte_limit must be int"):
        get_emitter(collector, "post", 10, None, None, "100")
    with pytest.raises(TypeError, match="byte_limit must be int, not bool"):
        get_emitter(collector, "post", 10, None, None, True)


def test_0_8_script_runs_unchanged(collector):
    """A 0.8-style script: the imports and calls of its README, as they are."""
    host, port = host_port(collector)
    from snowplow_tracker import Tracker as T, AsyncEmitter as A, Subject as S
    from snowplow_tracker.timestamp import TrueTimestamp as TT
    e = A(host, port=port, method="post", buffer_size=5, byte_limit=100000, thread_count=2)
    t = T(e, S().set_platform("web").set_user_id("u1"), namespace="ns", app_id="a")
    t.track_self_describing_event(SelfDescribingJson(ANY, {"n": 1}), tstamp=TT(T0))
    t.track_site_search(["q"])
    t.flush(is_async=False)
    ss, sd = sorted(raws(collector), key=lambda r: "ttm" in r)
    assert (sd["ttm"], sd["p"], sd["uid"]) == (str(T0), "web", "u1")
    assert unstruct(ss)["data"] == {"terms": ["q"]}
    assert snowplow_tracker.__version__ == "0.8.4"


def test_failed_get_events_have_0_8_value_types(dead_url):
    """on_failure gets the unsent GET payloads with the values as 0.8 built
    them (ttm and the page ping offsets int); no stm (docs/python.md)."""
    failures = []
    host, port = dead_url.split("://")[1].split(":")
    emitter = Emitter(host, "http", int(port), on_failure=lambda n, unsent: failures.append(
        (n, unsent)))
    t = Tracker(emitter, Subject())
    t.track_page_ping("http://p", None, None, 0, 5, 10, 15, tstamp=TrueTimestamp(T0))
    ((sent, (event,)),) = failures  # reported before track_page_ping returned
    assert sent == 0
    assert {k: event[k] for k in ("e", "ttm", "pp_mix", "pp_max", "pp_miy", "pp_may")} == {
        "e": "pp", "ttm": T0, "pp_mix": 0, "pp_max": 5, "pp_miy": 10, "pp_may": 15}
    assert isinstance(event["dtm"], int) and "stm" not in event
