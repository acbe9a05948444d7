"""What the collector remembers: good and bad event records in arrival order and the log of
tracker-protocol requests. One lock guards all of it; handlers never hold it while working."""

import threading


class Store:
    def __init__(self):
        self._lock = threading.Lock()
        self._good = []
        self._bad = []
        self._requests = []
        self._next_request_id = 1
        # Bumped by reset(): requests that began before a reset do not store afterwards.
        self.generation = 0

    def reset(self):
        with self._lock:
            self._good = []
            self._bad = []
            self._requests = []
            self.generation += 1

    def log_request(self, entry):
        """Append a request-log entry (a dict the caller may keep updating); returns
        (request_id, generation)."""
        with self._lock:
            rid = self._next_request_id
            self._next_request_id += 1
            entry["request_id"] = rid
            self._requests.append(entry)
            return rid, self.generation

    def add(self, generation, good, bad):
        """Store records unless a reset happened since the request began."""
        with self._lock:
            if generation != self.generation:
                return False
            self._good.extend(good)
            self._bad.extend(bad)
            return True

    def counts(self):
        with self._lock:
            good, bad = len(self._good), len(self._bad)
        return {"total": good + bad, "good": good, "bad": bad}

    def records(self, which):
        with self._lock:
            return list(self._good if which == "good" else self._bad)

    def requests(self):
        with self._lock:
            return [dict(r) for r in self._requests]
