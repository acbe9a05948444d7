#!/usr/bin/env bash
# Run a command with a fast loopback sink standing in for a collector.
#
#   bench/sink.sh COMMAND [ARGS...]
#
# Starts Debian's nginx (or $NGINX) with a throw-away configuration: it answers
# 200 to the collector paths (POST /com.snowplowanalytics.snowplow/tp2, GET /i),
# discards bodies, keeps connections open and logs nothing per request. The
# command runs with SNOWPLOW_BENCH_COLLECTOR=http://127.0.0.1:PORT and
# SNOWPLOW_BENCH_SINK_PID (the sink's nginx master, whose child serves) in its
# environment; the sink stops (and its folder goes) when the command ends, and
# the command's exit status is returned.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: bench/sink.sh COMMAND [ARGS...]" >&2
    exit 2
fi
nginx="${NGINX:-/usr/sbin/nginx}"
if [[ ! -x "$nginx" ]]; then
    echo "sink.sh: nginx not found at $nginx (apt-get install nginx, or set NGINX)" >&2
    exit 2
fi
python=/usr/bin/python3

tmp="$(mktemp -d /tmp/snowplow-sink.XXXXXX)"
nginx_pid=""
cleanup() {
    if [[ -n "$nginx_pid" ]] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill -QUIT "$nginx_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$nginx_pid" 2>/dev/null || true
    fi
    if [[ -s "$tmp/error.log" ]]; then
        echo "sink.sh: nginx error log:" >&2
        cat "$tmp/error.log" >&2
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# A free loopback port (the kernel picks it; nginx binds it right after).
port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

mkdir -p "$tmp/client_body" "$tmp/proxy" "$tmp/fastcgi" "$tmp/uwsgi" "$tmp/scgi"
cat > "$tmp/nginx.conf" <<CONF
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
up=0
for _ in $(seq 100); do
    if "$python" -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null; then
        up=1
        break
    fi
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ $up != 1 ]]; then
    echo "sink.sh: nginx did not start" >&2
    exit 1
fi

status=0
SNOWPLOW_BENCH_COLLECTOR="http://127.0.0.1:$port" SNOWPLOW_BENCH_SINK_PID="$nginx_pid" "$@" || status=$?
exit "$status"
