/* Typed constructors: an event type's required fields as arguments. */
#include <stdlib.h>

#include "util/error.h"
#include "event/event_internal.h"
#include "event/sdjson_internal.h"
#include "util/text.h"

/* Start an event of `type`; on any later failure the caller frees it. */
static int start(snowplow_event **out, const char *fn, snowplow_event_type type,
                 snowplow_event **ev)
{
    if (out == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: out: must not be NULL", fn);
    *out = NULL;
    int rc = snowplow_event_new(ev, type);
    if (rc != SNOWPLOW_OK)
        return sp_error_set(rc, "%s: out of memory", fn);
    return SNOWPLOW_OK;
}

/* Set a required string argument: NULL is refused with the argument's name. */
static int required(snowplow_event *ev, const char *fn, const char *field, const char *value)
{
    if (value == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: %s: required, must not be NULL", fn, field);
    return sp_event_set_string(ev, fn, field, value);
}

static int optional(snowplow_event *ev, const char *fn, const char *field, const char *value)
{
    return sp_event_set_string(ev, fn, field, value);
}

static int number(snowplow_event *ev, const char *fn, const char *field, double value)
{
    return sp_event_set_number(ev, fn, field, 0, 0, value);
}

/* Hand the event over, or free it when a step failed. */
static int finish(snowplow_event **out, snowplow_event *ev, int rc)
{
    if (rc != SNOWPLOW_OK) {
        snowplow_event_free(ev);
        return rc;
    }
    *out = ev;
    return SNOWPLOW_OK;
}

static int page_event(snowplow_event **out, const char *fn, snowplow_event_type type,
                      const char *page_url, const char *page_title, const char *referrer)
{
    snowplow_event *ev = NULL;
    int rc = start(out, fn, type, &ev);
    if (rc != SNOWPLOW_OK)
        return rc;
    rc = required(ev, fn, "page_url", page_url);
    if (rc == SNOWPLOW_OK)
        rc = optional(ev, fn, "page_title", page_title);
    if (rc == SNOWPLOW_OK)
        rc = optional(ev, fn, "referrer", referrer);
    return finish(out, ev, rc);
}

int snowplow_event_page_view_new(snowplow_event **out, const char *page_url,
                                 const char *page_title, const char *referrer)
{
    return page_event(out, "snowplow_event_page_view_new", SNOWPLOW_EVENT_PAGE_VIEW, page_url,
                      page_title, referrer);
}

int snowplow_event_page_ping_new(snowplow_event **out, const char *page_url,
                                 const char *page_title, const char *referrer)
{
    return page_event(out, "snowplow_event_page_ping_new", SNOWPLOW_EVENT_PAGE_PING, page_url,
                      page_title, referrer);
}

int snowplow_event_structured_new(snowplow_event **out, const char *category,
                                  const char *action, const char *label, const char *property)
{
    static const char fn[] = "snowplow_event_structured_new";
    snowplow_event *ev = NULL;
    int rc = start(out, fn, SNOWPLOW_EVENT_STRUCTURED, &ev);
    if (rc != SNOWPLOW_OK)
        return rc;
    rc = required(ev, fn, "category", category);
    if (rc == SNOWPLOW_OK)
        rc = required(ev, fn, "action", action);
    if (rc == SNOWPLOW_OK)
        rc = optional(ev, fn, "label", label);
    if (rc == SNOWPLOW_OK)
        rc = optional(ev, fn, "property", property);
    return finish(out, ev, rc);
}

int snowplow_event_self_describing_new(snowplow_event **out, const snowplow_sdjson *data)
{
    static const char fn[] = "snowplow_event_self_describing_new";
    if (out == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: out: must not be NULL", fn);
    *out = NULL;
    if (data == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: data: required, must not be NULL", fn);
    snowplow_event *ev = calloc(1, sizeof *ev);
    if (ev == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    ev->kind = sp_event_kind_of(SNOWPLOW_EVENT_SELF_DESCRIBING);
    sp_sdjson_ref(data);
    ev->data = (snowplow_sdjson *)data;
    *out = ev;
    return SNOWPLOW_OK;
}

int snowplow_event_screen_view_new(snowplow_event **out, const char *name, const char *id)
{
    static const char fn[] = "snowplow_event_screen_view_new";
    if (out != NULL && name == NULL && id == NULL) {
        *out = NULL;
        return sp_error_set(SNOWPLOW_EINVAL, "%s: name, id: at least one is required", fn);
    }
    snowplow_event *ev = NULL;
    int rc = start(out, fn, SNOWPLOW_EVENT_SCREEN_VIEW, &ev);
    if (rc != SNOWPLOW_OK)
        return rc;
    rc = optional(ev, fn, "name", name);
    if (rc == SNOWPLOW_OK)
        rc = optional(ev, fn, "id", id);
    return finish(out, ev, rc);
}

int snowplow_event_mobile_screen_view_new(snowplow_event **out, const char *name,
                                          const char *id)
{
    static const char fn[] = "snowplow_event_mobile_screen_view_new";
    snowplow_event *ev = NULL;
    int rc = start(out, fn, SNOWPLOW_EVENT_MOBILE_SCREEN_VIEW, &ev);
    if (rc != SNOWPLOW_OK)
        return rc;
    char generated[37];
    if (id == NULL) {
        sp_uuid_v4(generated);
        id = generated;
    }
    rc = required(ev, fn, "name", name);
    if (rc == SNOWPLOW_OK)
        rc = required(ev, fn, "id", id);
    return finish(out, ev, rc);
}

int snowplow_event_link_click_new(snowplow_event **out, const char *target_url)
{
    static const char fn[] = "snowplow_event_link_click_new";
    snowplow_event *ev = NULL;
    int rc = start(out, fn, SNOWPLOW_EVENT_LINK_CLICK, &ev);
    if (rc != SNOWPLOW_OK)
        return rc;
    return finish(out, ev, required(ev, fn, "target_url", target_url));
}

static int cart_event(snowplow_event **out, const char *fn, snowplow_event_type type,
                      const char *sku, double quantity)
{
    snowplow_event *ev = NULL;
    int rc = start(out, fn, type, &ev);
    if (rc != SNOWPLOW_OK)
        return rc;
    rc = required(ev, fn, "sku", sku);
    if (rc == SNOWPLOW_OK)
        rc = number(ev, fn, "quantity", quantity);
    return finish(out, ev, rc);
}

int snowplow_event_add_to_cart_new(snowplow_event **out, const char *sku, double quantity)
{
    return cart_event(out, "snowplow_event_add_to_cart_new", SNOWPLOW_EVENT_ADD_TO_CART, sku,
                      quantity);
}

int snowplow_event_remove_from_cart_new(snowplow_event **out, const char *sku, double quantity)
{
    return cart_event(out, "snowplow_event_remove_from_cart_new",
                      SNOWPLOW_EVENT_REMOVE_FROM_CART, sku, quantity);
}

int snowplow_event_form_change_new(snowplow_event **out, const char *form_id,
                                   const char *element_id, const char *node_name,
                                   const char *value)
{
    static const char fn[] = "snowplow_event_form_change_new";
    snowplow_event *ev = NULL;
    int rc = start(out, fn, SNOWPLOW_EVENT_FORM_CHANGE, &ev);
    if (rc != SNOWPLOW_OK)
        return rc;
    rc = required(ev, fn, "form_id", form_id);
    if (rc == SNOWPLOW_OK)
        rc = required(ev, fn, "element_id", element_id);
    if (rc == SNOWPLOW_OK)
        rc = required(ev, fn, "node_name", node_name);
    if (rc == SNOWPLOW_OK)
        rc = optional(ev, fn, "value", value);
    return finish(out, ev, rc);
}

int snowplow_event_form_submit_new(snowplow_event **out, const char *form_id)
{
    static const char fn[] = "snowplow_event_form_submit_new";
    snowplow_event *ev = NULL;
    int rc = start(out, fn, SNOWPLOW_EVENT_FORM_SUBMIT, &ev);
    if (rc != SNOWPLOW_OK)
        return rc;
    return finish(out, ev, required(ev, fn, "form_id", form_id));
}

int snowplow_event_site_search_new(snowplow_event **out, const char *const *terms,
                                   size_t n_terms)
{
    static const char fn[] = "snowplow_event_site_search_new";
    if (out != NULL && (terms == NULL || n_terms == 0)) {
        *out = NULL;
        return sp_error_set(SNOWPLOW_EINVAL, "%s: terms: at least one term is required", fn);
    }
    snowplow_event *ev = NULL;
    int rc = start(out, fn, SNOWPLOW_EVENT_SITE_SEARCH, &ev);
    if (rc != SNOWPLOW_OK)
        return rc;
    for (size_t i = 0; i < n_terms && rc == SNOWPLOW_OK; i++) {
        if (terms[i] == NULL)
            rc = sp_error_set(SNOWPLOW_EINVAL, "%s: terms[%zu]: must not be NULL", fn, i);
        else
            rc = sp_event_add_string(ev, fn, "terms", terms[i]);
    }
    return finish(out, ev, rc);
}

int snowplow_event_timing_new(snowplow_event **out, const char *category, const char *variable,
                              double timing)
{
    static const char fn[] = "snowplow_event_timing_new";
    snowplow_event *ev = NULL;
    int rc = start(out, fn, SNOWPLOW_EVENT_TIMING, &ev);
    if (rc != SNOWPLOW_OK)
        return rc;
    rc = required(ev, fn, "category", category);
    if (rc == SNOWPLOW_OK)
        rc = required(ev, fn, "variable", variable);
    if (rc == SNOWPLOW_OK)
        rc = number(ev, fn, "timing", timing);
    return finish(out, ev, rc);
}

int snowplow_event_ecommerce_transaction_new(snowplow_event **out, const char *order_id,
                                             double total_value)
{
    static const char fn[] = "snowplow_event_ecommerce_transaction_new";
    snowplow_event *ev = NULL;
    int rc = start(out, fn, SNOWPLOW_EVENT_ECOMMERCE_TRANSACTION, &ev);
    if (rc != SNOWPLOW_OK)
        return rc;
    rc = required(ev, fn, "order_id", order_id);
    if (rc == SNOWPLOW_OK)
        rc = number(ev, fn, "total_value", total_value);
    return finish(out, ev, rc);
}
