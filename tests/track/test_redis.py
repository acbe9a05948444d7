"""snowplow-track --redis-url: events pushed to a Redis list (the official trackers' Redis
format) instead of a collector, against a redis-server this test starts; and an unreachable
Redis (non-zero exit, summary)."""

import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import TEST_EVENT, free_port, run

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server not installed (apt-get install redis-server)")


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path_factory.mktemp("redis"))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                         text=True).stdout.strip() != "PONG":
        assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield port
    proc.terminate()
    proc.wait(10)


def items(port, key):
    out = subprocess.run(["redis-cli", "-p", str(port), "--raw", "lrange", key, "0", "-1"],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line]


def test_bulk_to_a_redis_list(redis):
    lines = "".join(json.dumps({"e": "se", "se_ca": "redis", "se_ac": str(i)}) + "\n"
                    for i in range(7))
    lines += json.dumps({"schema": TEST_EVENT, "data": {"name": "r"}}) + "\n"
    r = run("--redis-url", "redis://127.0.0.1:%d/0" % redis, "--redis-key", "cli-bulk",
            "--bulk", stdin=lines)
    assert r.code == 0, r
    got = items(redis, "cli-bulk")
    assert len(got) == 8
    assert sorted(i["se_ac"] for i in got if i["e"] == "se") == [str(i) for i in range(7)]
    for item in got:  # payload objects of strings, ready for a relay
        assert all(isinstance(v, str) for v in item.values())
        assert item["aid"] == "snowplowtrk" and item["p"] == "srv" and "stm" in item


def test_one_event_to_the_default_key(redis):
    subprocess.run(["redis-cli", "-p", str(redis), "del", "snowplow"], capture_output=True)
    r = run("--redis-url", "redis://127.0.0.1:%d" % redis, "--page-url", "https://a.example/")
    assert r.code == 0, r
    got = items(redis, "snowplow")
    assert len(got) == 1 and got[0]["e"] == "pv" and got[0]["url"] == "https://a.example/"


def test_unreachable_redis_exits_1_with_a_summary(closed_port):
    r = run("--redis-url", "redis://127.0.0.1:%d" % closed_port, "--attempts", "2",
            "--se-category", "c", "--se-action", "a")
    assert r.code == 1, r
    assert "0 of 1 events delivered" in r.err and "1 failed: redis" in r.err, r


def test_bad_redis_url_exits_2():
    r = run("--redis-url", "http://nope", "--se-category", "c", "--se-action", "a")
    assert r.code == 2 and "--redis-url" in r.err, r


def test_through_redis_and_snowplow_relay_to_the_collector(redis, collector):
    """The scale-out path: snowplow-track pushes, snowplow-relay delivers, the collector
    finds every event valid."""
    relay = os.environ.get("SNOWPLOW_RELAY") or os.path.join(
        os.path.dirname(os.environ.get("SNOWPLOW_TRACK", "")), "..", "relay", "snowplow-relay")
    if not os.path.exists(relay):
        pytest.skip("snowplow-relay is not built in this tree")
    lines = "".join(json.dumps({"e": "se", "se_ca": "relay", "se_ac": str(i)}) + "\n"
                    for i in range(5))
    lines += json.dumps({"schema": "iglu:com.acme/save_game/jsonschema/1-0-0",
                         "data": {"level": 2, "items": ["map"]}}) + "\n"
    url = "redis://127.0.0.1:%d" % redis
    r = run("--redis-url", url, "--redis-key", "to-relay", "--bulk", stdin=lines)
    assert r.code == 0, r
    proc = subprocess.Popen([relay, "--redis", url, "--key", "to-relay", "--collector",
                             collector.url, "--stats-interval", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        collector.wait_counts(6, 0, timeout=60)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert collector.counts() == {"total": 6, "good": 6, "bad": 0}, err
    assert items(redis, "to-relay") == []
