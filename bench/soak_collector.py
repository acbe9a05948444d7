#!/usr/bin/python3
"""A faulty collector stand-in for bench/soak.sh.

Takes POST /com.snowplowanalytics.snowplow/tp2 (and GET /i) on 127.0.0.1 and
misbehaves on a schedule, the way a collector behind a flaky network does:
  - flaps: every --period seconds it is down for --down seconds (the listening
    socket is closed, so connections are refused, and open connections are
    closed);
  - answers --p500 of the requests 500 and --p429 of them 429 with
    "Retry-After: 1";
  - delays --pdelay of the answers by up to --max-delay ms.
It does not validate events (tools/collector does that): it records which
events it accepted (answered 2xx), by their se_la, which the soak driver sets
to the event's index 0..N-1, in a byte per index (arrivals, saturating at 255).

A control port that never goes down answers GET /stats (JSON counts) and
GET /arrivals (the N bytes). Writes "DATA_PORT CONTROL_PORT" to --port-file
once listening; SIGTERM stops it.
"""
import argparse
import asyncio
import json
import os
import random
import re
import signal
import time

SE_LA = re.compile(rb'"se_la":"(\d+)"|[?&]se_la=(\d+)')


class StandIn:
    def __init__(self, a):
        self.a = a
        self.arrivals = bytearray(a.events)
        self.stats = dict(requests=0, accepted_requests=0, accepted_events=0, duplicates=0,
                          r500=0, r429=0, delayed=0, downs=0, refused_while_down=0,
                          out_of_range=0)
        self.rng = random.Random(a.seed)
        self.server = None
        self.port = 0
        self.conns = set()
        self.started = time.monotonic()

    def record(self, body):
        n = 0
        for m in SE_LA.finditer(body):
            i = int(m.group(1) or m.group(2))
            n += 1
            if i >= len(self.arrivals):
                self.stats["out_of_range"] += 1
                continue
            if self.arrivals[i]:
                self.stats["duplicates"] += 1
            if self.arrivals[i] < 255:
                self.arrivals[i] += 1
        self.stats["accepted_events"] += n

    async def handle(self, reader, writer):
        self.conns.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line, _, rest = head.partition(b"\r\n")
                method, target = line.split(b" ")[:2]
                length = 0
                for h in rest.split(b"\r\n"):
                    if h[:15].lower() == b"content-length:":
                        length = int(h[15:])
                body = await reader.readexactly(length) if length else target
                self.stats["requests"] += 1
                roll = self.rng.random()
                extra = b""
                if roll < self.a.p500:
                    status = b"500 Internal Server Error"
                    self.stats["r500"] += 1
                elif roll < self.a.p500 + self.a.p429:
                    status = b"429 Too Many Requests"
                    extra = b"Retry-After: 1\r\n"
                    self.stats["r429"] += 1
                else:
                    status = b"200 OK"
                if self.rng.random() < self.a.pdelay:
                    self.stats["delayed"] += 1
                    await asyncio.sleep(self.rng.uniform(0, self.a.max_delay / 1000))
                if writer.is_closing():
                    return  # went down meanwhile: no answer, nothing accepted
                if status == b"200 OK":
                    self.stats["accepted_requests"] += 1
                    self.record(body)
                writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n" + extra + b"\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
            pass
        finally:
            self.conns.discard(writer)
            writer.close()

    async def up(self):
        # The same port each time, so that the client sees refusals, not a move.
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", self.port,
                                                 reuse_address=True, limit=1 << 24)
        self.port = self.server.sockets[0].getsockname()[1]

    async def down(self):
        self.stats["downs"] += 1
        self.server.close()
        for w in list(self.conns):
            w.close()
        await self.server.wait_closed()

    async def flap(self):
        while True:
            await asyncio.sleep(self.a.period - self.a.down)
            if self.a.down <= 0:
                continue
            await self.down()
            await asyncio.sleep(self.a.down)
            await self.up()

    async def control(self, reader, writer):
        try:
            line = await reader.readline()
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            path = line.split(b" ")[1] if b" " in line else b"/"
            if path == b"/arrivals":
                body, ctype = bytes(self.arrivals), b"application/octet-stream"
            else:
                s = dict(self.stats, uptime_s=round(time.monotonic() - self.started, 1))
                body, ctype = json.dumps(s).encode(), b"application/json"
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype + b"\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            await writer.drain()
        finally:
            writer.close()


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, required=True, help="indices 0..N-1 are expected")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--period", type=float, default=10.0, help="seconds between outages")
    ap.add_argument("--down", type=float, default=2.0, help="seconds each outage lasts")
    ap.add_argument("--p500", type=float, default=0.05)
    ap.add_argument("--p429", type=float, default=0.01)
    ap.add_argument("--pdelay", type=float, default=0.02)
    ap.add_argument("--max-delay", type=float, default=500.0, help="ms")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    s = StandIn(a)
    await s.up()
    ctl = await asyncio.start_server(s.control, "127.0.0.1", 0)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (s.port, ctl.sockets[0].getsockname()[1]))
    os.rename(tmp, a.port_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    flapper = asyncio.create_task(s.flap())
    await stop.wait()
    flapper.cancel()


if __name__ == "__main__":
    asyncio.run(main())
