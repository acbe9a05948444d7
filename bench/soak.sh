#!/usr/bin/env bash
# Soak under faults: track events at a steady rate through a collector stand-in
# that flaps and fails (bench/soak_collector.py), then check the accounting
# exactly and the process's RSS, threads and descriptors (bench/soak.c).
#
#   bench/soak.sh [--events N] [--rate EV_PER_S] [--json FILE] [SOAK OPTIONS...]
#
# Defaults: 2 000 000 events at 8 000/s (about 4 minutes); the stand-in is down
# 2 s every 10 s, answers 5 % of requests 500 and 1 % 429 (Retry-After: 1),
# and delays 2 % of its answers by up to 500 ms. SNOWPLOW_SOAK names the
# snowplow-soak binary (default: build/bench/snowplow-soak). Prints the result
# as JSON; exit status 0 when every check held.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
soak="${SNOWPLOW_SOAK:-$here/../build/bench/snowplow-soak}"
python=/usr/bin/python3
events=2000000
rate=8000
args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --events) events="$2"; shift 2 ;;
        --rate) rate="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done
if [[ ! -x "$soak" ]]; then
    echo "soak.sh: $soak not found (build the snowplow-soak target, or set SNOWPLOW_SOAK)" >&2
    exit 2
fi

tmp="$(mktemp -d /tmp/snowplow-soak.XXXXXX)"
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# The stand-in gets no sanitizer runtime a sanitized build may have preloaded.
env -u LD_PRELOAD "$python" "$here/soak_collector.py" --events "$events" \
    --port-file "$tmp/ports" 2>"$tmp/stand-in.log" &
pid=$!
for _ in $(seq 300); do
    [[ -s "$tmp/ports" ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/stand-in.log" >&2; exit 2; }
    sleep 0.1
done
read -r data_port control_port < "$tmp/ports"

"$soak" --endpoint "http://127.0.0.1:$data_port" --control "http://127.0.0.1:$control_port" \
    --events "$events" --rate "$rate" "${args[@]}"
