"""Checking one tracker-protocol event and building the record the collector stores.

Checks, in the order their errors are listed:
1. payload_data: the event against the `items` schema of the payload_data version in use;
   every value must be a string, and not an empty one (trackers leave empty values out).
2. the envelope: `e` is a known type, `eid` a lowercase UUID, `p` a known platform, `dtm` or
   `stm` present, timestamps are whole milliseconds, the fields each type needs, numeric
   fields numeric (as the Snowplow enrichment would parse them).
3. ue_px / ue_pr: decodes, is an unstruct_event 1-0-0, and its inner data matches the schema
   it names. cx / co: decodes, is contexts 1-0-0 or 1-0-1, each entity matches its schema.
"""

import re

from . import codec
from .iglu import CONTEXTS_URIS, UNSTRUCT_EVENT_URI

EVENT_TYPES = ("pv", "pp", "se", "ue", "tr", "ti")
PLATFORMS = ("web", "mob", "pc", "srv", "app", "tv", "cnsl", "iot", "headset")
REQUIRED_BY_TYPE = {
    "pv": ("url",),
    "se": ("se_ca", "se_ac"),
    "tr": ("tr_id", "tr_tt"),
    "ti": ("ti_id", "ti_sk", "ti_pr", "ti_qu"),
}
ENCODED_FIELDS = ("ue_px", "ue_pr", "cx", "co")

_UUID_LOWER_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_MILLIS_RE = re.compile(r"^[0-9]{1,16}$")
_INT_RE = re.compile(r"^-?[0-9]{1,18}$")
_DECIMAL_RE = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_DIMENSIONS_RE = re.compile(r"^[0-9]{1,9}x[0-9]{1,9}$")

# Fields the enrichment converts to numbers: a tracker that prints 7,99 must fail here.
_TIMESTAMP_FIELDS = ("dtm", "stm", "ttm")
_DECIMAL_FIELDS = ("se_va", "tr_tt", "tr_tx", "tr_sh", "ti_pr")
_INTEGER_FIELDS = ("ti_qu", "pp_mix", "pp_max", "pp_miy", "pp_may", "vid", "cd")
_DIMENSION_FIELDS = ("res", "vp", "ds")


def _check_strings(raw, errors):
    for key, value in raw.items():
        if not isinstance(value, str):
            kind = {bool: "a boolean", int: "a number", float: "a number", type(None): "null",
                    list: "an array", dict: "an object"}.get(type(value), type(value).__name__)
            errors.append("field '%s': value %s is %s, not a string (payload_data wants every "
                          "value as a string)" % (key, _short(value), kind))
        elif value == "":
            errors.append("field '%s': empty string (empty optional values must be left out)"
                          % key)


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _check_envelope(raw, errors):
    s = {k: v for k, v in raw.items() if isinstance(v, str)}
    e = s.get("e")
    if e is not None and e not in EVENT_TYPES:
        errors.append("field 'e': unknown event type %s (expected one of %s)"
                      % (_short(e), " ".join(EVENT_TYPES)))
    if "eid" not in raw:
        errors.append("missing field 'eid' (the event id)")
    elif "eid" in s and not _UUID_LOWER_RE.match(s["eid"]):
        errors.append("field 'eid': %s is not a lowercase UUID" % _short(s["eid"]))
    if "p" in s and s["p"] not in PLATFORMS:
        errors.append("field 'p': unknown platform %s (expected one of %s)"
                      % (_short(s["p"]), " ".join(PLATFORMS)))
    if "dtm" not in raw and "stm" not in raw:
        errors.append("missing timestamp: neither 'dtm' nor 'stm' is present")
    for key in _TIMESTAMP_FIELDS:
        if key in s and not _MILLIS_RE.match(s[key]):
            errors.append("field '%s': %s is not a timestamp in whole milliseconds"
                          % (key, _short(s[key])))
    for key in _DECIMAL_FIELDS:
        if key in s and not _DECIMAL_RE.match(s[key]):
            errors.append("field '%s': %s is not a decimal number" % (key, _short(s[key])))
    for key in _INTEGER_FIELDS:
        if key in s and not _INT_RE.match(s[key]):
            errors.append("field '%s': %s is not an integer" % (key, _short(s[key])))
    for key in _DIMENSION_FIELDS:
        if key in s and not _DIMENSIONS_RE.match(s[key]):
            errors.append("field '%s': %s is not WIDTHxHEIGHT" % (key, _short(s[key])))
    for key in REQUIRED_BY_TYPE.get(e, ()):
        if key not in raw:
            errors.append("%s event: missing required field '%s'" % (e, key))
    has_ue = "ue_px" in raw or "ue_pr" in raw
    if e == "ue" and not has_ue:
        errors.append("ue event: missing 'ue_px' or 'ue_pr' (the self-describing event)")
    elif has_ue and e in EVENT_TYPES and e != "ue":
        errors.append("%s event carries ue_px/ue_pr, which only ue events may" % e)
    if "ue_px" in raw and "ue_pr" in raw:
        errors.append("both 'ue_px' and 'ue_pr' present (send one)")
    if "cx" in raw and "co" in raw:
        errors.append("both 'cx' and 'co' present (send one)")


