#!/usr/bin/env bash
# Relay benchmark: Redis list -> snowplow-relay -> nginx sink (bench/sink.sh).
#
#   bench/relay.sh [BUILD_DIR]
#
# A redis-server of its own on a free port (no persistence), self-describing events
# with one context. Three measurements, events/s per run and the median:
#   drain: the list is filled first (bench/relay_fill.py), then 1 or 2 relays
#          (--once) empty it into the sink;
#   push:  snowplow-bench --redis pushes into the list, nothing drains it
#          (the application's side alone);
#   e2e:   snowplow-bench --redis pushes while 1 or 2 relays drain, from the
#          first event tracked until the last one reached the sink
#          (bench/relay_drained.py watches for that), and the CPU each part
#          spent per event (medians): the application (its own process),
#          redis-server (INFO cpu) and the relays (/proc).
# push and e2e need a snowplow-bench with --redis (the Redis transport).
# Environment:
#   SNOWPLOW_BENCH_EVENTS   events per run (default 300000)
#   SNOWPLOW_BENCH_REPEATS  runs per case (default 3)
#   SNOWPLOW_RELAY_ARGS     extra relay options (default: --batch 200 --byte-limit 1000000
#                           --window 20000 --take 1000)
#   SNOWPLOW_PUSH_ARGS      extra snowplow-bench options for the pushing application
#                           (default: --batch 100, events per RPUSH)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:-build}" && pwd)"
relay="$build/tools/relay/snowplow-relay"
[[ -x "$relay" ]] || { echo "relay.sh: $relay not found: build first" >&2; exit 2; }
if [[ -z "${SNOWPLOW_BENCH_COLLECTOR:-}" ]]; then
    exec "$here/sink.sh" "$0" "$build"
fi
python=/usr/bin/python3
events="${SNOWPLOW_BENCH_EVENTS:-300000}"
repeats="${SNOWPLOW_BENCH_REPEATS:-3}"
read -r -a relay_args <<<"${SNOWPLOW_RELAY_ARGS:---batch 200 --byte-limit 1000000 --window 20000 --take 1000}"

tmp="$(mktemp -d /tmp/snowplow-relay-bench.XXXXXX)"
port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
redis-server --port "$port" --bind 127.0.0.1 --dir "$tmp" --save "" --appendonly no \
    --logfile "$tmp/redis.log" --daemonize yes --pidfile "$tmp/redis.pid"
cleanup() {
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

now() { date +%s.%N; }

# One run with N relays: fill, then time the drain.
run() {
    local n=$1 pids=() start end
    "$python" "$here/relay_fill.py" "$port" bench "$events"
    start=$(now)
    for k in $(seq "$n"); do
        "$relay" --redis "redis://127.0.0.1:$port" --key bench --collector "$SNOWPLOW_BENCH_COLLECTOR" \
            --id "bench$k" --once --stats-interval 0 "${relay_args[@]}" 2>"$tmp/relay$k.log" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    end=$(now)
    local left
    left=$(redis-cli -p "$port" llen bench)
    [[ "$left" == 0 ]] || { echo "relay.sh: $left events left in the list" >&2; exit 1; }
    "$python" -c "print(f'{$events / ($end - $start):.0f}')"
}

bench="$build/bench/snowplow-bench"
read -r -a push_args <<<"--events $events --event sd ${SNOWPLOW_PUSH_ARGS:---batch 100}"

# The application alone: snowplow-bench pushing into Redis.
push() {
    redis-cli -p "$port" del bench >/dev/null
    "$bench" --redis "redis://127.0.0.1:$port" --redis-key bench "${push_args[@]}" \
        | "$python" -c 'import json, sys; print(round(json.loads(sys.stdin.read())["events_per_s"]))'
    redis-cli -p "$port" del bench >/dev/null
}

# Application -> Redis -> N relays -> sink, all at once: until every event is
# delivered (the list empty and the relays' claimed lists gone after the push ended).
# CPU seconds Redis has used so far (INFO cpu).
redis_cpu() {
    redis-cli -p "$port" info cpu | tr -d '\r' |
        awk -F: '/^used_cpu_(sys|user):/ {t += $2} END {print t}'
}

# CPU seconds a process has used so far (utime + stime).
process_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}

e2e() {
    local n=$1 pids=() start end redis0 relays=0
    redis-cli -p "$port" del bench >/dev/null
    redis0=$(redis_cpu)
    start=$(now)
    for k in $(seq "$n"); do
        "$relay" --redis "redis://127.0.0.1:$port" --key bench --collector "$SNOWPLOW_BENCH_COLLECTOR" \
            --id "bench$k" --stats-interval 0 "${relay_args[@]}" 2>"$tmp/relay$k.log" &
        pids+=($!)
    done
    /usr/bin/time -f "%U %S" -o "$tmp/app.cpu" \
        "$bench" --redis "redis://127.0.0.1:$port" --redis-key bench "${push_args[@]}" >/dev/null
    "$python" "$here/relay_drained.py" "$port" bench "$n"
    end=$(now)
    for p in "${pids[@]}"; do relays=$("$python" -c "print($relays + $(process_cpu "$p"))"); done
    kill -TERM "${pids[@]}"
    for p in "${pids[@]}"; do wait "$p"; done
    # CPU per event of each part, one line per run (printed as medians at the end).
    "$python" -c "
app = sum(map(float, open('$tmp/app.cpu').read().split()))
print(f'{app * 1e6 / $events:.2f} {($(redis_cpu) - $redis0) * 1e6 / $events:.2f} {$relays * 1e6 / $events:.2f}')" \
        >>"$tmp/cpu$n"
    "$python" -c "print(f'{$events / ($end - $start):.0f}')"
}

# Medians of the CPU per event of the e2e runs with N relays.
cpu_report() {
    "$python" -c "
import statistics, sys
rows = [list(map(float, l.split())) for l in open('$tmp/cpu$1')]
app, redis, relays = (statistics.median(c) for c in zip(*rows))
print(f'e2e relays=$1 CPU per event (median): application {app:.2f} us, redis-server {redis:.2f} us, relays {relays:.2f} us')"
}

median_of() {
    printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"
}

report() {
    local label=$1; shift
    local rates=()
    for _ in $(seq "$repeats"); do rates+=("$("$@")"); done
    echo "$label events=$events runs=${rates[*]} median=$(median_of "${rates[@]}") events/s"
}

for n in 1 2; do report "drain relays=$n" run "$n"; done
if [[ -x "$bench" ]] && "$bench" --help 2>&1 | grep -q -- --redis; then
    report "push (snowplow-bench --redis)" push
    for n in 1 2; do report "e2e relays=$n" e2e "$n"; cpu_report "$n"; done
else
    echo "push/e2e: skipped ($bench has no --redis: the Redis transport is not in this build)"
fi
