#!/usr/bin/env bash
# snowplow-track --bulk from a file to the local nginx sink: events per second.
#
#   bench/track_bulk.sh [BUILD_DIR]      BUILD_DIR defaults to build/
# Environment:
#   SNOWPLOW_BENCH_REPEATS   runs per case (default 3; the median is reported)
#   SNOWPLOW_BENCH_EVENTS    lines per input file (default 1000000)
#   SNOWPLOW_TRACK_ARGS      extra snowplow-track arguments (e.g. "--threads 2")
# Cases: "sd", self-describing JSON lines ({"schema":...,"data":{"name":...,"count":N}},
# about 110 bytes), and "se", structured payload lines ({"e":"se","se_ca":...,"se_va":N},
# about 80 bytes). Each run is timed from start to exit (reading, sending, closing); the
# input files are written once to a temporary folder first and read from the page cache.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-build}"
track="$build/tools/track/snowplow-track"
if [[ ! -x "$track" ]]; then
    echo "track_bulk.sh: $track not found: build first" >&2
    exit 2
fi
if [[ -z "${SNOWPLOW_BENCH_COLLECTOR:-}" ]]; then
    exec "$here/sink.sh" "$0" "$@"
fi
python=/usr/bin/python3
events="${SNOWPLOW_BENCH_EVENTS:-1000000}"
repeats="${SNOWPLOW_BENCH_REPEATS:-3}"
tmp="$(mktemp -d /tmp/snowplow-track-bench.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

"$python" - "$tmp" "$events" <<'PY'
import json, sys
folder, n = sys.argv[1], int(sys.argv[2])
with open(folder + "/sd.ndjson", "w") as f:
    for i in range(n):
        f.write(json.dumps({"schema": "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0",
                            "data": {"name": "bench", "count": i}}, separators=(",", ":")) + "\n")
with open(folder + "/se.ndjson", "w") as f:
    for i in range(n):
        f.write(json.dumps({"e": "se", "se_ca": "bench", "se_ac": "track", "se_la": "l-%d" % i,
                            "se_va": i / 10}, separators=(",", ":")) + "\n")
PY

median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

# events/s is wall time, start to exit; CPU is the tool's user + system time (all its
# threads) per event, which the machine's other load changes much less.
echo "| case | events | events/s of each run | median events/s | median CPU ns/event | load before |"
echo "|---|---|---|---|---|---|"
for case in sd se; do
    rates=()
    cpus=()
    for _ in $(seq "$repeats"); do
        load="$(cut -d' ' -f1 /proc/loadavg)"
        start="$(date +%s.%N)"
        # shellcheck disable=SC2086
        /usr/bin/time -f "%U %S" -o "$tmp/time" \
            "$track" -c "$SNOWPLOW_BENCH_COLLECTOR" --bulk --no-progress ${SNOWPLOW_TRACK_ARGS:-} \
            "$tmp/$case.ndjson"
        end="$(date +%s.%N)"
        rates+=("$("$python" -c "print(round($events / ($end - $start)))")")
        cpus+=("$("$python" -c "u, s = open('$tmp/time').read().split(); print(round((float(u) + float(s)) * 1e9 / $events))")")
    done
    echo "| $case | $events | ${rates[*]} | $(median "${rates[@]}") | $(median "${cpus[@]}") | $load |"
done
