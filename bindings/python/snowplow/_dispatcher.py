"""The callback dispatcher: one daemon thread per emitter with callbacks.

The C sending threads never call Python. They put every result (a delivered
batch, or failed events) into the emitter's result queue; this thread waits for
them in C with the GIL released (snowplow_emitter_next_result) and calls the
Python callables, in order, one at a time. An exception raised by a callback
goes to sys.unraisablehook and the dispatcher carries on.

It counts the results it has handled, so that a blocking flush can wait until
the callbacks for everything it flushed have run.
"""

import threading
import time

from ._core import _c
from ._events import EventList

# Set on dispatcher threads: a blocking flush called there (from a callback)
# must not wait for a dispatcher, which may be this very thread.
_thread_state = threading.local()

_POLL_MS = 1000  # how long one wait in C lasts; stop() wakes it early anyway
_GATHER_S = 0.005  # pause after handling results, so that the next ones come together


def on_dispatcher_thread():
    return getattr(_thread_state, "dispatcher", None) is not None


class Dispatcher:
    _count = 0
    _count_lock = threading.Lock()

    def __init__(self, emitter_ptr, on_success, on_failure, on_exit, transform=None):
        """`on_exit` is called on the thread when it ends (the emitter then
        releases its C handle if it was closed meanwhile). `transform` is
        applied to each event dict when a callback reads it."""
        self._ptr = emitter_ptr
        self._transform = transform
        self._on_exit = on_exit
        self._on_success = on_success
        self._on_failure = on_failure
        self._cond = threading.Condition()
        self._handled = 0
        self._stopping = False
        self._finished = False
        with Dispatcher._count_lock:
            Dispatcher._count += 1
            number = Dispatcher._count
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name="snowplow-dispatcher-%d" % number)
        self.thread.start()

    # ---- the thread ---------------------------------------------------------

    def _run(self):
        _thread_state.dispatcher = self
        ptr = self._ptr
        next_result = _c.emitter_next_result
        try_next = _c.emitter_try_next_result
        try:
            while True:
                status, result = next_result(ptr, _POLL_MS)  # waits with the GIL released
                handled_some = status == 0
                # Then every result already waiting, with the GIL held: the
                # thread that tracks is paused once for all of them.
                while status == 0:
                    try:
                        self._deliver(result)
                    finally:
                        with self._cond:
                            self._handled += 1
                            self._cond.notify_all()
                    status, result = try_next(ptr)
                if status == _c.ECLOSED:
                    break
                elif self._stopping:  # ETIMEOUT or EWOKEN with nothing queued
                    break
                elif handled_some:
                    # Let results gather: one wake-up per few milliseconds
                    # instead of one per delivered batch keeps this thread from
                    # preempting the threads that track.
                    time.sleep(_GATHER_S)
        finally:
            with self._cond:
                self._finished = True
                self._cond.notify_all()
            self._on_exit()

    def _deliver(self, result):
        """Run the callback for `result`, which this call takes over."""
        kind = _c.result_get_kind(result)
        callback = self._on_success if kind == _c.RESULT_SENT else self._on_failure
        if callback is None:
            _c.result_free(result)
            return
        events = EventList(result, self._transform)  # owns the result; dicts only when read
        try:
            if kind == _c.RESULT_SENT:
                callback(events)
            else:
                callback(_c.result_success_count(result), events)
        except BaseException as exc:  # noqa: B902 - a callback must not end the thread
            _c.write_unraisable(exc, callback)
        finally:
            del events

    # ---- the emitter's side -------------------------------------------------

    @property
    def handled(self):
        return self._handled

    def wait_handled(self, target, deadline):
        """Wait until `target` results have been handled (or the thread ended,
        or the monotonic `deadline` passed; None = no limit). True when reached."""
        with self._cond:
            while self._handled < target and not self._finished:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining if remaining is None else min(remaining, 1.0))
            return self._handled >= target

    def stop(self, deadline):
        """Handle what is queued, then end the thread; join it until `deadline`.
        True when it ended."""
        self._stopping = True
        _c.emitter_wake_results(self._ptr)
        if self.thread is threading.current_thread():
            return False
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        self.thread.join(remaining)
        return not self.thread.is_alive()
