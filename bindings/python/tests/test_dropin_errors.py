"""snowplow_tracker: every argument 0.7.0 checked with a contract raises
TypeError (wrong type) or ValueError (wrong value) naming it, dict contexts of
the releases before 0.7.0 are refused with the replacement named, and nothing
reaches the collector."""

import pytest

from snowplow_tracker import (AsyncEmitter, CeleryEmitter, Emitter, SelfDescribingJson, Subject,
                              Tracker, disable_contracts, enable_contracts)
from snowplow_tracker.payload import Payload

ANY = "iglu:com.snowplowanalytics.iglu/anything-a/jsonschema/1-0-0"


@pytest.fixture
def tracker(collector):
    host, port = collector.url.split("://")[1].split(":")
    yield Tracker(Emitter(host, port=int(port), method="post", buffer_size=1), Subject())
    assert collector.counts()["total"] == 0, "something reached the collector"


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"endpoint": 1}, TypeError, "endpoint must be str"),
    ({"protocol": "ftp"}, ValueError, "protocol must be 'http' or 'https'"),
    ({"port": "80"}, TypeError, "port must be int"),
    ({"port": 0}, ValueError, "port must be at least 1"),
    ({"method": "put"}, ValueError, "method must be 'get' or 'post'"),
    ({"buffer_size": 0}, ValueError, "buffer_size must be at least 1"),
    ({"buffer_size": 2.5}, TypeError, "buffer_size must be int"),
    ({"on_success": "print"}, TypeError, "on_success must be callable"),
    ({"on_failure": 1}, TypeError, "on_failure must be callable"),
    ({"custom_retry_codes": {500: False}}, ValueError, "custom_retry_codes needs retries=True"),
    ({"retries": "yes"}, TypeError, "retries must be bool"),
])
def test_emitter_arguments(kwargs, exc, match):
    args = dict({"endpoint": "localhost"}, **kwargs)
    with pytest.raises(exc, match=match):
        Emitter(**args)


def test_async_and_celery_arguments():
    with pytest.raises(ValueError, match="thread_count must be at least 1"):
        AsyncEmitter("localhost", thread_count=0)
    with pytest.raises(TypeError, match="on_success must be callable"):
        AsyncEmitter("localhost", on_success=3)
    with pytest.raises(TypeError):
        CeleryEmitter("localhost", on_success=print)  # 0.7.0: no callbacks here


def test_tracker_arguments(collector):
    emitter = Emitter("localhost")
    with pytest.raises(ValueError, match="emitters must not be empty"):
        Tracker([])
    with pytest.raises(TypeError, match=r"emitters\[0\] must be an Emitter"):
        Tracker("http://collector")
    with pytest.raises(TypeError, match=r"emitters\[1\] must be an Emitter"):
        Tracker([emitter, 5])
    with pytest.raises(TypeError, match="namespace must be str"):
        Tracker(emitter, namespace=5)  # "" is accepted since 0.8.3
    with pytest.raises(TypeError, match="app_id must be str"):
        Tracker(emitter, app_id=5)
    with pytest.raises(TypeError, match="encode_base64 must be bool"):
        Tracker(emitter, encode_base64="yes")
    with pytest.raises(TypeError, match="subject must be Subject"):
        Tracker(emitter, "subject")


def test_emitter_input_errors(tracker):
    (emitter,) = tracker.emitters
    with pytest.raises(TypeError, match="payload must be a dict"):
        emitter.input("e=pv")
    with pytest.raises(ValueError, match="e"):
        emitter.input({"se_ca": "c", "se_ac": "a"})  # no event type
    with pytest.raises(ValueError):
        emitter.input({"e": "pv", "url": None})  # null is not a payload value
    with pytest.raises(ValueError, match="eid"):
        emitter.input({"e": "pv", "eid": "not-a-uuid"})
    tracker.flush()


