"""EventList: the events of one delivery result, handed to callbacks.

A callback gets a read-only sequence over the C result instead of a list of
dicts built in advance: an event's dict is decoded from the library's JSON
only when the callback reads it (and then kept). A callback that only counts
(`len(events)`) or looks at a few events costs almost nothing, so the
dispatcher holds the GIL for microseconds per batch and the threads that track
are not held up. The sequence owns the C result; it stays valid as long as the
callback keeps it. It compares equal to a list with the same dicts.
"""

import json
from collections.abc import Sequence

from ._core import _c

_loads = json.loads
_event_json = _c.result_event_json


class EventList(Sequence):
    __slots__ = ("_result", "_cache", "_n", "_transform", "__weakref__")

    def __init__(self, result, transform=None):
        """Take ownership of the C `result`. `transform(dict) -> dict` is applied
        to each event when it is first read (the drop-in's 0.7.0 values)."""
        self._result = result
        self._n = _c.result_event_count(result)
        self._cache = [None] * self._n
        self._transform = transform

    def __len__(self):
        return self._n

    def _get(self, i):
        event = self._cache[i]
        if event is None:
            event = _loads(_event_json(self._result, i))
            if self._transform is not None:
                event = self._transform(event)
            self._cache[i] = event
        return event

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._get(i) for i in range(*index.indices(self._n))]
        if index < 0:
            index += self._n
        if not 0 <= index < self._n:
            raise IndexError("event index out of range")
        return self._get(index)

    def __iter__(self):
        for i in range(self._n):
            yield self._get(i)

    def __eq__(self, other):
        if isinstance(other, (list, tuple, EventList)):
            return len(other) == self._n and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None

    def __add__(self, other):
        return list(self) + list(other)

    def __radd__(self, other):
        return list(other) + list(self)

    def __repr__(self):
        return repr(list(self))

    def __del__(self):
        result, self._result = self._result, None
        if result is not None:
            try:
                _c.result_free(result)
            except Exception:  # interpreter exit: module globals may be gone
                pass
