"""Tracker: turns events into protocol payloads and queues them on its emitters
(snowplow-tracker 1.x names and keyword arguments).

`track(event)` validates, stamps (event id, timestamps, subject, contexts) and
encodes the event in the C library and queues it on every emitter; it never
waits for the network and returns the event id. The `track_*` methods of
snowplow-tracker 1.x build the matching event and return the tracker.

A tracker may be shared by any number of threads.
"""

import json
import threading
import time
import uuid

from . import _core
from ._core import _c
from .emitters import Emitter
from .events import (EcommerceTransaction, Event, FormChange, FormSubmit, LegacyScreenView,
                     LinkClick, PagePing, PageView, ScreenView, SelfDescribing, SiteSearch,
                     StructuredEvent, AddToCart, RemoveFromCart)
from .subject import Subject

VERSION = _core.TRACKER_VERSION
DEFAULT_ENCODE_BASE64 = True

# snowplow-tracker 0.9 to 0.15: Tracker(emitters, subject=None, namespace=None,
# app_id=None, encode_base64=True, json_encoder=None).
_PRE_1_0_ORDER = ("emitters", "subject", "namespace", "app_id", "encode_base64",
                  "json_encoder")


def is_custom_emitter(obj):
    """An object that is not one of ours but can take payloads (1.x: anything
    with input(payload))."""
    return not isinstance(obj, Emitter) and callable(getattr(obj, "input", None))


def _is_emitter_like(obj):
    return isinstance(obj, Emitter) or is_custom_emitter(obj)


def _is_emitters(value):
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_is_emitter_like(e) for e in value)
    return _is_emitter_like(value)


class _TrackerType(type):
    """Recognises the pre-1.0 argument order: when the first argument is an
    emitter or a list of them, the call is read as 0.9-0.15's
    Tracker(emitters, subject, namespace, app_id, ...), so that code written
    for those versions needs only its import changed."""

    def __call__(cls, *args, **kwargs):
        if args and _is_emitters(args[0]):
            if len(args) > len(_PRE_1_0_ORDER):
                raise TypeError("Tracker() takes at most %d positional arguments"
                                % len(_PRE_1_0_ORDER))
            for name, value in zip(_PRE_1_0_ORDER, args):
                if name in kwargs:
                    raise TypeError("Tracker() got multiple values for argument %r" % name)
                kwargs[name] = value
            args = ()
        if not args and "namespace" not in kwargs and "emitters" in kwargs:
            kwargs["namespace"] = None  # optional before 1.0
        return super().__call__(*args, **kwargs)


