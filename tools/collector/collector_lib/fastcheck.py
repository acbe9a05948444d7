"""A fast pre-check for the simple draft-4 schemas the tracker protocol uses most.

jsonschema 4.10 spends ~100 us on one payload_data event; a test sends 80 000 of them. For
schemas built only from the keywords below, compile() returns a function that answers True
when the instance is certainly valid. False means "not sure": the caller then runs the real
validator, which stays the only judge of what is wrong. Schemas using any other keyword get
no fast path (compile returns None), so the shortcut can never accept an invalid instance.
"""

import re

_ANNOTATIONS = {"$schema", "self", "description", "title", "default", "examples"}
_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_plain_string_schema(schema):
    return (isinstance(schema, dict) and schema.get("type") == "string"
            and all(k == "type" or k in _ANNOTATIONS for k in schema))


def compile_schema(schema, format_checker):
    """A predicate `instance -> bool` (True = valid for sure), or None."""
    if not isinstance(schema, dict):
        return None
    checks = []
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        check = _compile_keyword(key, value, schema, format_checker)
        if check is None:
            return None
        if check is not True:
            checks.append(check)
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(c(v) for c in checks)


def _compile_keyword(key, value, schema, fc):
    """One keyword's check; True when it needs none; None when not supported."""
    if key == "type":
        names = value if isinstance(value, list) else [value]
        if not all(isinstance(n, str) and n in _TYPES for n in names):
            return None
        tests = [_TYPES[n] for n in names]
        return tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))
    if key == "properties":
        if not isinstance(value, dict):
            return None
        subs = {}
        for name, sub in value.items():
            compiled = compile_schema(sub, fc)
            if compiled is None:
                return None
            subs[name] = compiled
        if all(_is_plain_string_schema(sub) for sub in value.values()):
            # payload_data: every property is just {"type": "string"}.
            names = frozenset(value)
            return lambda v: not isinstance(v, dict) or all(
                type(x) is str for k, x in v.items() if k in names)
        return lambda v: not isinstance(v, dict) or all(
            subs[k](x) for k, x in v.items() if k in subs)
    if key == "additionalProperties":
        if value is True or value == {}:
            return True
        if value is not False or "patternProperties" in schema:
            return None
        allowed = frozenset(schema.get("properties", {}))
        return lambda v: not isinstance(v, dict) or allowed.issuperset(v)
    if key == "required":
        if not isinstance(value, list) or not value:
            return None
        needed = tuple(value)
        return lambda v: not isinstance(v, dict) or all(k in v for k in needed)
    if key == "items":
        item = compile_schema(value, fc)
        if item is None:
            return None
        return lambda v: not isinstance(v, list) or all(item(x) for x in v)
    if key in ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"):
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        kind = {"I": list, "L": str, "P": dict}[key[3]]
        if key.startswith("min"):
            return lambda v: not isinstance(v, kind) or len(v) >= value
        return lambda v: not isinstance(v, kind) or len(v) <= value
    if key in ("minimum", "maximum"):
        if not _is_number(value) or "exclusiveMinimum" in schema or "exclusiveMaximum" in schema:
            return None
        if key == "minimum":
            return lambda v: not _is_number(v) or v >= value
        return lambda v: not _is_number(v) or v <= value
    if key == "pattern":
        try:
            rx = re.compile(value)
        except (re.error, TypeError):
            return None
        return lambda v: not isinstance(v, str) or rx.search(v) is not None
    if key == "format":
        if fc is None or not isinstance(value, str):
            return True if fc is None else None
        return lambda v: fc.conforms(v, value)
    if key == "enum":
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            return None
        allowed = frozenset(value)
        return lambda v: isinstance(v, str) and v in allowed
    return None
