"""The snowplow-tracker version whose API this package reproduces, and the
libsnowplow version it runs on."""

from snowplow._core import VERSION as __libsnowplow_version__

__version_info__ = (0, 7, 0)
__version__ = ".".join(str(x) for x in __version_info__)
