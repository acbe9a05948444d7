#!/usr/bin/env python3
"""Benchmark of the Python binding (`import snowplow`).

The event: a self-describing event with one context entity, built from dicts
and tracked through tracker.track(), the way an application does it:

    tracker.track(SelfDescribing(SelfDescribingJson(SCHEMA, data),
                                 context=[SelfDescribingJson(ENTITY, entity)]))

1. Caller cost: time.perf_counter_ns() around each call, --calls calls (default
   100000); median and p99 in microseconds. The sending threads run meanwhile
   (they deliver to the collector), as in an application.
2. End to end: --events events (default 100000) tracked as fast as possible,
   then a blocking flush; events per second from the first track until every
   event was acknowledged by the collector (counted by the emitter).

    python3 bench/python_bench.py --collector http://127.0.0.1:8080
    PYTHONPATH=build/bindings/python/package python3 bench/python_bench.py --collector URL

--on-success count|read adds an on_success callback (it counts each batch's
events, or reads every event's dict): the tail of track() with callbacks on.

bench/run.sh starts a loopback sink and passes its URL. Prints a human summary
and, last, one JSON line with every number.
"""

import argparse
import json
import os
import statistics
import sys
import time

import snowplow
from snowplow import AsyncEmitter, SelfDescribing, SelfDescribingJson, Tracker

SCHEMA = "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"
ENTITY = "iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0"


def make_event(i):
    data = {"name": "checkout", "count": i, "price": 19.99, "flag": True, "note": None,
            "text": "bench ć"}
    entity = {"id": "session-42", "n": i, "tags": ["a", "b"]}
    return SelfDescribing(SelfDescribingJson(SCHEMA, data),
                          context=[SelfDescribingJson(ENTITY, entity)])


def make_tracker(args):
    callbacks = {}
    if args.on_success != "none":
        delivered = []
        read_all = args.on_success == "read"

        def on_success(events):
            # "count": what a typical callback needs; "read": every event's dict
            if read_all:
                for event in events:
                    event["eid"]
            delivered.append(len(events))
        callbacks["on_success"] = on_success
    emitter = AsyncEmitter(args.collector, batch_size=args.batch_size,
                           thread_count=args.threads, buffer_capacity=args.capacity, **callbacks)
    return emitter, Tracker("bench", emitter, app_id="python-bench")


def percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def caller_cost(args):
    emitter, tracker = make_tracker(args)
    track, clock = tracker.track, time.perf_counter_ns
    for i in range(min(2000, args.calls)):  # warm up allocators and caches
        track(make_event(i))
    tracker.flush()
    samples = []
    refused = 0
    for i in range(args.calls):
        start = clock()
        eid = track(SelfDescribing(SelfDescribingJson(SCHEMA, {
            "name": "checkout", "count": i, "price": 19.99, "flag": True, "note": None,
            "text": "bench ć"}), context=[SelfDescribingJson(ENTITY, {
                "id": "session-42", "n": i, "tags": ["a", "b"]})]))
        samples.append(clock() - start)
        if eid is None:
            refused += 1
    tracker.flush()
    stats = emitter.stats()
    emitter.close()
    samples.sort()
    return {"calls": args.calls, "median_us": statistics.median(samples) / 1000.0,
            "p99_us": percentile(samples, 0.99) / 1000.0,
            "mean_us": sum(samples) / len(samples) / 1000.0, "refused_full": refused,
            "sent": stats["sent"], "failed": stats["failed"]}


def end_to_end(args):
    emitter, tracker = make_tracker(args)
    events = [make_event(i) for i in range(1000)]  # the dicts are built up front
    track = tracker.track
    before = emitter.stats()["sent"]
    start = time.perf_counter()
    refused = 0
    for i in range(args.events):
        if track(events[i % 1000]) is None:
            refused += 1
    tracked = time.perf_counter()
    tracker.flush()
    done = time.perf_counter()
    stats = emitter.stats()
    emitter.close()
    sent = stats["sent"] - before
    return {"events": args.events, "sent": sent, "failed": stats["failed"],
            "refused_full": refused, "track_seconds": tracked - start,
            "total_seconds": done - start,
            "track_events_per_s": args.events / (tracked - start),
            "events_per_s": sent / (done - start)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collector", default=os.environ.get("SNOWPLOW_BENCH_COLLECTOR"),
                        help="collector (sink) URL; default $SNOWPLOW_BENCH_COLLECTOR,"
                             " which bench/sink.sh sets")
    parser.add_argument("--calls", type=int, default=100000)
    parser.add_argument("--events", type=int, default=100000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2, help="sending threads")
    parser.add_argument("--capacity", type=int, default=200000,
                        help="emitter queue capacity (events)")
    parser.add_argument("--on-success", choices=("none", "count", "read"), default="none",
                        help="an on_success callback that counts the events of each batch "
                             "(count) or reads every event's dict (read); default none")
    args = parser.parse_args()
    if not args.collector:
        parser.error("--collector URL is required (or run under bench/sink.sh)")

    cost = caller_cost(args)
    e2e = end_to_end(args)
    print("snowplow %s, Python %s" % (snowplow.__version__, sys.version.split()[0]))
    print("caller: track(self-describing + 1 context from dicts): median %.2f us, p99 %.2f us"
          " over %d calls (%d refused: queue full)"
          % (cost["median_us"], cost["p99_us"], cost["calls"], cost["refused_full"]))
    print("end to end: %d events in %.2f s = %.0f events/s (tracking alone %.0f events/s;"
          " sent %d, failed %d, refused %d)"
          % (e2e["events"], e2e["total_seconds"], e2e["events_per_s"],
             e2e["track_events_per_s"], e2e["sent"], e2e["failed"], e2e["refused_full"]))
    print(json.dumps({"binding": "python", "version": snowplow.__version__,
                      "batch_size": args.batch_size, "threads": args.threads,
                      "on_success": args.on_success,
                      "caller": cost, "end_to_end": e2e}))


if __name__ == "__main__":
    main()
