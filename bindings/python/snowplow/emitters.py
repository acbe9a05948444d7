"""Emitter and AsyncEmitter: deliver tracked events to a collector.

Both are the C library's emitter: a bounded queue and `thread_count` sending
threads (libcurl, keep-alive, batching, retries with backoff). Tracking never
waits for the network. The keyword arguments are those of snowplow-tracker 1.x.

Callbacks (as in snowplow-tracker 1.x):
    on_success(sent_events)                  after a batch was accepted
    on_failure(success_count, failed_events) after events failed (a retried
                                             failure is reported at each attempt)
Events are dicts of payload fields, every value a str, as they were sent. The
callbacks run on one dispatcher thread per emitter (a daemon thread), one at a
time, never on the thread that tracks. An exception in a callback is reported
through sys.unraisablehook and the dispatcher carries on.

Flushing: `flush()` asks the sending threads to send what is queued now and
returns at once; `sync_flush()` (and `tracker.flush()`) waits until everything
tracked before it was delivered or failed for good, and the callbacks for it
have run. Called from inside a callback, a blocking flush cannot wait for the
dispatcher that is running it: it does the asynchronous flush instead and
returns False at once.

At interpreter exit every emitter still open is flushed for at most 5 seconds
in all, then closed; events still unsent are reported to on_failure.
"""

import json
import threading
import time
import weakref

from . import _core, _shutdown
from ._core import _c
from ._dispatcher import Dispatcher, on_dispatcher_thread
from .event_store import InMemoryEventStore

PROTOCOLS = {"http", "https"}
METHODS = {"get", "post"}
DEFAULT_MAX_LENGTH = 10
# Results the C side keeps for the dispatcher; a full queue drops results (and
# counts them) rather than slowing the sending threads down.
RESULT_QUEUE_CAPACITY = 65536
# A blocking wait in C lasts at most this long before Python gets control back
# (so that Ctrl-C works during a long flush).
_WAIT_SLICE_MS = 250

_COUNTERS = {
    "tracked": _c.COUNTER_TRACKED,
    "sent": _c.COUNTER_SENT,
    "failed": _c.COUNTER_FAILED,
    "retried": _c.COUNTER_RETRIED,
    "dropped": _c.COUNTER_DROPPED,
    "queued": _c.COUNTER_QUEUED,
    "in_flight": _c.COUNTER_IN_FLIGHT,
    "results": _c.COUNTER_RESULTS,
    "results_dropped": _c.COUNTER_RESULTS_DROPPED,
}


def _ms(seconds, name):
    value = _core.check_number(name, seconds, True)
    if value < 0:
        raise ValueError("%s must be >= 0, not %r" % (name, seconds))
    return max(1, int(round(value * 1000)))


def as_collector_uri(endpoint, protocol="https", port=None, method="post"):
    """The collector URL events are sent to, as snowplow-tracker shows it: a
    scheme in `endpoint` wins over `protocol`; the path is /i for GET and
    /com.snowplowanalytics.snowplow/tp2 for POST."""
    _core.check_str("endpoint", endpoint, True)
    if not endpoint:
        raise ValueError("endpoint must not be empty")
    endpoint = endpoint.rstrip("/")
    scheme, sep, rest = endpoint.partition("://")
    if sep and scheme in PROTOCOLS:
        protocol, endpoint = scheme, rest
    path = "/i" if method == "get" else "/com.snowplowanalytics.snowplow/tp2"
    host = endpoint if port is None else "%s:%d" % (endpoint, port)
    return "%s://%s%s" % (protocol, host, path)


def _capacity_of(event_store, buffer_capacity):
    """buffer_capacity, or the one an InMemoryEventStore carries."""
    if event_store is None:
        return buffer_capacity
    if not isinstance(event_store, InMemoryEventStore):
        raise ValueError("event_store: only InMemoryEventStore is supported (it sets the C "
                         "library's queue bound), not %s; use store_path for an SQLite store "
                         "that keeps events across restarts" % _core.type_name(event_store))
    if buffer_capacity is not None and buffer_capacity != event_store.buffer_capacity:
        raise ValueError("buffer_capacity %d and event_store's buffer_capacity %d disagree"
                         % (buffer_capacity, event_store.buffer_capacity))
    return event_store.buffer_capacity


def _deadline(timeout):
    return None if timeout is None else time.monotonic() + timeout


