/**
 * @file
 * libsnowplow: events.
 *
 * An event is built once, then handed to snowplow_tracker_track() as many times as
 * wanted; each track gives it a fresh event id and timestamp. A typed constructor
 * takes an event type's required fields; every other field is set by its name with
 * the setters below. Field names are the keyword arguments of the official Python
 * tracker (snake_case): "page_title", "label", "element_classes", ...
 *
 * Fields of each event type (required ones marked *; list = set with
 * snowplow_event_add_string(), json = snowplow_event_set_json()):
 *   PAGE_VIEW          page_url* page_title referrer
 *   PAGE_PING          page_url* page_title referrer min_x max_x min_y max_y (integers)
 *   STRUCTURED         category* action* label property value (number)
 *   SELF_DESCRIBING    (its snowplow_sdjson, given to the constructor)
 *   SCREEN_VIEW        name id (at least one; schema snowplow/screen_view/1-0-0)
 *   MOBILE_SCREEN_VIEW name* id* (UUID, generated when not given) type previous_name
 *                      previous_id previous_type transition_type (mobile/screen_view/1-0-0)
 *   LINK_CLICK         target_url* element_id element_classes(list) element_target
 *                      element_content
 *   ADD_TO_CART, REMOVE_FROM_CART
 *                      sku* quantity*(number) name category unit_price(number) currency
 *   FORM_CHANGE        form_id* element_id* node_name*(INPUT|TEXTAREA|SELECT) value*
 *                      (string or unset = null) type element_classes(list)
 *   FORM_SUBMIT        form_id* form_classes(list) elements(json array of
 *                      {name, value, nodeName, type} objects)
 *   SITE_SEARCH        terms*(list, one or more) filters(json object of string or
 *                      boolean values) total_results page_results (integers >= 0)
 *   TIMING             category* variable* timing*(number) label
 *   ECOMMERCE_TRANSACTION
 *                      order_id* total_value*(number) affiliation tax_value(number)
 *                      shipping(number) city state country currency; items with
 *                      snowplow_event_add_item()
 *
 * Threads: building or changing an event is not synchronised; once built, one
 * event may be tracked from many threads at once as long as nobody changes it.
 */
#ifndef SNOWPLOW_EVENT_H
#define SNOWPLOW_EVENT_H

#include "common.h"
#include "sdjson.h"
#include "subject.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque event. */
typedef struct snowplow_event snowplow_event;

/** Event types. The numbers are part of the ABI. */
typedef enum snowplow_event_type {
    SNOWPLOW_EVENT_PAGE_VIEW = 1,
    SNOWPLOW_EVENT_PAGE_PING = 2,
    SNOWPLOW_EVENT_STRUCTURED = 3,
    SNOWPLOW_EVENT_SELF_DESCRIBING = 4,
    SNOWPLOW_EVENT_SCREEN_VIEW = 5,
    SNOWPLOW_EVENT_MOBILE_SCREEN_VIEW = 6,
    SNOWPLOW_EVENT_LINK_CLICK = 7,
    SNOWPLOW_EVENT_ADD_TO_CART = 8,
    SNOWPLOW_EVENT_REMOVE_FROM_CART = 9,
    SNOWPLOW_EVENT_FORM_CHANGE = 10,
    SNOWPLOW_EVENT_FORM_SUBMIT = 11,
    SNOWPLOW_EVENT_SITE_SEARCH = 12,
    SNOWPLOW_EVENT_TIMING = 13,
    SNOWPLOW_EVENT_ECOMMERCE_TRANSACTION = 14,
    /**
     * One transaction item on its own (`e=ti`), as the seed Python tracker's
     * track_ecommerce_transaction_item() sends it: made with snowplow_event_new(),
     * fields order_id and sku (required, non-empty strings), price (required
     * number), quantity (required integer), name, category, currency (strings).
     * Items tracked with their transaction use snowplow_event_add_item() instead.
     */
    SNOWPLOW_EVENT_TRANSACTION_ITEM = 15
} snowplow_event_type;

/**
 * Create an event of `type` with no fields set (required ones are checked when it
 * is tracked, or by snowplow_event_validate()). SELF_DESCRIBING events cannot be
 * made this way: use snowplow_event_self_describing_new().
 * Ownership: the caller frees *out with snowplow_event_free(). Threads: any.
 * Errors: SNOWPLOW_EINVAL (out NULL, unknown type), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_event_new(snowplow_event **out, snowplow_event_type type);

/*
 * Typed constructors: the type's required fields as arguments, optional strings
 * may be NULL. Strings are copied and must be UTF-8. Ownership: the caller frees
 * *out with snowplow_event_free(). Threads: any. Errors: SNOWPLOW_EINVAL (out or a
 * required argument NULL or empty, named in the message), SNOWPLOW_EUTF8,
 * SNOWPLOW_ERANGE, SNOWPLOW_ENOMEM. *out is NULL on error.
 */
