"""The HTTP side: a threading HTTP/1.1 server (keep-alive) and its request handler.

Tracker-protocol routes (every path outside /micro/ and /health is logged in /micro/requests
and subject to injected faults):
  GET  /i, /ice.png           one event in the query string; answers a 1x1 GIF
  POST /VENDOR/VERSION        a payload_data body, e.g. /com.snowplowanalytics.snowplow/tp2
Inspection and control: /micro/all, /micro/good, /micro/bad, /micro/requests, /micro/reset,
/micro/fault (see ../README.md)."""

import base64
import itertools
import json
import re
import select
import socket
import sys
import threading
import time
import traceback
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import codec, faults as faults_mod, intake, queries
from .faults import Faults
from .store import Store

PIXEL_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
MAX_BODY = 64 << 20
GET_PATHS = ("/i", "/ice.png")
POST_PATH_RE = re.compile(r"^/[^/?#]+/[^/?#]+$")  # the Scala collector's /vendor/version route


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class CollectorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, registry, quiet=False, verbose=False):
        self.registry = registry
        self.store = Store()
        self.faults = Faults()
        self.quiet = quiet
        self.verbose = verbose
        self._conn_ids = itertools.count(1)
        self._conn_lock = threading.Lock()
        super().__init__(address, Handler)

    def next_conn_id(self):
        with self._conn_lock:
            return next(self._conn_ids)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if self.quiet or isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def reset(self):
        self.store.reset()
        self.faults.clear()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "snowplow-local-collector/1.0"
    timeout = 300  # idle keep-alive connections are closed after this many seconds

    # --- plumbing ---------------------------------------------------------------------

    def setup(self):
        super().setup()
        self.conn_id = self.server.next_conn_id()
        # Headers and body go out as two writes: without this, Nagle + delayed ACK stall.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("collector: %s %s\n" % (self.address_string(), fmt % args))

    def log_error(self, fmt, *args):
        if not self.server.quiet:
            sys.stderr.write("collector: error: %s\n" % (fmt % args))

    def _reply(self, status, body=b"", ctype="text/plain; charset=utf-8", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        no_body = status in (204, 304)
        if not no_body:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body and not no_body and self.command != "HEAD":
            self.wfile.write(body)

    def _reply_json(self, status, obj):
        self._reply(status, json.dumps(obj).encode("utf-8"), "application/json")

    def _content_length(self):
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        try:
            n = int(value)
        except ValueError:
            raise HttpError(400, "bad Content-Length %r" % value) from None
        if n < 0:
            raise HttpError(400, "bad Content-Length %r" % value)
        if n > MAX_BODY:
            raise HttpError(413, "body of %d bytes is over the %d limit" % (n, MAX_BODY))
        return n

    def _read_exact(self, n):
        data = self.rfile.read(n)
        if len(data) < n:
            raise ConnectionResetError("client closed the connection mid-body")
        return data

    def _read_chunked(self):
        parts, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise ConnectionResetError("client closed the connection mid-body")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise HttpError(400, "bad chunk size line %r" % line[:40]) from None
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise HttpError(413, "chunked body over the %d limit" % MAX_BODY)
            parts.append(self._read_exact(size))
            self._read_exact(2)  # CRLF after the chunk

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = self._read_chunked()
        else:
            n = self._content_length()
            body = self._read_exact(n) if n else b""
        encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        if body and encoding in ("gzip", "deflate"):
            try:
                d = zlib.decompressobj(wbits=47)  # gzip or zlib header, auto-detected
                body = d.decompress(body, MAX_BODY)
                if d.unconsumed_tail:
                    raise HttpError(413, "decompressed body over the %d limit" % MAX_BODY)
            except zlib.error as exc:
                raise HttpError(400, "bad %s body: %s" % (encoding, exc)) from None
        elif encoding not in ("identity", ""):
            raise HttpError(415, "unsupported Content-Encoding %r" % encoding)
        return body

    # --- dispatch ---------------------------------------------------------------------

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _not_allowed(self):
        self.close_connection = True  # the body, if any, is not read
        self._reply(405, b"method not allowed\n", headers=(("Allow", "GET, POST"),))

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_allowed

    def _dispatch(self, method):
        target = self.path
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            target = parts.path + ("?" + parts.query if parts.query else "")
        path, _, query = target.partition("?")
        try:
            if path == "/micro" or path.startswith("/micro/"):
                self._micro(method, path, query)
            elif path == "/health":
                self._read_body()
                self._reply(200, b"ok\n")
            else:
                self._tracker(method, path, query)
        except HttpError as exc:
            self.close_connection = True
            self._reply(exc.status, (str(exc) + "\n").encode("utf-8"))
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception:
            self.close_connection = True
            if not self.server.quiet:
                sys.stderr.write("collector: error handling %s %s\n%s"
                                 % (method, self.path, traceback.format_exc()))
            try:
                self._reply(500, b"collector error\n")
            except OSError:
                pass

    # --- tracker protocol ---------------------------------------------------------------

    def _route(self, method, path):
        """'get' / 'post' for the tracker routes, else the HTTP status for the request."""
        if path in GET_PATHS:
            return "get" if method == "GET" else 405
        if POST_PATH_RE.match(path):
            return "post" if method == "POST" else 405
        return 404

    def _tracker(self, method, path, query):
        now_ms = int(time.time() * 1000)
        action = self.server.faults.next_action()
        entry = {
            "request_id": None, "method": method, "path": path, "status": None,
            "events": 0, "bytes": 0, "query_bytes": len(query),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "keepalive_conn_id": self.conn_id, "collector_tstamp_ms": now_ms,
            "fault": action is not None,
        }
        store = self.server.store

        if action is not None and action.drop == "mid_body":
            n = self._content_length() or 0
            entry["bytes"] = len(self.rfile.read(n // 2)) if n else 0
            store.log_request(entry)
            self.close_connection = True
            return

        try:
            body = self._read_body()
        except HttpError as exc:
            entry["status"] = exc.status
            store.log_request(entry)
            raise
        entry["bytes"] = len(body)

        route = self._route(method, path)
        batch = None
        if route == "get":
            batch = intake.parse_get(query)
        elif route == "post":
            batch = intake.parse_post(self.server.registry, body)
        entry["events"] = batch.count if batch else 0
        request_id, generation = store.log_request(entry)

        headers = []
        if action is not None:
            if action.hang:
                self._hang(action.wake)
                self.close_connection = True
                return
            if action.drop:
                self.close_connection = True
                return
            if action.delay_ms:
                time.sleep(action.delay_ms / 1000.0)
            status = action.status
            if action.retry_after is not None:
                headers.append(("Retry-After", str(action.retry_after)))
            if 300 <= status < 400:
                headers.append(("Location", "/redirected-by-fault"))
        else:
            status = route if isinstance(route, int) else batch.status

        # Log the status, then store, then answer: whoever sees the events (or the client
        # its 2xx) also sees the status in /micro/requests.
        entry["status"] = status
        storable = 200 <= status < 400 or (action is None and batch is not None)
        if batch is not None and storable:
            meta = {"collector_tstamp_ms": now_ms, "method": method, "path": path,
                    "request_id": request_id}
            good, bad = batch.records(self.server.registry, meta)
            store.add(generation, good, bad)

        if action is not None:
            body_out = ("injected fault: status %d\n" % status).encode()
            self._reply(status, body_out, headers=headers)
        elif route == "get":
            self._reply(status, PIXEL_GIF, "image/gif",
                        headers=(("Cache-Control", "no-cache, no-store, must-revalidate"),))
        elif route == "post":
            msg = b"" if status == 200 else (
                "; ".join(batch.request_errors) + "\n").encode("utf-8")
            self._reply(status, msg)
        else:
            self._reply(status, ("%d: %s %s is not a tracker route\n"
                                 % (status, method, path)).encode("utf-8"))

    def _hang(self, wake):
        """Answer nothing until the client goes away, the fault is replaced, or 120 s."""
        sock = self.connection
        deadline = time.monotonic() + faults_mod.HANG_LIMIT_S
        while not wake.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            readable, _, _ = select.select([sock], [], [], min(0.2, left))
            if not readable:
                continue
            try:
                if not sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT):
                    return  # the client closed its end
            except BlockingIOError:
                continue
            except OSError:
                return
            wake.wait(0.2)  # the client sent more without waiting: keep hanging, don't spin

    # --- /micro -------------------------------------------------------------------------

    def _micro(self, method, path, query):
        body = self._read_body()
        params = parse_qs(query, keep_blank_values=True)
        server = self.server
        if path == "/micro/all":
            self._micro_get(method) and self._reply_json(200, server.store.counts())
        elif path in ("/micro/good", "/micro/bad"):
            if self._micro_get(method):
                records = server.store.records(path.rsplit("/", 1)[1])
                self._reply_json(200, queries.filter_records(records, params))
        elif path == "/micro/requests":
            self._micro_get(method) and self._reply_json(200, server.store.requests())
        elif path == "/micro/reset":
            server.reset()
            self._reply_json(200, {"reset": True})
        elif path == "/micro/fault":
            if method == "GET":
                self._reply_json(200, server.faults.describe())
                return
            try:
                cfg = faults_mod.parse(codec.loads_strict(body.decode("utf-8") or "{}"))
            except (codec.DecodeError, faults_mod.FaultError, UnicodeDecodeError) as exc:
                self._reply_json(400, {"error": str(exc)})
                return
            server.faults.set(cfg)
            self._reply_json(200, {"fault": server.faults.describe()})
        else:
            self._reply_json(404, {"error": "unknown endpoint %s" % path, "endpoints": [
                "/micro/all", "/micro/good", "/micro/bad", "/micro/requests",
                "/micro/reset", "/micro/fault"]})

    def _micro_get(self, method):
        if method != "GET":
            self._reply_json(405, {"error": "use GET"})
            return False
        return True

