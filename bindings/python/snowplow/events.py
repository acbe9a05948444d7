"""Event classes, tracked with `tracker.track(event)`.

The five classes of snowplow-tracker 1.x (PageView, PagePing, ScreenView,
StructuredEvent, SelfDescribing) with its argument names, plus the built-in
self-describing events the `track_*` methods send (LinkClick, AddToCart, ...).

An event object holds plain Python values and may be changed and tracked again;
it is turned into a C event at each `track`, which checks it: a missing
required field or a bad value raises ValueError naming the field, a wrong type
TypeError.
"""

from . import _core
from ._core import _c
from .self_describing_json import SelfDescribingJson
from .subject import Subject

# The JSON of a Python value is encoded in C and goes straight to the library
# (bindings/python/src/py_json.c); `encoder.encode` (json) is its fallback.
_add_context_object = _c.event_add_context_object
_self_describing_new = _c.event_self_describing_new_from_object


def _check_context(context):
    """The context list, checked (None: no context)."""
    if context is None:
        return ()
    if not isinstance(context, (list, tuple)):
        raise TypeError("context must be a list of SelfDescribingJson or None, not %s"
                        % _core.type_name(context))
    for entity in context:
        if not isinstance(entity, SelfDescribingJson):
            i = next(i for i, e in enumerate(context) if not isinstance(e, SelfDescribingJson))
            raise TypeError("context[%d] must be SelfDescribingJson, not %s"
                            % (i, _core.type_name(context[i])))
    return context


class Event:
    """Fields every event has: a per-event subject (overrides the tracker's
    field by field), context entities, and the true timestamp (`ttm`, ms)."""

    def __init__(self, event_subject=None, context=None, true_timestamp=None):
        self.event_subject = event_subject
        self.context = context
        self.true_timestamp = true_timestamp

    def _new_c(self, encoder):
        """Create the C event with the type's own fields (subclasses)."""
        raise TypeError("%s cannot be tracked: use one of the event classes"
                        % _core.type_name(self))

    def _build(self, encoder):
        """A new C event with every field set; the caller frees it."""
        # Everything is checked before the C event exists: nothing to undo.
        context = self.context
        if context is not None:
            context = _check_context(context)
        subject = self.event_subject
        if subject is not None and not isinstance(subject, Subject):
            raise TypeError("event_subject must be Subject or None, not %s"
                            % _core.type_name(subject))
        ttm = self.true_timestamp
        if ttm is not None:
            ttm = _core.check_number("true_timestamp", ttm)
        ev = self._new_c(encoder)
        if not context and ttm is None and subject is None:
            return ev
        try:
            if context:
                add, encode = _add_context_object, encoder.encode
                for entity in context:
                    add(ev, entity.schema, entity.data, encode)
            if ttm is not None:
                _c.event_set_true_timestamp(ev, int(ttm))
            if subject is not None:
                _c.event_set_subject(ev, subject._ptr)
        except BaseException:
            _c.event_free(ev)
            raise
        return ev


def _fill(ev, build):
    """Run `build(ev)` on a new C event, freeing it if that fails."""
    try:
        build(ev)
    except BaseException:
        _c.event_free(ev)
        raise
    return ev


def _add_strings(ev, field, values):
    for value in _core.check_str_list(field, values) or ():
        _c.event_add_string(ev, field, value)


