"""SelfDescribingJson: an Iglu schema URI and its data, for self-describing
events and context entities (as in snowplow-tracker 1.x)."""

import json

from . import _core
from ._core import _c


class SelfDescribingJson:
    """`SelfDescribingJson(schema, data)`: `data` is a dict (or any value json can
    serialise). It is serialised when an event carrying it is tracked, so
    changes to the dict until then are sent. The schema is checked then too
    (ValueError naming it when it is not `iglu:vendor/name/format/M-R-A`)."""

    __slots__ = ("schema", "data")

    def __init__(self, schema, data):
        if type(schema) is not str:  # the common case without a call
            schema = _core.check_str("schema", schema, required=True)
        self.schema = schema
        self.data = data

    def to_json(self):
        return {"schema": self.schema, "data": self.data}

    def to_string(self):
        return json.dumps(self.to_json(), ensure_ascii=False)

    def __repr__(self):
        return "SelfDescribingJson(%r, %r)" % (self.schema, self.data)

    def _new_c(self, encoder):
        """A new C snowplow_sdjson handle; the caller frees it. The data is
        encoded in C, with `encoder.encode` (json) for what C leaves to it."""
        return _c.sdjson_new_from_object(self.schema, self.data, encoder.encode)
