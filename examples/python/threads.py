#!/usr/bin/env python3
"""Several threads sharing one tracker. Tracking releases the GIL while the C
library stamps and queues the event, and never waits for the network.

    PYTHONPATH=build/bindings/python/package python3 examples/python/threads.py http://127.0.0.1:9090
"""

import sys
import threading

from snowplow import AsyncEmitter, StructuredEvent, Tracker


def main(collector, workers=4, per_worker=1000):
    emitter = AsyncEmitter(collector, batch_size=50, thread_count=2)
    tracker = Tracker("threads", emitter)

    def work(n):
        for i in range(per_worker):
            tracker.track(StructuredEvent("worker-%d" % n, "tick", value=i))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tracker.flush()
    print(emitter.stats())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:9090")
