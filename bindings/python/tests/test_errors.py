"""Bad input raises TypeError (wrong Python type) or ValueError (bad value, with
the C library's message naming the argument), and nothing is ever sent for it."""

import pytest

from snowplow import (AddToCart, EcommerceTransaction, Emitter, FormChange, PagePing,
                      PageView, ScreenView, SelfDescribing, SelfDescribingJson, SiteSearch,
                      StructuredEvent, Subject, Tracker)
from snowplow import _snowplow_c as c

from conftest import TEST_ENTITY, TEST_EVENT


@pytest.fixture
def tracker(collector):
    t = Tracker("ns", Emitter(collector.url, byte_limit=2048))
    yield t
    # Whatever failed above, nothing reached the collector.
    t.flush()
    assert collector.counts() == {"total": 0, "good": 0, "bad": 0}


def sd(data, schema=TEST_EVENT):
    return SelfDescribing(SelfDescribingJson(schema, data))


@pytest.mark.parametrize("event, message", [
    (PageView(123), "page_url must be str"),
    (PageView(None), "page_url must be str"),
    (PageView("http://e.com/", page_title=b"bytes"), "page_title must be str or None"),
    (StructuredEvent("c", "a", value=True), "value must be int or float"),
    (StructuredEvent("c", "a", value="3"), "value must be int or float"),
    (PagePing("http://e.com/", min_x="1"), "min_x must be int or float"),
    (SelfDescribing({"schema": TEST_EVENT, "data": {}}), "event_json must be SelfDescribingJson"),
    (PageView("http://e.com/", context=[{"schema": TEST_ENTITY}]),
     "context[0] must be SelfDescribingJson"),
    (PageView("http://e.com/", context=SelfDescribingJson(TEST_ENTITY, {"id": "x"})),
     "context must be a list"),
    (PageView("http://e.com/", event_subject="user"), "event_subject must be Subject"),
    (PageView("http://e.com/", true_timestamp="now"), "true_timestamp must be int or float"),
    (SiteSearch("shoes"), "terms must be a list of str"),
    (SiteSearch(["ok", 3]), "terms[1] must be str"),
    (EcommerceTransaction("o", 1, items=[{"sku": "s", "price": 1, "quantity": 1.5}]),
     "items[0].quantity must be int"),
    (EcommerceTransaction("o", 1, items=[{"sku": "s", "price": 1, "quantity": 1, "x": 1}]),
     "items[0] has unknown keys: x"),
    (EcommerceTransaction("o", 1, items=[{"sku": "s", "price": 1, "quantity": 1,
                                          "context": [{"schema": TEST_ENTITY}]}]),
     "items[0].context[0] must be SelfDescribingJson"),
    (AddToCart("s", None), "quantity must be int or float"),
])
def test_wrong_types_raise_type_error(tracker, event, message):
    with pytest.raises(TypeError, match=message.replace("[", r"\[").replace("]", r"\]")):
        tracker.track(event)


@pytest.mark.parametrize("event, code, fragment", [
    (sd({"name": "x"}, schema="iglu:not-a-uri"), c.ESCHEMA, "schema"),
    (sd({"name": "x"}, schema="http://example.com/schema"), c.ESCHEMA, "schema"),
    (sd(["not", "an", "object"]), c.EJSON, "json"),
    (StructuredEvent("", "action"), c.EINVAL, "category"),
    (StructuredEvent("cat", ""), c.EINVAL, "action"),
    (PageView(""), c.EINVAL, "page_url"),
    (FormChange("f", "e", "DIV", "v"), c.EINVAL, "node_name"),
    (SiteSearch([]), c.EINVAL, "terms"),
    (ScreenView("not-a-uuid", "home"), c.EINVAL, "id"),
    (PageView("http://e.com/", true_timestamp=-5), c.ERANGE, "ms"),
    (sd({"name": "x" * 4000}), c.ETOOBIG, "byte"),
])
def test_bad_values_raise_value_error_with_the_core_message(tracker, event, code, fragment):
    with pytest.raises(ValueError) as info:
        tracker.track(event)
    assert info.value.code == code, str(info.value)
    assert fragment in str(info.value).lower()
    assert str(info.value).startswith("snowplow_")  # the function that refused it


