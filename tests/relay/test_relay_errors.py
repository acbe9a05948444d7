"""Configuration errors have names: wrong password, wrong key type, unreachable host,
bad URLs and options. The relay exits at once (status 2; 1 for --give-up)."""

import pytest

from conftest import RedisServer, closed_port, run_relay


@pytest.fixture
def locked_redis(tmp_path):
    server = RedisServer(tmp_path / "locked", password="s3cret").start()
    yield server
    server.stop()


@pytest.mark.parametrize("auth,says", [(":wrong@", "WRONGPASS"), ("", "NOAUTH")])
def test_wrong_or_missing_password(tmp_path, locked_redis, collector, auth, says):
    url = f"redis://{auth}127.0.0.1:{locked_redis.port}"
    rc, err = run_relay(tmp_path, "--redis", url, "--key", "ev", "--collector",
                        collector.url(), "--once", timeout=60)
    assert rc == 2, err
    assert "authentication failed" in err and says in err


def test_right_password_and_db(tmp_path, locked_redis, collector):
    client = locked_redis.client()
    client.execute_command("SELECT", 3)
    rc, err = run_relay(tmp_path, "--redis", f"redis://:s3cret@127.0.0.1:{locked_redis.port}/3",
                        "--key", "ev", "--collector", collector.url(), "--once", timeout=60)
    assert rc == 0, err


@pytest.mark.parametrize("which", ["ev", "ev:processing:x", "ev:processing:x:0", "ev:dead"])
def test_wrong_key_type(tmp_path, redis_server, collector, which):
    redis_server.client().set(which, "a string")
    rc, err = run_relay(tmp_path, "--redis", redis_server.url(), "--key", "ev", "--id", "x",
                        "--collector", collector.url(), "--once", timeout=60)
    assert rc == 2, err
    assert f"key '{which}' holds a string, not a list (WRONGTYPE)" in err


def test_key_holding_a_hash(tmp_path, redis_server, collector):
    redis_server.client().hset("ev", "a", "b")
    rc, err = run_relay(tmp_path, "--redis", redis_server.url(), "--key", "ev",
                        "--collector", collector.url(), "--once", timeout=60)
    assert rc == 2 and "holds a hash" in err


def test_unreachable_host(tmp_path, collector):
    holder, port = closed_port()
    rc, err = run_relay(tmp_path, "--redis", f"redis://127.0.0.1:{port}", "--key", "ev",
                        "--collector", collector.url(), "--give-up", "1", timeout=60)
    assert rc == 1, err
    assert f"redis redis://127.0.0.1:{port}/0: cannot connect: Connection refused" in err
    assert "giving up" in err
    holder.close()


def test_unix_socket_missing(tmp_path, collector):
    rc, err = run_relay(tmp_path, "--redis", f"unix://{tmp_path}/none.sock", "--key", "ev",
                        "--collector", collector.url(), "--give-up", "0.5", timeout=60)
    assert rc == 1 and "none.sock?db=0: cannot connect: No such file" in err


@pytest.mark.parametrize("args,says", [
    (["--redis", "http://x", "--key", "k", "--collector", "c"], "unknown scheme"),
    (["--redis", "redis://h:99999", "--key", "k", "--collector", "c"], "port: not a number in 1..65535"),
    (["--redis", "redis://h/x", "--key", "k", "--collector", "c"], "db: not a number"),
    (["--redis", "rediss://h", "--key", "k", "--collector", "c"], "TLS"),
    (["--redis", "redis://h", "--key", "k", "--collector", "ftp://c"], "--collector"),
    (["--redis", "redis://h", "--key", "k"], "required"),
    (["--redis", "redis://h", "--key", "k", "--collector", "c", "--batch", "0"], "--batch"),
    (["--redis", "redis://h", "--key", "k", "--collector", "c", "--method", "put"],
     "post or get"),
    (["--redis", "redis://h", "--key", "k", "--collector", "c", "--bogus"], "--bogus"),
    (["--redis", "redis://h", "--key", "k", "--collector", "c", "--max-inflight", "0"],
     "--max-inflight '0': a whole number from 1 to 1024"),
])
def test_bad_arguments(tmp_path, args, says):
    rc, err = run_relay(tmp_path, *args, timeout=60)
    assert rc == 2, err
    assert says in err
