"""Emitters of snowplow-tracker 0.7.0 and 0.8 on the C library's emitter.

Emitter      synchronous, as in 0.7.0: events gather until `buffer_size` of them
             were tracked (GET: 1, POST: 10 by default), then the track call
             that filled the buffer sends them and returns when they were
             delivered or failed; the callbacks run on that thread, before it
             returns. flush() / sync_flush() send what is waiting, the same way.
AsyncEmitter the C sending threads (`thread_count`) send; callbacks run on a
             dispatcher thread; flush() returns at once, sync_flush() waits.
CeleryEmitter an AsyncEmitter without callbacks (0.7.0's signature): the C
             sending threads do what its Celery task did.

Callbacks as 0.7.0 passes them: on_success(number_sent),
on_failure(number_sent, unsent) with `unsent` the list of the unsent events'
payload dicts (GET: with 0.7.0's value types, dtm and the numbers as int or
float; POST: every value a str).

0.8's byte_limit (after on_failure; after thread_count for AsyncEmitter):
the buffer is also sent once the queued events' sizes, each counted as 0.8
did (the length of str() of its payload dict), reach byte_limit. 0.8's
set_flush_timer(timeout, flush_now=False) and cancel_flush_timer().

As in 0.7.0 and 0.8 a failed request is not retried: it is reported once
through on_failure, and the caller decides (re-track from there).
Keyword-only extensions: retries=True (the engine's retries with backoff, 1.x's
rules, capped at max_retry_delay_seconds; custom_retry_codes), body_limit
(largest POST body; default none), buffer_capacity (events that may wait;
default 10000), store_path (SQLite store), request_timeout (seconds).
"""

import json
import logging
import threading
import time

from snowplow import _core, emitters as _emitters
from snowplow._core import _c
from snowplow.redis_emitter import redis_url as _redis_url

from . import _contracts

logger = logging.getLogger(__name__)

DEFAULT_MAX_LENGTH = 10
#: The POST envelope's schema as this package sends it (0.7.0 sent 1-0-2).
PAYLOAD_DATA_SCHEMA = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"

# 0.7.0 put no limit on a POST body; the C engine needs one: 64 MiB, as its queue.
_NO_BYTE_LIMIT = 64 * 1024 * 1024
# A partial batch waits for its flush (0.7.0 kept it until the buffer filled),
# but at most this long (the engine's limit) so that nothing is stranded.
_LINGER_MS = 60000

# Fields that 0.7.0 put in a payload as Python numbers: GET failures and custom
# emitters get them back as numbers.
_INT_FIELDS = ("dtm", "ttm", "cd", "ti_qu", "pp_mix", "pp_max", "pp_miy", "pp_may")
_NUMBER_FIELDS = ("se_va", "tr_tt", "tr_tx", "tr_sh", "ti_pr")


def _number(text):
    try:
        return int(text)
    except ValueError:
        return float(text)


def typed_payload(event):
    """A payload dict with 0.7.0's value types (and no `stm`, which it never sent)."""
    event.pop("stm", None)
    for name in _INT_FIELDS:
        if name in event:
            event[name] = int(event[name])
    for name in _NUMBER_FIELDS:
        if name in event:
            event[name] = _number(event[name])
    return event


def str_payload(event):
    """A POST payload dict as 0.7.0 passed it: every value a str, no `stm`."""
    event.pop("stm", None)
    return event


def _check_common(endpoint, protocol, port, method, buffer_size):
    _contracts.string("endpoint", endpoint)
    if protocol not in ("http", "https"):
        raise ValueError("protocol must be 'http' or 'https', not %r" % (protocol,))
    if port is not None:
        _contracts.integer("port", port, 1)
    if method not in ("get", "post"):
        raise ValueError("method must be 'get' or 'post', not %r" % (method,))
    if buffer_size is not None:
        _contracts.integer("buffer_size", buffer_size, 1)


def _check_byte_limit(byte_limit):
    """0.8's byte_limit: int or None (any int, as 0.8: <= 0 sends every event at once)."""
    if byte_limit is not None:
        _contracts.integer("byte_limit", byte_limit)
    return byte_limit


