"""snowplow-track's network flags end to end: a TLS front for the local collector with a CA
made for the test, one that asks for a client certificate, an HTTP proxy
(tests/support/net_fixture.py), extra headers and the User-Agent as the collector sees them."""

import json
import os
import sys

import pytest

from conftest import HERE, TEST_EVENT, run

SD = json.dumps({"schema": TEST_EVENT, "data": {"name": "net"}})
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import net_fixture  # noqa: E402  (tests/support)


@pytest.fixture(scope="module")
def net(collector_process, tmp_path_factory):
    proc, info = net_fixture.start(collector_process.port, tmp_path_factory.mktemp("net"))
    yield info
    net_fixture.stop(proc)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_headers_and_user_agent(collector, method):
    r = run("-c", collector.url, "-m", method, "--sdjson", SD, "--header", "Authorization: Bearer t0k",
            "--header", "X-Tenant:acme", "--user-agent", "nightly-job/1.0",
            "--useragent", "event-ua")
    assert r.code == 0, r
    headers = collector.requests()[0]["headers"]
    assert headers["authorization"] == "Bearer t0k" and headers["x-tenant"] == "acme"
    assert headers["user-agent"] == "nightly-job/1.0"
    assert collector.good()[0]["raw"]["ua"] == "event-ua"  # the event's field, not the header


def test_tls_needs_the_ca_and_checks_the_pin(collector, net):
    url = "https://127.0.0.1:%d" % net["tls_port"]
    r = run("-c", url, "--sdjson", SD, "--attempts", "1")
    assert r.code == 1 and "0 of 1 events delivered" in r.err, r
    assert collector.counts()["total"] == 0
    r = run("-c", url, "--sdjson", SD, "--ca-file", net["ca_file"], "--pinned-public-key",
            net["pin"])
    assert r.code == 0, r
    r = run("-c", url, "--sdjson", SD, "--ca-file", net["ca_file"], "--attempts", "1",
            "--pinned-public-key", "sha256//" + "A" * 43 + "=")
    assert r.code == 1 and "pinned public key" in r.err, r
    r = run("-c", url, "--sdjson", SD, "--insecure")
    assert r.code == 0, r
    assert collector.counts()["good"] == 2


def test_client_certificate_and_ca_path(collector, net):
    url = "https://127.0.0.1:%d" % net["mtls_port"]
    r = run("-c", url, "--sdjson", SD, "--ca-path", net["ca_path"], "--attempts", "1")
    assert r.code == 1, r
    r = run("-c", url, "--sdjson", SD, "--ca-path", net["ca_path"],
            "--client-cert", net["client_cert"], "--client-key", net["client_key"])
    assert r.code == 0, r
    assert collector.counts()["good"] == 1


def test_proxy(collector, net):
    r = run("-c", collector.url, "--sdjson", SD, "--proxy",
            "http://127.0.0.1:%d" % net["proxy_port"])
    assert r.code == 0, r
    assert collector.requests()[0]["headers"].get("x-test-proxy") == "1"


@pytest.mark.parametrize("args, message", [
    (["--ca-file", "/nonexistent/ca.pem"], "--ca-file"),
    (["--ca-path", "/nonexistent"], "--ca-path"),
    (["--client-key", "/etc/hostname"], "--client-cert"),
    (["--pinned-public-key", "sha256//???"], "--pinned-public-key"),
    (["--proxy", "gopher://x"], "--proxy"),
    (["--header", "Content-Length: 3"], "--header"),
    (["--user-agent", ""], "--user-agent"),
])
def test_bad_network_values_exit_2(collector, args, message):
    r = run("-c", collector.url, "--sdjson", SD, *args)
    assert r.code == 2 and message in r.err, r
    assert collector.counts()["total"] == 0
