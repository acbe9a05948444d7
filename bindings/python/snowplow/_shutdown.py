"""Interpreter exit: flush and close every emitter still open.

Registered with atexit, which runs after the main thread finished and before
daemon threads (the dispatchers) are stopped, so callbacks still run. The
flushes share one bound, SHUTDOWN_TIMEOUT seconds in all: a collector that is
down cannot hold the process up longer than that. Events still unsent are
reported to on_failure (and counted as failed) by the close.
"""

import atexit
import threading
import time
import weakref

SHUTDOWN_TIMEOUT = 5.0

_emitters = weakref.WeakSet()
_lock = threading.Lock()


def register(emitter):
    with _lock:
        _emitters.add(emitter)


def unregister(emitter):
    with _lock:
        _emitters.discard(emitter)


def close_all(timeout=SHUTDOWN_TIMEOUT):
    deadline = time.monotonic() + timeout
    with _lock:
        emitters = list(_emitters)
    for emitter in emitters:
        try:
            emitter.close(max(0.0, deadline - time.monotonic()))
        except Exception:
            pass


atexit.register(close_all)
