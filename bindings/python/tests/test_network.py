"""The network keywords end to end: a TLS front for the local collector with a CA
made for the test, one asking for a client certificate, and an HTTP proxy
(tests/support/net_fixture.py); extra headers and the User-Agent as the
collector receives them."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from snowplow import Emitter, StructuredEvent, Tracker

from conftest import ROOT, WAIT

FIXTURE = os.path.join(ROOT, "tests", "support", "net_fixture.py")


@pytest.fixture(scope="module")
def net(collector_process, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("net")
    ready = tmp / "ready.json"
    proc = subprocess.Popen([sys.executable, FIXTURE, "--upstream", str(collector_process.port),
                             "--dir", str(tmp), "--ready", str(ready)])
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert proc.poll() is None, "net_fixture.py exited"
        assert time.monotonic() < deadline, "net_fixture.py did not start"
        time.sleep(0.05)
    yield json.loads(ready.read_text())
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)


def send_one(emitter_args, recorder):
    emitter = Emitter(on_success=recorder.on_success, on_failure=recorder.on_failure,
                      max_retry_delay_seconds=1, **emitter_args)
    tracker = Tracker("ns", emitter)
    tracker.track(StructuredEvent("net", "one"))
    recorder.wait(lambda: recorder.sent or recorder.failures)
    emitter.close(timeout=10)


def test_headers_and_user_agent_arrive(collector, recorder):
    for method in ("post", "get"):
        collector.reset()
        send_one(dict(endpoint=collector.url, method=method,
                      headers={"Authorization": "Bearer t0k3n", "X-Tenant": "acme"},
                      user_agent="my-app/2.1"), recorder)
        collector.wait_counts(1)
        headers = collector.requests()[0]["headers"]
        assert headers["authorization"] == "Bearer t0k3n"
        assert headers["x-tenant"] == "acme"
        assert headers["user-agent"] == "my-app/2.1"


def test_tls_needs_the_ca(collector, recorder, net):
    url = "https://127.0.0.1:%d" % net["tls_port"]
    send_one(dict(endpoint=url), recorder)
    assert recorder.failures and not recorder.sent  # refused: unknown CA
    assert collector.counts()["total"] == 0

    recorder.failures.clear()
    send_one(dict(endpoint=url, ca_file=net["ca_file"],
                  pinned_public_key=net["pin"]), recorder)
    assert len(recorder.sent) == 1 and not recorder.failures
    collector.wait_counts(1)


def test_client_certificate(collector, recorder, net):
    send_one(dict(endpoint="https://127.0.0.1:%d" % net["mtls_port"], ca_path=net["ca_path"],
                  client_cert=net["client_cert"], client_key=net["client_key"]), recorder)
    assert len(recorder.sent) == 1
    collector.wait_counts(1)


def test_proxy_sees_the_requests(collector, recorder, net):
    send_one(dict(endpoint=collector.url, proxy="http://127.0.0.1:%d" % net["proxy_port"]),
             recorder)
    collector.wait_counts(1)
    assert collector.requests()[0]["headers"].get("x-test-proxy") == "1"


def test_insecure_must_be_said(collector, recorder, net):
    with pytest.raises(TypeError, match="insecure_skip_tls_verify must be bool"):
        Emitter(collector.url, insecure_skip_tls_verify="yes")
    send_one(dict(endpoint="https://127.0.0.1:%d" % net["tls_port"],
                  insecure_skip_tls_verify=True), recorder)
    assert len(recorder.sent) == 1


def test_bad_values_name_the_option(collector):
    with pytest.raises(Exception, match="set_ca_file: path: cannot read"):
        Emitter(collector.url, ca_file="/nonexistent.pem")
    with pytest.raises(Exception, match="cannot be set this way"):
        Emitter(collector.url, headers={"Content-Type": "text/plain"})
    with pytest.raises(TypeError, match="headers must be a dict"):
        Emitter(collector.url, headers=[("a", "b")])
    with pytest.raises(TypeError, match="unexpected keyword"):
        Emitter(collector.url, no_such_option=1)
