"""The snowplow-tracker version whose API this package reproduces, and the
libsnowplow version it runs on."""

from snowplow._core import VERSION as __libsnowplow_version__

# The API is 0.8.4's, which includes 0.7.0's (docs/python.md, Porting).
__version_info__ = (0, 8, 4)
__version__ = ".".join(str(x) for x in __version_info__)
__build_version__ = __version__ + ""