class Emitter(_emitters.Emitter):
    """`Emitter(endpoint, protocol="http", port=None, method="get",
    buffer_size=None, on_success=None, on_failure=None)`: synchronous, see the
    module. `endpoint` is a host name (0.7.0 adds the scheme, port and path);
    `emitter.endpoint` is the full URL, as 0.7.0 shows it."""

    _dispatch = False  # callbacks on the thread that sends: the caller's
    bytes_queued = None  # 0.8's byte count, when there is a byte_limit
    _failure_hook = None  # called for failures when there is no on_failure (RedisEmitter)
    _last_reason = None

    def __init__(self, endpoint, protocol="http", port=None, method="get", buffer_size=None,
                 on_success=None, on_failure=None, byte_limit=None, *, retries=False,
                 max_retry_delay_seconds=60, custom_retry_codes=None, body_limit=None,
                 buffer_capacity=None, store_path=None, request_timeout=None,
                 thread_count=1):
        _check_common(endpoint, protocol, port, method, buffer_size)
        _check_byte_limit(byte_limit)
        _contracts.callable_or_none("on_success", on_success)
        _contracts.callable_or_none("on_failure", on_failure)
        _contracts.boolean("retries", retries)
        if custom_retry_codes and not retries:
            raise ValueError("custom_retry_codes needs retries=True (0.7.0 did not retry)")
        if buffer_size is None:
            buffer_size = DEFAULT_MAX_LENGTH if method == "post" else 1
        self._retries = retries
        self._lock = threading.RLock()
        self._pending = 0
        self.buffer_size = buffer_size
        super().__init__(endpoint, protocol=protocol, port=port, method=method,
                         batch_size=buffer_size, on_success=on_success, on_failure=on_failure,
                         byte_limit=body_limit, request_timeout=request_timeout,
                         max_retry_delay_seconds=max_retry_delay_seconds,
                         buffer_capacity=buffer_capacity, custom_retry_codes=custom_retry_codes,
                         thread_count=thread_count, store_path=store_path)
        self.body_limit = body_limit
        # 0.8's byte_limit and its count (None: no byte limit), as 0.8 names them.
        self.byte_limit = byte_limit
        self.bytes_queued = None if byte_limit is None else 0
        logger.info("Emitter initialized with endpoint %s", self.endpoint)

    def _configure(self, opts):
        _c.emitter_options_set_linger_ms(opts, _LINGER_MS)
        if self.byte_limit is None:  # still the body limit here (set by the base)
            _c.emitter_options_set_byte_limit(opts, _NO_BYTE_LIMIT)
        if not self._retries:
            # One attempt: a failure is reported once and given up.
            _c.emitter_options_set_retry(opts, 100, 60000, 1)

    @staticmethod
    def as_collector_uri(endpoint, protocol="http", port=None, method="get"):
        return _emitters.as_collector_uri(endpoint, protocol, port, method)

    def input(self, payload):
        """Queue a payload dict (0.7.0's input(): also what a Redis worker
        calls); the buffer is sent when full, as for tracked events."""
        eid = super().input(payload)
        self._note_tracked()
        return eid

    def _enqueue_payload(self, payload_json):
        """With a byte_limit, count the event's size as 0.8 did: len(str())
        of its payload dict (0.8's value types; `stm` is added when sent)."""
        if self.bytes_queued is not None:
            size = len(str(typed_payload(json.loads(payload_json))))
            with self._lock:
                self.bytes_queued += size
        return super()._enqueue_payload(payload_json)

    # ---- 0.7.0's synchronous buffer ------------------------------------------

    def reached_limit(self):
        """0.8's test: the buffer holds buffer_size events, or (with a
        byte_limit) bytes_queued reached byte_limit."""
        with self._lock:
            return self._pending >= self.buffer_size or (
                self.bytes_queued is not None and self.bytes_queued >= self.byte_limit)

    def _note_tracked(self):
        """An event was queued: send the buffer when it is full (the tracker
        calls this after each event, as 0.7.0's and 0.8's input() did)."""
        with self._lock:
            self._pending += 1
            if self.reached_limit():
                self.flush()

    def _reset_buffer(self):
        self._pending = 0
        if self.bytes_queued is not None:
            self.bytes_queued = 0

    def set_flush_timer(self, timeout, flush_now=False):
        """0.8: flush every `timeout` seconds (on a timer thread; this
        emitter's callbacks then run there), and at once when flush_now."""
        _core.check_number("timeout", timeout, True)
        _contracts.boolean("flush_now", flush_now)
        if flush_now:
            self.flush()
        super().set_flush_timer(timeout)

    @property
    def timer(self):
        """0.8's attribute: the running flush timer, or None."""
        return self._timer

    @staticmethod
    def attach_sent_timestamp(events):
        """0.8's helper: set `stm` (whole seconds, in ms, as a str) on each
        payload dict, in place. This package's emitters set `stm` in C."""
        stm = str(int(time.time()) * 1000)
        for event in events:
            event["stm"] = stm

    def flush(self):
        """Send every event waiting, wait until each was delivered or failed,
        then run the callbacks, on this thread."""
        with self._lock:
            self._reset_buffer()
            if self.closed:
                return
            _emitters.Emitter.sync_flush(self)
            calls = self._take_reports()
        for callback, args in calls:
            callback(*args)

    def sync_flush(self, timeout=None):
        """The same as flush() for this emitter (0.7.0: blocking)."""
        self.flush()
        return True

    def close(self, timeout=5.0):
        """Send what waits (at most `timeout` seconds), run its callbacks on
        this thread, then stop the emitter (also done at exit, where 0.7.0
        lost a partial buffer)."""
        if not self.closed:
            with self._lock:
                self._reset_buffer()
                _emitters.Emitter.sync_flush(self, timeout)
                calls = self._take_reports()
            for callback, args in calls:
                callback(*args)
        return super().close(timeout)

    def _take_reports(self):
        """The callbacks due for the results queued so far: POST one per
        request, GET one for the whole flush, as 0.7.0 reported a flush.
        Failures that will be retried (retries=True) are left out."""
        on_failure = self.on_failure or self._failure_hook
        if self.on_success is None and on_failure is None:
            return []
        try:
            ptr = self._life.acquire()
        except RuntimeError:
            return []
        sent, unsent, calls = 0, [], []
        try:
            while True:
                status, result = _c.emitter_next_result(ptr, 0)
                if status != 0:
                    break
                try:
                    ok = _c.result_get_kind(result) == _c.RESULT_SENT
                    # With retries=True a failed attempt that will be retried
                    # is not a loss: the flush waited for its outcome.
                    if not ok and _c.result_will_retry(result):
                        continue
                    count = _c.result_event_count(result)
                    failed = [] if ok else self._failed_events(result)
                    if not ok:
                        self._last_reason = _c.result_reason(result)
                finally:
                    _c.result_free(result)
                if self.method == "get":
                    sent += count if ok else 0
                    unsent.extend(failed)
                elif ok:
                    calls.append((self.on_success, (count,)))
                else:
                    calls.append((on_failure, (0, failed)))
        finally:
            self._life.release()
        if self.method == "get" and (sent or unsent):
            calls.append((self.on_success, (sent,)) if not unsent
                         else (on_failure, (sent, unsent)))
        return [(callback, args) for callback, args in calls if callback is not None]

    def _failed_events(self, result):
        convert = typed_payload if self.method == "get" else str_payload
        return [convert(json.loads(_c.result_event_json(result, i)))
                for i in range(_c.result_event_count(result))]

    @staticmethod
    def is_good_status_code(status_code):
        return 200 <= status_code < 400


