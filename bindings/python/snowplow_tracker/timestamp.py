"""Timestamps of snowplow-tracker 0.8: `tstamp=TrueTimestamp(ms)` sends the
event's true timestamp `ttm`, `tstamp=DeviceTimestamp(ms)` its device
timestamp `dtm`; a plain number still means `dtm`, as in 0.7.0 and 0.8.

As in 0.8, a bare `Timestamp(ts_type, value)` (neither subclass) is accepted
and its value is not sent: the event gets the time of tracking."""

from snowplow import _core

__all__ = ["Timestamp", "TrueTimestamp", "DeviceTimestamp"]


class Timestamp:
    """`Timestamp(ts_type, value)`: ts_type "ttm" or "dtm", value an int (ms)."""

    def __init__(self, ts_type, value):
        if ts_type not in ("ttm", "dtm"):
            raise ValueError("ts_type must be 'ttm' or 'dtm', not %r" % (ts_type,))
        _core.check_int("value", value, True)
        if value < 0:
            raise ValueError("value must be milliseconds since the epoch (>= 0), not %d" % value)
        self.ts_type = ts_type
        self.value = value

    def __repr__(self):
        return "%s(%r)" % (type(self).__name__, self.value)


class TrueTimestamp(Timestamp):
    """The true timestamp (`ttm`) in ms."""

    def __init__(self, value):
        super().__init__("ttm", value)


class DeviceTimestamp(Timestamp):
    """The device created timestamp (`dtm`) in ms."""

    def __init__(self, value):
        super().__init__("dtm", value)