def _slice_ms(deadline):
    if deadline is None:
        return _WAIT_SLICE_MS
    return max(0, min(_WAIT_SLICE_MS, int((deadline - time.monotonic()) * 1000)))


class _Lifetime:
    """The C emitter handle and its uses. Several threads may use the emitter
    while one closes it: the C emitter is released only when the last use (a
    flush in progress, the dispatcher thread) has ended. Kept apart from the
    Emitter so that the dispatcher thread does not keep the Emitter alive."""

    def __init__(self, ptr):
        self._ptr = ptr
        self._lock = threading.Lock()
        self._users = 0
        self._free_pending = False

    def acquire(self):
        with self._lock:
            if self._ptr is None or self._free_pending:
                raise RuntimeError("the emitter is closed")
            self._users += 1
            return self._ptr

    def release(self):
        with self._lock:
            self._users -= 1
            ptr = self._take_if_unused()
        if ptr is not None:
            _c.emitter_free(ptr)

    def free_when_unused(self):
        with self._lock:
            self._free_pending = True

    def _take_if_unused(self):
        if self._users > 0 or not self._free_pending or self._ptr is None:
            return None
        ptr, self._ptr = self._ptr, None
        return ptr


def _set_network(opts, *, ca_file=None, ca_path=None, client_cert=None, client_key=None,
                 pinned_public_key=None, insecure_skip_tls_verify=False, proxy=None,
                 headers=None, user_agent=None):
    """The emitter's network keywords. TLS is verified unless
    insecure_skip_tls_verify=True. ca_file / ca_path: CAs to trust instead of the
    system's. client_cert / client_key: PEM files for client-certificate auth.
    pinned_public_key: "sha256//BASE64" or a key file. proxy: "http://host:port"
    (also https, socks4/4a/5/5h; "" = none); when None, libcurl reads
    http_proxy / https_proxy / no_proxy from the environment. headers: {name:
    value} added to every request. user_agent: the User-Agent header."""
    for name, value in (("ca_file", ca_file), ("ca_path", ca_path),
                        ("client_cert", client_cert), ("client_key", client_key),
                        ("pinned_public_key", pinned_public_key), ("proxy", proxy),
                        ("user_agent", user_agent)):
        if value is not None:
            _core.check_str(name, value)
    if not isinstance(insecure_skip_tls_verify, bool):
        raise TypeError("insecure_skip_tls_verify must be bool, not %s"
                        % _core.type_name(insecure_skip_tls_verify))
    if headers is not None and not isinstance(headers, dict):
        raise TypeError("headers must be a dict {str: str} or None, not %s"
                        % _core.type_name(headers))
    if ca_file is not None:
        _c.emitter_options_set_ca_file(opts, ca_file)
    if ca_path is not None:
        _c.emitter_options_set_ca_path(opts, ca_path)
    if client_cert is not None or client_key is not None:
        _c.emitter_options_set_client_cert(opts, client_cert, client_key)
    if pinned_public_key is not None:
        _c.emitter_options_set_pinned_public_key(opts, pinned_public_key)
    if insecure_skip_tls_verify:
        _c.emitter_options_set_insecure_skip_tls_verify(opts, 1)
    if proxy is not None:
        _c.emitter_options_set_proxy(opts, proxy)
    for name, value in (headers or {}).items():
        _c.emitter_options_add_header(opts, _core.check_str("headers key", name, True),
                                      _core.check_str("headers[%r]" % (name,), value, True))
    if user_agent is not None:
        _c.emitter_options_set_user_agent(opts, user_agent)