/** Page view (`e=pv`). */
SNOWPLOW_API int snowplow_event_page_view_new(snowplow_event **out, const char *page_url,
                                              const char *page_title, const char *referrer);
/** Page ping (`e=pp`); offsets with snowplow_event_set_int(). */
SNOWPLOW_API int snowplow_event_page_ping_new(snowplow_event **out, const char *page_url,
                                              const char *page_title, const char *referrer);
/** Structured event (`e=se`); the value with snowplow_event_set_double(ev, "value", v). */
SNOWPLOW_API int snowplow_event_structured_new(snowplow_event **out, const char *category,
                                               const char *action, const char *label,
                                               const char *property);
/**
 * Self-describing event (`e=ue`) carrying `data`. The event takes its own reference
 * to `data`; the caller may free its handle at once.
 */
SNOWPLOW_API int snowplow_event_self_describing_new(snowplow_event **out,
                                                    const snowplow_sdjson *data);
/** Screen view, schema snowplow/screen_view/1-0-0; name or id, at least one. */
SNOWPLOW_API int snowplow_event_screen_view_new(snowplow_event **out, const char *name,
                                                const char *id);
/**
 * Mobile screen view, schema mobile/screen_view/1-0-0. `id` must be a UUID; NULL
 * makes a random one.
 */
SNOWPLOW_API int snowplow_event_mobile_screen_view_new(snowplow_event **out,
                                                       const char *name, const char *id);
/** Link click, schema snowplow/link_click/1-0-1. */
SNOWPLOW_API int snowplow_event_link_click_new(snowplow_event **out, const char *target_url);
/** Add to cart, schema snowplow/add_to_cart/1-0-0. quantity must be finite. */
SNOWPLOW_API int snowplow_event_add_to_cart_new(snowplow_event **out, const char *sku,
                                                double quantity);
/** Remove from cart, schema snowplow/remove_from_cart/1-0-0. quantity must be finite. */
SNOWPLOW_API int snowplow_event_remove_from_cart_new(snowplow_event **out, const char *sku,
                                                     double quantity);
/**
 * Form change, schema snowplow/change_form/1-0-0. node_name is INPUT, TEXTAREA or
 * SELECT; value NULL sends JSON null.
 */
SNOWPLOW_API int snowplow_event_form_change_new(snowplow_event **out, const char *form_id,
                                                const char *element_id,
                                                const char *node_name, const char *value);
/** Form submit, schema snowplow/submit_form/1-0-0. */
SNOWPLOW_API int snowplow_event_form_submit_new(snowplow_event **out, const char *form_id);
/**
 * Site search, schema snowplow/site_search/1-0-0, with `n_terms` (at least one)
 * search terms.
 */
SNOWPLOW_API int snowplow_event_site_search_new(snowplow_event **out,
                                                const char *const *terms, size_t n_terms);
/** Timing, schema snowplow/timing/1-0-0; timing is usually milliseconds. */
SNOWPLOW_API int snowplow_event_timing_new(snowplow_event **out, const char *category,
                                           const char *variable, double timing);
/**
 * Ecommerce transaction: one `tr` event plus one `ti` event per item added with
 * snowplow_event_add_item(). total_value must be finite.
 */
SNOWPLOW_API int snowplow_event_ecommerce_transaction_new(snowplow_event **out,
                                                          const char *order_id,
                                                          double total_value);

/** Free an event. NULL is ignored. Threads: not while another thread tracks it. */
SNOWPLOW_API void snowplow_event_free(snowplow_event *event);

/** The event's type, or 0 when event is NULL. Threads: any. */
SNOWPLOW_API snowplow_event_type snowplow_event_get_type(const snowplow_event *event);

/*
 * Field setters, by the field names listed at the top of this file. Each replaces
 * the field's previous value.
 * Errors: SNOWPLOW_EINVAL (NULL event or field), SNOWPLOW_EFIELD (the type has no
 * such field, or the field has another type; the message names both),
 * SNOWPLOW_EUTF8, SNOWPLOW_EJSON, SNOWPLOW_ERANGE, SNOWPLOW_ENOMEM. On error the
 * event is unchanged.
 */
/** Set a string field; value is copied; NULL or "" unsets it. */
SNOWPLOW_API int snowplow_event_set_string(snowplow_event *event, const char *field,
                                           const char *value);
/** Set a number or integer field. Integers are sent as integers ("35"). */
SNOWPLOW_API int snowplow_event_set_int(snowplow_event *event, const char *field,
                                        int64_t value);
/**
 * Set a number field. Non-finite values are refused (SNOWPLOW_ERANGE); integer
 * fields take only whole numbers. Sent in the shortest form that reads back
 * exactly, whatever the process locale ("13.99", "0.30000000000000004").
 */
