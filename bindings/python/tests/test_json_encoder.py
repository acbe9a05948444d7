"""The extension's C encoder of self-describing data (bindings/python/src/py_json.c)
gives exactly json's text (ensure_ascii off, compact, no NaN), and leaves to json
every value it does not encode itself, so that results and errors stay json's:
each value is checked against the binding's json path (json text, then
sdjson_new) and against json.dumps."""

import collections
import datetime
import decimal
import enum
import json
import random
import sys

import pytest

from snowplow import SelfDescribing, SelfDescribingJson, Tracker, Emitter
from snowplow import _core
from snowplow import _snowplow_c as c

from conftest import TEST_ENTITY, TEST_EVENT

ENCODE = _core.DEFAULT_ENCODER.encode


def dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class Color(enum.IntEnum):
    RED = 1


class Mood(str, enum.Enum):
    HAPPY = "happy ć"


class LoudStr(str):
    def __str__(self):
        return "LOUD"

    def __repr__(self):
        return "LOUD"


class LoudInt(int):
    def __repr__(self):
        return "LOUD"

    __str__ = __repr__


class LoudFloat(float):
    def __repr__(self):
        return "LOUD"

    __str__ = __repr__


class ReversedList(list):
    def __iter__(self):  # json iterates over list subclasses: this counts
        return reversed(self[:])


Point = collections.namedtuple("Point", "x y")


def nested(depth):
    value = "bottom"
    for i in range(depth):
        value = [value] if i % 2 else {"d": value}
    return value

# Values the C encoder writes itself.
ENCODED = [
    {}, [], (), "", 0, -1, 1, True, False, None,
    2 ** 31, -2 ** 31, 2 ** 63 - 1, -2 ** 63, 2 ** 63, -2 ** 63 - 1, 2 ** 64, 10 ** 30,
    -10 ** 40, 7 ** 200,
    0.0, -0.0, 1.0, 1.5, 19.99, 0.1 + 0.2, 1 / 3, 1e16, 1e15, 123456789.123, 1e-7, 1e-5,
    1e300, -1e300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 100.0, 1e22,
    "plain", "quote \" backslash \\ slash / tick '", "\x7f del", "ć", "zażółć gęślą jaźń",
    "日本語", "🎉 party", "a\u2028b\u2029c", "\ufeff\uffff", "\U0010ffff", "é\n\t",
    "".join(chr(i) for i in range(0x20)), "\x00", "a\x00b", "日\x01本", "🎉\x1f",
    "é" * 300, "x" * 5000, "ć" * 2000 + "\n",
    {"name": "checkout", "count": 1, "price": 19.99, "flag": True, "note": None,
     "text": "bench ć"},
    {"id": "session-42", "n": 7, "tags": ["a", "b"]},
    {"nested": {"deeper": {"list": [1, [2, [3, {"k": ()}]], {}], "e": []}}},
    {"z": 1, "a": 2, "m": 3},  # insertion order kept, not sorted
    {"ć": "key", "🎉": 1, "\n\"": 2, "": 3},
    [1, "two", 3.0, None, True, False, [], {}, [[]]],
    (1, (2, 3)),
    {"enum": Color.RED, "str_enum": Mood.HAPPY},
    {LoudStr("key"): LoudStr("value"), "i": LoudInt(5), "f": LoudFloat(2.5)},
    {"big": LoudInt(2 ** 80), "neg": LoudFloat(-0.0)},
    nested(60),
]


class Weird:
    pass


