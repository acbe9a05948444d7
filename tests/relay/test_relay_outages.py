"""Outages: Redis down at start, Redis restarting mid-run, the collector down. Nothing is
lost and every outage is reported on stderr."""

import collections
import signal
import time

import pytest

from conftest import (SANITIZED, Collector, Relay, RedisServer, closed_port, held, push,
                      se_payload, wait_until)


def test_redis_down_at_start(tmp_path, collector):
    server = RedisServer(tmp_path / "redis")
    relay = Relay(tmp_path, server.url(), "ev", collector.url(), "--id", "early").start()
    try:
        wait_until("the relay to report Redis down",
                   lambda: "cannot connect" in relay.text(), 60)
        assert relay.proc.poll() is None  # still trying
        server.start()
        eids = push(server.client(), "ev", [se_payload(i) for i in range(2000)])
        collector.wait_good(2000)
        relay.signal(signal.SIGTERM)
        assert relay.wait(60) == 0, relay.text()
        assert sorted(collector.good_eids()) == sorted(eids)
        assert "connected again" in relay.text()
    finally:
        relay.kill()
        server.stop()


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_redis_restart_mid_run(tmp_path, redis_server, collector, how):
    """Redis goes away three times while the relay works (SIGTERM, or SIGKILL so that
    answers are lost with commands already done): every event arrives."""
    n = 10000 if SANITIZED else 30000
    eids = push(redis_server.client(), "ev", [se_payload(i) for i in range(n)])
    relay = Relay(tmp_path, redis_server.url(), "ev", collector.url(), "--id", "r",
                  "--batch", "10", "--take", "100", "--window", "500",
                  "--stats-interval", "1").start()
    try:
        for k in range(1, 4):
            collector.wait_good(n * k // 5, timeout=300)
            getattr(redis_server, how)()
            time.sleep(0.5)
            redis_server.start()
        collector.wait_good(n, timeout=600)
        wait_until("the claimed lists to empty",
                   lambda: held(redis_server.client(), "ev", "r") == 0, 120)
        relay.signal(signal.SIGTERM)
        assert relay.wait(60) == 0, relay.text()
    finally:
        relay.kill()
    got = collections.Counter(collector.good_eids())
    assert set(got) == set(eids)
    # Each loss the relay met is reported (it may miss a restart while it had
    # nothing to ask Redis, its window full).
    losses = [line for line in relay.text().splitlines()
              if "connection lost" in line and "retrying" not in line]
    assert len(losses) >= 1
    # (a server still loading its data answers LOADING: also a loss, reconnected)
    assert relay.text().count("connected again") >= len(losses)
    assert "warning" not in relay.text()  # the claimed lists never disagreed
    client = redis_server.client()
    assert client.llen("ev") == 0 and held(client, "ev", "r") == 0
    assert collector.counts()["bad"] == 0


def test_collector_down_then_up(tmp_path, redis_server):
    holder, port = closed_port()
    collector = Collector(tmp_path, port)
    eids = push(redis_server.client(), "ev", [se_payload(i) for i in range(1000)])
    relay = Relay(tmp_path, redis_server.url(), "ev", f"http://127.0.0.1:{port}", "--id", "c",
                  "--stats-interval", "0.5").start()
    try:
        wait_until("retries to be reported", lambda: "retried 0," not in relay.text()
                   and "retried" in relay.text(), 60)
        assert held(redis_server.client(), "ev", "c") == 1000  # held, not lost
        holder.close()
        collector.start()
        collector.wait_good(1000, timeout=300)
        relay.signal(signal.SIGTERM)
        assert relay.wait(60) == 0, relay.text()
        assert sorted(collector.good_eids()) == sorted(eids)
        assert held(redis_server.client(), "ev", "c") == 0
        assert "delivered 1000" in relay.text()
    finally:
        relay.kill()
        collector.stop()