@pytest.mark.parametrize("call, exc, match", [
    (lambda t: t.track_page_view(""), ValueError, "page_url must be a non-empty str"),
    (lambda t: t.track_page_view(None), TypeError, "page_url must be str"),
    (lambda t: t.track_page_view("u", 5), TypeError, "page_title must be str"),
    (lambda t: t.track_page_view("", "t", None), ValueError, "page_url must be a non-empty"),
    (lambda t: t.track_page_view("u", referrer=b"r"), TypeError, "referrer must be str"),
    (lambda t: t.track_page_view("u", tstamp="now"), TypeError,
     "tstamp must be int, float, TrueTimestamp, DeviceTimestamp or None, not str"),
    (lambda t: t.track_page_view("u", context={"schema": ANY, "data": {}}), TypeError,
     r"context must be a list of SelfDescribingJson or None, not dict; .*"
     r"wrap it as SelfDescribingJson\(schema, data\)"),
    (lambda t: t.track_page_view("u", context=[{"schema": ANY, "data": {}}]), TypeError,
     r"context\[0\] must be SelfDescribingJson, not dict; the dict contexts"),
    (lambda t: t.track_page_view("u", context=[SelfDescribingJson(ANY, {}), "x"]), TypeError,
     r"context\[1\] must be SelfDescribingJson, not str"),
    (lambda t: t.track_unstruct_event({"schema": ANY, "data": {}}), TypeError,
     r"event_json must be SelfDescribingJson, not dict; .*SelfDescribingJson\(schema, data\)"),
    (lambda t: t.track_unstruct_event(SelfDescribingJson("not-iglu", {})), ValueError,
     "schema"),
    (lambda t: t.track_struct_event("", "a"), ValueError, "category must be a non-empty"),
    (lambda t: t.track_struct_event("c", None), TypeError, "action must be str"),
    (lambda t: t.track_struct_event("c", "a", value="3"), TypeError, "value must be int or float"),
    (lambda t: t.track_struct_event("c", "a", value=float("nan")), ValueError,
     "value must be finite"),
    (lambda t: t.track_screen_view(), ValueError, "give name or id_"),
    (lambda t: t.track_screen_view(name=3), TypeError, "name must be str"),
    (lambda t: t.track_ecommerce_transaction("o", 1), TypeError, "items must be a list of dict"),
    (lambda t: t.track_ecommerce_transaction("o", 1, items=[1]), TypeError,
     r"items\[0\] must be a dict"),
    (lambda t: t.track_ecommerce_transaction("o", "1", items=[]), TypeError,
     "total_value must be int or float"),
    (lambda t: t.track_ecommerce_transaction("", 1, items=[]), ValueError,
     "order_id must be a non-empty"),
    (lambda t: t.track_ecommerce_transaction(
        "o", 1, items=[{"sku": "a", "price": 1, "quantity": 1}, {"sku": "b", "quantity": 1}]),
     TypeError, "price"),
    (lambda t: t.track_ecommerce_transaction(
        "o", 1, items=[{"sku": "a", "price": 1, "quantity": 1, "colour": "red"}]),
     TypeError, "colour"),
    (lambda t: t.track_ecommerce_transaction_item("o", "s", 1, 1.5), TypeError,
     "quantity must be int"),
    (lambda t: t.track_ecommerce_transaction_item("o", "", 1, 1), ValueError,
     "sku must be a non-empty"),
    (lambda t: t.flush("yes"), TypeError, "is_async must be bool"),
    (lambda t: t.flush(wait=True), TypeError, "unexpected keyword argument 'wait'"),
    (lambda t: t.set_subject("s"), TypeError, "subject must be Subject"),
    (lambda t: t.add_emitter(3), TypeError, "emitter must be an Emitter"),
    (lambda t: t.track("payload"), TypeError, "pb must be a Payload"),
    (lambda t: t.track(Payload({"url": "u"})), ValueError, "e"),
])
def test_tracking_arguments(tracker, call, exc, match):
    with pytest.raises(exc, match=match):
        call(tracker)
    tracker.flush()


@pytest.mark.parametrize("call, exc, match", [
    (lambda s: s.set_platform("desktop"), ValueError,
     "platform must be one of app, cnsl, iot, mob, pc, srv, tv, web"),
    (lambda s: s.set_user_id(5), TypeError, "user_id must be str"),
    (lambda s: s.set_screen_resolution(0, 10), ValueError, "width must be at least 1"),
    (lambda s: s.set_viewport(10, "20"), TypeError, "height must be int"),
    (lambda s: s.set_color_depth(2.5), TypeError, "depth must be int"),
    (lambda s: s.set_timezone(None), TypeError, "timezone must be str"),
])
def test_subject_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call(Subject())


def test_disable_contracts_keeps_the_type_checks(tracker):
    disable_contracts()
    try:
        Subject().set_platform("headset")  # a contract: off (the C library knows it)
        with pytest.raises(TypeError, match="page_url must be str"):
            tracker.track_page_view(5)  # the C library still needs a str
    finally:
        enable_contracts()
    with pytest.raises(ValueError):
        Subject().set_platform("headset")
