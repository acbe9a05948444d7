"""EmitterConfiguration and TrackerConfiguration of snowplow-tracker 1.1.0:
plain holders of the arguments Snowplow.create_tracker() passes on, checked
when set, as 1.x checks them."""

from . import _core
from .event_store import EventStore


def _positive_int_or_none(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("%s must be of type int" % name)
    if value < 1:
        raise ValueError("%s must be greater than 0" % name)
    return value


def _callable_or_none(name, value):
    if value is not None and not callable(value):
        raise TypeError("%s must be callable or None" % name)
    return value


class EmitterConfiguration:
    """`EmitterConfiguration(batch_size=None, on_success=None, on_failure=None,
    byte_limit=None, request_timeout=None, buffer_capacity=None,
    custom_retry_codes={}, event_store=None, session=None)`"""

    def __init__(self, batch_size=None, on_success=None, on_failure=None, byte_limit=None,
                 request_timeout=None, buffer_capacity=None, custom_retry_codes=None,
                 event_store=None, session=None):
        self.batch_size = batch_size
        self.on_success = on_success
        self.on_failure = on_failure
        self.byte_limit = byte_limit
        self.request_timeout = request_timeout
        self.buffer_capacity = buffer_capacity
        self.custom_retry_codes = {} if custom_retry_codes is None else custom_retry_codes
        self.event_store = event_store
        self.session = session

    batch_size = property(lambda self: self._batch_size,
                          lambda self, v: setattr(self, "_batch_size",
                                                  _positive_int_or_none("batch_size", v)))
    byte_limit = property(lambda self: self._byte_limit,
                          lambda self, v: setattr(self, "_byte_limit",
                                                  _positive_int_or_none("byte_limit", v)))
    buffer_capacity = property(
        lambda self: self._buffer_capacity,
        lambda self, v: setattr(self, "_buffer_capacity",
                                _positive_int_or_none("buffer_capacity", v)))
    on_success = property(lambda self: self._on_success,
                          lambda self, v: setattr(self, "_on_success",
                                                  _callable_or_none("on_success", v)))
    on_failure = property(lambda self: self._on_failure,
                          lambda self, v: setattr(self, "_on_failure",
                                                  _callable_or_none("on_failure", v)))

    @property
    def custom_retry_codes(self):
        return self._custom_retry_codes

    @custom_retry_codes.setter
    def custom_retry_codes(self, value):
        if not isinstance(value, dict):
            raise TypeError("custom_retry_codes must be a dict {int: bool}")
        self._custom_retry_codes = value

    def set_retry_code(self, status_code, retry=True):
        """Retry (or not) HTTP `status_code`; False when it cannot be set (a 2xx
        is always a success), as in 1.x."""
        _core.check_int("status_code", status_code, True)
        if not isinstance(retry, bool):
            raise TypeError("retry must be bool, not %s" % _core.type_name(retry))
        if 200 <= status_code < 300:
            return False
        self._custom_retry_codes[status_code] = retry
        return True

    @property
    def event_store(self):
        return self._event_store

    @event_store.setter
    def event_store(self, value):
        if value is not None and not isinstance(value, EventStore):
            raise ValueError("event_store must be an EventStore (InMemoryEventStore) or None, "
                             "not %s" % _core.type_name(value))
        self._event_store = value

    def emitter_kwargs(self):
        """The keyword arguments of Emitter this configuration stands for."""
        return {"batch_size": self.batch_size, "on_success": self.on_success,
                "on_failure": self.on_failure, "byte_limit": self.byte_limit,
                "request_timeout": self.request_timeout,
                "buffer_capacity": self.buffer_capacity,
                "custom_retry_codes": self.custom_retry_codes,
                "event_store": self.event_store, "session": self.session}


class TrackerConfiguration:
    """`TrackerConfiguration(encode_base64=True, json_encoder=None)`"""

    def __init__(self, encode_base64=True, json_encoder=None):
        self.encode_base64 = encode_base64
        self.json_encoder = json_encoder

    @property
    def encode_base64(self):
        return self._encode_base64

    @encode_base64.setter
    def encode_base64(self, value):
        if not isinstance(value, bool):
            raise TypeError("encode_base64 must be bool, not %s" % _core.type_name(value))
        self._encode_base64 = value

    @property
    def json_encoder(self):
        return self._json_encoder

    @json_encoder.setter
    def json_encoder(self, value):
        self._json_encoder = _callable_or_none("json_encoder", value)
