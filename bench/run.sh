#!/usr/bin/env bash
# Run the libsnowplow benchmarks against a local nginx sink and print the median
# of each case (docs/performance.md shows the results and how to read them).
#
#   bench/run.sh [BUILD_DIR]        BUILD_DIR defaults to build/ (relative to the
#                                   current directory), where cmake built
#                                   bench/snowplow-bench.
# Environment:
#   SNOWPLOW_BENCH_REPEATS  runs per case (default 3; the median is reported)
#   SNOWPLOW_BENCH_EVENTS   events per POST case (default 200000)
#   SNOWPLOW_BENCH_GET_EVENTS  events per GET case (default 30000)
#   SNOWPLOW_BENCH_BURST    events of the memory burst case (default 1000000; 0 skips it)
#                           Every case sizes the emitter's queue for all its events,
#                           so nothing is dropped and peak RSS includes the queue.
#   SNOWPLOW_BENCH_CASES    space-separated case names to run (default: all); cases
#                           ending in -curl run with SNOWPLOW_HTTP_ENGINE=curl
#   SNOWPLOW_BENCH_WARMUP   events tracked and delivered before each measured run
#                           (default 0: a cold process whose heap grows during the run)
#   SNOWPLOW_BENCH_OUT      file that receives every run's JSON line (default: a temp file)
#   NGINX                   nginx binary for the sink (bench/sink.sh; default /usr/sbin/nginx)
#   SNOWPLOW_BENCH_COLLECTOR  use this collector instead of starting a sink
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-build}"
bench="$build/bench/snowplow-bench"
if [[ ! -x "$bench" ]]; then
    echo "run.sh: $bench not found: build first (cmake -S . -B $build && cmake --build $build)" >&2
    exit 2
fi
python=/usr/bin/python3
repeats="${SNOWPLOW_BENCH_REPEATS:-3}"
post_events="${SNOWPLOW_BENCH_EVENTS:-200000}"
get_events="${SNOWPLOW_BENCH_GET_EVENTS:-30000}"
burst_events="${SNOWPLOW_BENCH_BURST:-1000000}"
warmup="${SNOWPLOW_BENCH_WARMUP:-0}"

# The sink: bench/sink.sh starts it and runs this script again inside it.
if [[ -z "${SNOWPLOW_BENCH_COLLECTOR:-}" ]]; then
    exec "$here/sink.sh" "$0" "$@"
fi
collector="$SNOWPLOW_BENCH_COLLECTOR"

tmp="$(mktemp -d /tmp/snowplow-bench.XXXXXX)"
out="${SNOWPLOW_BENCH_OUT:-$tmp/runs.jsonl}"
: > "$out"
stall_pid=""
cleanup() {
    if [[ -n "$stall_pid" ]]; then
        kill "$stall_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# A stalled collector: accepts connections (the kernel's backlog does) and never
# answers, so a burst stays queued and peak RSS shows what the queue costs.
"$python" -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4096)
print(s.getsockname()[1], flush=True)
time.sleep(3600)
' > "$tmp/stall.port" &
stall_pid=$!
for _ in $(seq 100); do [[ -s "$tmp/stall.port" ]] && break; sleep 0.1; done
stalled="http://127.0.0.1:$(cat "$tmp/stall.port")"

