#!/usr/bin/env bash
# The main job, end to end: install what is missing, build libsnowplow, start the
# local collector, track real events from C with the demo program, and show what
# the collector received. Exits non-zero if an event was bad or did not arrive.
#
# Usage: bash scripts/demo.sh   (from any directory; as root, or a user with sudo)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=/usr/bin/python3   # Debian's, with python3-jsonschema (not a pyenv one on PATH)
build=$root/${SNOWPLOW_BUILD_DIR:-build}   # the same tree as scripts/test.sh's first build
demo=$build/tools/demo/snowplow-demo

echo "== 1/4 Debian packages"
bash scripts/setup-deps.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/snowplow-demo.XXXXXX")
collector_pid=
cleanup() {
    if [[ -n $collector_pid ]] && kill -0 "$collector_pid" 2>/dev/null; then
        kill "$collector_pid" 2>/dev/null || true
        wait "$collector_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== 2/4 build ($build)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSNOWPLOW_SANITIZE= \
    -DSNOWPLOW_BUILD_TOOLS=ON -DSNOWPLOW_PYTHON="$python" >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; exit 1; }
cmake --build "$build" -j2 --target snowplow-demo
# The bindings, where their toolchains are present (setup-deps installs them).
binding_targets=()
# Read the whole list first: `grep -q` in a pipe can end cmake with SIGPIPE,
# which pipefail turns into "no such target".
targets="$(cmake --build "$build" --target help 2>/dev/null || true)"
for target in snowplow_python snowplow_ruby snowplow_lua54; do
    if grep -q "\b$target\b" <<<"$targets"; then
        binding_targets+=(--target "$target")
    fi
done
if ((${#binding_targets[@]})); then
    cmake --build "$build" -j2 "${binding_targets[@]}"
fi

echo "== 3/4 local collector"
"$python" tools/collector/snowplow_collector.py --port 0 --port-file "$work/port" \
    >"$work/collector.log" 2>&1 &
collector_pid=$!
for _ in $(seq 100); do
    [[ -s $work/port ]] && break
    kill -0 "$collector_pid" 2>/dev/null || { cat "$work/collector.log"; echo "the collector did not start" >&2; exit 1; }
    sleep 0.1
done
[[ -s $work/port ]] || { cat "$work/collector.log"; echo "the collector did not report its port" >&2; exit 1; }
url=http://127.0.0.1:$(<"$work/port")
echo "collector listening at $url (pid $collector_pid)"

echo "== 4/4 track events from C: $demo --collector $url"
demo_rc=0
"$demo" --collector "$url" 2>&1 | tee "$work/demo.out" || demo_rc=$?

# Each language's example: its lines carrying event ids join the list of
# events that must arrive ("tracked [lang] ...").
run_example() {
    local lang=$1
    shift
    echo
    echo "== track events from $lang"
    local rc=0
    "$@" >"$work/$lang.out" 2>&1 || rc=$?
    cat "$work/$lang.out"
    sed -E "s/^/tracked [$lang] /" "$work/$lang.out" >>"$work/demo.out"
    if ((rc != 0)); then
        echo "the $lang example exited with status $rc" >&2
        demo_rc=1
    fi
}
if [[ -d $build/bindings/python/package ]]; then
    run_example python env PYTHONPATH="$build/bindings/python/package" \
        "$python" examples/python/track_events.py "$url"
fi
if [[ -f $build/bindings/ruby/snowplow_native.so ]]; then
    run_example ruby env RUBYLIB="$build/bindings/ruby:$root/bindings/ruby/lib" \
        ruby examples/ruby/track_events.rb "$url"
fi
if [[ -f $build/bindings/lua/5.4/snowplow/core.so ]]; then
    run_example lua env LUA_CPATH="$build/bindings/lua/5.4/?.so;;" \
        LUA_PATH="$root/bindings/lua/src/?.lua;;" lua5.4 examples/lua/track_events.lua "$url"
fi

echo
echo "== what the collector received"
show_rc=0
"$python" scripts/show-events.py "$url" --demo-output "$work/demo.out" || show_rc=$?
if ((demo_rc != 0)); then
    echo "the demo program exited with status $demo_rc" >&2
    exit 1
fi
exit "$show_rc"