class AsyncEmitter(Emitter):
    """`AsyncEmitter(endpoint, protocol="http", port=None, method="get",
    buffer_size=None, on_success=None, on_failure=None, thread_count=1)`:
    `thread_count` C sending threads; callbacks on a dispatcher thread (one
    callback per request); flush() asynchronous, sync_flush() blocking, and a
    sync_flush() inside a callback starts an asynchronous flush instead of
    deadlocking."""

    _dispatch = True

    def __init__(self, endpoint, protocol="http", port=None, method="get", buffer_size=None,
                 on_success=None, on_failure=None, thread_count=1, byte_limit=None, **engine):
        _contracts.integer("thread_count", thread_count, 1)
        _contracts.callable_or_none("on_success", on_success)
        _contracts.callable_or_none("on_failure", on_failure)
        self._user_on_success, self._user_on_failure = on_success, on_failure
        self._event_transform = typed_payload if method == "get" else str_payload
        success = None if on_success is None else self._report_success
        failure = None if on_failure is None else self._report_failure
        super().__init__(endpoint, protocol, port, method, buffer_size, success, failure,
                         byte_limit, thread_count=thread_count, **engine)
        self.on_success, self.on_failure = on_success, on_failure

    def _report_success(self, events):
        self._user_on_success(len(events))  # no dict is built for a count

    def _report_failure(self, success_count, events):
        self._user_on_failure(success_count if self.method == "get" else 0, list(events))

    def _note_tracked(self):
        """The C threads send full batches themselves; with 0.8's byte_limit
        a batch whose bytes reach it is sent now, as 0.8's input() did."""
        if self.bytes_queued is None:
            return
        with self._lock:
            self._pending += 1
            if self._pending >= self.buffer_size:
                self._reset_buffer()  # a full batch: the C threads send it
            elif self.bytes_queued >= self.byte_limit:
                self.flush()

    def close(self, timeout=5.0):
        return _emitters.Emitter.close(self, timeout)

    def flush(self):
        """Ask the sending threads to send what waits; returns at once."""
        with self._lock:
            self._reset_buffer()
        _emitters.Emitter.flush(self)

    def sync_flush(self, timeout=None):
        """Wait until every event tracked before was delivered or failed and
        its callbacks ran (inside a callback: an asynchronous flush, False)."""
        return _emitters.Emitter.sync_flush(self, timeout)


