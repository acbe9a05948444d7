#!/usr/bin/env bash
# Benchmarks of the Python, Ruby and Lua bindings against the local nginx sink:
# each runs SNOWPLOW_BENCH_REPEATS times (default 3) and the medians are printed
# as a Markdown table (docs/performance.md, "Bindings").
#
#   bench/languages.sh [BUILD_DIR]     BUILD_DIR defaults to build/, configured with
#                                      the bindings (the default) and built.
# Environment: SNOWPLOW_BENCH_REPEATS, SNOWPLOW_BENCH_LANGUAGES (default
# "python ruby lua5.4 lua5.1"), SNOWPLOW_BENCH_COLLECTOR (use it instead of a sink),
# SNOWPLOW_BENCH_PYTHON_ARGS (more arguments of python_bench.py, e.g. "--on-success count").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="$(cd "${1:-build}" && pwd)"
if [[ -z "${SNOWPLOW_BENCH_COLLECTOR:-}" ]]; then
    exec "$here/sink.sh" "$0" "$build"
fi
repeats="${SNOWPLOW_BENCH_REPEATS:-3}"
languages="${SNOWPLOW_BENCH_LANGUAGES:-python ruby lua5.4 lua5.1}"
out="$(mktemp /tmp/snowplow-lang.XXXXXX)"
trap 'rm -f "$out"' EXIT

run_one() { # language -> one JSON line on stdout (the bench's last line)
    case "$1" in
    python)
        PYTHONPATH="$build/bindings/python/package" /usr/bin/python3 "$here/python_bench.py" \
            ${SNOWPLOW_BENCH_PYTHON_ARGS:-} ;;
    ruby)
        RUBYLIB="$build/bindings/ruby:$root/bindings/ruby/lib" ruby "$here/ruby_bench.rb" ;;
    lua5.4 | lua5.1)
        LUA_CPATH="$build/bindings/lua/${1#lua}/?.so;;" LUA_PATH="$root/bindings/lua/src/?.lua;;" \
            "$1" "$here/lua_bench.lua" ;;
    *)
        echo "languages.sh: unknown language $1" >&2
        return 2 ;;
    esac
}

for lang in $languages; do
    if ! command -v "${lang/python//usr/bin/python3}" >/dev/null; then
        echo "languages.sh: $lang not installed, skipped" >&2
        continue
    fi
    for run in $(seq "$repeats"); do
        load="$(cut -d' ' -f1 /proc/loadavg)"
        line="$(run_one "$lang" 2>/dev/null | tail -n 1)" || true
        echo "$lang run $run (load $load): $line" >&2
        [[ "$line" == \{* ]] && echo "{\"language\":\"$lang\",\"loadavg_1m\":$load,${line#\{}" >> "$out"
    done
done

/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    runs.setdefault(d["language"], []).append(d)
print("| binding | runs | track median µs | track p99 µs | end to end events/s | load |")
print("|---|---:|---:|---:|---:|---:|")
for lang, rs in runs.items():
    med = lambda f: statistics.median(f(r) for r in rs)
    print("| %s | %d | %.2f | %.1f | %s | %.1f |" % (
        lang, len(rs), med(lambda r: r["caller"]["median_us"]), med(lambda r: r["caller"]["p99_us"]),
        format(int(med(lambda r: r["end_to_end"]["events_per_s"])), ",").replace(",", " "),
        med(lambda r: r["loadavg_1m"])))
PY