# Values left to json (json's answer, whatever it is, must come out).
DECLINED = [
    {1: "int key"}, {2.5: "float key"}, {True: "t", None: "n"}, {"ok": {7: "nested"}},
    collections.OrderedDict([("b", 1), ("a", 2)]), collections.defaultdict(int, a=1),
    {"nested": collections.OrderedDict(x=1)},
    {"nan": float("nan")}, {"inf": [float("inf")]}, float("-inf"),
    {"obj": object()}, {"date": datetime.date(2024, 5, 1)}, {"dec": decimal.Decimal("1.5")},
    {"set": {1, 2}}, {"bytes": b"x"},
    ReversedList([1, 2, 3]), {"point": Point(1, 2)}, [ReversedList(["a", "b"])],
    {"surrogate": "\ud800"}, {"\udfff": 1}, ["ok", "x\ud83d"], {"pair": "\ud83d\ude00"},
    {"huge": 10 ** 5000},
    nested(200),
]


@pytest.mark.parametrize("value", ENCODED, ids=range(len(ENCODED)))
def test_c_encoder_writes_json_text(value):
    text = c.json_encode_c(value)
    assert text is not None, "left to json"
    assert text == dumps(value) == ENCODE(value)


@pytest.mark.parametrize("value", DECLINED, ids=range(len(DECLINED)))
def test_c_encoder_leaves_the_rest_to_json(value):
    assert c.json_encode_c(value) is None


def random_string(rng):
    pools = [(0x20, 0x7e), (0, 0x1f), (0x80, 0xff), (0x100, 0xd7ff), (0xe000, 0xffff),
             (0x10000, 0x10ffff)]
    out = []
    for _ in range(rng.randrange(12)):
        lo, hi = rng.choice(pools)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def random_value(rng, depth=0):
    kind = rng.randrange(10 if depth < 5 else 7)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.randint(-2 ** 70, 2 ** 70) >> rng.randrange(70)
    if kind == 2:
        return rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)
    if kind == 3:
        return rng.choice([0.5, -0.0, 1e-320, float(rng.randint(0, 10 ** 6))])
    if kind in (4, 5, 6):
        return random_string(rng)
    if kind in (7, 8):
        return {random_string(rng): random_value(rng, depth + 1)
                for _ in range(rng.randrange(6))}
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(6))]


def test_c_encoder_matches_json_on_random_values():
    rng = random.Random(4)
    for _ in range(3000):
        value = {"v": random_value(rng)}
        assert c.json_encode_c(value) == dumps(value), repr(value)


def old_path(schema, value, encode=ENCODE):
    """The binding's previous path: json's str, then the library."""
    return c.sdjson_new(schema, encode(value))


def outcome(make):
    """What building a self-describing JSON gives: its JSON or the exception."""
    try:
        sdj = make()
    except Exception as exc:
        return ("raised", type(exc), str(exc), getattr(exc, "code", None),
                getattr(exc, "start", None), getattr(exc, "end", None),
                getattr(exc, "object", None))
    try:
        return ("ok", c.sdjson_json(sdj))
    finally:
        c.sdjson_free(sdj)


@pytest.mark.parametrize("value", ENCODED + DECLINED + [["not", "an", "object"], "text", 5],
                         ids=range(len(ENCODED) + len(DECLINED) + 3))
def test_sdjson_from_object_gives_what_json_gave(value):
    new = outcome(lambda: c.sdjson_new_from_object(TEST_EVENT, value, ENCODE))
    assert new == outcome(lambda: old_path(TEST_EVENT, value))


