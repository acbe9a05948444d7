"""HTTP-level behaviour: body framings, malformed requests that must not hurt the server,
process start and stop."""

import gzip
import json
import signal
import socket
import subprocess
import sys

import pytest

from conftest import COLLECTOR, PAYLOAD_DATA, TP2, event, start_collector, stop_collector


def raw_exchange(collector, data, timeout=10):
    """Send raw bytes on a fresh connection; return everything received until close/timeout."""
    sock = socket.create_connection(("127.0.0.1", collector.port), timeout=timeout)
    try:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        sock.close()


def body_of(*events):
    return json.dumps({"schema": PAYLOAD_DATA, "data": list(events)}).encode()


def test_chunked_body(collector):
    body = body_of(event("se"), event("pv"))
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 50]), body[i:i + 50])
                       for i in range(0, len(body), 50)) + b"0\r\n\r\n"
    head = ("POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n" % TP2).encode()
    reply = raw_exchange(collector, head + chunked)
    assert reply.startswith(b"HTTP/1.1 200")
    assert collector.counts() == {"total": 2, "good": 2, "bad": 0}
    assert collector.requests()[0]["bytes"] == len(body)


def test_gzip_body(collector):
    body = gzip.compress(body_of(event("se")))
    resp = collector.request("POST", TP2, body, {"Content-Encoding": "gzip"})
    assert resp.status == 200 and collector.counts()["good"] == 1


def test_expect_100_continue(collector):
    body = body_of(event("se"))
    head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nExpect: 100-continue\r\n"
            "Connection: close\r\n\r\n" % (TP2, len(body))).encode()
    reply = raw_exchange(collector, head + body)
    assert reply.startswith(b"HTTP/1.1 100 Continue")
    assert b"HTTP/1.1 200" in reply
    assert collector.counts()["good"] == 1


@pytest.mark.parametrize("data", [
    b"GARBAGE\r\n\r\n",
    b"POST /com.snowplowanalytics.snowplow/tp2 HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
    b"POST /com.snowplowanalytics.snowplow/tp2 HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort",
    b"POST /com.snowplowanalytics.snowplow/tp2 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"POST /com.snowplowanalytics.snowplow/tp2 HTTP/1.1\r\nContent-Encoding: gzip\r\n"
    b"Content-Length: 4\r\n\r\nnope",
    b"POST /com.snowplowanalytics.snowplow/tp2 HTTP/1.1\r\nContent-Length: 3\r\n\r\n\xff\xfe\xfd",
    b"GET /i?%ZZ=%G0 HTTP/1.1\r\n\r\n",
    b"POST /micro/fault HTTP/1.1\r\nContent-Length: 1\r\n\r\n{",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello
    b"",
], ids=["garbage", "bad-length", "short-body", "bad-chunk", "bad-gzip", "not-utf8",
        "bad-percent", "bad-fault-json", "tls", "empty"])
def test_malformed_requests_do_not_hurt_the_server(collector, data):
    raw_exchange(collector, data, timeout=5)
    assert collector.counts()["total"] in (0, 1)  # still answering
    assert collector.tp2([event("se")]).status == 200


def test_bad_content_length_answers_400(collector):
    reply = raw_exchange(collector, ("POST %s HTTP/1.1\r\nContent-Length: -5\r\n\r\n" % TP2).encode())
    assert reply.startswith(b"HTTP/1.1 400")
    assert collector.requests()[0]["status"] == 400


def test_health(collector):
    assert collector.request("GET", "/health").status == 200
    assert collector.requests() == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_process_cleanly(tmp_path, sig):
    c = start_collector(tmp_path)
    assert c.tp2([event("se")]).status == 200
    c.proc.send_signal(sig)
    assert c.proc.wait(10) == 0
    assert "Traceback" not in stop_collector(c)


def test_sigterm_while_a_request_hangs(tmp_path):
    c = start_collector(tmp_path)
    c.fault(hang=True)
    sock = socket.create_connection(("127.0.0.1", c.port))
    try:
        sock.sendall(b"GET /i?e=pv HTTP/1.1\r\n\r\n")
        c.proc.send_signal(signal.SIGTERM)
        assert c.proc.wait(10) == 0
    finally:
        sock.close()
        stop_collector(c)


def test_bad_schema_folder_fails_at_start(tmp_path):
    proc = subprocess.run([sys.executable, COLLECTOR, "--port", "0", "--schemas",
                           str(tmp_path / "none")], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert "cannot start" in proc.stderr and "schema folder not found" in proc.stderr


def test_port_in_use_fails_at_start(collector):
    proc = subprocess.run([sys.executable, COLLECTOR, "--port", str(collector.port), "--quiet"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and "cannot start" in proc.stderr
