"""Event stores of snowplow-tracker 1.x, as configuration of the C queue.

The C library keeps unsent events in its own bounded queue (and, with
`store_path`, in SQLite); there is no Python-side buffer to plug a store into.
`InMemoryEventStore(buffer_capacity=...)` is accepted wherever 1.x takes an
`event_store` and sets that queue's bound; any other store object is refused
with ValueError when the emitter is made, never silently ignored.
"""

from . import _core

DEFAULT_BUFFER_CAPACITY = 10000


class EventStore:
    """Base of the stores an emitter accepts (1.x's protocol class)."""


class InMemoryEventStore(EventStore):
    """`InMemoryEventStore(logger=None, buffer_capacity=10000)`: at most
    `buffer_capacity` events wait in memory; when full, new events are refused
    and reported to on_failure (1.x does the same). `logger` is accepted for
    1.x's signature and not used: the C library does not log."""

    def __init__(self, logger=None, buffer_capacity=DEFAULT_BUFFER_CAPACITY):
        _core.check_int("buffer_capacity", buffer_capacity, True)
        if buffer_capacity < 1:
            raise ValueError("buffer_capacity must be at least 1, not %d" % buffer_capacity)
        self.logger = logger
        self.buffer_capacity = buffer_capacity

    def __repr__(self):
        return "InMemoryEventStore(buffer_capacity=%d)" % self.buffer_capacity
