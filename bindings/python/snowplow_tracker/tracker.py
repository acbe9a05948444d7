"""Tracker of snowplow-tracker 0.7.0 and 0.8.x on the C library.

Every track_* method of 0.7.0 and 0.8, with its positional and keyword
parameters, returning the tracker. A number as `tstamp` sets the event's `dtm`
(device timestamp, ms), as in 0.7.0 and 0.8 (1.x sends it as the true
timestamp `ttm` instead); 0.8's TrueTimestamp sets `ttm`, DeviceTimestamp `dtm`. A transaction
sends one `tr` event, then one `ti` event per item; the items share the
transaction's `dtm`, order id and currency and carry only their own context, as
in 0.7.0. Contexts are lists of SelfDescribingJson: the dict contexts of the
releases before 0.7.0 are refused.
"""

import snowplow
from snowplow import _core
from snowplow._core import _c
from snowplow.events import (AddToCart, EcommerceTransaction, Event, FormChange, FormSubmit,
                             LinkClick, PagePing, PageView, RemoveFromCart, SelfDescribing,
                             SiteSearch, StructuredEvent)
from snowplow.tracker import Tracker as _Tracker

from . import _contracts
from .emitters import typed_payload
from .payload import Payload
from .self_describing_json import SelfDescribingJson
from .subject import Subject
from .timestamp import DeviceTimestamp, Timestamp, TrueTimestamp

VERSION = _core.TRACKER_VERSION
DEFAULT_ENCODE_BASE64 = True
BASE_SCHEMA_PATH = "iglu:com.snowplowanalytics.snowplow"
SCHEMA_TAG = "jsonschema"
CONTEXT_SCHEMA = "%s/contexts/%s/1-0-1" % (BASE_SCHEMA_PATH, SCHEMA_TAG)
UNSTRUCT_EVENT_SCHEMA = "%s/unstruct_event/%s/1-0-0" % (BASE_SCHEMA_PATH, SCHEMA_TAG)
SCREEN_VIEW_SCHEMA = "%s/screen_view/%s/1-0-0" % (BASE_SCHEMA_PATH, SCHEMA_TAG)
# 0.8's form events: the node names and input types its contracts allow.
FORM_NODE_NAMES = ("INPUT", "TEXTAREA", "SELECT")
FORM_TYPES = (
    "button", "checkbox", "color", "date", "datetime", "datetime-local", "email", "file",
    "hidden", "image", "month", "number", "password", "radio", "range", "reset", "search",
    "submit", "tel", "text", "time", "url", "week")

_OLD_DICT = ("the dict contexts and events of snowplow-tracker before 0.7.0 are no longer "
             "accepted: wrap it as SelfDescribingJson(schema, data)")


def _context(context):
    """0.7.0's context_array: None or a list of SelfDescribingJson."""
    if context is None:
        return None
    if isinstance(context, dict):
        raise TypeError("context must be a list of SelfDescribingJson or None, not dict; "
                        + _OLD_DICT)
    if not isinstance(context, (list, tuple)):
        raise TypeError("context must be a list of SelfDescribingJson or None, not %s"
                        % _core.type_name(context))
    for i, entity in enumerate(context):
        if not isinstance(entity, SelfDescribingJson):
            extra = "; " + _OLD_DICT if isinstance(entity, dict) else ""
            raise TypeError("context[%d] must be SelfDescribingJson, not %s%s"
                            % (i, _core.type_name(entity), extra))
    return list(context)


def _tstamp(tstamp):
    """A number (dtm, as 0.7.0 and 0.8), 0.8's TrueTimestamp / DeviceTimestamp, or None."""
    if tstamp is None or isinstance(tstamp, Timestamp):
        return tstamp
    if isinstance(tstamp, bool) or not isinstance(tstamp, (int, float)):
        raise TypeError("tstamp must be int, float, TrueTimestamp, DeviceTimestamp or None, "
                        "not %s" % _core.type_name(tstamp))
    return _core.check_number("tstamp", tstamp)


