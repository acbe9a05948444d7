#!/usr/bin/python3
"""Requests/s of an nginx location with and without a Snowplow event per
request (Lua, snowplow.nginx, tracked from log_by_lua_block), measured by wrk.

    bench/sink.sh /usr/bin/python3 bench/nginx_bench.py [BUILD_DIR]

nginx (2 workers, keep-alive, the configuration of tests/nginx/nginx_harness.py)
sends its events to the sink of bench/sink.sh ($SNOWPLOW_BENCH_COLLECTOR).
/plain, /lua, /log and /fast answer 204; /lua also runs a log_by_lua_block
that reads the arguments of the event, /log tracks the event from it with
tracker:track_struct_event, /fast with snowplow.nginx.track_struct_event (the
worker's event buffer, handed to the tracker in bulk). The runs alternate
(plain, lua, log, fast, plain, ...); the medians and their ratios are printed,
with the counters the workers logged at exit (every tracked event must be
sent: none dropped). Besides requests/s it reads the CPU time per
request of nginx's workers (all their threads, and the event loop threads
alone) and of the sink's worker, which takes its share of this machine's cores
only because the "collector" runs here too. docs/performance.md shows the
results.

Environment: SNOWPLOW_BENCH_REPEATS (runs per case, default 5),
SNOWPLOW_BENCH_SECONDS (per run, default 5), SNOWPLOW_BENCH_CONNECTIONS
(default 32), WRK (default wrk), SNOWPLOW_BENCH_TRACKER_OPTIONS (Lua table
fields for the worker's tracker, default "buffer_capacity = 2000000,": the
batches of snowplow.nginx's defaults).
"""

import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "nginx"))
sys.dont_write_bytecode = True
import nginx_harness  # noqa: E402


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(stat_path):
    with open(stat_path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def workers_cpu_seconds(master_pid):
    """CPU time (user + system) of nginx's workers: (all their threads, the
    event loop threads alone). The other threads are libsnowplow's."""
    with open("/proc/%d/task/%d/children" % (master_pid, master_pid)) as f:
        pids = [int(p) for p in f.read().split()]
    return (sum(cpu_seconds("/proc/%d/stat" % pid) for pid in pids),
            sum(cpu_seconds("/proc/%d/task/%d/stat" % (pid, pid)) for pid in pids))


def sink_cpu_seconds():
    """CPU time of the sink's nginx worker (bench/sink.sh), 0 when unknown."""
    pid = int(os.environ.get("SNOWPLOW_BENCH_SINK_PID", "0"))
    return workers_cpu_seconds(pid)[0] if pid else 0.0


def wrk(url, seconds, connections, master_pid):
    """(requests/s, CPU microseconds per request of the workers, of their
    event loop threads, of the sink)."""
    before, sink_before = workers_cpu_seconds(master_pid), sink_cpu_seconds()
    out = subprocess.run([os.environ.get("WRK", "wrk"), "-t2", "-c%d" % connections, "-d%ds" % seconds, url],
                         check=True, capture_output=True, text=True).stdout
    after, sink_after = workers_cpu_seconds(master_pid), sink_cpu_seconds()
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit("wrk reported errors:\n" + out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return (float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            (after[0] - before[0]) * 1e6 / requests, (after[1] - before[1]) * 1e6 / requests,
            (sink_after - sink_before) * 1e6 / requests)


def main():
    collector = os.environ.get("SNOWPLOW_BENCH_COLLECTOR")
    if not collector:
        raise SystemExit("run it inside bench/sink.sh (see the top of this file)")
    if len(sys.argv) > 1:
        nginx_harness.LUA51_CPATH = os.path.join(os.path.abspath(sys.argv[1]), "bindings", "lua", "5.1")
    repeats = int(os.environ.get("SNOWPLOW_BENCH_REPEATS", "5"))
    seconds = int(os.environ.get("SNOWPLOW_BENCH_SECONDS", "5"))
    connections = int(os.environ.get("SNOWPLOW_BENCH_CONNECTIONS", "32"))

    tracker_options = os.environ.get("SNOWPLOW_BENCH_TRACKER_OPTIONS", "buffer_capacity = 2000000,")
    load_at_start = os.getloadavg()[0]
    port = nginx_harness.free_port()
    nginx = nginx_harness.Nginx(nginx_harness.config("@PREFIX@", port, collector,
                                                     tracker_options=tracker_options), port)
    cases = ("plain", "lua", "log", "fast")
    runs = {case: [] for case in cases}
    try:
        base = "http://127.0.0.1:%d" % port
        master = nginx.proc.pid
        for case in ("log", "fast"):
            wrk(base + "/%s?n=0" % case, 1, connections, master)  # warm-up
        for _ in range(repeats):
            for case in cases:
                runs[case].append(wrk(base + "/%s?n=1" % case, seconds, connections, master))
        nginx.quit()
    finally:
        nginx.kill()
    counters = nginx.exit_counters()
    buffer_counters = nginx.buffer_counters()
    nginx.remove()
    rps = {case: statistics.median(r[0] for r in runs[case]) for case in runs}
    cpu = {case: statistics.median(r[1] for r in runs[case]) for case in runs}
    loop = {case: statistics.median(r[2] for r in runs[case]) for case in runs}
    sink = {case: statistics.median(r[3] for r in runs[case]) for case in runs}
    # Runs side by side (plain then log) share the machine's load of the moment.
    pair_ratio = {(case, base): statistics.median(r[0] / b[0] for b, r in zip(runs[base], runs[case]))
                  for case in ("log", "fast") for base in ("plain", "lua")}
    print("nginx 2 workers, wrk -t2 -c%d, %d x %d s per case, load average %.1f at the start, %.1f at the end"
          % (connections, repeats, seconds, load_at_start, os.getloadavg()[0]))
    print("  tracker options: %s" % tracker_options)
    for case, label in (("plain", "/plain (return 204)            "),
                        ("lua", "/lua   (+ log_by_lua, no track)"),
                        ("log", "/log   (+ tracker:track_struct)"),
                        ("fast", "/fast  (+ nginx.track_struct) ")):
        print("  %s median %8.0f req/s, CPU/request %5.2f us (event loops %5.2f us; the sink %4.2f us)   runs %s" %
              (label, rps[case], cpu[case], loop[case], sink[case], " ".join("%.0f" % r[0] for r in runs[case])))
    for case in ("log", "fast"):
        for base in ("plain", "lua"):
            print("  requests/s of /%s: %.1f %% of /%s's (median of side-by-side pairs)"
                  % (case, 100 * pair_ratio[case, base], base))
        for base in ("plain", "lua"):
            print("    workers' CPU per request, /%s against /%s: +%.2f us (+%.1f %%), in the event loops +%.2f us" %
                  (case, base, cpu[case] - cpu[base], 100 * (cpu[case] - cpu[base]) / cpu[base],
                   loop[case] - loop[base]))
    print("  worker exit counters: %s; event buffers: %s" % (counters, buffer_counters))
    if counters.get("dropped", 0) or counters.get("failed", 0) or counters.get("sent") != counters.get("tracked"):
        raise SystemExit("events were not all delivered")
    if buffer_counters.get("stored") != buffer_counters.get("handed_over"):
        raise SystemExit("buffered events were not all handed over")


if __name__ == "__main__":
    main()
