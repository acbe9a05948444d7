"""A local Iglu registry: schema files laid out as VENDOR/NAME/FORMAT/M-R-A under a root
folder, each compiled once into a Checker (Draft-4 validator + fast path) and cached for the
life of the process."""

import copy
import datetime
import itertools
import json
import os
import re
import threading

import jsonschema

from .fastcheck import compile_schema

SCHEMA_URI_RE = re.compile(
    r"^iglu:([a-zA-Z0-9\-_.]+)/([a-zA-Z0-9\-_]+)/([a-zA-Z0-9\-_]+)/([0-9]+-[0-9]+-[0-9]+)$")

PAYLOAD_DATA_PREFIX = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/"
PAYLOAD_DATA_DEFAULT = PAYLOAD_DATA_PREFIX + "1-0-4"
UNSTRUCT_EVENT_URI = "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0"
CONTEXTS_URIS = ("iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0",
                 "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1")

# Errors reported per validated instance; more only repeat the same mistake.
MAX_ERRORS = 10

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DATE_TIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class UnknownSchema(Exception):
    """The schema URI is malformed or names no file in the registry."""


def _is_uuid(value):
    return not isinstance(value, str) or bool(_UUID_RE.match(value))


def _is_date_time(value):
    # RFC 3339, as the Snowplow pipeline checks it; ranges checked by datetime itself.
    if not isinstance(value, str):
        return True
    m = _DATE_TIME_RE.match(value)
    if not m:
        return False
    try:
        datetime.datetime(*(int(g) for g in m.groups()[:6]))
    except ValueError:
        return False
    return True


def _build_format_checker():
    # Draft 4's own formats (uri is checked because python3-rfc3987 is installed) plus the
    # two the Snowplow schemas rely on and draft 4 does not define.
    checker = copy.copy(jsonschema.draft4_format_checker)
    checker.checkers = dict(jsonschema.draft4_format_checker.checkers)
    checker.checks("uuid")(_is_uuid)
    checker.checks("date-time")(_is_date_time)
    return checker


FORMAT_CHECKER = _build_format_checker()


def describe_error(err):
    """One line naming where in the instance the problem is and what it is."""
    where = "".join("[%d]" % p if isinstance(p, int) else ("." + p if i else p)
                    for i, p in enumerate(err.absolute_path))
    return ("%s: %s" % (where, err.message)) if where else err.message


class Checker:
    """A Draft-4 validator plus, when the schema allows, a fast path that recognises valid
    instances without jsonschema (see fastcheck)."""
    __slots__ = ("validator", "fast", "schema")

    def __init__(self, schema):
        self.schema = schema
        self.validator = jsonschema.Draft4Validator(schema, format_checker=FORMAT_CHECKER)
        self.fast = compile_schema(schema, FORMAT_CHECKER)

    def errors(self, instance, prefix):
        """Up to MAX_ERRORS messages, each starting with `prefix`; [] when valid."""
        if self.fast is not None and self.fast(instance):
            return []
        found = itertools.islice(self.validator.iter_errors(instance), MAX_ERRORS)
        return ["%s: %s" % (prefix, describe_error(e)) for e in found]


class Registry:
    """Schema lookup by Iglu URI with a per-URI validator cache (thread-safe)."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        if not os.path.isdir(self.root):
            raise FileNotFoundError("schema folder not found: %s" % self.root)
        self._lock = threading.Lock()
        self._checkers = {}       # uri -> Checker, or UnknownSchema to re-raise
        self._payload_pairs = {}  # payload_data uri -> (outer, item) Checkers

    def _path(self, uri):
        m = SCHEMA_URI_RE.match(uri) if isinstance(uri, str) else None
        if not m:
            raise UnknownSchema("malformed schema URI %r" % (uri,))
        vendor, name, fmt, version = m.groups()
        if vendor.strip(".") == "" or fmt != "jsonschema":
            raise UnknownSchema("unsupported schema URI %s" % uri)
        return os.path.join(self.root, vendor, name, fmt, version)

    def _load(self, uri):
        path = self._path(uri)
        try:
            with open(path, "r", encoding="utf-8") as f:
                schema = json.load(f)
        except FileNotFoundError:
            raise UnknownSchema("unknown schema %s (not in the collector's registry %s)"
                                % (uri, self.root)) from None
        except (OSError, ValueError) as exc:
            raise UnknownSchema("unreadable schema %s: %s" % (uri, exc)) from None
        jsonschema.Draft4Validator.check_schema(schema)
        return schema

    def checker(self, uri):
        """The cached Checker for `uri`; raises UnknownSchema."""
        v = self._checkers.get(uri)
        if v is None:
            with self._lock:
                v = self._checkers.get(uri)
                if v is None:
                    try:
                        v = Checker(self._load(uri))
                    except UnknownSchema as exc:
                        v = exc
                    except jsonschema.SchemaError as exc:
                        v = UnknownSchema("invalid schema %s: %s" % (uri, exc.message))
                    if isinstance(uri, str) and len(self._checkers) < 10000:
                        self._checkers[uri] = v
        if isinstance(v, UnknownSchema):
            raise v
        return v

    def payload_checkers(self, uri):
        """(outer, item) Checkers for a payload_data schema: `outer` checks the array itself
        (type, minItems), `item` checks one event; together they are the whole schema."""
        pair = self._payload_pairs.get(uri)
        if pair is None:
            whole = self.checker(uri).schema
            outer_schema = {k: v for k, v in whole.items() if k != "items"}
            pair = (Checker(outer_schema), Checker(whole["items"]))
            with self._lock:
                self._payload_pairs[uri] = pair
        return pair

    def errors(self, uri, instance, prefix):
        """Validate `instance` against the schema `uri` names; unknown schema is an error."""
        try:
            checker = self.checker(uri)
        except UnknownSchema as exc:
            return ["%s: %s" % (prefix, exc)]
        return checker.errors(instance, prefix)
