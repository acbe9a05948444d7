"""Payload: a dict of protocol fields, as snowplow-tracker 0.7.0's tracker
built events by hand. The trackers of this package encode events in C and do
not use it; it is kept for code that builds payloads itself and hands them to
Tracker.track() (custom emitters) or reads them."""

import base64
import json


class Payload:
    def __init__(self, dict_=None):
        self.nv_pairs = {}
        if dict_ is not None:
            for name in dict_:
                self.nv_pairs[name] = dict_[name]

    def add(self, name, value):
        """Set `name`; None and "" are left out, as the protocol wants."""
        if value is None or (isinstance(value, str) and value == ""):
            return
        self.nv_pairs[name] = value

    def add_dict(self, dict_, base64=False):
        for name in dict_:
            self.add(name, dict_[name])

    def add_json(self, dict_, encode_base64, type_when_encoded, type_when_not_encoded):
        """`dict_` as JSON under type_when_not_encoded, or base64url-encoded
        (UTF-8; 0.7.0 raised UnicodeEncodeError for non-ASCII text) under
        type_when_encoded. None or {} adds nothing."""
        if dict_ is None or dict_ == {}:
            return
        text = json.dumps(dict_, ensure_ascii=False)
        if encode_base64:
            self.add(type_when_encoded,
                     base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii"))
        else:
            self.add(type_when_not_encoded, text)

    def get(self):
        return self.nv_pairs
