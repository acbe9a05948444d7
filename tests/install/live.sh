# shellcheck shell=bash
# Helpers for the package tests that use what they installed for real (sourced;
# brings common.sh along): the README's samples, and a local collector to send to.
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# readme_block FILE LANG N: the Nth (1-based) ```LANG block of the Markdown FILE.
readme_block() {
    awk -v lang="$2" -v want="$3" '
        $0 == "```" lang { n++; inside = (n == want); next }
        /^```/ { inside = 0; next }
        inside { print }' "$1"
}

# start_collector COMMAND... : start a local collector on a free port of
# 127.0.0.1 (COMMAND is the collector, e.g. snowplow-collector or python3 PATH);
# sets COLLECTOR_PID and COLLECTOR_PORT. stop_collector ends it.
start_collector() {
    local portfile=$tmp/collector.port i
    rm -f "$portfile"
    # A shell function (with_clean_env) runs in a background subshell: without
    # CLEAN_ENV_EXEC, $! would be that subshell and stop_collector would orphan the
    # collector.
    CLEAN_ENV_EXEC=1 "$@" --port 0 --port-file "$portfile" --quiet >"$tmp/collector.log" 2>&1 &
    COLLECTOR_PID=$!
    for ((i = 0; i < 300; i++)); do
        [[ -s $portfile ]] && break
        kill -0 "$COLLECTOR_PID" 2>/dev/null || { cat "$tmp/collector.log" >&2; fail "the collector did not start: $*"; }
        sleep 0.1
    done
    [[ -s $portfile ]] || fail "the collector wrote no port file in 30 s"
    COLLECTOR_PORT=$(cat "$portfile")
}
stop_collector() {
    if [[ -n ${COLLECTOR_PID:-} ]]; then
        kill "$COLLECTOR_PID" 2>/dev/null || true
        wait "$COLLECTOR_PID" 2>/dev/null || true
        COLLECTOR_PID=
    fi
}

# collector_get PATH: GET from the collector (Debian's python3: no curl needed).
collector_get() {
    /usr/bin/python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())' \
        "http://127.0.0.1:$COLLECTOR_PORT$1"
}

# expect_events WHAT GOOD: the collector holds exactly GOOD good events and no
# bad one (then it is reset for the next check).
expect_events() {
    local counts
    counts=$(collector_get /micro/all)
    [[ $counts == *"\"good\": $2"* && $counts == *'"bad": 0'* ]] ||
        { collector_get /micro/bad >&2; fail "$1: the collector holds $counts, expected $2 good and 0 bad"; }
    echo "    ok: $1: $2 good events arrived"
    collector_get /micro/reset >/dev/null
}

# with_clean_env COMMAND...: run without any *PATH variable but PATH itself
# (the system's), as a user's shell would after installing the packages.
# With CLEAN_ENV_EXEC set (start_collector sets it), the shell running this function
# is replaced by the command, so that the background job's $! is the command itself.
with_clean_env() {
    ${CLEAN_ENV_EXEC:+exec} env -i HOME="$tmp/home" LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# readme_samples_against_collector README: the README's C program and its
# Python, Ruby and Lua samples, pointed at the running collector. Writes
# $tmp/quickstart.c and $tmp/sample.{py,rb,lua}.
readme_samples_against_collector() {
    local readme=$1 lang ext
    readme_block "$readme" c 1 | sed "s/127\.0\.0\.1:9090/127.0.0.1:$COLLECTOR_PORT/g" >"$tmp/quickstart.c"
    grep -q "127.0.0.1:$COLLECTOR_PORT" "$tmp/quickstart.c" || fail "the README's C program names no collector to point elsewhere"
    for lang in python ruby lua; do
        case $lang in python) ext=py ;; ruby) ext=rb ;; lua) ext=lua ;; esac
        readme_block "$readme" "$lang" 1 | sed "s/127\.0\.0\.1:9090/127.0.0.1:$COLLECTOR_PORT/g" >"$tmp/sample.$ext"
        grep -q "127.0.0.1:$COLLECTOR_PORT" "$tmp/sample.$ext" || fail "the README's $lang sample names no collector"
    done
}
