"""Build the `snowplow` package (and `snowplow_tracker`, the drop-in for
snowplow-tracker 0.7.0 on top of it) offline: SWIG turns ../snowplow.i into the C
extension snowplow._snowplow_c (compiled with the binding's own C in src/),
linked with libsnowplow.

Where libsnowplow is found, first match wins:
  SNOWPLOW_INCLUDE_DIR / SNOWPLOW_LIBRARY_DIR  (e.g. a source checkout and its
                                                CMake build: core/include and
                                                BUILD/core); the library folder
                                                is also recorded as RPATH
  pkg-config snowplow                          (an installed libsnowplow-dev)
  ../../core/include with the system linker path

    python3 setup.py build
    SNOWPLOW_LIBRARY_DIR=$PWD/../../build/core python3 setup.py build_ext --inplace
"""

import os
import re
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
INTERFACE = os.path.join(ROOT, "bindings", "snowplow.i")
# The binding's own C next to the SWIG wrapper (the JSON encoder, py_json.c).
C_SOURCE_DIR = os.path.join(HERE, "src")
C_SOURCES = sorted(os.path.join(C_SOURCE_DIR, name) for name in os.listdir(C_SOURCE_DIR)
                   if name.endswith(".c"))


def pkg_config(variable):
    try:
        out = subprocess.run(["pkg-config", "--variable=" + variable, "snowplow"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return out or None
    except (OSError, subprocess.CalledProcessError):
        return None


INCLUDE_DIR = (os.environ.get("SNOWPLOW_INCLUDE_DIR") or pkg_config("includedir")
               or os.path.join(ROOT, "core", "include"))
LIBRARY_DIR = os.environ.get("SNOWPLOW_LIBRARY_DIR") or pkg_config("libdir")


def version():
    with open(os.path.join(INCLUDE_DIR, "snowplow", "common.h"), encoding="utf-8") as f:
        return re.search(r'#define SNOWPLOW_VERSION_STRING "([^"]+)"', f.read()).group(1)


class build_swig_ext(build_ext):
    """Run SWIG into the build folder (not the source tree), then compile."""

    def run(self):
        out_dir = os.path.join(self.build_temp, "swig")
        os.makedirs(out_dir, exist_ok=True)
        wrapper = os.path.join(out_dir, "snowplow_c_wrap.c")
        self.spawn(["swig", "-python", "-threads", "-I" + INCLUDE_DIR, "-o", wrapper,
                    "-outdir", out_dir, INTERFACE])
        for ext in self.extensions:
            ext.sources = [wrapper] + C_SOURCES
        super().run()


extension = Extension(
    "snowplow._snowplow_c",
    sources=[],  # filled in by build_swig_ext
    include_dirs=[INCLUDE_DIR, C_SOURCE_DIR],
    library_dirs=[LIBRARY_DIR] if LIBRARY_DIR else [],
    runtime_library_dirs=[LIBRARY_DIR] if os.environ.get("SNOWPLOW_LIBRARY_DIR") else [],
    libraries=["snowplow"],
    extra_compile_args=["-fno-strict-aliasing"],
)

setup(version=version(), packages=["snowplow", "snowplow_tracker"], ext_modules=[extension],
      cmdclass={"build_ext": build_swig_ext})