class Emitter:
    """`Emitter(endpoint, protocol="https", port=None, method="post",
    batch_size=None, on_success=None, on_failure=None, byte_limit=None,
    request_timeout=None, max_retry_delay_seconds=60, buffer_capacity=None,
    custom_retry_codes=None)`

    endpoint: "host", "host:port" or a full http(s) URL. batch_size: events per
    POST request (default 10; GET sends one per request); `buffer_size` is
    accepted as its old name. byte_limit: largest POST body (default 40000).
    request_timeout: seconds, or (connect, read). max_retry_delay_seconds: cap
    of the exponential backoff between retries. buffer_capacity: events that
    may wait in memory (default 10000); when full, new events are dropped and
    reported to on_failure. custom_retry_codes: {status: True/False} overriding
    which HTTP statuses are retried (by default all but 400, 401, 403, 410 and
    422). Extensions: thread_count (sending threads), store_path (an SQLite file
    keeping unsent events across restarts, when the library has SQLite),
    max_inflight (requests in flight per sending thread, default 8; events of
    different requests arrive in any order), redis_url and redis_key (push each
    event to that Redis list instead of the collector; endpoint may then be None),
    and the network keywords of _set_network(): ca_file, ca_path, client_cert,
    client_key, pinned_public_key, insecure_skip_tls_verify, proxy, headers,
    user_agent.
    """

    def __init__(self, endpoint, protocol="https", port=None, method="post", batch_size=None,
                 on_success=None, on_failure=None, byte_limit=None, request_timeout=None,
                 max_retry_delay_seconds=60, buffer_capacity=None, custom_retry_codes=None,
                 event_store=None, session=None, *, buffer_size=None, thread_count=1,
                 store_path=None, max_inflight=None, redis_url=None, redis_key=None,
                 **network):
        self._life = None
        self._closed = True  # until fully built, so that __del__ does nothing
        self._close_lock = threading.Lock()
        self._dispatcher = None
        self._timer = None

        _core.check_str("endpoint", endpoint, redis_url is None)
        _core.check_str("redis_url", redis_url)
        _core.check_str("redis_key", redis_key, redis_url is not None)
        if protocol not in PROTOCOLS:
            raise ValueError("protocol must be one of %s, not %r" % (sorted(PROTOCOLS), protocol))
        if method not in METHODS:
            raise ValueError("method must be one of %s, not %r" % (sorted(METHODS), method))
        if batch_size is None:
            batch_size = buffer_size
        elif buffer_size is not None:
            raise TypeError("give batch_size or buffer_size, not both")
        for name, value in (("port", port), ("batch_size", batch_size),
                            ("byte_limit", byte_limit), ("buffer_capacity", buffer_capacity),
                            ("thread_count", thread_count), ("max_inflight", max_inflight)):
            _core.check_int(name, value)
        for name, callback in (("on_success", on_success), ("on_failure", on_failure)):
            if callback is not None and not callable(callback):
                raise TypeError("%s must be callable or None" % name)
        buffer_capacity = _capacity_of(event_store, buffer_capacity)
        if session is not None:
            raise ValueError("session is not supported: the C library makes its own connections")
        if custom_retry_codes is not None and not isinstance(custom_retry_codes, dict):
            raise TypeError("custom_retry_codes must be a dict {int: bool} or None")
        if batch_size is None:
            batch_size = DEFAULT_MAX_LENGTH if method == "post" else 1
        if buffer_capacity is not None and batch_size > buffer_capacity:
            batch_size = buffer_capacity

        # The collector URL, as 1.x shows it (None for an emitter without one).
        self.endpoint = (None if endpoint is None
                         else as_collector_uri(endpoint, protocol, port, method))
        self.protocol = protocol
        self.port = port
        self.method = method
        self.batch_size = batch_size
        self.byte_limit = byte_limit
        self.request_timeout = request_timeout
        self.max_retry_delay_seconds = max_retry_delay_seconds
        self.buffer_capacity = buffer_capacity
        self.event_store = event_store
        self.custom_retry_codes = dict(custom_retry_codes or {})
        self.thread_count = thread_count
        self.on_success = on_success
        self.on_failure = on_failure

        opts = _c.emitter_options_new()
        try:
            if endpoint is not None:
                _c.emitter_options_set_endpoint(opts, endpoint)
            if redis_url is not None:
                _c.emitter_options_set_redis(opts, redis_url, redis_key)
            if max_inflight is not None:
                _c.emitter_options_set_max_inflight(opts, max_inflight)
            _c.emitter_options_set_protocol(opts, protocol)
            if port is not None:
                _c.emitter_options_set_port(opts, port)
            _c.emitter_options_set_method(
                opts, _c.METHOD_GET if method == "get" else _c.METHOD_POST)
            _c.emitter_options_set_batch_size(opts, batch_size)
            if byte_limit is not None:
                _c.emitter_options_set_byte_limit(opts, byte_limit)
            self._set_timeouts(opts, request_timeout)
            max_delay_ms = _ms(max_retry_delay_seconds, "max_retry_delay_seconds")
            _c.emitter_options_set_retry(opts, min(100, max_delay_ms), max_delay_ms, 0)
            if buffer_capacity is not None:
                _c.emitter_options_set_buffer_capacity(opts, buffer_capacity, 0)
            for status, retry in self.custom_retry_codes.items():
                _core.check_int("custom_retry_codes key", status, True)
                if not isinstance(retry, bool):
                    raise TypeError("custom_retry_codes[%d] must be bool, not %s"
                                    % (status, _core.type_name(retry)))
                _c.emitter_options_set_custom_retry_code(opts, status, int(retry))
            if thread_count != 1:
                _c.emitter_options_set_thread_count(opts, thread_count)
            if store_path is not None:
                _c.emitter_options_set_store(opts, _core.check_str("store_path", store_path),
                                             100, 0, 0)
            _set_network(opts, **network)
            if on_success is not None or on_failure is not None:
                _c.emitter_options_set_result_queue(opts, RESULT_QUEUE_CAPACITY)
            self._configure(opts)
        except BaseException:
            _c.emitter_options_free(opts)
            raise
        self._life = _Lifetime(_c.emitter_new(opts))  # consumes opts
        self._closed = False
        if self._dispatch and (on_success is not None or on_failure is not None):
            # The dispatcher thread is one more use, released when it ends.
            ptr = self._life.acquire()
            self._dispatcher = Dispatcher(ptr, on_success, on_failure, self._life.release,
                                          self._event_transform)
        _shutdown.register(self)

    # Subclasses (the snowplow_tracker drop-in): callbacks on a dispatcher
    # thread, and options of their own set before the C emitter is made.
    _dispatch = True
    _event_transform = None

    def _configure(self, opts):
        pass

    as_collector_uri = staticmethod(as_collector_uri)

    @staticmethod
    def _set_timeouts(opts, request_timeout):
        if request_timeout is None:
            return
        if isinstance(request_timeout, tuple):
            if len(request_timeout) != 2:
                raise ValueError("request_timeout must be seconds or (connect, read)")
            connect = _ms(request_timeout[0], "request_timeout[0]")
            total = connect + _ms(request_timeout[1], "request_timeout[1]")
        else:
            connect = _ms(request_timeout, "request_timeout")
            total = 2 * connect  # requests' single value bounds connect and read each
        _c.emitter_options_set_connect_timeout_ms(opts, connect)
        _c.emitter_options_set_request_timeout_ms(opts, total)

    def _add_to_tracker_options(self, opts):
        ptr = self._life.acquire() if self._life is not None else None
        if ptr is None:
            raise RuntimeError("the emitter is closed")
        try:
            _c.tracker_options_add_emitter(opts, ptr)  # the tracker's own reference
        finally:
            self._life.release()

    # ---- payloads built elsewhere --------------------------------------------

    def input(self, payload):
        """Queue one event given as a payload dict (protocol field names, values
        str or numbers), as snowplow-tracker's Emitter.input() does: the dict of
        a custom tracker, or one taken from a Redis list. `eid` is kept when
        present, else generated; `stm` is set when sent. Returns the event id,
        or None when the queue was full (the event is reported to on_failure).
        ValueError for a payload the library refuses (no `e`, a value that is
        not a str or number, a bad eid), nothing queued."""
        if not isinstance(payload, dict):
            raise TypeError("payload must be a dict, not %s" % _core.type_name(payload))
        return self._enqueue_payload(json.dumps(payload, ensure_ascii=False))

    def _enqueue_payload(self, payload_json):
        ptr = self._life.acquire()
        try:
            return _c.emitter_input_json(ptr, payload_json)
        except RuntimeError as exc:
            if getattr(exc, "code", None) == _c.EFULL:
                return None
            raise
        finally:
            self._life.release()

    # ---- flushing -----------------------------------------------------------

    def flush(self):
        """Ask the sending threads to send everything queued now; returns at once."""
        try:
            ptr = self._life.acquire()
        except RuntimeError:
            return
        try:
            _c.emitter_flush_async(ptr)
        except RuntimeError as exc:
            if getattr(exc, "code", None) != _c.ECLOSED:
                raise
        finally:
            self._life.release()

    def sync_flush(self, timeout=None):
        """Wait until every event tracked before the call was delivered or failed
        for good and its callbacks ran, at most `timeout` seconds (None: no
        limit). True when all done; False on timeout, or when called from a
        callback (then it only starts an asynchronous flush)."""
        if on_dispatcher_thread():
            self.flush()
            return False
        deadline = _deadline(timeout)
        try:
            ptr = self._life.acquire()
        except RuntimeError:
            return True  # closed: nothing is waiting any more
        try:
            while True:
                status = _c.emitter_flush(ptr, _slice_ms(deadline))
                if status in (0, _c.ECLOSED):
                    break
                if status == _c.EDEADLK:
                    _c.emitter_flush_async(ptr)
                    return False
                if deadline is not None and time.monotonic() >= deadline:
                    return False
            dispatcher = self._dispatcher
            if dispatcher is None:
                return True
            return dispatcher.wait_handled(_c.emitter_counter(ptr, _c.COUNTER_RESULTS), deadline)
        finally:
            self._life.release()

    def set_flush_timer(self, timeout):
        """Also flush every `timeout` seconds (the library already sends within
        milliseconds; kept for snowplow-tracker compatibility)."""
        _core.check_number("timeout", timeout, True)
        self.cancel_flush_timer()
        stop = threading.Event()
        self._timer = stop
        ref = weakref.ref(self)

        def run():
            while not stop.wait(timeout):
                emitter = ref()
                if emitter is None:
                    return
                emitter.flush()
                del emitter

        threading.Thread(target=run, daemon=True, name="snowplow-flush-timer").start()

    def cancel_flush_timer(self):
        stop, self._timer = self._timer, None
        if stop is not None:
            stop.set()

    # ---- closing ------------------------------------------------------------

    def close(self, timeout=5.0):
        """Flush for at most `timeout` seconds, stop the sending threads, run the
        callbacks still due (events not sent are reported to on_failure) and
        release the C emitter. Later tracks raise RuntimeError. Idempotent.
        True when everything was delivered or reported in time."""
        timeout_ms = -1 if timeout is None else int(
            max(0.0, _core.check_number("timeout", timeout)) * 1000)
        with self._close_lock:
            if self._closed:
                return True
            self._closed = True
        _shutdown.unregister(self)
        self.cancel_flush_timer()
        deadline = _deadline(timeout)
        ptr = self._life.acquire()
        try:
            done = _c.emitter_close(ptr, timeout_ms) == 0
            if self._dispatcher is not None:
                # The callbacks for what close reported get a short grace period.
                grace = None if deadline is None else max(deadline, time.monotonic() + 1.0)
                done = self._dispatcher.stop(grace) and done
            self._life.free_when_unused()
        finally:
            self._life.release()
        return done

    def __del__(self):
        try:
            if not self._closed:
                self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- introspection ------------------------------------------------------

    def stats(self):
        """The emitter's counters: tracked, sent, failed, retried, dropped,
        queued, in_flight, results, results_dropped."""
        try:
            ptr = self._life.acquire()
        except RuntimeError:
            return dict.fromkeys(_COUNTERS, 0)
        try:
            return {name: _c.emitter_counter(ptr, code) for name, code in _COUNTERS.items()}
        finally:
            self._life.release()

    @property
    def closed(self):
        return self._closed

    @staticmethod
    def is_good_status_code(status_code):
        """As the library decides: every 2xx and 3xx is a success."""
        return 200 <= status_code < 400

    def __repr__(self):
        return "%s(%r, method=%r)" % (type(self).__name__, self.endpoint, self.method)


