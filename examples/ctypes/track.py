#!/usr/bin/env python3
"""Track Snowplow events by calling libsnowplow.so.0 directly with ctypes.

No binding and no compiler needed: only the shared library. This script

  1. loads libsnowplow.so.0 and declares the C functions it uses,
  2. creates an emitter with two C callbacks (ctypes.CFUNCTYPE) for delivered
     and failed events,
  3. creates a tracker and tracks a page view, a structured event, a
     self-describing event with a context entity and a site search,
  4. flushes, closes and frees everything,
  5. prints what happened as one JSON line:
       {"tracked": [event ids], "sent": [event ids], "failed": [event ids]}

Usage:
    python3 track.py http://127.0.0.1:9090 [--library /path/to/libsnowplow.so.0]

The library is looked up in this order: --library, $SNOWPLOW_LIBRARY,
ctypes.util.find_library("snowplow"), then "libsnowplow.so.0" on the loader path.

Threads: the callbacks run on the library's sending threads. ctypes takes the
GIL for them, and releases it during every call into the library, so a
blocking flush on the main thread lets them run. Keep the CFUNCTYPE objects
alive as long as the emitter can call them.
"""

import argparse
import ctypes
import ctypes.util
import json
import os
import sys
import threading

SNOWPLOW_EID_SIZE = 37
SNOWPLOW_METHOD_POST = 0
RESULT_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)

_P = ctypes.c_void_p
_PP = ctypes.POINTER(ctypes.c_void_p)
_S = ctypes.c_char_p
_I = ctypes.c_int

# name: (return type, argument types). A return type of _I means a status:
# 0 or a negative snowplow_error code (checked below).
PROTOTYPES = {
    "snowplow_version": (_S, []),
    "snowplow_error_last": (_S, []),
    "snowplow_strerror": (_S, [_I]),
    "snowplow_emitter_options_new": (_I, [_PP]),
    "snowplow_emitter_options_set_endpoint": (_I, [_P, _S]),
    "snowplow_emitter_options_set_method": (_I, [_P, _I]),
    "snowplow_emitter_options_set_batch_size": (_I, [_P, _I]),
    "snowplow_emitter_options_set_on_success": (_I, [_P, RESULT_CB, _P]),
    "snowplow_emitter_options_set_on_failure": (_I, [_P, RESULT_CB, _P]),
    "snowplow_emitter_new": (_I, [_PP, _P]),
    "snowplow_emitter_flush": (_I, [_P, _I]),
    "snowplow_emitter_close": (_I, [_P, _I]),
    "snowplow_emitter_free": (None, [_P]),
    "snowplow_tracker_options_new": (_I, [_PP]),
    "snowplow_tracker_options_set_namespace": (_I, [_P, _S]),
    "snowplow_tracker_options_set_app_id": (_I, [_P, _S]),
    "snowplow_tracker_options_set_tracker_version": (_I, [_P, _S]),
    "snowplow_tracker_options_add_emitter": (_I, [_P, _P]),
    "snowplow_tracker_new": (_I, [_PP, _P]),
    "snowplow_tracker_track": (_I, [ctypes.c_char_p, _P, _P]),
    "snowplow_tracker_free": (None, [_P]),
    "snowplow_sdjson_new": (_I, [_PP, _S, _S]),
    "snowplow_sdjson_free": (None, [_P]),
    "snowplow_event_page_view_new": (_I, [_PP, _S, _S, _S]),
    "snowplow_event_structured_new": (_I, [_PP, _S, _S, _S, _S]),
    "snowplow_event_self_describing_new": (_I, [_PP, _P]),
    "snowplow_event_site_search_new": (_I, [_PP, ctypes.POINTER(_S), ctypes.c_size_t]),
    "snowplow_event_set_int": (_I, [_P, _S, ctypes.c_int64]),
    "snowplow_event_add_context": (_I, [_P, _P]),
    "snowplow_event_free": (None, [_P]),
    "snowplow_result_event_count": (ctypes.c_size_t, [_P]),
    "snowplow_result_event_id": (_S, [_P, ctypes.c_size_t]),
    "snowplow_result_event_json": (_S, [_P, ctypes.c_size_t]),
    "snowplow_result_reason": (_S, [_P]),
    "snowplow_result_status": (ctypes.c_int, [_P]),
}


class SnowplowError(Exception):
    def __init__(self, function, code, message):
        super().__init__("%s failed (%d): %s" % (function, code, message))
        self.code = code


def load_library(path=None):
    path = (path or os.environ.get("SNOWPLOW_LIBRARY") or ctypes.util.find_library("snowplow")
            or "libsnowplow.so.0")
    lib = ctypes.CDLL(path)
    for name, (restype, argtypes) in PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
        if restype is _I and name != "snowplow_result_status":
            fn.errcheck = _check_status(lib, name)
    return lib


