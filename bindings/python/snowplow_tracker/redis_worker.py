"""RedisWorker: take events from a Redis list and hand them to an emitter, as
0.7.0's redis_worker did (it used gevent; this one blocks in Redis instead).

    worker = RedisWorker(Emitter("collector.example.com"), rdb=redis.StrictRedis(), key="snowplow")
    worker.run()          # until request_shutdown() or SIGTERM, SIGINT, SIGQUIT

Each item (a JSON object of payload fields, as a RedisEmitter of 0.7.0, of this
package or of 1.x pushed it) goes to emitter.input(): this package's emitters
queue it in C, unchanged (same event id). An item that is not such an object is
logged and dropped. Items are taken with LPOP, as in 0.7.0: an item taken when
the process dies is lost; snowplow-relay moves items into lists of its own
and removes them only once the collector accepted them (at least once).
"""

import json
import logging
import signal
import threading

DEFAULT_KEY = "snowplow"
_POP_TIMEOUT_S = 1  # how long one blocking pop waits: request_shutdown() takes effect then

logger = logging.getLogger(__name__)


class RedisWorker:
    def __init__(self, emitter, rdb=None, key=DEFAULT_KEY):
        import redis  # redis-py, needed here only (Debian: python3-redis)

        if not callable(getattr(emitter, "input", None)):
            raise TypeError("emitter must have input(payload), not %s" % type(emitter).__name__)
        if not isinstance(key, str) or not key:
            raise ValueError("key must be a non-empty str")
        self.emitter = emitter
        self.key = key
        self.rdb = redis.StrictRedis() if rdb is None else rdb
        self._shutdown = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
                signal.signal(sig, self.request_shutdown)

    def send(self, payload):
        """Hand one payload dict to the emitter."""
        self.emitter.input(payload)

    def pop_payload(self):
        """Take one item (waiting up to a second) and send it; False when none came."""
        item = self.rdb.blpop([self.key], timeout=_POP_TIMEOUT_S)
        if item is None:
            return False
        raw = item[1]
        try:
            payload = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
            if not isinstance(payload, dict):
                raise ValueError("not a JSON object")
            self.send(payload)
        except ValueError as exc:
            logger.warning("dropped an item of %r that is not an event: %s", self.key, exc)
        return True

    def run(self):
        """Send items until request_shutdown() (also when it came before
        run() started), then flush the emitter."""
        while not self._shutdown.is_set():
            self.pop_payload()
        flush = getattr(self.emitter, "sync_flush", None) or getattr(self.emitter, "flush", None)
        if flush is not None:
            flush()

    def request_shutdown(self, *args):
        """Stop run() after the item in hand (also the signal handler)."""
        self._shutdown.set()
