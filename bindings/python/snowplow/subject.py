"""Subject: who an event is about (snowplow-tracker 1.x names).

Backed by a thread-safe C subject: changing it while other threads track is
safe, and every event sees a consistent snapshot. Setters return the subject,
for chaining.
"""

from . import _core
from ._core import _c

DEFAULT_PLATFORM = "pc"
SUPPORTED_PLATFORMS = {"pc", "tv", "mob", "cnsl", "iot", "web", "srv", "app", "headset"}

# Protocol names readable with snowplow_subject_get(), for standard_nv_pairs.
_FIELDS = ("p", "uid", "res", "vp", "cd", "tz", "lang", "duid", "sid", "vid", "ip", "ua", "tnuid")


class Subject:
    def __init__(self):
        self._handle = _core.Owned(_c.subject_new(), _c.subject_free)

    @property
    def _ptr(self):
        return self._handle.ptr

    def _set_str(self, setter, name, value):
        setter(self._handle.ptr, _core.check_str(name, value))
        return self

    def set_platform(self, value):
        """`p`: one of pc, tv, mob, cnsl, iot, web, srv, app, headset."""
        return self._set_str(_c.subject_set_platform, "platform", value)

    def set_user_id(self, user_id):
        return self._set_str(_c.subject_set_user_id, "user_id", user_id)

    def set_screen_resolution(self, width, height):
        _c.subject_set_screen_resolution(self._handle.ptr, _core.check_int("width", width, True),
                                         _core.check_int("height", height, True))
        return self

    def set_viewport(self, width, height):
        _c.subject_set_viewport(self._handle.ptr, _core.check_int("width", width, True),
                                _core.check_int("height", height, True))
        return self

    def set_color_depth(self, depth):
        _c.subject_set_color_depth(self._handle.ptr, _core.check_int("depth", depth, True))
        return self

    def set_timezone(self, timezone):
        return self._set_str(_c.subject_set_timezone, "timezone", timezone)

    def set_lang(self, lang):
        return self._set_str(_c.subject_set_lang, "lang", lang)

    def set_domain_user_id(self, duid):
        return self._set_str(_c.subject_set_domain_user_id, "duid", duid)

    def set_domain_session_id(self, sid):
        return self._set_str(_c.subject_set_domain_session_id, "sid", sid)

    def set_domain_session_index(self, vid):
        _c.subject_set_domain_session_index(self._handle.ptr, _core.check_int("vid", vid, True))
        return self

    def set_ip_address(self, ip):
        return self._set_str(_c.subject_set_ip_address, "ip", ip)

    def set_useragent(self, ua):
        return self._set_str(_c.subject_set_useragent, "ua", ua)

    def set_network_user_id(self, nuid):
        return self._set_str(_c.subject_set_network_user_id, "nuid", nuid)

    @property
    def standard_nv_pairs(self):
        """The fields set, by protocol name, as snowplow-tracker shows them
        (`p` defaults to "pc")."""
        pairs = {"p": DEFAULT_PLATFORM}
        for field in _FIELDS:
            value = _c.subject_get(self._handle.ptr, field)
            if value is not None:
                pairs[field] = value
        return pairs

    def __repr__(self):
        return "Subject(%r)" % (self.standard_nv_pairs,)
