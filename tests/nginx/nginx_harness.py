"""Debian's nginx with the Lua module, run from a throw-away prefix, for the
Lua-in-nginx test (test_nginx_lua.py) and benchmark (bench/nginx_bench.py).

Everything nginx writes (pid, error log, temp paths) stays in the prefix; the
`user` directive names the current user, so it runs as root or not. The
tracker is made per worker by snowplow.nginx (bindings/lua/src/snowplow/nginx.lua).
"""

import collections
import grp
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
MODULES = os.environ.get("SNOWPLOW_NGINX_MODULES", "/usr/lib/nginx/modules")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTOR = os.environ.get("SNOWPLOW_COLLECTOR",
                           os.path.join(ROOT, "tools", "collector", "snowplow_collector.py"))
PYTHON = os.environ.get("SNOWPLOW_PYTHON", "/usr/bin/python3")
LUA_PATH = os.environ.get("SNOWPLOW_LUA_PATH", os.path.join(ROOT, "bindings", "lua", "src"))
LUA51_CPATH = os.environ.get("SNOWPLOW_LUA51_CPATH",
                             os.path.join(ROOT, "build", "bindings", "lua", "5.1"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class Collector:
    """tools/collector on a free loopback port."""

    def __init__(self, workdir):
        port_file = os.path.join(workdir, "collector.port")
        self.proc = subprocess.Popen([PYTHON, COLLECTOR, "--port", "0", "--port-file", port_file,
                                      "--quiet"], stdout=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(port_file), 30, "the collector")
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = "http://127.0.0.1:%d" % self.port

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=120) as r:
            return json.loads(r.read())

    def post(self, path, body):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def lua_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def config(prefix, port, collector_url, tracker_options="", exit_timeout_ms=3000, workers=2):
    """nginx.conf: /fast tracks from log_by_lua_block through the worker's
    event buffer (snowplow.nginx.track_struct_event, the recommended way),
    /log calls the tracker from log_by_lua_block, /content from
    content_by_lua_block (one struct event each, label = the `n` argument,
    property = the worker pid), /plain tracks nothing, /lua runs the log
    phase's Lua but for the track call (for the benchmark). on_failure writes the
    labels of the events it is given to PREFIX/failed.PID."""
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    temp = "\n".join("    %s_temp_path %s/%s;" % (k, prefix, k)
                     for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""
user {user} {group};
worker_processes {workers};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log notice;
load_module {MODULES}/ndk_http_module.so;
load_module {MODULES}/ngx_http_lua_module.so;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
    lua_package_cpath "{LUA51_CPATH}/?.so;;";
    lua_package_path "{LUA_PATH}/?.lua;;";
    init_worker_by_lua_block {{
        local dir = {lua_string(prefix)}
        require("snowplow.nginx").init_worker({lua_string(collector_url)}, {{
            app_id = "nginx-test", exit_timeout_ms = {exit_timeout_ms}, {tracker_options}
            on_failure = function(_, events)
                local f = assert(io.open(dir .. "/failed." .. ngx.worker.pid(), "a"))
                for _, ev in ipairs(events) do f:write(ev.se_la, "\\n") end
                f:close()
            end,
        }})
    }}
    exit_worker_by_lua_block {{ require("snowplow.nginx").exit_worker() }}
    server {{
        listen 127.0.0.1:{port} reuseport;
        keepalive_requests 1000000;
        location = /fast {{
            log_by_lua_block {{
                require("snowplow.nginx").track_struct_event("nginx", "fast", ngx.var.arg_n,
                    tostring(ngx.worker.pid()))
            }}
            return 204;
        }}
        location = /log {{
            log_by_lua_block {{
                require("snowplow.nginx").tracker:track_struct_event("nginx", "log", ngx.var.arg_n,
                    tostring(ngx.worker.pid()))
            }}
            return 204;
        }}
        location = /content {{
            content_by_lua_block {{
                ngx.say(require("snowplow.nginx").tracker:track_struct_event("nginx", "content",
                    ngx.var.arg_n, tostring(ngx.worker.pid())))
            }}
        }}
        location = /plain {{
            return 204;
        }}
        location = /lua {{
            log_by_lua_block {{
                local args = {{ "nginx", "log", ngx.var.arg_n, tostring(ngx.worker.pid()) }}
            }}
            return 204;
        }}
    }}
}}
"""


class Nginx:
    """nginx in the foreground (daemon off) from its own prefix, a temporary
    folder: remove() stops nginx and deletes it (read the logs before)."""

    def __init__(self, conf_text, port):
        self.prefix = tempfile.mkdtemp(prefix="snowplow-nginx.")
        self.port = port
        self.conf = os.path.join(self.prefix, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf_text.replace("@PREFIX@", self.prefix))
        self.proc = subprocess.Popen([NGINX, "-p", self.prefix, "-c", self.conf, "-e",
                                      os.path.join(self.prefix, "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for(self._ready, 30, "nginx on port %d" % port)
        except BaseException:
            self.remove()  # (the error carries the log)
            raise

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("nginx exited: %s\n%s" % (self.proc.stderr.read().decode(),
                                                            self.error_log()))
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def error_log(self):
        try:
            with open(os.path.join(self.prefix, "error.log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def failed(self):
        """Labels of the events on_failure was given, from every worker."""
        labels = []
        for name in os.listdir(self.prefix):
            if name.startswith("failed."):
                with open(os.path.join(self.prefix, name)) as f:
                    labels += f.read().split()
        return labels

    def exit_counters(self):
        """The emitters' counters snowplow.nginx.exit_worker() logged, summed over the workers."""
        return self._counters(r"snowplow: worker exit: (tracked=\d+ sent=\d+ failed=\d+ dropped=\d+)")

    def buffer_counters(self):
        """The event buffers' counters exit_worker() logged, summed over the workers."""
        return self._counters(r"snowplow: worker exit: buffer (stored=\d+ handed_over=\d+ refused=\d+ dropped=\d+)")

    def _counters(self, pattern):
        total = collections.Counter()
        for m in re.finditer(pattern, self.error_log()):
            for pair in m.group(1).split():
                k, v = pair.split("=")
                total[k] += int(v)
        return dict(total)

    def signal(self, name):
        """`nginx -s NAME` (quit, reload, ...)."""
        subprocess.run([NGINX, "-p", self.prefix, "-c", self.conf, "-e",
                        os.path.join(self.prefix, "error.log"), "-s", name],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def workers(self):
        with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
            return set(int(p) for p in f.read().split())

    def quit(self, timeout=120):
        """`nginx -s quit` (graceful), then wait for the master to exit."""
        self.signal("quit")
        return self.proc.wait(timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def remove(self):
        """kill(), then delete the prefix folder with its logs."""
        self.kill()
        shutil.rmtree(self.prefix, ignore_errors=True)


def get_many(port, paths, connections):
    """GET every path over `connections` keep-alive connections (threads);
    returns the statuses by path."""
    import threading
    statuses = {}
    lock = threading.Lock()
    chunks = [paths[i::connections] for i in range(connections)]

    def run(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for path in chunk:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            with lock:
                statuses[path] = r.status
        conn.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses
