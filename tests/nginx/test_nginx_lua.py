"""libsnowplow's Lua binding in Debian's nginx (lua-nginx-module on LuaJIT),
with snowplow.nginx: a tracker per worker made in init_worker_by_lua_block,
events tracked from log_by_lua_block (through the worker's event buffer, the
recommended way, and with the tracker's own method) and content_by_lua_block,
callbacks run from an ngx.timer, a bounded flush at worker exit. Checked at the local
collector: every event exactly once and valid; at `nginx -s quit` every event
is delivered or reported through on_failure."""

import collections
import os
import subprocess
import sys

import pytest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nginx_harness import (Collector, Nginx, config, free_port, get_many, wait_for,  # noqa: E402
                           LUA51_CPATH, NGINX, MODULES)

# Run by CTest (which only registers it when all is there), nothing may be missing.
if not os.environ.get("SNOWPLOW_NGINX_REQUIRED"):
    if not os.path.exists(os.path.join(LUA51_CPATH, "snowplow", "core.so")):
        pytest.skip("the Lua 5.1 module is not built", allow_module_level=True)
    if not (os.access(NGINX, os.X_OK) and os.path.exists(os.path.join(MODULES, "ngx_http_lua_module.so"))):
        pytest.skip("nginx with the Lua module is not installed", allow_module_level=True)

REQUESTS = 10000
CONNECTIONS = 16


@pytest.fixture
def collector(tmp_path):
    c = Collector(str(tmp_path))
    yield c
    c.stop()


@pytest.fixture
def start_nginx():
    servers = []

    def start(collector, **kwargs):
        port = free_port()
        n = Nginx(config("@PREFIX@", port, collector.url, **kwargs), port)
        servers.append(n)
        return n

    yield start
    for n in servers:
        n.kill()
        log = n.error_log()
        if "[alert]" in log or "[emerg]" in log or "[crit]" in log:
            print(log)
        n.remove()


LOCATIONS = ("fast", "log", "content")  # by n % 3


def paths(count, start=0):
    # /fast: snowplow.nginx.track_struct_event (buffered) in the log phase;
    # /log: tracker:track_struct_event in the log phase; /content: in the content phase.
    return ["/%s?n=%d" % (LOCATIONS[n % 3], n) for n in range(start, start + count)]


def all_handed_over(count):
    """Every event the workers' buffers stored went to the tracker."""
    stored = sum(1 for n in range(count) if n % 3 == 0)
    return {"stored": stored, "handed_over": stored, "refused": 0, "dropped": 0}


def labels(records):
    return collections.Counter(r["event"]["se_la"] for r in records)


def test_every_event_once_and_valid(collector, start_nginx):
    nginx = start_nginx(collector)
    statuses = get_many(nginx.port, paths(REQUESTS), CONNECTIONS)
    assert len(statuses) == REQUESTS
    assert set(statuses.values()) <= {200, 204}

    wait_for(lambda: collector.get("/micro/all")["total"] >= REQUESTS, 300, "10 000 events")
    assert nginx.quit() == 0
    counts = collector.get("/micro/all")
    assert counts == {"total": REQUESTS, "good": REQUESTS, "bad": 0}, collector.get("/micro/bad?limit=3")
    good = collector.get("/micro/good?fields=eid,e,se_ca,se_ac,se_la,se_pr,aid,p")
    seen = labels(good)
    assert seen == collections.Counter(str(n) for n in range(REQUESTS))  # each exactly once
    assert len({r["event"]["eid"] for r in good}) == REQUESTS  # two forked workers, no shared ids
    for r in good:
        ev = r["event"]
        assert (ev["e"], ev["se_ca"], ev["aid"], ev["p"]) == ("se", "nginx", "nginx-test", "pc")
        assert ev["se_ac"] == LOCATIONS[int(ev["se_la"]) % 3]
    # Two workers tracked (reuseport spreads the 16 connections over both).
    assert len({r["event"]["se_pr"] for r in good}) == 2
    assert nginx.failed() == []
    assert nginx.exit_counters() == {"tracked": REQUESTS, "sent": REQUESTS, "failed": 0, "dropped": 0}
    assert nginx.buffer_counters() == all_handed_over(REQUESTS)
    assert "[error]" not in nginx.error_log(), nginx.error_log()


def test_quit_delivers_pending_events(collector, start_nginx):
    """A slow collector: events are still queued when `nginx -s quit` comes,
    and the buffered ones still in the workers' buffers (no handover before
    exit); the workers hand them over, then the exit flush (bound 60 s)
    delivers them all."""
    nginx = start_nginx(collector, exit_timeout_ms=60000, tracker_options="buffer_size = 200, handover_interval = 3600,")
    collector.post("/micro/fault", {"delay_ms": 1000})
    total = 2000
    get_many(nginx.port, paths(total), CONNECTIONS)
    before = labels(collector.get("/micro/good?fields=se_la"))
    pending = total - sum(before.values())
    assert nginx.quit() == 0
    assert pending > 0  # (what makes this case meaningful)
    assert not [n for n in before if int(n) % 3 == 0]  # the buffered ones were all still buffered
    assert labels(collector.get("/micro/good?fields=se_la")) == collections.Counter(str(n) for n in range(total))
    assert collector.get("/micro/all")["bad"] == 0
    assert nginx.failed() == []
    assert nginx.buffer_counters() == all_handed_over(total)


def test_quit_reports_what_cannot_be_delivered(collector, start_nginx):
    """A collector that never answers: tracking does not block the requests,
    and at `nginx -s quit` the exit flush gives up after its bound (1 s) and
    every event goes to on_failure, none lost, none delivered (the buffered
    ones too: handed over at exit, then reported)."""
    nginx = start_nginx(collector, exit_timeout_ms=1000,
                        tracker_options="request_timeout_ms = 600000, handover_interval = 3600,")
    collector.post("/micro/fault", {"hang": True})
    total = 2000
    statuses = get_many(nginx.port, paths(total), CONNECTIONS)  # (30 s client timeout)
    assert len(statuses) == total
    assert nginx.quit() == 0
    assert collector.get("/micro/all")["good"] == 0
    assert collections.Counter(nginx.failed()) == collections.Counter(str(n) for n in range(total))
    assert nginx.buffer_counters() == all_handed_over(total)


def test_reload_keeps_every_event(collector, start_nginx):
    """`nginx -s reload`: the old workers flush at exit, the new ones make
    their own trackers; every event arrives once. (Buffers of 7 events: most
    handovers happen in the log phase, when a buffer is full.)"""
    nginx = start_nginx(collector, tracker_options="buffer_events = 7,")
    old = nginx.workers()
    get_many(nginx.port, paths(500), CONNECTIONS)
    nginx.signal("reload")
    wait_for(lambda: nginx.workers().isdisjoint(old) and len(nginx.workers()) == 2, 60, "new workers")
    get_many(nginx.port, paths(500, 500), CONNECTIONS)
    assert nginx.quit() == 0
    assert labels(collector.get("/micro/good?fields=se_la")) == collections.Counter(str(n) for n in range(1000))
    assert collector.get("/micro/all")["bad"] == 0
    assert nginx.exit_counters() == {"tracked": 1000, "sent": 1000, "failed": 0, "dropped": 0}
    assert nginx.buffer_counters() == all_handed_over(1000)


def test_callbacks_run_from_the_timer(collector, start_nginx):
    """While nginx runs, the ngx.timer's emitter:dispatch() runs on_failure in
    the workers for events the collector refuses (400: not retried)."""
    nginx = start_nginx(collector)
    collector.post("/micro/fault", {"status": 400})
    total = 200
    get_many(nginx.port, paths(total), 4)
    wait_for(lambda: len(nginx.failed()) >= total, 120, "on_failure for %d events" % total)
    assert collections.Counter(nginx.failed()) == collections.Counter(str(n) for n in range(total))
    assert nginx.quit() == 0
    assert nginx.exit_counters()["failed"] == total


def test_tracker_refused_outside_init_worker(collector, tmp_path):
    """snowplow.nginx.init_worker() in init_by_lua (the master, before fork)
    is refused: nginx does not start, and says why."""
    port = free_port()
    conf = config("@PREFIX@", port, collector.url).replace(
        "init_worker_by_lua_block {",
        'init_by_lua_block { require("snowplow.nginx").init_worker("http://127.0.0.1:1") }\n'
        "    init_worker_by_lua_block {", 1)
    with pytest.raises(AssertionError) as e:
        Nginx(conf, port)
    assert "init_worker() must run in init_worker_by_lua_block" in str(e.value)


def test_example_config_is_valid(tmp_path):
    """examples/nginx/nginx.conf passes `nginx -t` (paths put in a temp prefix)."""
    here = os.path.dirname(os.path.abspath(__file__))
    example = os.path.join(here, "..", "..", "examples", "nginx", "nginx.conf")
    with open(example) as f:
        text = f.read()
    prefix = str(tmp_path)
    text = text.replace("/var/run/nginx.pid", prefix + "/nginx.pid").replace(
        "/var/log/nginx", prefix).replace("/usr/lib/nginx/modules", MODULES)
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(text)
    for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(prefix, d), exist_ok=True)
    r = subprocess.run([NGINX, "-t", "-p", prefix, "-c", conf, "-e", prefix + "/error.log"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
