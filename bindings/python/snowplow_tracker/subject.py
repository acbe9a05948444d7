"""Subject with snowplow-tracker 0.7.0's and 0.8's setters and their contracts, on the
C subject of the snowplow package (thread-safe: every event sees a consistent
snapshot)."""

from snowplow.subject import DEFAULT_PLATFORM, Subject as _Subject

from . import _contracts

# 0.7.0 had the first five; 0.8 added web, srv and app.
SUPPORTED_PLATFORMS = {"pc", "tv", "mob", "cnsl", "iot", "web", "srv", "app"}

__all__ = ["Subject", "SUPPORTED_PLATFORMS", "DEFAULT_PLATFORM"]


class Subject(_Subject):
    def _set_str(self, setter, name, value):
        _contracts.string(name, value)  # 0.7.0: a str, None included
        return super()._set_str(setter, name, value)

    def set_platform(self, value):
        """One of SUPPORTED_PLATFORMS (0.8's platforms)."""
        if _contracts.enabled() and value not in SUPPORTED_PLATFORMS:
            raise ValueError("platform must be one of %s, not %r"
                             % (", ".join(sorted(SUPPORTED_PLATFORMS)), value))
        return super().set_platform(value)

    def set_screen_resolution(self, width, height):
        _contracts.integer("width", width, 1)
        _contracts.integer("height", height, 1)
        return super().set_screen_resolution(width, height)

    def set_viewport(self, width, height):
        _contracts.integer("width", width, 1)
        _contracts.integer("height", height, 1)
        return super().set_viewport(width, height)
