"""Interpreter exit with events pending: the process exits (within the bound of
the at-exit flush), the events arrive, and events that cannot be delivered are
reported to on_failure before the process ends."""

import json

from conftest import run_python

SCRIPT = """
import atexit, json, sys
import snowplow._shutdown as shutdown
from snowplow import Emitter, StructuredEvent, Tracker

counts = {"sent": 0, "failed": 0}

def on_success(events):
    counts["sent"] += len(events)

def on_failure(n, events):
    counts["failed"] += len(events)

def report():
    sys.stdout.write(json.dumps(counts) + "\\n")

# atexit runs its handlers last in, first out: registering the library's
# handler again after `report` makes `report` run once the emitters are closed.
atexit.unregister(shutdown.close_all)
atexit.register(report)
atexit.register(shutdown.close_all)

emitter = Emitter(%(url)r, batch_size=7, request_timeout=%(timeout)r,
                  on_success=on_success, on_failure=on_failure)
tracker = Tracker("exit", emitter)
for i in range(%(n)d):
    tracker.track(StructuredEvent("exit", "a", str(i)))
print("tracked", flush=True)
"""


def run(url, n=50, timeout=5):
    return run_python(SCRIPT % {"url": url, "n": n, "timeout": timeout})


def test_exit_without_flush_delivers_pending_events(collector):
    proc = run(collector.url, n=50)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "tracked"
    assert json.loads(lines[-1]) == {"sent": 50, "failed": 0}
    assert collector.counts() == {"total": 50, "good": 50, "bad": 0}
    assert sorted(int(r["event"]["se_la"]) for r in collector.good("?fields=se_la")) == list(
        range(50))


def test_exit_with_collector_down_is_bounded_and_reports(dead_url):
    proc = run(dead_url, n=20, timeout=2)
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(proc.stdout.splitlines()[-1])
    assert counts["sent"] == 0 and counts["failed"] >= 20


def test_exit_with_a_hanging_collector_is_bounded(collector):
    collector.fault(hang=True)
    proc = run(collector.url, n=10, timeout=30)
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(proc.stdout.splitlines()[-1])
    assert counts["sent"] == 0 and counts["failed"] >= 10
    collector.fault(status=200)


def test_plain_script_exits_and_delivers(collector):
    proc = run_python(
        "from snowplow import Tracker, Emitter, PageView\n"
        "t = Tracker('plain', Emitter(%r))\n"
        "for i in range(5): t.track(PageView('http://e.com/%%d' %% i))\n" % collector.url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert collector.counts()["good"] == 5


FORK_SCRIPT = """
import os, sys
from snowplow import Emitter, PageView, Tracker
from snowplow import _snowplow_c as c
url = sys.argv[1]
received = []
parent = Tracker("parent", Emitter(url, on_success=received.extend))
parent.track(PageView("http://e.com/before-fork"))
parent.flush()
pid = os.fork()
if pid == 0:
    try:
        parent.track(PageView("http://e.com/inherited"))
        sys.exit(3)  # the inherited emitter must refuse
    except RuntimeError as exc:
        assert exc.code == c.ECLOSED, exc
    child = Tracker("child", Emitter(url))
    child.track(PageView("http://e.com/child"))
    sys.exit(0)  # at-exit flush of the child's own emitter
_, status = os.waitpid(pid, 0)
parent.track(PageView("http://e.com/parent-after-fork"))
parent.flush()
print(os.waitstatus_to_exitcode(status), len(received))
"""


def test_fork_child_uses_its_own_emitter(collector):
    proc = run_python("import sys; sys.argv = ['fork', %r]\n%s" % (collector.url, FORK_SCRIPT))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0", "2"]
    urls = sorted(r["event"]["url"] for r in collector.good("?fields=url"))
    assert urls == ["http://e.com/before-fork", "http://e.com/child",
                    "http://e.com/parent-after-fork"]


def test_script_ending_in_flush_exits_with_collector_down(dead_url):
    """The issue's case: a script whose last call is tracker.flush(), with nothing
    listening, returns from flush after one attempt and exits (within the
    at-exit bound; run_python's timeout only guards against a hang)."""
    proc = run_python(
        "from snowplow import Emitter, Tracker, StructuredEvent\n"
        "t = Tracker('ns', Emitter(%r))\n"
        "t.track(StructuredEvent('exit', 'flush'))\n"
        "t.flush()\n"
        "print('flushed', flush=True)\n" % dead_url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "flushed"