def _check_status(lib, name):
    # The last error is thread-local; errcheck runs on the calling thread right
    # after the call, so the message is the one this call recorded.
    def errcheck(result, func, args):
        if result < 0:
            raise SnowplowError(name, result, lib.snowplow_error_last().decode("utf-8", "replace"))
        return result
    return errcheck


def new_handle(constructor, *args):
    """Call a snowplow_X_new(&out, ...) function and return out."""
    out = ctypes.c_void_p()
    constructor(ctypes.byref(out), *args)
    return out


def b(text):
    return None if text is None else text.encode("utf-8")


class Results:
    """What the callbacks saw. They run on the sending threads: lock."""

    def __init__(self, lib):
        self.lib = lib
        self.lock = threading.Lock()
        self.sent, self.failed, self.reasons = [], [], []
        # Keep these objects referenced: the C library holds only the pointers.
        self.on_success = RESULT_CB(self._on_success)
        self.on_failure = RESULT_CB(self._on_failure)

    def _ids(self, result):
        n = self.lib.snowplow_result_event_count(result)
        return [self.lib.snowplow_result_event_id(result, i).decode("ascii") for i in range(n)]

    def _on_success(self, result, payload):
        with self.lock:
            self.sent.extend(self._ids(result))

    def _on_failure(self, result, payload):
        with self.lock:
            self.failed.extend(self._ids(result))
            self.reasons.append(self.lib.snowplow_result_reason(result).decode("utf-8"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("collector", help="collector URL, e.g. http://127.0.0.1:9090")
    parser.add_argument("--library", help="path of libsnowplow.so.0")
    args = parser.parse_args(argv)

    lib = load_library(args.library)
    results = Results(lib)

    # The emitter: options object, consumed by snowplow_emitter_new().
    opts = new_handle(lib.snowplow_emitter_options_new)
    lib.snowplow_emitter_options_set_endpoint(opts, b(args.collector))
    lib.snowplow_emitter_options_set_method(opts, SNOWPLOW_METHOD_POST)
    lib.snowplow_emitter_options_set_batch_size(opts, 2)
    lib.snowplow_emitter_options_set_on_success(opts, results.on_success, None)
    lib.snowplow_emitter_options_set_on_failure(opts, results.on_failure, None)
    emitter = new_handle(lib.snowplow_emitter_new, opts)

    # The tracker holds its own reference to the emitter.
    topts = new_handle(lib.snowplow_tracker_options_new)
    lib.snowplow_tracker_options_set_namespace(topts, b"ctypes-example")
    lib.snowplow_tracker_options_set_app_id(topts, b"ctypes")
    lib.snowplow_tracker_options_set_tracker_version(
        topts, b("ctypes-" + lib.snowplow_version().decode("ascii")))
    lib.snowplow_tracker_options_add_emitter(topts, emitter)
    tracker = new_handle(lib.snowplow_tracker_new, topts)

    tracked = []

    def track(event):
        eid = ctypes.create_string_buffer(SNOWPLOW_EID_SIZE)
        try:
            lib.snowplow_tracker_track(eid, tracker, event)
        finally:
            lib.snowplow_event_free(event)  # the tracker copied what it needs
        tracked.append(eid.value.decode("ascii"))

    track(new_handle(lib.snowplow_event_page_view_new, b"https://example.com/ctypes",
                     b("ctypes ć"), None))

    ev = new_handle(lib.snowplow_event_structured_new, b"example", b"ctypes", b"label", None)
    lib.snowplow_event_set_int(ev, b"value", 42)
    track(ev)

    data = new_handle(lib.snowplow_sdjson_new,
                      b"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
                      b('{"targetUrl":"https://example.com/target"}'))
    entity = new_handle(lib.snowplow_sdjson_new,
                        b"iglu:com.example.libsnowplow/test_entity/jsonschema/1-0-0",
                        b('{"id":"from-ctypes","n":1}'))
    ev = new_handle(lib.snowplow_event_self_describing_new, data)
    lib.snowplow_event_add_context(ev, entity)
    lib.snowplow_sdjson_free(data)  # the event keeps its own references
    lib.snowplow_sdjson_free(entity)
    track(ev)

    terms = (ctypes.c_char_p * 2)(b"shoes", b"red")
    track(new_handle(lib.snowplow_event_site_search_new, terms, 2))

    # Wait (at most 10 s) until everything was delivered or failed and the
    # callbacks returned; then stop the threads and release the handles.
    try:
        lib.snowplow_emitter_flush(emitter, 10000)
    except SnowplowError as exc:
        print("flush: %s" % exc, file=sys.stderr)
    lib.snowplow_tracker_free(tracker)
    lib.snowplow_emitter_close(emitter, 5000)
    lib.snowplow_emitter_free(emitter)

    with results.lock:
        print(json.dumps({"tracked": tracked, "sent": results.sent, "failed": results.failed,
                          "reasons": results.reasons}))
    return 0 if sorted(results.sent) == sorted(tracked) else 1


if __name__ == "__main__":
    sys.exit(main())
