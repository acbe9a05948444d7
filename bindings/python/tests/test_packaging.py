"""The package builds offline with setup.py (Debian's setuptools, no PyPI), and
CMake installs it where Debian's python3 finds it. Both results are imported
in a fresh interpreter and used against the collector."""

import os
import shutil
import subprocess
import sys

import pytest


HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_DIR = os.path.dirname(HERE)
INCLUDE_DIR = os.environ.get("SNOWPLOW_INCLUDE_DIR")
LIBRARY_DIR = os.environ.get("SNOWPLOW_LIBRARY_DIR")
BUILD_DIR = os.environ.get("SNOWPLOW_BUILD_DIR")

USE = """
import snowplow, snowplow_tracker, sys
for module in (snowplow, snowplow_tracker):
    assert module.__file__.startswith(sys.argv[1]), module.__file__
t = snowplow.Tracker("pkg", snowplow.Emitter(sys.argv[2]))
t.track(snowplow.PageView("http://e.com/" + sys.argv[3]))
t.flush()
host, port = sys.argv[2].split("://")[1].split(":")
legacy = snowplow_tracker.Tracker(snowplow_tracker.Emitter(host, port=int(port)))
legacy.track_page_view("http://e.com/0.7.0-" + sys.argv[3])
print(snowplow.__version__)
"""


def use_package(path, collector, tag, extra_env=None):
    env = dict(os.environ, PYTHONPATH=path, **(extra_env or {}))
    proc = subprocess.run([sys.executable, "-c", USE, path, collector.url, tag],
                          capture_output=True, text=True, timeout=120, env=env, cwd="/")
    assert proc.returncode == 0, proc.stderr
    assert [r["raw"]["url"] for r in collector.good()[-2:]] == [
        "http://e.com/" + tag, "http://e.com/0.7.0-" + tag]
    return proc.stdout.strip()


@pytest.mark.skipif(not (INCLUDE_DIR and LIBRARY_DIR) or shutil.which("swig") is None,
                    reason="needs SNOWPLOW_INCLUDE_DIR, SNOWPLOW_LIBRARY_DIR (set by CTest) "
                           "and swig")
def test_setup_py_builds_offline(tmp_path, collector):
    env = dict(os.environ, SNOWPLOW_INCLUDE_DIR=INCLUDE_DIR, SNOWPLOW_LIBRARY_DIR=LIBRARY_DIR)
    before = sorted(os.listdir(PACKAGE_DIR))
    proc = subprocess.run([sys.executable, "setup.py", "-q", "egg_info", "--egg-base",
                           str(tmp_path), "build", "--build-base", str(tmp_path)],
                          cwd=PACKAGE_DIR, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(os.listdir(PACKAGE_DIR)) == before  # nothing written to the sources
    (lib,) = [p for p in tmp_path.iterdir() if p.name.startswith("lib.")]
    assert any(name.startswith("_snowplow_c.") for name in os.listdir(lib / "snowplow"))
    assert "tracker.py" in os.listdir(lib / "snowplow_tracker")
    assert use_package(str(lib), collector, "setup-py")


@pytest.mark.skipif(not BUILD_DIR, reason="needs SNOWPLOW_BUILD_DIR (set by CTest)")
def test_cmake_installs_into_debian_dist_packages(tmp_path, collector):
    env = dict(os.environ, DESTDIR=str(tmp_path))
    proc = subprocess.run(["cmake", "--install", BUILD_DIR, "--component", "python",
                           "--prefix", "/usr"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = tmp_path / "usr" / "lib" / "python3" / "dist-packages"
    names = sorted(os.listdir(site / "snowplow"))
    assert "__init__.py" in names and "tracker.py" in names
    assert {"__init__.py", "tracker.py", "emitters.py", "subject.py", "payload.py",
            "_version.py", "self_describing_json.py"} <= set(os.listdir(site / "snowplow_tracker"))
    assert any(n.startswith("_snowplow_c.cpython-") and n.endswith(".so") for n in names)
    assert (tmp_path / "usr" / "share" / "doc" / "python3-snowplow" / "copyright").exists()
    # Installed for /usr, the extension carries no build-tree path: it finds
    # libsnowplow.so.0 where the loader looks (here: pointed at the build).
    out = subprocess.run(["readelf", "-d"] + [str(site / "snowplow" / n) for n in names
                                              if n.endswith(".so")],
                         capture_output=True, text=True).stdout
    assert BUILD_DIR not in out
    assert use_package(str(site), collector, "installed",
                       {"LD_LIBRARY_PATH": LIBRARY_DIR or ""})
