"""Fixtures for the snowplow-track tests: the local collector (the collector suite's own
fixtures, loaded from tests/collector/conftest.py) and a runner for the tool."""

import importlib.util
import os
import subprocess
import sys

import pytest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "collector_fixtures", os.path.join(HERE, "..", "collector", "conftest.py"))
collector_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(collector_fixtures)

TRACK = os.environ.get("SNOWPLOW_TRACK",
                       os.path.join(HERE, "..", "..", "build", "tools", "track", "snowplow-track"))
TEST_EVENT = collector_fixtures.TEST_EVENT
TEST_ENTITY = collector_fixtures.TEST_ENTITY
b64url = collector_fixtures.b64url
unstruct = collector_fixtures.unstruct
contexts = collector_fixtures.contexts


class Result:
    def __init__(self, proc):
        self.code, self.out, self.err = proc.returncode, proc.stdout, proc.stderr

    def __repr__(self):
        return "exit %d\nstdout: %s\nstderr: %s" % (self.code, self.out, self.err)


def run(*args, stdin=None, timeout=120):
    """snowplow-track with these arguments; its exit status, stdout and stderr."""
    proc = subprocess.run([TRACK, *map(str, args)], input=stdin, capture_output=True,
                          text=True, timeout=timeout)
    return Result(proc)


@pytest.fixture(scope="module")
def collector_process(tmp_path_factory):
    c = collector_fixtures.start_collector(tmp_path_factory.mktemp("collector"))
    yield c
    stderr = collector_fixtures.stop_collector(c)
    assert "Traceback" not in stderr, stderr


@pytest.fixture
def collector(collector_process):
    collector_process.request("POST", "/micro/reset")
    collector_process.url = "http://127.0.0.1:%d" % collector_process.port
    return collector_process


def free_port():
    """A loopback port nobody listens on (the kernel's pick)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def closed_port():
    return free_port()
