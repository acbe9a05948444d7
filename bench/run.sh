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
#   SNOWPLOW_BENCH_CASES    space-separated case names to run (default: all)
#   SNOWPLOW_BENCH_OUT      file that receives every run's JSON line (default: a temp file)
#   NGINX                   nginx binary (default /usr/sbin/nginx)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-build}"
bench="$build/bench/snowplow-bench"
if [[ ! -x "$bench" ]]; then
    echo "run.sh: $bench not found: build first (cmake -S . -B $build && cmake --build $build)" >&2
    exit 2
fi
nginx="${NGINX:-/usr/sbin/nginx}"
if [[ ! -x "$nginx" ]]; then
    echo "run.sh: nginx not found at $nginx (apt-get install nginx, or set NGINX)" >&2
    exit 2
fi
python=/usr/bin/python3
repeats="${SNOWPLOW_BENCH_REPEATS:-3}"
post_events="${SNOWPLOW_BENCH_EVENTS:-200000}"
get_events="${SNOWPLOW_BENCH_GET_EVENTS:-30000}"
burst_events="${SNOWPLOW_BENCH_BURST:-1000000}"

tmp="$(mktemp -d /tmp/snowplow-bench.XXXXXX)"
out="${SNOWPLOW_BENCH_OUT:-$tmp/runs.jsonl}"
: > "$out"
nginx_pid=""
stall_pid=""
cleanup() {
    if [[ -n "$stall_pid" ]]; then
        kill "$stall_pid" 2>/dev/null || true
    fi
    if [[ -n "$nginx_pid" ]] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill -QUIT "$nginx_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$nginx_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# A free loopback port (the kernel picks it; nginx binds it right after).
port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

mkdir -p "$tmp/client_body" "$tmp/proxy" "$tmp/fastcgi" "$tmp/uwsgi" "$tmp/scgi"
cat > "$tmp/nginx.conf" <<CONF
# A sink for the benchmark: answers 200 to the collector paths, keeps
# connections open, logs nothing per request.
user root;
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/client_body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    client_body_buffer_size 16m;
    client_max_body_size 64m;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    server {
        listen 127.0.0.1:$port;
        location = /com.snowplowanalytics.snowplow/tp2 { return 200; }
        location = /i { return 200; }
        location / { return 404; }
    }
}
CONF

"$nginx" -p "$tmp" -c "$tmp/nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do
    if "$python" -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
        echo "run.sh: nginx did not start:" >&2
        cat "$tmp/error.log" >&2 || true
        exit 1
    fi
    sleep 0.1
done
collector="http://127.0.0.1:$port"

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
)
if [[ "$burst_events" != 0 ]]; then
    cases+=("burst-post-b100-t2-sd|--method post --batch 100 --threads 2 --event sd --events $burst_events")
    # Every event stays queued; they fail when the emitter closes (5 s bound).
    cases+=("stalled-burst-post-b100-t2-sd|--collector $stalled --method post --batch 100 --threads 2 --event sd --events $burst_events --flush-timeout 0")
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
        line="$("$bench" --collector "$collector" $args)" || status=$?
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

if grep -q . "$tmp/error.log" 2>/dev/null; then
    echo "nginx error log:" >&2
    cat "$tmp/error.log" >&2
fi
"$python" "$here/medians.py" "$out"