SNOWPLOW_API int snowplow_event_set_double(snowplow_event *event, const char *field,
                                           double value);
/** Set a json field (filters, elements) from JSON text; the type is checked. */
SNOWPLOW_API int snowplow_event_set_json(snowplow_event *event, const char *field,
                                         const char *json);
/** Append a string to a list field (element_classes, form_classes, terms). */
SNOWPLOW_API int snowplow_event_add_string(snowplow_event *event, const char *field,
                                           const char *value);
/** Unset a field of any kind. */
SNOWPLOW_API int snowplow_event_unset(snowplow_event *event, const char *field);

/**
 * Add an item to an ECOMMERCE_TRANSACTION. sku is required, price finite,
 * quantity any integer; name and category may be NULL. Each item is sent as its
 * own `ti` event with its own event id, sharing the transaction's order id,
 * currency and timestamps.
 * Errors: SNOWPLOW_EINVAL (NULL event or sku), SNOWPLOW_EFIELD (not a
 * transaction), SNOWPLOW_EUTF8, SNOWPLOW_ERANGE, SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_event_add_item(snowplow_event *event, const char *sku,
                                         double price, int64_t quantity,
                                         const char *name, const char *category);

/**
 * Attach a context entity. The event takes its own reference to `context`.
 * Contexts are sent in the order added; a transaction's items carry them too.
 * Errors: SNOWPLOW_EINVAL, SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_event_add_context(snowplow_event *event,
                                            const snowplow_sdjson *context);

/**
 * Attach a context entity to item `item_index` (0-based, in the order of
 * snowplow_event_add_item()) of an ECOMMERCE_TRANSACTION, as the official
 * trackers' per-item `context` does. The item's `ti` event carries the
 * transaction's contexts followed by its own, in the order added. The event
 * takes its own reference to `context`.
 * Errors: SNOWPLOW_EINVAL (NULL event or context), SNOWPLOW_EFIELD (not a
 * transaction), SNOWPLOW_ERANGE (no such item), SNOWPLOW_ENOMEM.
 */
SNOWPLOW_API int snowplow_event_add_item_context(snowplow_event *event, size_t item_index,
                                                 const snowplow_sdjson *context);

/**
 * Whether the items of an ECOMMERCE_TRANSACTION carry the transaction's contexts:
 * `share` 1 (the default): each item's `ti` event carries the transaction's
 * contexts followed by its own; 0: its own only, as the official Ruby tracker
 * sends them (the transaction's contexts then go with the `tr` event alone).
 * Errors: SNOWPLOW_EINVAL (event NULL, share not 0 or 1), SNOWPLOW_EFIELD (not a
 * transaction).
 */
SNOWPLOW_API int snowplow_event_set_items_share_contexts(snowplow_event *event, int share);

/**
 * Set the true timestamp (`ttm`), milliseconds since the epoch, from 0 to
 * 253402300799999 (9999-12-31T23:59:59.999Z, the last the pipeline takes).
 * Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE.
 */
SNOWPLOW_API int snowplow_event_set_true_timestamp(snowplow_event *event, int64_t ms);

/**
 * Set the device created timestamp (`dtm`) instead of the time of tracking;
 * milliseconds since the epoch, from 0 to 253402300799999 as for the true
 * timestamp. Errors: SNOWPLOW_EINVAL, SNOWPLOW_ERANGE.
 */
SNOWPLOW_API int snowplow_event_set_device_timestamp(snowplow_event *event, int64_t ms);

/**
 * Give the event its own subject, overriding the tracker's field by field. The
 * event takes a reference; NULL removes it. Errors: SNOWPLOW_EINVAL.
 */
SNOWPLOW_API int snowplow_event_set_subject(snowplow_event *event,
                                            snowplow_subject *subject);

/**
 * Page fields for an event of any type, as the Ruby tracker 0.7's per-event
 * `Page`: `url`, `page` (title) and `refr` (referrer). Each value that is not NULL
 * or "" is sent with the event (and with each item of a transaction); NULL or ""
 * leaves that field as it is. A page view or page ping has these fields itself:
 * there the values replace page_url, page_title and referrer. Values are copied.
 * Threads: as the other setters. Errors: SNOWPLOW_EINVAL (event NULL),
 * SNOWPLOW_EUTF8 (names the argument), SNOWPLOW_ENOMEM; on error the event is
 * unchanged.
 */
SNOWPLOW_API int snowplow_event_set_page(snowplow_event *event, const char *url,
                                         const char *title, const char *referrer);

/**
 * Check that every required field is set (snowplow_tracker_track() checks too).
 * Errors: SNOWPLOW_EINVAL (event NULL), SNOWPLOW_EMISSING (names the field).
 */
SNOWPLOW_API int snowplow_event_validate(const snowplow_event *event);

#ifdef __cplusplus
}
#endif

#endif /* SNOWPLOW_EVENT_H */