class AsyncEmitter(Emitter):
    """`AsyncEmitter(endpoint, protocol="http", port=None, method="post",
    batch_size=None, on_success=None, on_failure=None, thread_count=1, ...)`:
    the same emitter with snowplow-tracker's argument order and defaults;
    `thread_count` sending threads."""

    def __init__(self, endpoint, protocol="http", port=None, method="post", batch_size=None,
                 on_success=None, on_failure=None, thread_count=1, byte_limit=None,
                 request_timeout=None, max_retry_delay_seconds=60, buffer_capacity=None,
                 custom_retry_codes=None, event_store=None, session=None, *,
                 buffer_size=None, store_path=None, max_inflight=None, redis_url=None,
                 redis_key=None, **network):
        super().__init__(endpoint, protocol=protocol, port=port, method=method,
                         batch_size=batch_size, on_success=on_success, on_failure=on_failure,
                         byte_limit=byte_limit, request_timeout=request_timeout,
                         max_retry_delay_seconds=max_retry_delay_seconds,
                         buffer_capacity=buffer_capacity,
                         custom_retry_codes=custom_retry_codes, event_store=event_store,
                         session=session, buffer_size=buffer_size,
                         thread_count=thread_count, store_path=store_path,
                         max_inflight=max_inflight, redis_url=redis_url, redis_key=redis_key,
                         **network)