def _set_tstamp(ev, tstamp):
    """Stamp the C event as 0.8's complete_payload did: a number or a
    DeviceTimestamp is `dtm`, a TrueTimestamp `ttm`; a bare Timestamp, neither."""
    if isinstance(tstamp, TrueTimestamp):
        _c.event_set_true_timestamp(ev, tstamp.value)
    elif isinstance(tstamp, DeviceTimestamp):
        _c.event_set_device_timestamp(ev, tstamp.value)
    elif tstamp is not None and not isinstance(tstamp, Timestamp):
        _c.event_set_device_timestamp(ev, int(tstamp))


def _str_list(name, value):
    """0.8's `list(str) | tuple(str,*) | None`."""
    return _core.check_str_list(name, value)


def _blank_to_none(value):
    """0.8 (0.8.3) takes "" where a string or None is allowed; its payload
    leaves "" out, as it leaves out None."""
    return None if value == "" else value


class _TransactionItem(Event):
    """One `ti` event on its own (the C library's TRANSACTION_ITEM)."""

    def __init__(self, order_id, sku, price, quantity, name, category, currency, context):
        super().__init__(None, context, None)
        self.fields = (order_id, sku, price, quantity, name, category, currency)

    def _new_c(self, encoder):
        order_id, sku, price, quantity, name, category, currency = self.fields
        strings = [("order_id", _core.check_str("order_id", order_id, True)),
                   ("sku", _core.check_str("sku", sku, True)),
                   ("name", _core.check_str("name", name)),
                   ("category", _core.check_str("category", category)),
                   ("currency", _core.check_str("currency", currency))]
        price = _core.check_number("price", price, True)
        quantity = _core.check_int("quantity", quantity, True)
        ev = _c.event_new(_c.EVENT_TRANSACTION_ITEM)
        try:
            for field, value in strings:
                if value is not None:
                    _c.event_set_string(ev, field, value)
            _core.set_number(ev, "price", price)
            _c.event_set_int(ev, "quantity", quantity)
        except BaseException:
            _c.event_free(ev)
            raise
        return ev