class PageView(Event):
    """Page view (`e=pv`)."""

    def __init__(self, page_url, page_title=None, referrer=None, event_subject=None,
                 context=None, true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.page_url = page_url
        self.page_title = page_title
        self.referrer = referrer

    def _new_c(self, encoder):
        return _c.event_page_view_new(_core.check_str("page_url", self.page_url, True),
                                      _core.check_str("page_title", self.page_title),
                                      _core.check_str("referrer", self.referrer))


class PagePing(Event):
    """Page ping (`e=pp`) with the scroll offsets seen since the last ping."""

    def __init__(self, page_url, page_title=None, referrer=None, min_x=None, max_x=None,
                 min_y=None, max_y=None, event_subject=None, context=None,
                 true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.page_url = page_url
        self.page_title = page_title
        self.referrer = referrer
        self.min_x, self.max_x, self.min_y, self.max_y = min_x, max_x, min_y, max_y

    def _new_c(self, encoder):
        offsets = [(name, _core.check_number(name, getattr(self, name)))
                   for name in ("min_x", "max_x", "min_y", "max_y")]
        ev = _c.event_page_ping_new(_core.check_str("page_url", self.page_url, True),
                                    _core.check_str("page_title", self.page_title),
                                    _core.check_str("referrer", self.referrer))

        def build(ev):
            for name, value in offsets:
                if value is not None:
                    _core.set_number(ev, name, value)
        return _fill(ev, build)


class StructuredEvent(Event):
    """Structured event (`e=se`): category and action required."""

    def __init__(self, category, action, label=None, property_=None, value=None,
                 event_subject=None, context=None, true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.category = category
        self.action = action
        self.label = label
        self.property_ = property_
        self.value = value

    def _new_c(self, encoder):
        value = _core.check_number("value", self.value)
        ev = _c.event_structured_new(_core.check_str("category", self.category, True),
                                     _core.check_str("action", self.action, True),
                                     _core.check_str("label", self.label),
                                     _core.check_str("property_", self.property_))
        if value is None:
            return ev
        return _fill(ev, lambda ev: _core.set_number(ev, "value", value))


class SelfDescribing(Event):
    """Self-describing event (`e=ue`) carrying a SelfDescribingJson."""

    def __init__(self, event_json, event_subject=None, context=None, true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.event_json = event_json

    def _new_c(self, encoder):
        sdj = self.event_json
        if not isinstance(sdj, SelfDescribingJson):
            raise TypeError("event_json must be SelfDescribingJson, not %s"
                            % _core.type_name(sdj))
        return _self_describing_new(sdj.schema, sdj.data, encoder.encode)


class ScreenView(Event):
    """Mobile screen view (schema com.snowplowanalytics.mobile/screen_view/1-0-0).
    `id_` must be a UUID; None makes a random one."""

    _OPTIONAL = ("type", "previous_name", "previous_id", "previous_type", "transition_type")

    def __init__(self, id_, name, type=None, previous_name=None, previous_id=None,
                 previous_type=None, transition_type=None, event_subject=None,
                 context=None, true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.id_ = id_
        self.name = name
        self.type = type
        self.previous_name = previous_name
        self.previous_id = previous_id
        self.previous_type = previous_type
        self.transition_type = transition_type

    def _new_c(self, encoder):
        optional = [(field, _core.check_str(field, getattr(self, field)))
                    for field in self._OPTIONAL]
        ev = _c.event_mobile_screen_view_new(_core.check_str("name", self.name, True),
                                             _core.check_str("id_", self.id_))

        def build(ev):
            for field, value in optional:
                if value is not None:
                    _c.event_set_string(ev, field, value)
        return _fill(ev, build)


class LegacyScreenView(Event):
    """Screen view of the seed tracker (schema com.snowplowanalytics.snowplow/
    screen_view/1-0-0): name or id, at least one. Sent by track_screen_view."""

    def __init__(self, name=None, id_=None, event_subject=None, context=None,
                 true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.name = name
        self.id_ = id_

    def _new_c(self, encoder):
        return _c.event_screen_view_new(_core.check_str("name", self.name),
                                        _core.check_str("id_", self.id_))


class LinkClick(Event):
    """Link click (schema link_click/1-0-1)."""

    def __init__(self, target_url, element_id=None, element_classes=None,
                 element_target=None, element_content=None, event_subject=None,
                 context=None, true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.target_url = target_url
        self.element_id = element_id
        self.element_classes = element_classes
        self.element_target = element_target
        self.element_content = element_content

    def _new_c(self, encoder):
        strings = [(field, _core.check_str(field, getattr(self, field)))
                   for field in ("element_id", "element_target", "element_content")]
        classes = _core.check_str_list("element_classes", self.element_classes)
        ev = _c.event_link_click_new(_core.check_str("target_url", self.target_url, True))

        def build(ev):
            for field, value in strings:
                if value is not None:
                    _c.event_set_string(ev, field, value)
            _add_strings(ev, "element_classes", classes)
        return _fill(ev, build)


class _CartEvent(Event):
    _new = None

    def __init__(self, sku, quantity, name=None, category=None, unit_price=None,
                 currency=None, event_subject=None, context=None, true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.sku = sku
        self.quantity = quantity
        self.name = name
        self.category = category
        self.unit_price = unit_price
        self.currency = currency

    def _new_c(self, encoder):
        quantity = _core.check_number("quantity", self.quantity, True)
        unit_price = _core.check_number("unit_price", self.unit_price)
        strings = [(field, _core.check_str(field, getattr(self, field)))
                   for field in ("name", "category", "currency")]
        ev = type(self)._new(_core.check_str("sku", self.sku, True), float(quantity))

        def build(ev):
            if isinstance(quantity, int):
                _c.event_set_int(ev, "quantity", quantity)
            if unit_price is not None:
                _core.set_number(ev, "unit_price", unit_price)
            for field, value in strings:
                if value is not None:
                    _c.event_set_string(ev, field, value)
        return _fill(ev, build)


class AddToCart(_CartEvent):
    """Add to cart (schema add_to_cart/1-0-0)."""
    _new = staticmethod(_c.event_add_to_cart_new)


class RemoveFromCart(_CartEvent):
    """Remove from cart (schema remove_from_cart/1-0-0)."""
    _new = staticmethod(_c.event_remove_from_cart_new)


class FormChange(Event):
    """Form change (schema change_form/1-0-0); node_name INPUT, TEXTAREA or
    SELECT; value None is sent as null."""

    def __init__(self, form_id, element_id, node_name, value, type_=None,
                 element_classes=None, event_subject=None, context=None,
                 true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.form_id = form_id
        self.element_id = element_id
        self.node_name = node_name
        self.value = value
        self.type_ = type_
        self.element_classes = element_classes

    def _new_c(self, encoder):
        type_ = _core.check_str("type_", self.type_)
        classes = _core.check_str_list("element_classes", self.element_classes)
        ev = _c.event_form_change_new(_core.check_str("form_id", self.form_id, True),
                                      _core.check_str("element_id", self.element_id, True),
                                      _core.check_str("node_name", self.node_name, True),
                                      _core.check_str("value", self.value))

        def build(ev):
            if type_ is not None:
                _c.event_set_string(ev, "type", type_)
            _add_strings(ev, "element_classes", classes)
        return _fill(ev, build)


class FormSubmit(Event):
    """Form submit (schema submit_form/1-0-0); elements: list of dicts with
    name, value, nodeName and optionally type."""

    def __init__(self, form_id, form_classes=None, elements=None, event_subject=None,
                 context=None, true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.form_id = form_id
        self.form_classes = form_classes
        self.elements = elements

    def _new_c(self, encoder):
        classes = _core.check_str_list("form_classes", self.form_classes)
        elements = self.elements
        if elements is not None and not isinstance(elements, (list, tuple)):
            raise TypeError("elements must be a list of dict or None, not %s"
                            % _core.type_name(elements))
        elements_json = encoder.encode(list(elements)) if elements else None
        ev = _c.event_form_submit_new(_core.check_str("form_id", self.form_id, True))

        def build(ev):
            _add_strings(ev, "form_classes", classes)
            if elements_json is not None:
                _c.event_set_json(ev, "elements", elements_json)
        return _fill(ev, build)


class SiteSearch(Event):
    """Site search (schema site_search/1-0-0): one or more terms."""

    def __init__(self, terms, filters=None, total_results=None, page_results=None,
                 event_subject=None, context=None, true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.terms = terms
        self.filters = filters
        self.total_results = total_results
        self.page_results = page_results

    def _new_c(self, encoder):
        terms = _core.check_str_list("terms", self.terms)
        if terms is None:
            raise TypeError("terms must be a list of str, not None")
        filters = self.filters
        if filters is not None and not isinstance(filters, dict):
            raise TypeError("filters must be a dict or None, not %s" % _core.type_name(filters))
        counts = [(field, _core.check_int(field, getattr(self, field)))
                  for field in ("total_results", "page_results")]
        filters_json = encoder.encode(filters) if filters is not None else None
        ev = _c.event_site_search_new(list(terms))

        def build(ev):
            if filters_json is not None:
                _c.event_set_json(ev, "filters", filters_json)
            for field, value in counts:
                if value is not None:
                    _c.event_set_int(ev, field, value)
        return _fill(ev, build)


class Timing(Event):
    """User timing (schema timing/1-0-0), usually milliseconds."""

    def __init__(self, category, variable, timing, label=None, event_subject=None,
                 context=None, true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.category = category
        self.variable = variable
        self.timing = timing
        self.label = label

    def _new_c(self, encoder):
        timing = _core.check_number("timing", self.timing, True)
        label = _core.check_str("label", self.label)
        ev = _c.event_timing_new(_core.check_str("category", self.category, True),
                                 _core.check_str("variable", self.variable, True),
                                 float(timing))

        def build(ev):
            if isinstance(timing, int):
                _c.event_set_int(ev, "timing", timing)
            if label is not None:
                _c.event_set_string(ev, "label", label)
        return _fill(ev, build)


# Keys an item dict may have. track_ecommerce_transaction of snowplow-tracker
# overwrites order_id, currency, tstamp, event_subject and context of every
# item with the transaction's: they are accepted and ignored here the same way.
_ITEM_KEYS = {"sku", "price", "quantity", "name", "category", "context"}
_ITEM_IGNORED = {"order_id", "currency", "tstamp", "event_subject", "tid"}


def _check_item_context(i, context):
    """An item's own context list, checked like an event's."""
    try:
        return _check_context(context)
    except TypeError as exc:
        raise TypeError("items[%d].%s" % (i, exc)) from None


class EcommerceTransaction(Event):
    """Ecommerce transaction: one `tr` event and one `ti` event per item (dicts
    with sku, price, quantity and optionally name, category and context, a list
    of SelfDescribingJson for that item's event). The items share the
    transaction's order id, currency, timestamps and subject; each item's event
    carries the transaction's context followed by its own."""

    _OPTIONAL_STR = ("affiliation", "city", "state", "country", "currency")

    def __init__(self, order_id, total_value, affiliation=None, tax_value=None,
                 shipping=None, city=None, state=None, country=None, currency=None,
                 items=None, event_subject=None, context=None, true_timestamp=None):
        super().__init__(event_subject, context, true_timestamp)
        self.order_id = order_id
        self.total_value = total_value
        self.affiliation = affiliation
        self.tax_value = tax_value
        self.shipping = shipping
        self.city = city
        self.state = state
        self.country = country
        self.currency = currency
        self.items = items

    @staticmethod
    def _check_item(i, item):
        if not isinstance(item, dict):
            raise TypeError("items[%d] must be a dict, not %s" % (i, _core.type_name(item)))
        unknown = set(item) - _ITEM_KEYS - _ITEM_IGNORED
        if unknown:
            raise TypeError("items[%d] has unknown keys: %s" % (i, ", ".join(sorted(unknown))))
        return (_core.check_str("items[%d].sku" % i, item.get("sku"), True),
                _core.check_number("items[%d].price" % i, item.get("price"), True),
                _core.check_int("items[%d].quantity" % i, item.get("quantity"), True),
                _core.check_str("items[%d].name" % i, item.get("name")),
                _core.check_str("items[%d].category" % i, item.get("category")),
                _check_item_context(i, item.get("context")))

    def _new_c(self, encoder):
        total = _core.check_number("total_value", self.total_value, True)
        numbers = [(field, _core.check_number(field, getattr(self, field)))
                   for field in ("tax_value", "shipping")]
        strings = [(field, _core.check_str(field, getattr(self, field)))
                   for field in self._OPTIONAL_STR]
        items = self.items
        if items is not None and not isinstance(items, (list, tuple)):
            raise TypeError("items must be a list of dict or None, not %s"
                            % _core.type_name(items))
        checked = [self._check_item(i, item) for i, item in enumerate(items or ())]
        ev = _c.event_ecommerce_transaction_new(
            _core.check_str("order_id", self.order_id, True), float(total))

        def build(ev):
            if isinstance(total, int):
                _c.event_set_int(ev, "total_value", total)
            for field, value in numbers:
                if value is not None:
                    _core.set_number(ev, field, value)
            for field, value in strings:
                if value is not None:
                    _c.event_set_string(ev, field, value)
            for index, (sku, price, quantity, name, category, context) in enumerate(checked):
                _c.event_add_item(ev, sku, float(price), quantity, name, category)
                for entity in context:
                    sd = entity._new_c(encoder)
                    try:
                        _c.event_add_item_context(ev, index, sd)
                    finally:
                        _c.sdjson_free(sd)
        return _fill(ev, build)
