"""The collector's fast path must never call valid what jsonschema calls invalid: checked on
many generated instances for every schema the collector ships."""

import os
import random

import pytest

from conftest import COLLECTOR, event

from collector_lib.fastcheck import compile_schema  # noqa: E402 (path set by conftest)
from collector_lib.iglu import FORMAT_CHECKER, Checker, Registry  # noqa: E402

SCHEMAS = os.path.join(os.path.dirname(COLLECTOR), "schemas")


def schema_uris():
    for dirpath, _, files in os.walk(SCHEMAS):
        for version in files:
            rel = os.path.relpath(os.path.join(dirpath, version), SCHEMAS).split(os.sep)
            if len(rel) == 4:
                yield "iglu:" + "/".join(rel)


UUID = "0b0f3d6c-7c0c-4d2a-9d4e-1a2b3c4d5e6f"
SCALARS = ["", "x", "INPUT", "SQLITE", "home", "a" * 5000, UUID,
           "0B0F3D6C-7C0C-4D2A-9D4E-1A2B3C4D5E6F", "0123456789abcdef", "not-a-uuid",
           "2024-01-02T03:04:05Z", "2024-13-02T03:04:05Z", "http://example.com/a", "::bad uri",
           "iglu:com.acme/x/jsonschema/1-0-0", 0, 1, -1, 7.5, 2 ** 31, True, False, None]


def random_value(rng, depth=0):
    roll = rng.random()
    if depth < 2 and roll < 0.1:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(3))]
    if depth < 2 and roll < 0.15:
        return {rng.choice(["a", "name", "value"]): random_value(rng, depth + 1)}
    return rng.choice(SCALARS)


def typed_value(rng, sub, noise):
    """Mostly a value of the type (or enum) the property schema asks for, else anything."""
    if not isinstance(sub, dict) or rng.random() < noise:
        return random_value(rng)
    if sub.get("enum") and rng.random() < 0.7:
        return rng.choice(sub["enum"])
    hint = {"uuid": UUID, "date-time": "2024-01-02T03:04:05Z"}.get(sub.get("format"))
    if "pattern" in sub:
        hint = UUID  # the patterns in the shipped schemas all accept a lowercase UUID
    if hint and rng.random() < 0.7:
        return hint
    types = sub.get("type", [])
    types = types if isinstance(types, list) else [types]
    pool = [v for v in SCALARS + [[], ["x"], {}] if any(_has_type(v, t) for t in types)]
    return rng.choice(pool) if pool else random_value(rng)


def _has_type(value, name):
    return {"string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool),
            "boolean": isinstance(value, bool), "null": value is None,
            "array": isinstance(value, list), "object": isinstance(value, dict)}.get(name, False)


def instances(schema, rng, n):
    """Instances near the schema: its own properties with values mostly of the right type
    (how often not varies), required ones nearly always there, some extras; arrays of such
    objects for array schemas; now and then a plain random value."""
    is_array = isinstance(schema, dict) and "items" in schema
    target = schema["items"] if is_array else schema
    props = target.get("properties", {}) if isinstance(target, dict) else {}
    required = set(target.get("required", [])) if isinstance(target, dict) else set()
    for _ in range(n):
        noise = rng.choice([0.0, 0.02, 0.1, 0.3])
        obj = {name: typed_value(rng, sub, noise) for name, sub in props.items()
               if rng.random() < (0.97 if name in required else 0.5)}
        if rng.random() < 0.05:
            obj["extra"] = random_value(rng)
        if rng.random() < 0.05:
            yield random_value(rng)
        elif is_array:
            yield [obj] * rng.randrange(3)
        else:
            yield obj


@pytest.mark.parametrize("uri", sorted(schema_uris()))
def test_fast_path_never_accepts_an_invalid_instance(uri):
    registry = Registry(SCHEMAS)
    checker = registry.checker(uri)
    if checker.fast is None:
        pytest.skip("no fast path for %s" % uri)
    rng = random.Random(uri)
    accepted = 0
    for instance in instances(checker.schema, rng, 1500):
        if checker.fast(instance):
            accepted += 1
            assert list(checker.validator.iter_errors(instance)) == [], (uri, instance)
    assert accepted > 0  # the generator reaches valid instances, so the check means something


def test_fast_path_accepts_real_events_and_envelopes():
    registry = Registry(SCHEMAS)
    _, item = registry.payload_checkers(
        "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4")
    assert item.fast is not None
    for etype in ("pv", "pp", "se", "ue", "tr", "ti"):
        assert item.fast(event(etype))
    assert not item.fast(event("se", se_va=7.99))
    contexts = registry.checker("iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1")
    assert contexts.fast([{"schema": "iglu:a.b/c/jsonschema/1-0-0", "data": {}}])
    assert not contexts.fast([{"schema": "iglu:a.b/c/jsonschema/1.0.0", "data": {}}])


def test_unsupported_keywords_get_no_fast_path():
    assert compile_schema({"type": "object", "oneOf": [{}, {}]}, FORMAT_CHECKER) is None
    assert compile_schema({"properties": {"a": {"$ref": "#"}}}, FORMAT_CHECKER) is None
    assert compile_schema({"minimum": 0, "exclusiveMinimum": True}, FORMAT_CHECKER) is None
    assert compile_schema({"enum": [1, "a"]}, FORMAT_CHECKER) is None
    # ...and such a checker still validates, through jsonschema alone.
    checker = Checker({"type": "object", "oneOf": [{"required": ["a"]}, {"required": ["b"]}]})
    assert checker.fast is None
    assert checker.errors({"a": 1}, "x") == []
    assert checker.errors({"a": 1, "b": 2}, "x") != []
