"""The tracker protocol's encodings, decoded strictly: every helper raises DecodeError with a
message that says what was wrong, so a bad event's record explains itself."""

import base64
import binascii
import json
import math
import re
from urllib.parse import unquote_plus


class DecodeError(ValueError):
    pass


def _reject_constant(name):
    raise DecodeError("%s is not valid JSON" % name)


def _no_duplicate_keys(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise DecodeError("duplicate key %r in a JSON object" % key)
            seen.add(key)
    return obj


def _finite_float(text):
    value = float(text)
    if math.isinf(value):
        raise DecodeError("number %s is out of range for a double" % text[:40])
    return value


def loads_strict(text):
    """json.loads that refuses NaN/Infinity, overflowing numbers and duplicate object keys
    (tracker bugs the Snowplow pipeline would not read the way the tracker meant; they would
    also make the collector's own JSON output invalid)."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys,
                          parse_constant=_reject_constant, parse_float=_finite_float)
    except DecodeError:
        raise
    except ValueError as exc:  # json.JSONDecodeError, also UnicodeDecodeError for bytes
        raise DecodeError("invalid JSON (%s)" % exc) from None


_B64_RE = re.compile(r"^[A-Za-z0-9+/_\-]*={0,2}$")
_URLSAFE_TO_STD = str.maketrans("-_", "+/")


def b64decode_any(text):
    """Base64 in the URL-safe or the standard alphabet (not mixed), padding optional."""
    if not _B64_RE.match(text):
        bad = next(c for c in text if not (c.isascii() and (c.isalnum() or c in "+/_-=")))
        hint = " (a '+' sent unescaped in a query string reads as a space)" if bad == " " else ""
        raise DecodeError("invalid base64: character %r not in either alphabet%s" % (bad, hint))
    core = text.rstrip("=")
    if ("-" in core or "_" in core) and ("+" in core or "/" in core):
        raise DecodeError("invalid base64: mixes the URL-safe and the standard alphabet")
    if len(core) % 4 == 1:
        raise DecodeError("invalid base64: length %d cannot be base64" % len(core))
    padded = core.translate(_URLSAFE_TO_STD) + "=" * (-len(core) % 4)
    if len(text) != len(core) and len(text) != len(padded):
        raise DecodeError("invalid base64: wrong padding")
    try:
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecodeError("invalid base64 (%s)" % exc) from None


def decode_json_field(value, base64_encoded):
    """The JSON object carried by ue_px/cx (base64 over UTF-8) or ue_pr/co (plain)."""
    if base64_encoded:
        raw = b64decode_any(value)
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError("decoded bytes are not UTF-8 (%s)" % exc) from None
    return loads_strict(value)


def parse_query(query):
    """Form-urlencoded UTF-8 query string -> (dict of strings, list of errors).
    Keeps what it can read so a bad event's record still shows it."""
    fields, errors = {}, []
    for piece in query.split("&"):
        if not piece:
            continue
        if "=" not in piece:
            errors.append("query: parameter %r has no '='" % piece[:80])
            continue
        key, value = piece.split("=", 1)
        try:
            key = unquote_plus(key, encoding="utf-8", errors="strict")
            value = unquote_plus(value, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            errors.append("query: parameter %r is not UTF-8 once percent-decoded" % key[:80])
            continue
        if key in fields:
            errors.append("query: field '%s' appears more than once" % key)
            continue
        fields[key] = value
    return fields, errors