class Tracker(metaclass=_TrackerType):
    """`Tracker(namespace, emitters, subject=None, app_id=None,
    encode_base64=True, json_encoder=None)`

    emitters: one Emitter or a list of them; every event goes to each. An
    object of your own with input(payload) (and flush()) is an emitter too: it
    gets each event's payload dict (every value a str) on the tracking thread.
    With one of your own among them, each event is encoded once and every
    emitter gets the same payload (same event id).
    The pre-1.0 order Tracker(emitters, subject, namespace, app_id, ...) is
    recognised by its first argument.
    subject: the Subject of every event (a per-event subject overrides it field
    by field). encode_base64: self-describing data and contexts base64url
    encoded (`ue_px`, `cx`) or plain JSON (`ue_pr`, `co`). json_encoder: the
    `default` function json uses for values it cannot serialise.
    """

    def __init__(self, namespace, emitters, subject=None, app_id=None,
                 encode_base64=DEFAULT_ENCODE_BASE64, json_encoder=None):
        _core.check_str("namespace", namespace)
        _core.check_str("app_id", app_id)
        if isinstance(emitters, (list, tuple)):
            emitters = list(emitters)
            if not emitters:
                raise ValueError("emitters must not be empty")
        else:
            emitters = [emitters]
        for i, emitter in enumerate(emitters):
            if not _is_emitter_like(emitter):
                raise TypeError("emitters[%d] must be an Emitter or an object with "
                                "input(payload), not %s" % (i, _core.type_name(emitter)))
        if subject is None:
            subject = Subject()
        elif not isinstance(subject, Subject):
            raise TypeError("subject must be Subject or None, not %s" % _core.type_name(subject))
        if not isinstance(encode_base64, bool):
            raise TypeError("encode_base64 must be bool, not %s" % _core.type_name(encode_base64))
        if json_encoder is not None and not callable(json_encoder):
            raise TypeError("json_encoder must be callable or None")

        self.emitters = emitters
        self.subject = subject
        self.encode_base64 = encode_base64
        self.json_encoder = json_encoder
        self.standard_nv_pairs = {"tv": VERSION, "tna": namespace, "aid": app_id}
        self._encoder = (_core.make_encoder(json_encoder) if json_encoder is not None
                         else _core.DEFAULT_ENCODER)
        self._rebuild_lock = threading.Lock()
        self._rebuild()

    def _options(self):
        """C tracker options with this tracker's fields and the C emitters."""
        opts = _c.tracker_options_new()
        try:
            _c.tracker_options_set_tracker_version(opts, self.standard_nv_pairs["tv"])
            _c.tracker_options_set_namespace(opts, self.standard_nv_pairs["tna"])
            _c.tracker_options_set_app_id(opts, self.standard_nv_pairs["aid"])
            _c.tracker_options_set_encode_base64(opts, int(self.encode_base64))
            if self.subject is not None:
                _c.tracker_options_set_subject(opts, self.subject._ptr)
            for emitter in self.emitters:
                if isinstance(emitter, Emitter):
                    emitter._add_to_tracker_options(opts)
        except BaseException:
            _c.tracker_options_free(opts)
            raise
        return opts

    def _rebuild(self):
        """The C side for the current emitters: a C tracker for this package's
        emitters, or options to encode payloads with for custom ones."""
        opts = self._options()
        if any(is_custom_emitter(e) for e in self.emitters):
            self._handle = None
            self._encoding = _core.Owned(opts, _c.tracker_options_free)
        else:
            self._encoding = None
            self._handle = _core.Owned(_c.tracker_new(opts), _c.tracker_free)

    # ---- snowplow-tracker helpers -------------------------------------------

    @staticmethod
    def get_uuid():
        return str(uuid.uuid4())

    @staticmethod
    def get_timestamp(tstamp=None):
        if isinstance(tstamp, (int, float)) and not isinstance(tstamp, bool):
            return int(tstamp)
        return int(time.time() * 1000)

    def get_namespace(self):
        return self.standard_nv_pairs["tna"]

    # ---- tracking -------------------------------------------------------------

    def track(self, event):
        """Track an Event; returns its event id (for a transaction, the `tr`
        event's), or None when an emitter's queue was full (the event is then
        reported to on_failure and counted as dropped)."""
        if not isinstance(event, Event):
            raise TypeError("event must be an Event, not %s" % _core.type_name(event))
        return self._track_built(event._build(self._encoder))

    def _track_built(self, ev):
        """Track the C event `ev` (built and checked) and free it."""
        handle = self._handle  # kept alive for the call, whatever add_emitter does
        try:
            if handle is None:
                return self._track_custom(ev)
            return _c.tracker_track(handle.ptr, ev)
        except RuntimeError as exc:
            if getattr(exc, "code", None) == _c.EFULL:
                return None
            raise
        finally:
            _c.event_free(ev)

    def encode(self, event):
        """The payload dicts `event` would be sent as (one per transaction item
        after the event's own), every value a str, without sending them."""
        if not isinstance(event, Event):
            raise TypeError("event must be an Event, not %s" % _core.type_name(event))
        ev = event._build(self._encoder)
        try:
            return self._encode_built(ev)
        finally:
            _c.event_free(ev)

    def _encode_built(self, ev):
        encoding = self._encoding or _core.Owned(self._options(), _c.tracker_options_free)
        return json.loads(_c.tracker_options_encode(encoding.ptr, ev))

    # A custom emitter's payload as this generation hands it over (the
    # snowplow_tracker drop-in gives 0.7.0's value types).
    _custom_payload = staticmethod(lambda payload: payload)

    def _track_custom(self, ev):
        """With custom emitters: the event is encoded once and each payload goes
        to every emitter, on this thread, as in snowplow-tracker 1.x: a custom
        emitter's input() gets the dict, this package's emitters queue the
        same payload (same event id)."""
        payloads = self._encode_built(ev)
        for payload in payloads:
            text = None
            for emitter in self.emitters:
                if isinstance(emitter, Emitter):
                    if text is None:
                        text = json.dumps(payload, ensure_ascii=False)
                    emitter._enqueue_payload(text)
                else:
                    emitter.input(self._custom_payload(dict(payload)))
        return payloads[0]["eid"]

    def track_page_view(self, page_url, page_title=None, referrer=None, context=None,
                        tstamp=None, event_subject=None):
        self.track(PageView(page_url, page_title, referrer, event_subject, context, tstamp))
        return self

    def track_page_ping(self, page_url, page_title=None, referrer=None, min_x=None,
                        max_x=None, min_y=None, max_y=None, context=None, tstamp=None,
                        event_subject=None):
        self.track(PagePing(page_url, page_title, referrer, min_x, max_x, min_y, max_y,
                            event_subject, context, tstamp))
        return self

    def track_link_click(self, target_url, element_id=None, element_classes=None,
                         element_target=None, element_content=None, context=None,
                         tstamp=None, event_subject=None):
        self.track(LinkClick(target_url, element_id, element_classes, element_target,
                             element_content, event_subject, context, tstamp))
        return self

    def track_add_to_cart(self, sku, quantity, name=None, category=None, unit_price=None,
                          currency=None, context=None, tstamp=None, event_subject=None):
        self.track(AddToCart(sku, quantity, name, category, unit_price, currency,
                             event_subject, context, tstamp))
        return self

    def track_remove_from_cart(self, sku, quantity, name=None, category=None,
                               unit_price=None, currency=None, context=None, tstamp=None,
                               event_subject=None):
        self.track(RemoveFromCart(sku, quantity, name, category, unit_price, currency,
                                  event_subject, context, tstamp))
        return self

    def track_form_change(self, form_id, element_id, node_name, value, type_=None,
                          element_classes=None, context=None, tstamp=None,
                          event_subject=None):
        self.track(FormChange(form_id, element_id, node_name, value, type_, element_classes,
                              event_subject, context, tstamp))
        return self

    def track_form_submit(self, form_id, form_classes=None, elements=None, context=None,
                          tstamp=None, event_subject=None):
        self.track(FormSubmit(form_id, form_classes, elements, event_subject, context, tstamp))
        return self

    def track_site_search(self, terms, filters=None, total_results=None, page_results=None,
                          context=None, tstamp=None, event_subject=None):
        self.track(SiteSearch(terms, filters, total_results, page_results, event_subject,
                              context, tstamp))
        return self

    def track_ecommerce_transaction(self, order_id, total_value, affiliation=None,
                                    tax_value=None, shipping=None, city=None, state=None,
                                    country=None, currency=None, items=None, context=None,
                                    tstamp=None, event_subject=None):
        self.track(EcommerceTransaction(order_id, total_value, affiliation, tax_value,
                                        shipping, city, state, country, currency, items,
                                        event_subject, context, tstamp))
        return self

    def track_screen_view(self, name=None, id_=None, context=None, tstamp=None,
                          event_subject=None):
        """Screen view with the seed tracker's schema
        (com.snowplowanalytics.snowplow/screen_view/1-0-0)."""
        self.track(LegacyScreenView(name, id_, event_subject, context, tstamp))
        return self

    def track_mobile_screen_view(self, name, id_=None, type=None, previous_name=None,
                                 previous_id=None, previous_type=None, transition_type=None,
                                 context=None, tstamp=None, event_subject=None):
        """Screen view with the mobile schema; id_ None makes a random UUID."""
        self.track(ScreenView(id_, name, type, previous_name, previous_id, previous_type,
                              transition_type, event_subject, context, tstamp))
        return self

    def track_struct_event(self, category, action, label=None, property_=None, value=None,
                           context=None, tstamp=None, event_subject=None):
        self.track(StructuredEvent(category, action, label, property_, value, event_subject,
                                   context, tstamp))
        return self

    def track_self_describing_event(self, event_json, context=None, tstamp=None,
                                    event_subject=None):
        self.track(SelfDescribing(event_json, event_subject, context, tstamp))
        return self

    def track_unstruct_event(self, event_json, context=None, tstamp=None, event_subject=None):
        """The old name of track_self_describing_event."""
        return self.track_self_describing_event(event_json, context, tstamp, event_subject)

    # ---- configuration and flushing -------------------------------------------

    def flush(self, is_async=False, timeout=None):
        """Flush every emitter. Blocking (the default): returns when every event
        tracked before was delivered or failed for good and its callbacks ran,
        or after `timeout` seconds (None: no limit). From inside a callback it
        flushes asynchronously instead (see emitters). is_async=True: ask the
        emitters to send now and return at once. Returns the tracker, as
        snowplow-tracker does; Emitter.sync_flush() tells whether all was done."""
        if is_async:
            for emitter in self.emitters:
                flush = getattr(emitter, "flush", None)
                if flush is not None:
                    flush()
            return self
        deadline = None if timeout is None else time.monotonic() + timeout
        for emitter in self.emitters:
            if not isinstance(emitter, Emitter):  # a custom emitter: its own flush
                flush = getattr(emitter, "sync_flush", None) or getattr(emitter, "flush", None)
                if flush is not None:
                    flush()
                continue
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            emitter.sync_flush(remaining)
        return self

    def set_subject(self, subject):
        """Replace the tracker's subject (None: no subject)."""
        if subject is not None and not isinstance(subject, Subject):
            raise TypeError("subject must be Subject or None, not %s" % _core.type_name(subject))
        with self._rebuild_lock:
            self.subject = subject
            handle = self._handle
            if handle is not None:
                _c.tracker_set_subject(handle.ptr, None if subject is None else subject._ptr)
            else:
                self._rebuild()
        return self

    def add_emitter(self, emitter):
        """Send every later event to `emitter` too."""
        if not _is_emitter_like(emitter):
            raise TypeError("emitter must be an Emitter or an object with input(payload), "
                            "not %s" % _core.type_name(emitter))
        with self._rebuild_lock:
            emitters = self.emitters + [emitter]
                # The C tracker's emitters are fixed: build a new one. Tracks under
            # way finish on the old one, which is freed after them.
            self.emitters = emitters
            self._rebuild()
        return self

    def __repr__(self):
        return "Tracker(%r, %r)" % (self.get_namespace(), self.emitters)