def test_errors_are_json_s():
    with pytest.raises(ValueError, match="JSON compliant"):
        c.sdjson_new_from_object(TEST_EVENT, {"x": [float("nan")]}, ENCODE)
    with pytest.raises(TypeError, match="Object of type Weird is not JSON serializable"):
        c.sdjson_new_from_object(TEST_EVENT, {"x": Weird()}, ENCODE)
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None"):
        c.sdjson_new_from_object(TEST_EVENT, {(1, 2): "tuple key"}, ENCODE)
    with pytest.raises(UnicodeEncodeError) as info:
        c.sdjson_new_from_object(TEST_EVENT, {"a": "ok", "b": "x\ud800\udbff"}, ENCODE)
    # The position in json's text, the run of surrogates, as before.
    assert (info.value.object, info.value.start, info.value.end) == (
        '{"a":"ok","b":"x\ud800\udbff"}', 16, 18)
    loop = []
    loop.append(loop)
    with pytest.raises(RecursionError):
        c.sdjson_new_from_object(TEST_EVENT, {"loop": loop}, ENCODE)
    too_deep = nested(sys.getrecursionlimit() + 50)
    with pytest.raises(RecursionError):
        c.sdjson_new_from_object(TEST_EVENT, too_deep, ENCODE)
    with pytest.raises(ValueError) as info:
        c.sdjson_new_from_object(TEST_EVENT, ["list"], ENCODE)
    assert info.value.code == c.EJSON and str(info.value).startswith("snowplow_sdjson_new")
    with pytest.raises(ValueError) as info:
        c.sdjson_new_from_object("iglu:bad", {}, ENCODE)
    assert info.value.code == c.ESCHEMA
    with pytest.raises(TypeError, match="must be str or None"):
        c.sdjson_new_from_object(5, {}, ENCODE)
    with pytest.raises(TypeError, match="fallback must be callable"):
        c.sdjson_new_from_object(TEST_EVENT, {"x": Weird()}, None)


def test_default_runs_once_per_unknown_value():
    seen = []

    def default(value):
        seen.append(value)
        return value.isoformat()

    encode = _core.make_encoder(default).encode
    when = datetime.date(2024, 5, 1)
    sdj = c.sdjson_new_from_object(TEST_EVENT, {"a": [1, "ć"], "when": when}, encode)
    try:
        assert c.sdjson_data(sdj) == '{"a":[1,"ć"],"when":"2024-05-01"}'
    finally:
        c.sdjson_free(sdj)
    assert seen == [when]


def test_events_built_from_objects():
    data = {"name": "checkout", "price": 19.99, "text": "ć\n"}
    ev = c.event_self_describing_new_from_object(TEST_EVENT, data, ENCODE)
    try:
        c.event_add_context_object(ev, TEST_ENTITY, {"id": "s-1", "tags": ("a",)}, ENCODE)
        with pytest.raises(ValueError):
            c.event_add_context_object(ev, TEST_ENTITY, {"bad": float("inf")}, ENCODE)
        with pytest.raises(ValueError) as info:
            c.event_add_context_object(ev, "not-a-schema", {}, ENCODE)
        assert info.value.code == c.ESCHEMA
    finally:
        c.event_free(ev)
    with pytest.raises(TypeError, match="not JSON serializable"):
        c.event_self_describing_new_from_object(TEST_EVENT, {"x": Weird()}, ENCODE)


ANYTHING = "iglu:com.snowplowanalytics.iglu/anything-a/jsonschema/1-0-0"


def test_tracked_data_and_contexts_arrive_as_json_wrote_them(collector):
    tracker = Tracker("ns", Emitter(collector.url, method="post"), encode_base64=False,
                      json_encoder=lambda o: o.isoformat())
    data = {"name": "ć🎉\u2028", "n": 2 ** 70, "f": 1e-7, "list": [None, True, 0.5],
            "when": datetime.date(2024, 5, 1)}
    entity = collections.OrderedDict([("id", "x\ty"), ("n", Color.RED)])
    eid = tracker.track(SelfDescribing(SelfDescribingJson(ANYTHING, data),
                                       context=[SelfDescribingJson(ANYTHING, entity)]))
    tracker.flush()
    raw = collector.by_eid()[eid]["raw"]
    expected = dict(data, when="2024-05-01")
    assert json.loads(raw["ue_pr"])["data"] == {"schema": ANYTHING, "data": expected}
    assert json.loads(raw["co"])["data"] == [{"schema": ANYTHING,
                                              "data": {"id": "x\ty", "n": 1}}]
    # The text itself is json's: the plain-JSON fields carry it as written.
    assert dumps(expected)[1:-1] in raw["ue_pr"]
