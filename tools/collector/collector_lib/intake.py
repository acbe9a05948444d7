"""From a tracker request (GET query or POST body) to stored records.

parse_get / parse_post only split the request into events (cheap, done for every request so
the request log can count them); Batch.records() runs the event checks, done only when the
events are to be stored."""

from . import codec
from .events import check_event
from .iglu import PAYLOAD_DATA_DEFAULT, PAYLOAD_DATA_PREFIX, UnknownSchema

BODY_KEYS = ("schema", "data")
MAX_BODY_ECHO = 65536  # characters of an unreadable body kept in its bad record


class Batch:
    """The events of one request. `status` is the answer a well-behaved collector gives
    (200, or 400 for a body that is not JSON); `request_errors` are problems that leave no
    event to attribute them to; `body_errors` apply to every event of the request."""

    def __init__(self, items, status=200, request_errors=(), body_errors=(),
                 payload_uri=PAYLOAD_DATA_DEFAULT, body_text=None):
        self.items = items
        self.status = status
        self.request_errors = list(request_errors)
        self.body_errors = list(body_errors)
        self.payload_uri = payload_uri
        self.body_text = body_text

    @property
    def count(self):
        return len(self.items)

    def records(self, registry, meta):
        """(good, bad) record lists; `meta` holds the fields common to every record."""
        good, bad = [], []
        if self.request_errors or not self.items:
            errors = self.request_errors or ["request carries no event"]
            rec = dict(meta, raw={}, event={}, errors=errors + self.body_errors)
            if self.body_text is not None:
                rec["body"] = self.body_text[:MAX_BODY_ECHO]
            bad.append(rec)
            return good, bad
        try:
            _, item_checker = registry.payload_checkers(self.payload_uri)
        except UnknownSchema:
            _, item_checker = registry.payload_checkers(PAYLOAD_DATA_DEFAULT)
        for raw in self.items:
            event, errors = check_event(registry, item_checker, raw, self.body_errors)
            rec = dict(meta, raw=raw if isinstance(raw, dict) else {"value": raw}, event=event)
            if errors:
                rec["errors"] = errors
                bad.append(rec)
            else:
                good.append(rec)
        return good, bad


def parse_get(query):
    fields, errors = codec.parse_query(query)
    if not fields and not errors:
        return Batch([], request_errors=["GET without a query string: no event to collect"])
    return Batch([fields], body_errors=errors)


def parse_post(registry, body):
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Batch([], status=400, request_errors=["body is not UTF-8 (%s)" % exc],
                     body_text=body.decode("utf-8", "replace"))
    if not text.strip():
        return Batch([], status=400, request_errors=["empty body: no event to collect"],
                     body_text=text)
    try:
        doc = codec.loads_strict(text)
    except codec.DecodeError as exc:
        return Batch([], status=400, request_errors=["body: %s" % exc], body_text=text)
    if not isinstance(doc, dict):
        return Batch([], request_errors=[
            "body is a JSON %s, not a self-describing payload_data object"
            % type(doc).__name__], body_text=text)

    body_errors = []
    extra = sorted(k for k in doc if k not in BODY_KEYS)
    if extra:
        body_errors.append("body: unexpected keys %s (a self-describing JSON has only "
                           "schema and data)" % extra)
    schema = doc.get("schema")
    uri = PAYLOAD_DATA_DEFAULT
    if not isinstance(schema, str) or not schema.startswith(PAYLOAD_DATA_PREFIX):
        body_errors.append("body: schema must be %sM-R-A, got %r" % (PAYLOAD_DATA_PREFIX, schema))
    else:
        try:
            registry.payload_checkers(schema)
            uri = schema
        except UnknownSchema as exc:
            body_errors.append("body: %s" % exc)
    if "data" not in doc:
        return Batch([], request_errors=["body: no 'data' array"] + body_errors, body_text=text)
    outer, _ = registry.payload_checkers(uri)
    data = doc["data"]
    outer_errors = outer.errors(data, "body data")
    if not isinstance(data, list) or not data:
        return Batch([], request_errors=outer_errors + body_errors, body_text=text)
    return Batch(data, body_errors=outer_errors + body_errors, payload_uri=uri)
