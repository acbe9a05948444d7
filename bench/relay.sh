#!/usr/bin/env bash
# Relay benchmark: Redis list -> snowplow-relay -> nginx sink (bench/sink.sh).
#
#   bench/relay.sh [BUILD_DIR]
#
# Fills a Redis list (a redis-server of its own on a free port, no persistence) with
# self-describing events with one context (bench/relay_fill.py), then drains it with
# 1 and then 2 relays (--once) and prints events/s per run and the median.
# Environment:
#   SNOWPLOW_BENCH_EVENTS   events per run (default 300000)
#   SNOWPLOW_BENCH_REPEATS  runs per case (default 3)
#   SNOWPLOW_RELAY_ARGS     extra relay options (default: --batch 200 --byte-limit 1000000
#                           --window 20000 --take 1000)
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

for n in 1 2; do
    rates=()
    for _ in $(seq "$repeats"); do rates+=("$(run "$n")"); done
    median=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(( (repeats + 1) / 2 ))p")
    echo "relays=$n events=$events runs=${rates[*]} median=$median events/s"
done
