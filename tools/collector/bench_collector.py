#!/usr/bin/python3
"""Measures how many events per second the local collector validates and stores.

Starts the collector on a free port, POSTs N events (default 80 000) in batches over one
keep-alive connection, waits until /micro/all counts them all, prints events/s.
Usage: bench_collector.py [--events N] [--batch B] [--plain]"""

import argparse
import base64
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
TP2 = "/com.snowplowanalytics.snowplow/tp2"


def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def make_event(i, plain):
    ctx = {"schema": "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1",
           "data": [{"schema": "iglu:com.snowplowanalytics.snowplow/desktop_context/jsonschema/1-0-0",
                     "data": {"osType": "Linux", "osVersion": "6.1"}}]}
    ev = {"e": "se", "eid": str(uuid.uuid4()), "tv": "c-0.1.0", "p": "pc", "tna": "bench",
          "aid": "bench", "dtm": str(1700000000000 + i), "stm": str(1700000000000 + i),
          "se_ca": "cat", "se_ac": "act", "se_la": "label %d" % i, "se_va": "7.99",
          "uid": "user", "res": "1920x1080", "lang": "en"}
    if i % 2:
        ue = {"schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
              "data": {"schema": "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
                       "data": {"targetUrl": "https://example.com/%d" % i}}}
        ev["e"] = "ue"
        for k in ("se_ca", "se_ac", "se_la", "se_va"):
            del ev[k]
        if plain:
            ev["ue_pr"] = json.dumps(ue)
        else:
            ev["ue_px"] = b64(ue)
    if plain:
        ev["co"] = json.dumps(ctx)
    else:
        ev["cx"] = b64(ctx)
    return ev


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=80000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--plain", action="store_true", help="ue_pr/co instead of ue_px/cx")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        port_file = os.path.join(tmp, "port")
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "snowplow_collector.py"),
                                 "--port", "0", "--port-file", port_file, "--quiet"],
                                stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 15
            while not os.path.exists(port_file):
                if time.monotonic() > deadline:
                    raise SystemExit("collector did not start")
                time.sleep(0.02)
            port = int(open(port_file).read())
            bodies = []
            for start in range(0, args.events, args.batch):
                data = [make_event(i, args.plain)
                        for i in range(start, min(start + args.batch, args.events))]
                bodies.append(json.dumps({"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
                                          "data": data}).encode())
            conn = http.client.HTTPConnection("127.0.0.1", port)
            t0 = time.perf_counter()
            for body in bodies:
                conn.request("POST", TP2, body, {"Content-Type": "application/json; charset=utf-8"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    raise SystemExit("status %d" % resp.status)
            elapsed = time.perf_counter() - t0
            conn.request("GET", "/micro/all")
            counts = json.loads(conn.getresponse().read())
            conn.close()
            with open("/proc/%d/status" % proc.pid) as f:
                rss = next((line.split()[1] for line in f if line.startswith("VmRSS")), "?")
            print("%d events in %d requests of %d: %.2f s, %.0f events/s; collector counts %s, "
                  "RSS %s kB" % (args.events, len(bodies), args.batch, elapsed,
                                 args.events / elapsed, counts, rss))
            return 0 if counts["good"] == args.events else 1
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    sys.exit(main())