def _decode(raw, field, errors):
    value = raw.get(field)
    if not isinstance(value, str):
        return None  # missing, or already reported as not a string
    try:
        return codec.decode_json_field(value, base64_encoded=field in ("ue_px", "cx"))
    except codec.DecodeError as exc:
        errors.append("field '%s': %s" % (field, exc))
        return None


def _is_self_describing(obj):
    return isinstance(obj, dict) and isinstance(obj.get("schema"), str) and "data" in obj


def _check_unstruct(registry, field, envelope, errors):
    if not isinstance(envelope, dict) or envelope.get("schema") != UNSTRUCT_EVENT_URI:
        got = envelope.get("schema") if isinstance(envelope, dict) else envelope
        errors.append("field '%s': envelope schema must be %s, got %s"
                      % (field, UNSTRUCT_EVENT_URI, _short(got)))
        return
    found = registry.errors(UNSTRUCT_EVENT_URI, envelope, "field '%s' (unstruct_event)" % field)
    errors.extend(found)
    inner = envelope.get("data")
    if not _is_self_describing(inner):
        if not found:
            errors.append("field '%s': unstruct_event data is not a {schema, data} object" % field)
        return
    errors.extend(registry.errors(inner["schema"], inner["data"],
                                  "self-describing event %s" % inner["schema"]))


def _check_contexts(registry, field, envelope, errors):
    schema = envelope.get("schema") if isinstance(envelope, dict) else None
    if schema not in CONTEXTS_URIS:
        errors.append("field '%s': envelope schema must be one of %s, got %s"
                      % (field, ", ".join(CONTEXTS_URIS), _short(schema)))
        return None
    found = registry.errors(schema, envelope.get("data"), "field '%s' (contexts)" % field)
    errors.extend(found)
    entities = envelope.get("data")
    if not isinstance(entities, list):
        if not found:
            errors.append("field '%s': contexts data is not an array" % field)
        return None
    if not entities:
        errors.append("field '%s': empty contexts array (leave '%s' out when there are none)"
                      % (field, field))
    for i, entity in enumerate(entities):
        if _is_self_describing(entity):
            errors.extend(registry.errors(entity["schema"], entity["data"],
                                          "context [%d] %s" % (i, entity["schema"])))
    return entities


def check_event(registry, item_checker, raw, body_errors=()):
    """Check one event (a dict as received). Returns (event, errors): `event` is the decoded
    copy of raw, `errors` is empty when the event is good."""
    errors = list(body_errors)
    if not isinstance(raw, dict):
        return {}, errors + ["event is %s, not a JSON object" % type(raw).__name__]
    _check_strings(raw, errors)
    for msg in item_checker.errors(raw, "payload_data"):
        # "123 is not of type 'string'" was already said more plainly by _check_strings.
        if "is not of type 'string'" not in msg:
            errors.append(msg)
    _check_envelope(raw, errors)

    event = {k: v for k, v in raw.items() if k not in ENCODED_FIELDS}
    for field in ("ue_pr", "ue_px"):
        envelope = _decode(raw, field, errors)
        if envelope is not None:
            _check_unstruct(registry, field, envelope, errors)
            event["unstruct_event"] = envelope
    for field in ("co", "cx"):
        envelope = _decode(raw, field, errors)
        if envelope is not None:
            entities = _check_contexts(registry, field, envelope, errors)
            event["contexts"] = entities if entities is not None else envelope
    return event, errors
