"""snowplow_tracker has 0.7.0's module layout, exports and signatures (positional
order and defaults), and takes custom emitters and hand-built payloads as 0.7.0
did."""

import importlib
import inspect

import pytest

import snowplow_tracker
from snowplow_tracker import (AsyncEmitter, CeleryEmitter, Emitter, SelfDescribingJson, Subject,
                              Tracker)
from snowplow_tracker.payload import Payload


def signature(fn):
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()
            if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD]


E = inspect.Parameter.empty


def test_modules_and_exports():
    for name in ("tracker", "emitters", "subject", "self_describing_json", "payload",
                 "_version", "redis_worker"):
        importlib.import_module("snowplow_tracker." + name)
    for name in ("Subject", "logger", "Emitter", "AsyncEmitter", "CeleryEmitter", "RedisEmitter",
                 "SelfDescribingJson", "Tracker", "disable_contracts", "enable_contracts",
                 "__version__"):
        assert hasattr(snowplow_tracker, name), name
    assert snowplow_tracker.__version__ == "0.8.4"
    assert snowplow_tracker.logger.name == "snowplow_tracker.emitters"
    # One engine: the drop-in's classes are the snowplow package's underneath.
    import snowplow
    assert issubclass(Tracker, snowplow.Tracker) and issubclass(Emitter, snowplow.Emitter)
    assert SelfDescribingJson is snowplow.SelfDescribingJson


def test_signatures():
    assert signature(Tracker.__init__) == [
        ("emitters", E), ("subject", None), ("namespace", None), ("app_id", None),
        ("encode_base64", True)]
    assert signature(Emitter.__init__) == [
        ("endpoint", E), ("protocol", "http"), ("port", None), ("method", "get"),
        ("buffer_size", None), ("on_success", None), ("on_failure", None),
        ("byte_limit", None)]  # byte_limit: 0.8
    assert signature(AsyncEmitter.__init__) == signature(Emitter.__init__)[:7] + [
        ("thread_count", 1), ("byte_limit", None)]
    assert signature(CeleryEmitter.__init__) == signature(Emitter.__init__)[:5] + [
        ("byte_limit", None)]
    assert signature(Tracker.track_page_view) == [
        ("page_url", E), ("page_title", None), ("referrer", None), ("context", None),
        ("tstamp", None)]
    assert signature(Tracker.track_ecommerce_transaction_item) == [
        ("order_id", E), ("sku", E), ("price", E), ("quantity", E), ("name", None),
        ("category", None), ("currency", None), ("context", None), ("tstamp", None)]
    assert signature(Tracker.track_ecommerce_transaction) == [
        ("order_id", E), ("total_value", E), ("affiliation", None), ("tax_value", None),
        ("shipping", None), ("city", None), ("state", None), ("country", None),
        ("currency", None), ("items", None), ("context", None), ("tstamp", None)]
    assert signature(Tracker.track_screen_view) == [
        ("name", None), ("id_", None), ("context", None), ("tstamp", None)]
    assert signature(Tracker.track_struct_event) == [
        ("category", E), ("action", E), ("label", None), ("property_", None), ("value", None),
        ("context", None), ("tstamp", None)]
    assert signature(Tracker.track_unstruct_event) == [
        ("event_json", E), ("context", None), ("tstamp", None)]
    assert signature(Tracker.flush) == [("is_async", False)]
    assert signature(SelfDescribingJson.__init__) == [("schema", E), ("data", E)]


def test_subject_defaults_and_chaining():
    s = Subject()
    assert s.standard_nv_pairs == {"p": "pc"}
    assert s.set_platform("tv").set_user_id("u").set_lang("en") is s
    assert s.standard_nv_pairs == {"p": "tv", "uid": "u", "lang": "en"}


def test_payload():
    pb = Payload({"e": "pv"})
    pb.add("url", "http://e")
    pb.add("page", "")     # left out
    pb.add("refr", None)   # left out
    pb.add("cd", 0)        # kept
    pb.add_dict({"tna": "ns", "aid": None})
    pb.add_json({"k": "ü"}, True, "cx", "co")
    pb.add_json({}, True, "ue_px", "ue_pr")
    nv = pb.get()
    assert set(nv) == {"e", "url", "cd", "tna", "cx"}
    assert nv["cx"] == "eyJrIjogIsO8In0="  # UTF-8 (0.7.0 raised UnicodeEncodeError here)


class ListEmitter:
    """A custom emitter as 0.7.0 allowed: any object with input()."""

    def __init__(self):
        self.payloads = []

    def input(self, payload):
        self.payloads.append(payload)

    def flush(self):
        self.payloads.append("flushed")


def test_custom_emitter_gets_payload_dicts_with_0_7_0_types():
    custom = ListEmitter()
    t = Tracker(custom, namespace="ns")
    t.track_struct_event("c", "a", value=2.5, tstamp=1000)
    t.track_ecommerce_transaction("o", 10, items=[{"sku": "s", "price": 10, "quantity": 3}])
    se, tr, ti = custom.payloads
    assert se["dtm"] == 1000 and se["se_va"] == 2.5 and se["tna"] == "ns" and "stm" not in se
    assert tr["e"] == "tr" and tr["tr_tt"] == 10
    assert ti["e"] == "ti" and ti["ti_qu"] == 3 and ti["ti_pr"] == 10 and ti["dtm"] == tr["dtm"]
    assert len({se["eid"], tr["eid"], ti["eid"]}) == 3
    t.flush()
    assert custom.payloads[-1] == "flushed"
    t.track(Payload({"e": "pv", "url": "http://e"}))  # 0.7.0's track(pb) for custom emitters
    assert custom.payloads[-1] == {"e": "pv", "url": "http://e"}


def test_emitter_input_and_track_payload(collector):
    """0.7.0's public Emitter.input(payload) and Tracker.track(pb) queue payloads
    built elsewhere; numbers are sent as their text; the buffer rules hold."""
    host, port = collector.url.split("://")[1].split(":")
    emitter = Emitter(host, port=int(port), method="post", buffer_size=2)
    eid = emitter.input({"e": "se", "se_ca": "c", "se_ac": "input", "se_va": 2.5,
                         "dtm": 1700000000000, "tna": "ns", "tv": "py-0.7.0", "p": "pc"})
    assert len(eid) == 36 and collector.counts()["total"] == 0  # the buffer holds 2
    Tracker(emitter).track(Payload({"e": "pv", "url": "http://e/payload", "p": "pc",
                                     "tv": "py-0.7.0"}))
    raws = [r["raw"] for r in collector.good()]
    assert collector.bad() == [] and [r["e"] for r in raws] == ["se", "pv"]
    assert raws[0]["eid"] == eid and raws[0]["se_va"] == "2.5"
    assert raws[0]["dtm"] == "1700000000000" and "stm" in raws[0]


def test_custom_and_library_emitters_get_the_same_event(collector):
    host, port = collector.url.split("://")[1].split(":")
    custom = ListEmitter()
    t = Tracker([custom, Emitter(host, port=int(port))], namespace="both")
    t.track_struct_event("c", "a", value=1)
    (payload,) = custom.payloads
    (raw,) = [r["raw"] for r in collector.good()]
    assert raw["eid"] == payload["eid"] and raw["dtm"] == str(payload["dtm"])
    assert raw["tna"] == "both" and raw["se_va"] == "1"
