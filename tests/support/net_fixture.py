#!/usr/bin/python3
"""Network test fixture: a TLS front and an HTTP proxy for the local collector.

Makes, in --dir, a throw-away CA (ca.pem), a server certificate for 127.0.0.1 and
localhost signed by it, a client certificate signed by it, a hashed CA directory
(capath/) and the server key's pin (sha256//...), with Debian's openssl. Then
listens on 127.0.0.1 (free ports) with:
  tls   TLS with the server certificate, no client certificate asked;
  mtls  TLS that requires a client certificate signed by the CA;
  wrongname_port  TLS with a certificate from the CA for another name;
  proxy an HTTP forward proxy (absolute-form requests, and CONNECT) that adds
        "X-Test-Proxy: 1" to what it forwards, so the collector shows it;
the TLS fronts relay the decrypted bytes to the collector (--upstream port).
Writes --ready (JSON: ports and file paths) atomically once listening; SIGTERM
stops it, and it ends by itself after --lifetime seconds (default 900). Used by
tests/integration/test_emitter_network.c and binding tests.
"""
import argparse
import base64
import http.client
import http.server
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import urllib.parse

OPENSSL = "openssl"


def run(*args, **kw):
    subprocess.run([OPENSSL, *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, **kw)


def make_certs(d):
    p = lambda name: os.path.join(d, name)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", p("ca.key"), "-out", p("ca.pem"), "-days", "2",
        "-subj", "/CN=libsnowplow test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                 "extendedKeyUsage=serverAuth\n"),
                      ("client", "extendedKeyUsage=clientAuth\n"),
                      ("wrongname", "subjectAltName=DNS:wrong.example\n"
                                    "extendedKeyUsage=serverAuth\n")):
        with open(p(name + ".ext"), "w") as f:
            f.write(ext)
        run("req", "-new", *ec, "-keyout", p(name + ".key"), "-out", p(name + ".csr"),
            "-subj", "/CN=libsnowplow test " + name)
        run("x509", "-req", "-in", p(name + ".csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
            "-CAcreateserial", "-days", "2", "-extfile", p(name + ".ext"),
            "-out", p(name + ".pem"))
    os.makedirs(p("capath"), exist_ok=True)
    with open(p("ca.pem"), "rb") as src, open(p("capath/ca.pem"), "wb") as dst:
        dst.write(src.read())
    run("rehash", p("capath"))
    pub = subprocess.run([OPENSSL, "x509", "-in", p("server.pem"), "-pubkey", "-noout"],
                         check=True, capture_output=True).stdout
    der = subprocess.run([OPENSSL, "pkey", "-pubin", "-outform", "der"], input=pub,
                         check=True, capture_output=True).stdout
    digest = subprocess.run([OPENSSL, "dgst", "-sha256", "-binary"], input=der,
                            check=True, capture_output=True).stdout
    return "sha256//" + base64.b64encode(digest).decode()


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (dst, src):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def relay(conn, upstream_port):
    """Both directions between `conn` and the collector, until either closes."""
    try:
        up = socket.create_connection(("127.0.0.1", upstream_port))
    except OSError:
        conn.close()
        return
    t = threading.Thread(target=pump, args=(up, conn), daemon=True)
    t.start()
    pump(conn, up)
    t.join()
    up.close()
    conn.close()


def tls_front(ctx, upstream_port):
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)

    def serve_one(raw):
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()  # refused handshake: the client sees why
            return
        relay(conn, upstream_port)

    def loop():
        while True:
            raw, _ = lsock.accept()
            threading.Thread(target=serve_one, args=(raw,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return lsock.getsockname()[1]


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hop = {"connection", "proxy-connection", "keep-alive", "proxy-authorization", "te",
           "trailer", "upgrade"}

    def log_message(self, *args):
        pass

    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        try:
            up = socket.create_connection((host, int(port)))
        except OSError:
            self.send_error(502)
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        t = threading.Thread(target=pump, args=(up, self.connection), daemon=True)
        t.start()
        pump(self.connection, up)
        t.join()
        up.close()
        self.close_connection = True

    def forward(self):
        url = urllib.parse.urlsplit(self.path)
        if url.scheme != "http":
            self.send_error(400, "absolute http:// URL expected")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in self.hop}
        headers["X-Test-Proxy"] = "1"
        target = url.path + ("?" + url.query if url.query else "")
        up = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=60)
        try:
            up.request(self.command, target, body=body, headers=headers)
            resp = up.getresponse()
            data = resp.read()
        except OSError:
            self.send_error(502)
            return
        finally:
            up.close()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in self.hop and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = forward
    do_POST = forward


def start(upstream, folder, timeout=60):
    """Run this fixture in a child process for a test: returns (process, the ready JSON).
    Stop it with stop(process)."""
    import time
    ready = os.path.join(str(folder), "ready.json")
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--upstream",
                             str(upstream), "--dir", str(folder), "--ready", ready])
    deadline = time.monotonic() + timeout
    while not os.path.exists(ready):
        if proc.poll() is not None:
            raise RuntimeError("net_fixture.py exited")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("net_fixture.py did not start")
        time.sleep(0.05)
    with open(ready) as f:
        return proc, json.load(f)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", type=int, required=True, help="the collector's port")
    ap.add_argument("--dir", required=True, help="folder for the certificates")
    ap.add_argument("--ready", required=True, help="JSON written here once listening")
    ap.add_argument("--lifetime", type=float, default=900,
                    help="seconds after which it exits anyway (a crashed test leaves nothing)")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    d = os.path.abspath(a.dir)
    pin = make_certs(d)

    plain = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    plain.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
    mutual = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    mutual.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
    mutual.verify_mode = ssl.CERT_REQUIRED
    mutual.load_verify_locations(os.path.join(d, "ca.pem"))

    wrong = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    wrong.load_cert_chain(os.path.join(d, "wrongname.pem"), os.path.join(d, "wrongname.key"))

    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    info = {
        "tls_port": tls_front(plain, a.upstream),
        "mtls_port": tls_front(mutual, a.upstream),
        "wrongname_port": tls_front(wrong, a.upstream),
        "proxy_port": proxy.server_address[1],
        "ca_file": os.path.join(d, "ca.pem"),
        "ca_path": os.path.join(d, "capath"),
        "client_cert": os.path.join(d, "client.pem"),
        "client_key": os.path.join(d, "client.key"),
        "pin": pin,
    }
    tmp = a.ready + ".tmp"
    with open(tmp, "w") as f:
        json.dump(info, f)
    os.rename(tmp, a.ready)
    threading.Event().wait(a.lifetime)


if __name__ == "__main__":
    sys.exit(main())