class CeleryEmitter(AsyncEmitter):
    """`CeleryEmitter(endpoint, protocol="http", port=None, method="get",
    buffer_size=None, byte_limit=None)`: no Celery here; the C sending threads
    deliver, which is what the Celery flush task of 0.7.0 and 0.8 did
    (`celery_app` stays None). No callbacks, as there."""

    celery_app = None

    def __init__(self, endpoint, protocol="http", port=None, method="get", buffer_size=None,
                 byte_limit=None, **engine):
        super().__init__(endpoint, protocol, port, method, buffer_size, None, None,
                         byte_limit=byte_limit, **engine)

    def async_flush(self):
        """0.8's Celery task body: send what waits (here: asynchronously)."""
        self.flush()


class RedisEmitter(Emitter):
    """`RedisEmitter(rdb=None, key="snowplow")`: each event goes to the Redis list
    `key` of the redis-py client `rdb` (its host, port, db and password; None:
    localhost:6379, db 0) through the C library's Redis transport, before the
    track call returns, as in 0.7.0. A push that fails raises RuntimeError from
    that call (0.7.0 raised redis-py's error). Items are JSON objects of the
    payload fields, every value a str, with `stm` (0.7.0: the values as given).
    flush() and sync_flush() have nothing to do (as in 0.7.0)."""

    def __init__(self, rdb=None, key="snowplow", *, retries=False, request_timeout=None):
        _contracts.string("key", key)
        self.rdb, self.key = rdb, key
        self._retries = retries
        self._lock = threading.RLock()
        self._pending = 0
        self.buffer_size = 1
        _emitters.Emitter.__init__(self, None, method="post", batch_size=1,
                                   on_failure=self._raise, request_timeout=request_timeout,
                                   redis_url=_redis_url(rdb), redis_key=key)
        self.on_success = self.on_failure = None  # 0.7.0's RedisEmitter had no callbacks
        self._failure_hook = self._raise

    def _raise(self, count, unsent):
        raise RuntimeError("RedisEmitter: %d event(s) not pushed to %r: %s"
                           % (len(unsent), self.key, self._last_reason))

    def __repr__(self):
        return "RedisEmitter(key=%r)" % (self.key,)