class Tracker(_Tracker):
    """`Tracker(emitters, subject=None, namespace=None, app_id=None,
    encode_base64=True)`: emitters one or a list (this package's, or objects of
    your own with input(payload), which get each payload dict on this thread)."""

    _custom_payload = staticmethod(typed_payload)

    def __init__(self, emitters, subject=None, namespace=None, app_id=None,
                 encode_base64=DEFAULT_ENCODE_BASE64):
        _contracts.string_or_none("namespace", namespace)
        _contracts.string_or_none("app_id", app_id)
        _contracts.boolean("encode_base64", encode_base64)
        if subject is None:
            subject = Subject()
        namespace, app_id = _blank_to_none(namespace), _blank_to_none(app_id)
        super().__init__(namespace, emitters, subject=subject, app_id=app_id,
                         encode_base64=encode_base64)
        self.timer = None  # 0.8's attribute (unused there too)

    # ---- sending --------------------------------------------------------------

    def _rebuild(self):
        """As snowplow's; with an emitter that has 0.8's byte_limit, events are
        encoded here and queued as payloads, so that it can count their size."""
        if any(getattr(e, "bytes_queued", None) is not None for e in self.emitters):
            self._handle = None
            self._encoding = _core.Owned(self._options(), _c.tracker_options_free)
        else:
            super()._rebuild()

    def _send(self, events, tstamp):
        """Build every C event first (a bad value raises before anything is
        sent), then track them one by one; a synchronous emitter sends its
        buffer when an event fills it, as 0.7.0's input() did."""
        built = []
        try:
            for event in events:
                ev = event._build(self._encoder)
                built.append(ev)
                _set_tstamp(ev, tstamp)
        except BaseException:
            for ev in built:
                _c.event_free(ev)
            raise
        for i, ev in enumerate(built):
            try:
                self._track_built(ev)
            except BaseException:
                for rest in built[i + 1:]:
                    _c.event_free(rest)
                raise
            for emitter in self.emitters:
                note = getattr(emitter, "_note_tracked", None)
                if note is not None:
                    note()
        return self

    def track(self, pb):
        """Send a hand-built Payload (0.7.0's track(pb)): every emitter's input()
        gets pb.nv_pairs as it is."""
        if not isinstance(pb, Payload):
            raise TypeError("pb must be a Payload, not %s" % _core.type_name(pb))
        for emitter in self.emitters:
            emitter.input(pb.nv_pairs)
        return self

    # ---- 0.7.0's tracking methods ----------------------------------------------

    def track_page_view(self, page_url, page_title=None, referrer=None, context=None,
                        tstamp=None):
        _contracts.non_empty_string("page_url", page_url)
        _contracts.string_or_none("page_title", page_title)
        _contracts.string_or_none("referrer", referrer)
        return self._send([PageView(page_url, _blank_to_none(page_title),
                                    _blank_to_none(referrer), context=_context(context))],
                          _tstamp(tstamp))

    def track_ecommerce_transaction_item(self, order_id, sku, price, quantity, name=None,
                                         category=None, currency=None, context=None,
                                         tstamp=None):
        return self._send([self._item(order_id, sku, price, quantity, name, category,
                                      currency, context)], _tstamp(tstamp))

    @staticmethod
    def _item(order_id, sku, price, quantity, name=None, category=None, currency=None,
              context=None, tstamp=None):
        _contracts.non_empty_string("order_id", order_id)
        _contracts.non_empty_string("sku", sku)
        _contracts.number_or_none("price", price)
        _contracts.integer("quantity", quantity)
        for field, value in (("name", name), ("category", category), ("currency", currency)):
            _contracts.string_or_none(field, value)
        return _TransactionItem(order_id, sku, price, quantity, _blank_to_none(name),
                                _blank_to_none(category), _blank_to_none(currency),
                                _context(context))

    def track_ecommerce_transaction(self, order_id, total_value, affiliation=None,
                                    tax_value=None, shipping=None, city=None, state=None,
                                    country=None, currency=None, items=None, context=None,
                                    tstamp=None):
        _contracts.non_empty_string("order_id", order_id)
        _core.check_number("total_value", total_value, True)
        for field, value in (("affiliation", affiliation), ("city", city), ("state", state),
                             ("country", country), ("currency", currency)):
            _contracts.string_or_none(field, value)
        if not isinstance(items, list):
            raise TypeError("items must be a list of dict, not %s" % _core.type_name(items))
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise TypeError("items[%d] must be a dict, not %s" % (i, _core.type_name(item)))
        if isinstance(tstamp, Timestamp):
            # 0.8's get_timestamp contract refused it here too (int | float | None).
            raise TypeError("tstamp of track_ecommerce_transaction must be int, float or None, "
                            "not %s (snowplow-tracker 0.8 refused a Timestamp here as well)"
                            % _core.type_name(tstamp))
        tstamp = self.get_timestamp(_tstamp(tstamp))
        events = [EcommerceTransaction(order_id, total_value, *map(_blank_to_none, (
            affiliation, tax_value, shipping, city, state, country, currency)),
            context=_context(context))]
        for item in items:
            # 0.7.0 writes the transaction's values into each item dict.
            item["tstamp"] = tstamp
            item["order_id"] = order_id
            item["currency"] = currency
            events.append(self._item(**item))
        return self._send(events, tstamp)

    def track_screen_view(self, name=None, id_=None, context=None, tstamp=None):
        _contracts.string_or_none("name", name)
        _contracts.string_or_none("id_", id_)
        if name is None and id_ is None:
            # 0.7.0 sent {"data": {}}; screen_view 1-0-0 needs one property, so
            # the pipeline would reject the event.
            raise ValueError("track_screen_view: give name or id_ (an empty screen view is "
                             "rejected by the pipeline: screen_view 1-0-0 needs one of them)")
        properties = {}
        if name is not None:
            properties["name"] = name
        if id_ is not None:
            properties["id"] = id_
        return self.track_unstruct_event(SelfDescribingJson(SCREEN_VIEW_SCHEMA, properties),
                                         context, tstamp)

    def track_struct_event(self, category, action, label=None, property_=None, value=None,
                           context=None, tstamp=None):
        _contracts.non_empty_string("category", category)
        _contracts.non_empty_string("action", action)
        _contracts.string_or_none("label", label)
        _contracts.string_or_none("property_", property_)
        _contracts.number_or_none("value", value)
        return self._send([StructuredEvent(category, action, _blank_to_none(label),
                                           _blank_to_none(property_), value,
                                           context=_context(context))], _tstamp(tstamp))

    # ---- 0.8's tracking methods ------------------------------------------------

    def track_page_ping(self, page_url, page_title=None, referrer=None, min_x=None,
                        max_x=None, min_y=None, max_y=None, context=None, tstamp=None):
        _contracts.non_empty_string("page_url", page_url)
        _contracts.string_or_none("page_title", page_title)
        _contracts.string_or_none("referrer", referrer)
        offsets = (min_x, max_x, min_y, max_y)
        for field, value in zip(("min_x", "max_x", "min_y", "max_y"), offsets):
            _core.check_int(field, value)
        return self._send([PagePing(page_url, _blank_to_none(page_title),
                                    _blank_to_none(referrer), *offsets,
                                    context=_context(context))], _tstamp(tstamp))

    def track_link_click(self, target_url, element_id=None, element_classes=None,
                         element_target=None, element_content=None, context=None,
                         tstamp=None):
        _contracts.non_empty_string("target_url", target_url)
        _contracts.string_or_none("element_id", element_id)
        _str_list("element_classes", element_classes)
        _contracts.string_or_none("element_content", element_content)
        return self._send([LinkClick(target_url, element_id, element_classes, element_target,
                                     element_content, context=_context(context))],
                          _tstamp(tstamp))

    def track_add_to_cart(self, sku, quantity, name=None, category=None, unit_price=None,
                          currency=None, context=None, tstamp=None):
        return self._cart(AddToCart, sku, quantity, name, category, unit_price, currency,
                          context, tstamp)

    def track_remove_from_cart(self, sku, quantity, name=None, category=None,
                               unit_price=None, currency=None, context=None, tstamp=None):
        return self._cart(RemoveFromCart, sku, quantity, name, category, unit_price, currency,
                          context, tstamp)

    def _cart(self, cls, sku, quantity, name, category, unit_price, currency, context, tstamp):
        _contracts.non_empty_string("sku", sku)
        _core.check_int("quantity", quantity, True)
        for field, value in (("name", name), ("category", category), ("currency", currency)):
            _contracts.string_or_none(field, value)
        _contracts.number_or_none("unit_price", unit_price)
        return self._send([cls(sku, quantity, name, category, unit_price, currency,
                               context=_context(context))], _tstamp(tstamp))

    def track_form_change(self, form_id, element_id, node_name, value, type_=None,
                          element_classes=None, context=None, tstamp=None):
        _contracts.non_empty_string("form_id", form_id)
        if element_id is None:
            # 0.8 sent "elementId": null, which change_form 1-0-0 rejects.
            raise TypeError("element_id must be str, not None (change_form 1-0-0 needs the "
                            "element's id; the pipeline rejects null)")
        _contracts.string_or_none("element_id", element_id)
        if node_name not in FORM_NODE_NAMES:
            raise ValueError("node_name must be one of %s, not %r"
                             % (", ".join(FORM_NODE_NAMES), node_name))
        _contracts.string_or_none("value", value)
        if type_ is not None:
            _core.check_str("type_", type_)
            if type_ not in FORM_TYPES:
                # 0.8 compared in lower case but sent the value as given,
                # which change_form 1-0-0 rejects unless it is lower case.
                raise ValueError("type_ must be one of %s (lower case), not %r"
                                 % (", ".join(FORM_TYPES), type_))
        _str_list("element_classes", element_classes)
        return self._send([FormChange(form_id, element_id, node_name, value, type_,
                                      element_classes, context=_context(context))],
                          _tstamp(tstamp))

    @staticmethod
    def check_form_element(element):
        """0.8's check of one element of track_form_submit: a dict with name,
        value and nodeName (one of FORM_NODE_NAMES), and a type, if any, in
        FORM_TYPES."""
        if not (isinstance(element, dict) and "name" in element and "value" in element
                and "nodeName" in element):
            return False
        return element["nodeName"] in FORM_NODE_NAMES and element.get("type", "text") in FORM_TYPES

    def track_form_submit(self, form_id, form_classes=None, elements=None, context=None,
                          tstamp=None):
        _contracts.non_empty_string("form_id", form_id)
        _str_list("form_classes", form_classes)
        if elements is not None:
            if not isinstance(elements, list):
                raise TypeError("elements must be a list of dict or None, not %s"
                                % _core.type_name(elements))
            for i, element in enumerate(elements):
                if not self.check_form_element(element):
                    raise ValueError("elements[%d] must be a dict with name, value and nodeName "
                                     "(%s) and an optional type (%s), not %r"
                                     % (i, ", ".join(FORM_NODE_NAMES), ", ".join(FORM_TYPES),
                                        element))
        return self._send([FormSubmit(form_id, form_classes, elements or None,
                                      context=_context(context))], _tstamp(tstamp))

    def track_site_search(self, terms, filters=None, total_results=None, page_results=None,
                          context=None, tstamp=None):
        if _str_list("terms", terms) is None or len(terms) < 1:
            raise (TypeError if terms is None else ValueError)(
                "terms must be a list of at least one str, not %r" % (terms,))
        if filters is not None:
            if not isinstance(filters, dict):
                raise TypeError("filters must be a dict of str to str or bool, or None, not %s"
                                % _core.type_name(filters))
            for key, value in filters.items():
                if not isinstance(key, str) or not isinstance(value, (str, bool)):
                    raise TypeError("filters must map str to str or bool: %r: %r"
                                    % (key, value))
        _core.check_int("total_results", total_results)
        _core.check_int("page_results", page_results)
        return self._send([SiteSearch(terms, filters, total_results, page_results,
                                      context=_context(context))], _tstamp(tstamp))

    def track_unstruct_event(self, event_json, context=None, tstamp=None):
        if not isinstance(event_json, SelfDescribingJson):
            extra = "; " + _OLD_DICT if isinstance(event_json, dict) else ""
            raise TypeError("event_json must be SelfDescribingJson, not %s%s"
                            % (_core.type_name(event_json), extra))
        return self._send([SelfDescribing(event_json, context=_context(context))],
                          _tstamp(tstamp))

    # 0.8's name for it.
    def track_self_describing_event(self, event_json, context=None, tstamp=None):
        return self.track_unstruct_event(event_json, context, tstamp)

    # ---- configuration -----------------------------------------------------------

    def flush(self, is_async=False, **kwargs):
        """Flush every emitter: blocking (the default) or, with is_async=True,
        asynchronous. 0.7.0 named the argument `async`, a keyword since Python
        3.7: pass it positionally, as is_async, or as **{"async": True}."""
        if "async" in kwargs:
            is_async = kwargs.pop("async")
        if kwargs:
            raise TypeError("flush() got an unexpected keyword argument %r" % next(iter(kwargs)))
        _contracts.boolean("is_async", is_async)
        super().flush(is_async)
        return self

    def set_subject(self, subject):
        """Replace the subject (None: events carry no subject fields; 0.7.0
        then failed at the next track)."""
        if subject is not None and not isinstance(subject, snowplow.Subject):
            raise TypeError("subject must be Subject or None, not %s" % _core.type_name(subject))
        return super().set_subject(subject)
