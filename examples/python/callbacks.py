#!/usr/bin/env python3
"""Delivery callbacks: on_success gets the delivered events, on_failure the
number delivered before and the failed events, each event a dict of payload
fields. They run on the emitter's dispatcher thread, never on the thread that
tracks. A blocking flush inside a callback turns into an asynchronous one.

    PYTHONPATH=build/bindings/python/package python3 examples/python/callbacks.py http://127.0.0.1:9090
"""

import sys
import threading

from snowplow import AsyncEmitter, PageView, Tracker


def on_success(events):
    print("[%s] delivered %d: %s" % (threading.current_thread().name, len(events),
                                     ", ".join(e["url"] for e in events)))


def on_failure(success_count, events):
    # A failure that will be retried is reported at each attempt: the same event
    # id may appear more than once here, and later in on_success.
    print("failed %d events (%d delivered before): %s"
          % (len(events), success_count, sorted({e["eid"] for e in events})))


def main(collector):
    emitter = AsyncEmitter(collector, batch_size=3, thread_count=2,
                           on_success=on_success, on_failure=on_failure,
                           custom_retry_codes={500: False})  # do not retry 500s
    tracker = Tracker("callbacks", emitter)
    for i in range(7):
        tracker.track(PageView("https://example.com/%d" % i))
    tracker.flush()  # every callback for these events has run when this returns
    emitter.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:9090")
