"""At least once: a relay killed with SIGKILL loses nothing (its processing list is
re-queued by the next start with the same --id) and repeats at most what it had in
flight; two relays on one list deliver every event exactly once."""

import collections
import signal

import pytest

from conftest import SANITIZED, Relay, closed_port, held, push, run_relay, se_payload, wait_until

EVENTS = 20000 if SANITIZED else 100000


@pytest.mark.parametrize("claim", ["0", "200000"])
def test_kill9_then_restart_loses_nothing(tmp_path, redis_server, collector, claim):
    """--claim 0: the relay moves 500 items per claim; 200000: its first claim takes the
    whole list (RENAME). Either way a crash strands nothing for good and repeats at most
    what was in flight (the window)."""
    client = redis_server.client()
    eids = push(client, "ev", [se_payload(i) for i in range(EVENTS)])
    window = 2000
    relay = Relay(tmp_path, redis_server.url(), "ev", collector.url(), "--id", "crashy",
                  "--window", str(window), "--batch", "50", "--claim", claim,
                  "--stats-interval", "1").start()
    collector.wait_good(EVENTS // 3, timeout=600)
    relay.signal(signal.SIGKILL)
    relay.wait()
    in_flight = held(client, "ev", "crashy")
    assert 0 < in_flight <= (window + 500 if claim == "0" else EVENTS)
    if claim != "0":
        assert client.llen("ev") == 0  # the whole list was claimed
    assert client.llen("ev") + in_flight + collector.counts()["good"] >= EVENTS

    rc, err = run_relay(tmp_path, "--redis", redis_server.url(), "--key", "ev",
                        "--collector", collector.url(), "--id", "crashy", "--once",
                        timeout=900)
    assert rc == 0, err
    assert f"re-queued {in_flight} items" in err
    got = collections.Counter(collector.good_eids())
    assert set(got) == set(eids)  # every event arrived
    duplicates = sum(n - 1 for n in got.values())
    assert duplicates <= min(in_flight, window)
    assert collector.counts()["bad"] == 0
    assert client.llen("ev") == 0 and held(client, "ev", "crashy") == 0


def test_two_relays_share_the_list_exactly_once(tmp_path, redis_server, collector):
    client = redis_server.client()
    n = 10000 if SANITIZED else 40000
    eids = push(client, "ev", [se_payload(i) for i in range(n)])
    relays = [Relay(tmp_path, redis_server.url(), "ev", collector.url(), "--id", f"r{k}",
                    "--once", "--take", "100", name=f"relay{k}").start() for k in (1, 2)]
    for r in relays:
        assert r.wait(900) == 0, r.text()
    got = collections.Counter(collector.good_eids())
    assert set(got) == set(eids)
    assert max(got.values()) == 1  # exactly once
    finished = [r.text().split("finished: ")[1] for r in relays]
    taken = [int(f.split("taken ")[1].split()[0]) for f in finished]
    returned = [int(f.split("returned ")[1].split(",")[0]) for f in finished]
    # Every item read once: none given back to the list and read again (a full
    # emitter queue once bounced a few).
    assert sum(taken) == n and sum(returned) == 0, [r.text()[-3000:] for r in relays]
    assert client.keys("ev*") == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_returns_in_flight_items(tmp_path, redis_server, sig):
    """With the collector unreachable, SIGTERM or SIGINT ends the relay within its bound, exit 0,
    and every item it held is back at the head of the list, in order."""
    client = redis_server.client()
    holder, port = closed_port()  # the collector is down
    payloads = [se_payload(i) for i in range(500)]
    push(client, "ev", payloads)
    before = client.lrange("ev", 0, -1)
    relay = Relay(tmp_path, redis_server.url(), "ev", f"http://127.0.0.1:{port}", "--id", "t",
                  "--shutdown-timeout", "1").start()
    wait_until("the relay to take the items", lambda: client.llen("ev") == 0, 60)
    relay.signal(sig)
    assert relay.wait(60) == 0, relay.text()
    assert client.lrange("ev", 0, -1) == before
    assert held(client, "ev", "t") == 0
    assert "returned 500" in relay.text()
    holder.close()


def test_store_keeps_unsent_at_shutdown(tmp_path, redis_server, collector):
    """With --store, what is unsent at SIGTERM moves from Redis into the SQLite file, and
    the next run with that file delivers it: nothing lost, nothing twice."""
    client = redis_server.client()
    holder, port = closed_port()
    store = str(tmp_path / "relay.db")
    eids = push(client, "ev", [se_payload(i) for i in range(300)])
    relay = Relay(tmp_path, redis_server.url(), "ev", f"http://127.0.0.1:{port}", "--id", "s",
                  "--store", store, "--shutdown-timeout", "1").start()
    wait_until("the relay to take the items", lambda: client.llen("ev") == 0, 60)
    relay.signal(signal.SIGTERM)
    assert relay.wait(60) == 0, relay.text()
    holder.close()
    assert "stored 300" in relay.text()
    assert client.llen("ev") == 0 and held(client, "ev", "s") == 0

    rc, err = run_relay(tmp_path, "--redis", redis_server.url(), "--key", "ev", "--id", "s",
                        "--collector", collector.url(), "--store", store, "--once")
    assert rc == 0, err
    collector.wait_good(300)
    got = collections.Counter(collector.good_eids())
    assert set(got) == set(eids) and max(got.values()) == 1