@pytest.mark.parametrize("event, exc", [
    (sd({"name": float("nan")}), ValueError),
    (sd({"name": object()}), TypeError),
    (PageView("http://e.com/\ud800"), UnicodeEncodeError),
    (PageView("http://e.com/a\x00b"), ValueError),
    (StructuredEvent("c", "a", value=2 ** 70), ValueError),
    (StructuredEvent("c", "a", value=float("inf")), ValueError),
])
def test_values_python_cannot_send(tracker, event, exc):
    with pytest.raises(exc):
        tracker.track(event)


def test_subject_errors():
    s = Subject()
    with pytest.raises(ValueError, match="platform"):
        s.set_platform("toaster")
    with pytest.raises(ValueError) as info:
        s.set_screen_resolution(-1, 5)
    assert info.value.code == c.ERANGE
    with pytest.raises(TypeError, match="width must be int"):
        s.set_screen_resolution("10", 5)
    with pytest.raises(TypeError, match="width must be int"):
        s.set_viewport(True, 5)
    with pytest.raises(TypeError, match="user_id must be str"):
        s.set_user_id(42)
    assert s.standard_nv_pairs == {"p": "pc"}  # nothing half-set


def test_emitter_and_tracker_configuration_errors(collector):
    with pytest.raises(ValueError) as info:
        Emitter("ftp://example.com")
    assert info.value.code == c.EURL and "endpoint" in str(info.value)
    with pytest.raises(ValueError):
        Emitter("127.0.0.1:99999")
    with pytest.raises(ValueError, match="method"):
        Emitter(collector.url, method="put")
    with pytest.raises(ValueError, match="protocol"):
        Emitter(collector.url, protocol="ftp")
    with pytest.raises(TypeError, match="batch_size must be int"):
        Emitter(collector.url, batch_size="10")
    with pytest.raises(ValueError) as info:
        Emitter(collector.url, batch_size=0)
    assert info.value.code == c.ERANGE
    with pytest.raises(TypeError, match="custom_retry_codes"):
        Emitter(collector.url, custom_retry_codes={500: "yes"})
    with pytest.raises(TypeError, match="on_success must be callable"):
        Emitter(collector.url, on_success="print")
    with pytest.raises(ValueError, match="event_store"):
        Emitter(collector.url, event_store=object())
    emitter = Emitter(collector.url)
    with pytest.raises(ValueError, match="emitters must not be empty"):
        Tracker("ns", [])
    with pytest.raises(TypeError, match="emitters\\[0\\] must be an Emitter"):
        Tracker("ns", "http://collector")
    with pytest.raises(TypeError, match="namespace must be str"):
        Tracker(1, emitter)
    with pytest.raises(TypeError, match="encode_base64 must be bool"):
        Tracker("ns", emitter, encode_base64="yes")
    tracker = Tracker("ns", emitter)
    with pytest.raises(TypeError, match="event must be an Event"):
        tracker.track("page view")
    with pytest.raises(TypeError, match="subject must be Subject"):
        tracker.set_subject({"uid": "x"})


def test_tracking_on_a_closed_emitter_raises_runtime_error(collector):
    emitter = Emitter(collector.url)
    tracker = Tracker("ns", emitter)
    emitter.close()
    with pytest.raises(RuntimeError) as info:
        tracker.track(PageView("http://e.com/"))
    assert info.value.code == c.ECLOSED
    assert emitter.close() is True  # idempotent
    emitter.flush()
    assert emitter.sync_flush() is True
    with pytest.raises(RuntimeError, match="closed"):
        Tracker("ns", emitter)


def test_low_level_module_raises_with_codes():
    with pytest.raises(ValueError) as info:
        c.sdjson_new("bad", "{}")
    assert info.value.code == c.ESCHEMA
    assert c.error_last_code() == c.ESCHEMA
    with pytest.raises(TypeError):
        c.sdjson_new(TEST_EVENT, 5)
    sdj = c.sdjson_new(TEST_EVENT, '{"name":"ć"}')
    assert c.sdjson_data(sdj) == '{"name":"ć"}'
    c.sdjson_free(sdj)
    ev = c.event_site_search_new(("a", "b"))
    assert c.event_get_type(ev) == c.EVENT_SITE_SEARCH
    with pytest.raises(ValueError) as info:
        c.event_set_string(ev, "no_such_field", "x")
    assert info.value.code == c.EFIELD
    c.event_free(ev)
    subject = c.subject_new()
    assert c.subject_get(subject, "uid") is None
    c.subject_set_user_id(subject, "ü")
    assert c.subject_get(subject, "uid") == "ü"
    c.subject_free(subject)
    assert c.strerror(c.EINVAL)
