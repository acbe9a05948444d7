"""The example scripts of examples/python run against the collector."""

import os

import pytest

from conftest import ROOT, run_python

EXAMPLES = os.path.join(ROOT, "examples", "python")


@pytest.mark.parametrize("name, events", [("track_events.py", 5), ("callbacks.py", 7),
                                          ("threads.py", 4000)])
def test_example_runs(collector, name, events):
    with open(os.path.join(EXAMPLES, name), encoding="utf-8") as f:
        code = f.read()
    proc = run_python("import sys; sys.argv = ['%s', %r]\n%s" % (name, collector.url, code))
    assert proc.returncode == 0, proc.stderr
    assert collector.counts() == {"total": events, "good": events, "bad": 0}
    if name == "callbacks.py":
        assert proc.stdout.count("delivered") == 3  # batches of 3, 3 and 1
