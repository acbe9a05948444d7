"""Fault injection for tracker-protocol requests, set through POST /micro/fault.

{"status": 500, "delay_ms": 0, "drop": false, "hang": false, "retry_after": null,
 "count": -1, "fail_every": 0}
- the next `count` requests (-1: until reset or a new fault) get the fault;
- with `fail_every` N, only every Nth request (counted from when the fault was set) does,
  and `count` then limits how many of those;
- status defaults to 500, or to 200 when only `delay_ms` / `retry_after` are given;
- drop: true reads the request then closes without answering; drop: "mid_body" closes after
  reading part of the body; hang: true never answers (until the client leaves, a reset, a
  new fault, or 120 s).
{} or {"status": 200} clears it.
"""

import threading

KEYS = {"status", "delay_ms", "drop", "hang", "retry_after", "count", "fail_every"}
HANG_LIMIT_S = 120.0
MAX_DELAY_MS = 600_000


class FaultError(ValueError):
    pass


class Action:
    """What to do with one request."""
    __slots__ = ("status", "delay_ms", "drop", "hang", "retry_after", "wake")

    def __init__(self, cfg, wake):
        self.status = cfg["status"]
        self.delay_ms = cfg["delay_ms"]
        self.drop = cfg["drop"]
        self.hang = cfg["hang"]
        self.retry_after = cfg["retry_after"]
        self.wake = wake  # set when the fault is replaced or reset: hung requests give up


def _int(cfg, key, default, lo, hi):
    value = cfg.get(key, default)
    if value is None and key == "retry_after":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise FaultError("fault: '%s' must be an integer in [%d, %d], got %r" % (key, lo, hi, value))
    return value


def parse(cfg):
    """Validated fault config (dict) or None when it means 'behave normally'."""
    if not isinstance(cfg, dict):
        raise FaultError("fault: body must be a JSON object")
    unknown = set(cfg) - KEYS
    if unknown:
        raise FaultError("fault: unknown keys %s (known: %s)" % (sorted(unknown), sorted(KEYS)))
    if not cfg:
        return None  # {} clears the fault, as documented
    only_slow = not cfg.get("drop") and not cfg.get("hang") and not cfg.get("fail_every")
    default_status = 200 if only_slow and ("delay_ms" in cfg or "retry_after" in cfg) else 500
    out = {
        "status": _int(cfg, "status", default_status, 200, 599),
        "delay_ms": _int(cfg, "delay_ms", 0, 0, MAX_DELAY_MS),
        "retry_after": _int(cfg, "retry_after", None, 0, 86400),
        "count": _int(cfg, "count", -1, -1, 1 << 31),
        "fail_every": _int(cfg, "fail_every", 0, 0, 1 << 31),
        "hang": cfg.get("hang", False),
        "drop": cfg.get("drop", False),
    }
    if not isinstance(out["hang"], bool):
        raise FaultError("fault: 'hang' must be true or false")
    if out["drop"] not in (True, False, "mid_body"):
        raise FaultError("fault: 'drop' must be true, false or \"mid_body\"")
    normal = (out["status"] == 200 and not out["delay_ms"] and not out["drop"]
              and not out["hang"] and out["retry_after"] is None)
    return None if normal or out["count"] == 0 else out


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._cfg = None
        self._seen = 0
        self._applied = 0
        self._wake = threading.Event()

    def set(self, cfg):
        """Install a parsed config (None = normal); wakes requests hung by the old one."""
        with self._lock:
            self._wake.set()
            self._wake = threading.Event()
            self._cfg, self._seen, self._applied = cfg, 0, 0

    def clear(self):
        self.set(None)

    def describe(self):
        with self._lock:
            if self._cfg is None:
                return {"active": False}
            return dict(self._cfg, active=True, seen=self._seen, applied=self._applied)

    def next_action(self):
        """The fault for the next tracker-protocol request, or None for a normal answer."""
        with self._lock:
            cfg = self._cfg
            if cfg is None:
                return None
            self._seen += 1
            if cfg["fail_every"] and self._seen % cfg["fail_every"]:
                return None
            if 0 <= cfg["count"] <= self._applied:
                return None
            self._applied += 1
            return Action(cfg, self._wake)
