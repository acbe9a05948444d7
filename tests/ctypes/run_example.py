#!/usr/bin/env python3
"""Run examples/ctypes/track.py against a local collector started on a free
port, and check that every event it tracked arrived, valid, exactly once, and
was reported by its C success callback."""

import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read().decode("utf-8"))


def start_collector(script, tmp):
    port_file = os.path.join(tmp, "port")
    proc = subprocess.Popen([sys.executable, script, "--port", "0", "--port-file", port_file,
                             "--quiet"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            sys.exit("collector did not start")
        time.sleep(0.02)
    with open(port_file) as f:
        return proc, "http://127.0.0.1:%d" % int(f.read())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--library", required=True)
    parser.add_argument("--example", required=True)
    parser.add_argument("--collector", required=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        collector, url = start_collector(args.collector, tmp)
        try:
            run = subprocess.run([sys.executable, args.example, url, "--library", args.library],
                                 capture_output=True, text=True, timeout=120)
            sys.stderr.write(run.stderr)
            assert run.returncode == 0, "example failed (%d): %s" % (run.returncode, run.stdout)
            report = json.loads(run.stdout.strip().splitlines()[-1])
            tracked = report["tracked"]
            assert len(tracked) == 4 and len(set(tracked)) == 4, report
            assert sorted(report["sent"]) == sorted(tracked), report
            assert report["failed"] == [], report

            bad = fetch(url + "/micro/bad")
            assert bad == [], bad
            good = fetch(url + "/micro/good")
            counts = collections.Counter(r["event"]["eid"] for r in good)
            assert set(counts) == set(tracked) and max(counts.values()) == 1, counts
            by_eid = {r["event"]["eid"]: r for r in good}
            pv, se, ue, search = (by_eid[eid]["event"] for eid in tracked)
            assert pv["e"] == "pv" and pv["page"] == "ctypes ć"
            assert se["e"] == "se" and se["se_va"] == "42"
            assert ue["unstruct_event"]["data"]["data"] == {"targetUrl": "https://example.com/target"}
            assert ue["contexts"][0]["data"] == {"id": "from-ctypes", "n": 1}
            assert search["unstruct_event"]["data"]["data"]["terms"] == ["shoes", "red"]
            assert all(r["event"]["tv"].startswith("ctypes-") for r in good)
            print("ctypes example: %d events delivered and reported" % len(tracked))
        finally:
            collector.send_signal(signal.SIGTERM)
            collector.wait(10)


if __name__ == "__main__":
    main()