# name | arguments
cases=(
    "post-b10-t1-sd|--method post --batch 10 --threads 1 --event sd --events $post_events"
    "post-b10-t2-sd|--method post --batch 10 --threads 2 --event sd --events $post_events"
    "post-b100-t1-sd|--method post --batch 100 --threads 1 --event sd --events $post_events"
    "post-b100-t2-sd|--method post --batch 100 --threads 2 --event sd --events $post_events"
    "post-b100-t1-struct|--method post --batch 100 --threads 1 --event struct --events $post_events"
    "post-b100-t2-struct|--method post --batch 100 --threads 2 --event struct --events $post_events"
    "get-t1-sd|--method get --threads 1 --event sd --events $get_events"
    "get-t2-sd|--method get --threads 2 --event sd --events $get_events"
    "get-t1-struct|--method get --threads 1 --event struct --events $get_events"
    # Requests in flight per sending thread (default 8): 1 is the behaviour
    # before curl multi; GET gains most (one event per request).
    "get-t2-sd-i1|--method get --threads 2 --event sd --events $get_events --inflight 1"
    "get-t2-sd-i32|--method get --threads 2 --event sd --events $get_events --inflight 32"
    "get-t2-struct-i1|--method get --threads 2 --event struct --events $get_events --inflight 1"
    "get-t2-struct|--method get --threads 2 --event struct --events $get_events"
    # The same through libcurl (SNOWPLOW_HTTP_ENGINE=curl: cases ending in
    # -curl): GET to a plain http:// address otherwise goes through the lean
    # pipelining engine; run both in one run for the ratio on a loaded machine.
    "get-t2-sd-curl|--method get --threads 2 --event sd --events $get_events"
    "get-t2-sd-i32-curl|--method get --threads 2 --event sd --events $get_events --inflight 32"
    "get-t2-struct-curl|--method get --threads 2 --event struct --events $get_events"
    "post-b100-t2-sd-i1|--method post --batch 100 --threads 2 --event sd --events $post_events --inflight 1"
)
if [[ "$burst_events" != 0 ]]; then
    cases+=("burst-post-b100-t2-sd|--method post --batch 100 --threads 2 --event sd --events $burst_events")
    # Every event stays queued; they fail when the emitter closes (5 s bound).
    cases+=("stalled-burst-post-b100-t2-sd|--collector $stalled --method post --batch 100 --threads 2 --event sd --events $burst_events --flush-timeout 0")
    # The capacity of the official trackers (10 000 events): memory stays bounded.
    # With BLOCK, track() waits for room and every event is delivered...
    cases+=("burst-cap10k-block-post-b100-t2-sd|--method post --batch 100 --threads 2 --event sd --events $burst_events --queue-events 10000 --full-policy block")
    # ...and with the default DROP_NEWEST a stalled collector makes track()
    # refuse (and report) what does not fit, without growing.
    cases+=("stalled-burst-cap10k-post-b100-t2-sd|--collector $stalled --method post --batch 100 --threads 2 --event sd --events $burst_events --queue-events 10000 --flush-timeout 0")
fi
# The persistent store (skipped when the build has no SQLite).
store="$tmp/store.db"
cases+=("store-post-b100-t2-sd|--method post --batch 100 --threads 2 --event sd --events $post_events --store $store")

selected=" ${SNOWPLOW_BENCH_CASES:-} "
if [[ -n "${SNOWPLOW_BENCH_OUT:-}" ]]; then
    echo "collector $collector, $repeats run(s) per case, every run in $out" >&2
else
    echo "collector $collector, $repeats run(s) per case (SNOWPLOW_BENCH_OUT=FILE keeps every run)" >&2
fi
for entry in "${cases[@]}"; do
    name="${entry%%|*}"
    args="${entry#*|}"
    if [[ -n "${SNOWPLOW_BENCH_CASES:-}" && "$selected" != *" $name "* ]]; then
        continue
    fi
    for run in $(seq "$repeats"); do
        # The machine's load before the run: other work on the 2 cores shows here.
        load="$(cut -d' ' -f1 /proc/loadavg)"
        rm -f "$store" "$store-wal" "$store-shm" "$store-journal"
        status=0
        # shellcheck disable=SC2086 # args is a word list on purpose
        # A later --collector (the stalled case) overrides this one.
        # A stalled collector would never take the warm-up events.
        case_warmup="$warmup"
        [[ $name == stalled-* ]] && case_warmup=0
        engine=""
        [[ $name == *-curl ]] && engine=curl
        line="$(SNOWPLOW_HTTP_ENGINE="$engine" "$bench" --collector "$collector" --warmup "$case_warmup" $args)" || status=$?
        if [[ $status == 2 ]]; then
            echo "run.sh: $name skipped (see the message above)" >&2
            break
        elif [[ $status != 0 && $name != stalled-* ]]; then
            echo "run.sh: $name run $run failed (status $status)" >&2
        fi
        echo "$name run $run: $line" >&2
        [[ -n "$line" ]] && echo "{\"case\":\"$name\",\"loadavg_1m\":$load,${line#\{}" >> "$out"
    done
done

"$python" "$here/medians.py" "$out"
