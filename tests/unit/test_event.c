/* Event builders: required fields, field validation, and the exact encoding of every type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event_internal.h"
#include "event/payload.h"
#include "snowplow.h"
#include "sp_test_util.h"
#include "util/text.h"

#define UE_HEAD                                                                                    \
    "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/"                 \
    "1-0-0\",\"data\":"
#define SP "iglu:com.snowplowanalytics.snowplow/"

/* Encode `ev` (base64 on) and return the payload; the caller frees it. */
static sp_payload *encode(const snowplow_event *ev, int base64)
{
    assert_int_equal(snowplow_event_validate(ev), 0);
    sp_payload *p = sp_payload_new();
    assert_non_null(p);
    assert_int_equal(sp_event_encode(ev, p, base64), 0);
    assert_int_equal(sp_event_encode_contexts(ev, SP_EVENT_NO_ITEM, p, base64), 0);
    return p;
}

/* The self-describing JSON of an encoded `ue` event, decoded from ue_px. */
static char *unstruct_json(const sp_payload *p)
{
    const char *px = sp_payload_get(p, "ue_px");
    assert_non_null(px);
    size_t len = 0;
    unsigned char *raw = sp_base64_decode(px, strlen(px), &len);
    assert_non_null(raw);
    char *text = malloc(len + 1);
    memcpy(text, raw, len);
    text[len] = '\0';
    free(raw);
    return text;
}

static void assert_unstruct(const snowplow_event *ev, const char *expected_inner)
{
    sp_payload *p = encode(ev, 1);
    assert_string_equal(sp_payload_get(p, "e"), "ue");
    assert_null(sp_payload_get(p, "ue_pr"));
    char *json = unstruct_json(p);
    char expected[2048];
    snprintf(expected, sizeof expected, "%s%s}", UE_HEAD, expected_inner);
    assert_string_equal(json, expected);
    free(json);
    sp_payload_free(p);
    /* base64 off: the same text, plain */
    p = encode(ev, 0);
    assert_null(sp_payload_get(p, "ue_px"));
    assert_string_equal(sp_payload_get(p, "ue_pr"), expected);
    sp_payload_free(p);
}

static void page_view_and_ping(void **state)
{
    (void)state;
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_page_view_new(&ev, "http://test.\xc4\x87om", "Title", NULL), 0);
    sp_payload *p = encode(ev, 1);
    assert_string_equal(sp_payload_get(p, "e"), "pv");
    assert_string_equal(sp_payload_get(p, "url"), "http://test.\xc4\x87om");
    assert_string_equal(sp_payload_get(p, "page"), "Title");
    assert_null(sp_payload_get(p, "refr"));
    sp_payload_free(p);
    snowplow_event_free(ev);

    assert_int_equal(snowplow_event_page_ping_new(&ev, "http://x", NULL, "http://ref"), 0);
    assert_int_equal(snowplow_event_set_int(ev, "min_x", 0), 0);
    assert_int_equal(snowplow_event_set_int(ev, "max_x", 100), 0);
    assert_int_equal(snowplow_event_set_double(ev, "min_y", 5), 0);
    sp_test_assert_error(snowplow_event_set_double(ev, "max_y", 5.5), SNOWPLOW_ERANGE, "whole",
                         NULL);
    p = encode(ev, 1);
    assert_string_equal(sp_payload_get(p, "e"), "pp");
    assert_string_equal(sp_payload_get(p, "pp_mix"), "0"); /* 0 is kept */
    assert_string_equal(sp_payload_get(p, "pp_max"), "100");
    assert_string_equal(sp_payload_get(p, "pp_miy"), "5");
    assert_null(sp_payload_get(p, "pp_may"));
    assert_string_equal(sp_payload_get(p, "refr"), "http://ref");
    sp_payload_free(p);
    snowplow_event_free(ev);
}

static void structured_numbers(void **state)
{
    (void)state;
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_structured_new(&ev, "Ecomm", "add-to-basket",
                                                   "dog-skateboarding-video", "hd"),
                     0);
    assert_int_equal(snowplow_event_set_double(ev, "value", 13.99), 0);
    sp_payload *p = encode(ev, 1);
    assert_string_equal(sp_payload_get(p, "e"), "se");
    assert_string_equal(sp_payload_get(p, "se_ca"), "Ecomm");
    assert_string_equal(sp_payload_get(p, "se_ac"), "add-to-basket");
    assert_string_equal(sp_payload_get(p, "se_la"), "dog-skateboarding-video");
    assert_string_equal(sp_payload_get(p, "se_pr"), "hd");
    assert_string_equal(sp_payload_get(p, "se_va"), "13.99");
    sp_payload_free(p);

    assert_int_equal(snowplow_event_set_double(ev, "value", 0.1 + 0.2), 0);
    p = encode(ev, 1);
    assert_string_equal(sp_payload_get(p, "se_va"), "0.30000000000000004");
    sp_payload_free(p);
    assert_int_equal(snowplow_event_set_int(ev, "value", 9007199254740993LL), 0);
    p = encode(ev, 1);
    assert_string_equal(sp_payload_get(p, "se_va"), "9007199254740993"); /* exact */
    sp_payload_free(p);
    sp_test_assert_error(snowplow_event_set_double(ev, "value", NAN), SNOWPLOW_ERANGE, "finite",
                         NULL);
    sp_test_assert_error(snowplow_event_set_string(ev, "value", "1"), SNOWPLOW_EFIELD, "number",
                         NULL);
    sp_test_assert_error(snowplow_event_set_string(ev, "colour", "x"), SNOWPLOW_EFIELD, "colour",
                         NULL);
    /* "" for an optional envelope field leaves it out */
    assert_int_equal(snowplow_event_set_string(ev, "label", ""), 0);
    p = encode(ev, 1);
    assert_null(sp_payload_get(p, "se_la"));
    sp_payload_free(p);
    snowplow_event_free(ev);

    sp_test_assert_error(snowplow_event_structured_new(&ev, "cat", NULL, NULL, NULL),
                         SNOWPLOW_EINVAL, "action", NULL);
    assert_null(ev);
    sp_test_assert_error(snowplow_event_structured_new(&ev, "", "act", NULL, NULL), SNOWPLOW_EINVAL,
                         "category", NULL);
    assert_int_equal(snowplow_event_new(&ev, SNOWPLOW_EVENT_STRUCTURED), 0);
    assert_int_equal(snowplow_event_set_string(ev, "category", "c"), 0);
    sp_test_assert_error(snowplow_event_validate(ev), SNOWPLOW_EMISSING, "action", NULL);
    snowplow_event_free(ev);
}

static void self_describing_and_contexts(void **state)
{
    (void)state;
    snowplow_sdjson *data = NULL, *ctx = NULL;
    assert_int_equal(snowplow_sdjson_new(&data, "iglu:com.acme/e/jsonschema/1-0-0", "{\"a\":1}"),
                     0);
    assert_int_equal(
        snowplow_sdjson_new(&ctx, "iglu:com.acme/c/jsonschema/1-0-0", "{\"test\":\"\xc4\x87\"}"),
        0);
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_self_describing_new(&ev, data), 0);
    assert_int_equal(snowplow_event_add_context(ev, ctx), 0);
    assert_int_equal(snowplow_event_add_context(ev, ctx), 0);
    assert_unstruct(ev, "{\"schema\":\"iglu:com.acme/e/jsonschema/1-0-0\",\"data\":{\"a\":1}}");

    sp_payload *p = encode(ev, 0);
    assert_string_equal(
        sp_payload_get(p, "co"),
        "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1\",\"data\":["
        "{\"schema\":\"iglu:com.acme/c/jsonschema/1-0-0\",\"data\":{\"test\":\"\xc4\x87\"}},"
        "{\"schema\":\"iglu:com.acme/c/jsonschema/1-0-0\",\"data\":{\"test\":\"\xc4\x87\"}}]}");
    assert_null(sp_payload_get(p, "cx"));
    sp_payload_free(p);
    p = encode(ev, 1);
    assert_non_null(sp_payload_get(p, "cx"));
    assert_null(sp_payload_get(p, "co"));
    sp_payload_free(p);
    snowplow_event_free(ev);
    snowplow_sdjson_free(data);
    snowplow_sdjson_free(ctx);

    sp_test_assert_error(snowplow_event_self_describing_new(&ev, NULL), SNOWPLOW_EINVAL, "data",
                         NULL);
    sp_test_assert_error(snowplow_event_new(&ev, SNOWPLOW_EVENT_SELF_DESCRIBING), SNOWPLOW_EINVAL,
                         "self_describing_new", NULL);
    sp_test_assert_error(snowplow_event_new(&ev, (snowplow_event_type)99), SNOWPLOW_EINVAL, "99",
                         NULL);
    /* no contexts: no cx at all */
    assert_int_equal(snowplow_event_page_view_new(&ev, "u", NULL, NULL), 0);
    p = encode(ev, 1);
    assert_null(sp_payload_get(p, "cx"));
    sp_payload_free(p);
    snowplow_event_free(ev);
}

static void screen_views(void **state)
{
    (void)state;
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_screen_view_new(&ev, "Home", NULL), 0);
    assert_unstruct(ev, "{\"schema\":\"" SP
                        "screen_view/jsonschema/1-0-0\",\"data\":{\"name\":\"Home\"}}");
    snowplow_event_free(ev);
    sp_test_assert_error(snowplow_event_screen_view_new(&ev, NULL, NULL), SNOWPLOW_EINVAL, "name",
                         NULL);

    const char *id = "5e3b2ed0-1c1c-4b5e-9c0a-6f4c8a9d2b11";
    assert_int_equal(snowplow_event_mobile_screen_view_new(&ev, "Feed", id), 0);
    assert_int_equal(snowplow_event_set_string(ev, "previous_name", "Home"), 0);
    assert_int_equal(snowplow_event_set_string(ev, "transition_type", "push"), 0);
    assert_unstruct(
        ev, "{\"schema\":\"iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0\","
            "\"data\":{\"name\":\"Feed\",\"id\":\"5e3b2ed0-1c1c-4b5e-9c0a-6f4c8a9d2b11\","
            "\"previousName\":\"Home\",\"transitionType\":\"push\"}}");
    sp_test_assert_error(snowplow_event_set_string(ev, "previous_id", "not-a-uuid"),
                         SNOWPLOW_EINVAL, "UUID", NULL);
    snowplow_event_free(ev);
    sp_test_assert_error(snowplow_event_mobile_screen_view_new(&ev, "Feed", "123"), SNOWPLOW_EINVAL,
                         "id", NULL);
    sp_test_assert_error(snowplow_event_mobile_screen_view_new(&ev, NULL, id), SNOWPLOW_EINVAL,
                         "name", NULL);
    /* an id is made when none is given */
    assert_int_equal(snowplow_event_mobile_screen_view_new(&ev, "Feed", NULL), 0);
    sp_payload *p = encode(ev, 1);
    char *json = unstruct_json(p);
    const char *at = strstr(json, "\"id\":\"");
    assert_non_null(at);
    char made[37];
    memcpy(made, at + 6, 36);
    made[36] = '\0';
    assert_true(sp_uuid_valid(made));
    free(json);
    sp_payload_free(p);
    snowplow_event_free(ev);
}

static void link_click_and_carts(void **state)
{
    (void)state;
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_link_click_new(&ev, "http://t"), 0);
    assert_int_equal(snowplow_event_add_string(ev, "element_classes", "a"), 0);
    assert_int_equal(snowplow_event_add_string(ev, "element_classes", "b\"c"), 0);
    assert_int_equal(snowplow_event_set_string(ev, "element_content", ""), 0); /* kept */
    assert_unstruct(ev, "{\"schema\":\"" SP
                        "link_click/jsonschema/1-0-1\",\"data\":{\"targetUrl\":\"http://t\","
                        "\"elementClasses\":[\"a\",\"b\\\"c\"],\"elementContent\":\"\"}}");
    sp_test_assert_error(snowplow_event_set_string(ev, "target_url", ""), SNOWPLOW_EINVAL, "empty",
                         NULL);
    sp_test_assert_error(snowplow_event_add_string(ev, "element_id", "x"), SNOWPLOW_EFIELD,
                         "string", NULL);
    snowplow_event_free(ev);

    assert_int_equal(snowplow_event_add_to_cart_new(&ev, "sku-1", 2), 0);
    assert_int_equal(snowplow_event_set_double(ev, "unit_price", 7.99), 0);
    assert_int_equal(snowplow_event_set_string(ev, "currency", "GBP"), 0);
    assert_unstruct(ev, "{\"schema\":\"" SP
                        "add_to_cart/jsonschema/1-0-0\",\"data\":{\"sku\":\"sku-1\","
                        "\"quantity\":2,\"unitPrice\":7.99,\"currency\":\"GBP\"}}");
    snowplow_event_free(ev);
    assert_int_equal(snowplow_event_remove_from_cart_new(&ev, "sku-2", 1.5), 0);
    assert_unstruct(ev, "{\"schema\":\"" SP
                        "remove_from_cart/jsonschema/1-0-0\",\"data\":{\"sku\":\"sku-2\","
                        "\"quantity\":1.5}}");
    snowplow_event_free(ev);
    sp_test_assert_error(snowplow_event_add_to_cart_new(&ev, "s", INFINITY), SNOWPLOW_ERANGE,
                         "quantity", NULL);
    sp_test_assert_error(snowplow_event_add_to_cart_new(&ev, NULL, 1), SNOWPLOW_EINVAL, "sku",
                         NULL);
}

static void forms(void **state)
{
    (void)state;
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_form_change_new(&ev, "f", "e", "INPUT", NULL), 0);
    assert_int_equal(snowplow_event_set_string(ev, "type", "email"), 0);
    assert_unstruct(
        ev, "{\"schema\":\"" SP "change_form/jsonschema/1-0-0\",\"data\":{\"formId\":\"f\","
            "\"elementId\":\"e\",\"nodeName\":\"INPUT\",\"value\":null,\"type\":\"email\"}}");
    sp_test_assert_error(snowplow_event_set_string(ev, "type", "fancy"), SNOWPLOW_EINVAL,
                         "input type", NULL);
    snowplow_event_free(ev);
    sp_test_assert_error(snowplow_event_form_change_new(&ev, "f", "e", "DIV", "v"), SNOWPLOW_EINVAL,
                         "INPUT, TEXTAREA or SELECT", NULL);

    assert_int_equal(snowplow_event_form_submit_new(&ev, "signup"), 0);
    assert_int_equal(snowplow_event_add_string(ev, "form_classes", "wide"), 0);
    assert_int_equal(
        snowplow_event_set_json(
            ev, "elements",
            "[{\"name\":\"email\",\"value\":\"a@b\",\"nodeName\":\"INPUT\",\"type\":\"email\"},"
            " {\"name\":\"note\", \"value\":null, \"nodeName\":\"TEXTAREA\"}]"),
        0);
    assert_unstruct(
        ev, "{\"schema\":\"" SP "submit_form/jsonschema/1-0-0\",\"data\":{\"formId\":\"signup\","
            "\"formClasses\":[\"wide\"],\"elements\":[{\"name\":\"email\",\"value\":\"a@b\","
            "\"nodeName\":\"INPUT\",\"type\":\"email\"},{\"name\":\"note\",\"value\":null,"
            "\"nodeName\":\"TEXTAREA\"}]}}");
    sp_test_assert_error(snowplow_event_set_json(ev, "elements", "{}"), SNOWPLOW_EJSON, "array",
                         NULL);
    sp_test_assert_error(
        snowplow_event_set_json(ev, "elements", "[{\"name\":\"x\",\"value\":\"v\"}]"),
        SNOWPLOW_EJSON, "nodeName", NULL);
    sp_test_assert_error(
        snowplow_event_set_json(
            ev, "elements",
            "[{\"name\":\"x\",\"value\":\"v\",\"nodeName\":\"INPUT\",\"extra\":1}]"),
        SNOWPLOW_EJSON, "only", NULL);
    sp_test_assert_error(snowplow_event_set_json(ev, "elements", "[1,"), SNOWPLOW_EJSON,
                         "invalid JSON", NULL);
    snowplow_event_free(ev);
}

static void site_search_and_timing(void **state)
{
    (void)state;
    const char *terms[] = {"unified", "log"};
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_site_search_new(&ev, terms, 2), 0);
    assert_int_equal(
        snowplow_event_set_json(ev, "filters", "{\"category\":\"books\",\"sub\":false}"), 0);
    assert_int_equal(snowplow_event_set_int(ev, "total_results", 14), 0);
    assert_int_equal(snowplow_event_set_int(ev, "page_results", 0), 0);
    assert_unstruct(ev, "{\"schema\":\"" SP
                        "site_search/jsonschema/1-0-0\",\"data\":{\"terms\":[\"unified\",\"log\"],"
                        "\"filters\":{\"category\":\"books\",\"sub\":false},\"totalResults\":14,"
                        "\"pageResults\":0}}");
    sp_test_assert_error(snowplow_event_set_int(ev, "total_results", -1), SNOWPLOW_ERANGE,
                         "total_results", NULL);
    sp_test_assert_error(snowplow_event_set_json(ev, "filters", "{\"n\":1}"), SNOWPLOW_EJSON,
                         "boolean", NULL);
    snowplow_event_free(ev);
    sp_test_assert_error(snowplow_event_site_search_new(&ev, terms, 0), SNOWPLOW_EINVAL, "terms",
                         NULL);
    assert_int_equal(snowplow_event_new(&ev, SNOWPLOW_EVENT_SITE_SEARCH), 0);
    sp_test_assert_error(snowplow_event_validate(ev), SNOWPLOW_EMISSING, "terms", NULL);
    snowplow_event_free(ev);

    assert_int_equal(snowplow_event_timing_new(&ev, "load", "map", 350), 0);
    assert_int_equal(snowplow_event_set_string(ev, "label", "tiles"), 0);
    assert_unstruct(ev,
                    "{\"schema\":\"" SP "timing/jsonschema/1-0-0\",\"data\":{\"category\":\"load\","
                    "\"variable\":\"map\",\"timing\":350,\"label\":\"tiles\"}}");
    snowplow_event_free(ev);
}

static void transaction_and_items(void **state)
{
    (void)state;
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_ecommerce_transaction_new(&ev, "order-1", 35), 0);
    assert_int_equal(snowplow_event_set_string(ev, "currency", "GBP"), 0);
    assert_int_equal(snowplow_event_set_double(ev, "tax_value", 7.5), 0);
    assert_int_equal(snowplow_event_set_string(ev, "city", "London"), 0);
    assert_int_equal(snowplow_event_add_item(ev, "sku-1", 10, 2, "Thing", NULL), 0);
    assert_int_equal(snowplow_event_add_item(ev, "sku-2", 7.5, 1, NULL, "cat"), 0);
    sp_payload *p = encode(ev, 1);
    assert_string_equal(sp_payload_get(p, "e"), "tr");
    assert_string_equal(sp_payload_get(p, "tr_id"), "order-1");
    assert_string_equal(sp_payload_get(p, "tr_tt"), "35");
    assert_string_equal(sp_payload_get(p, "tr_tx"), "7.5");
    assert_string_equal(sp_payload_get(p, "tr_ci"), "London");
    assert_string_equal(sp_payload_get(p, "tr_cu"), "GBP");
    assert_null(sp_payload_get(p, "tr_sh"));
    sp_payload_free(p);

    p = sp_payload_new();
    assert_int_equal(sp_event_encode_item(ev, 1, p), 0);
    assert_string_equal(sp_payload_get(p, "e"), "ti");
    assert_string_equal(sp_payload_get(p, "ti_id"), "order-1");
    assert_string_equal(sp_payload_get(p, "ti_sk"), "sku-2");
    assert_string_equal(sp_payload_get(p, "ti_pr"), "7.5");
    assert_string_equal(sp_payload_get(p, "ti_qu"), "1");
    assert_string_equal(sp_payload_get(p, "ti_ca"), "cat");
    assert_string_equal(sp_payload_get(p, "ti_cu"), "GBP");
    assert_null(sp_payload_get(p, "ti_nm"));
    sp_payload_free(p);

    sp_test_assert_error(snowplow_event_add_item(ev, NULL, 1, 1, NULL, NULL), SNOWPLOW_EINVAL,
                         "sku", NULL);
    sp_test_assert_error(snowplow_event_add_item(ev, "s", NAN, 1, NULL, NULL), SNOWPLOW_ERANGE,
                         "price", NULL);

    /* Per-item contexts: after the transaction's, for that item only. */
    snowplow_sdjson *tx = NULL, *own = NULL;
    assert_int_equal(snowplow_sdjson_new(&tx, "iglu:com.acme/tx/jsonschema/1-0-0", "{\"a\":1}"), 0);
    assert_int_equal(snowplow_sdjson_new(&own, "iglu:com.acme/own/jsonschema/1-0-0", "{\"b\":2}"),
                     0);
    assert_int_equal(snowplow_event_add_context(ev, tx), 0);
    assert_int_equal(snowplow_event_add_item_context(ev, 1, own), 0);
    sp_test_assert_error(snowplow_event_add_item_context(ev, 2, own), SNOWPLOW_ERANGE, "item_index",
                         NULL);
    sp_test_assert_error(snowplow_event_add_item_context(ev, 0, NULL), SNOWPLOW_EINVAL, "context",
                         NULL);
    sp_test_assert_error(snowplow_event_add_item_context(NULL, 0, own), SNOWPLOW_EINVAL, "event",
                         NULL);
    snowplow_sdjson_free(own); /* the event keeps its own reference */
    const char *want[3] = {
        "[{\"schema\":\"iglu:com.acme/tx/jsonschema/1-0-0\",\"data\":{\"a\":1}}]",
        "[{\"schema\":\"iglu:com.acme/tx/jsonschema/1-0-0\",\"data\":{\"a\":1}}]",
        "[{\"schema\":\"iglu:com.acme/tx/jsonschema/1-0-0\",\"data\":{\"a\":1}},"
        "{\"schema\":\"iglu:com.acme/own/jsonschema/1-0-0\",\"data\":{\"b\":2}}]"};
    for (size_t item = 0; item < 3; item++) { /* the transaction, item 0, item 1 */
        sp_payload *q = sp_payload_new();
        assert_int_equal(
            sp_event_encode_contexts(ev, item == 0 ? SP_EVENT_NO_ITEM : item - 1, q, 0), 0);
        const char *co = sp_payload_get(q, "co");
        char expected[512];
        snprintf(expected, sizeof expected,
                 "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1\","
                 "\"data\":%s}",
                 want[item]);
        assert_non_null(co);
        assert_string_equal(co, expected);
        sp_payload_free(q);
    }
    /* Items that do not share: item 0 has none, item 1 its own alone; the
     * transaction keeps its own. */
    assert_int_equal(snowplow_event_set_items_share_contexts(ev, 0), 0);
    for (size_t item = 0; item < 3; item++) {
        sp_payload *q = sp_payload_new();
        assert_int_equal(
            sp_event_encode_contexts(ev, item == 0 ? SP_EVENT_NO_ITEM : item - 1, q, 0), 0);
        const char *co = sp_payload_get(q, "co");
        if (item == 1)
            assert_null(co);
        else
            assert_non_null(strstr(co, item == 0 ? "acme/tx/" : "acme/own/"));
        if (item == 2)
            assert_null(strstr(co, "acme/tx/"));
        sp_payload_free(q);
    }
    sp_test_assert_error(snowplow_event_set_items_share_contexts(ev, 2), SNOWPLOW_EINVAL, "share",
                         NULL);
    snowplow_event_free(ev);
    assert_int_equal(snowplow_event_page_view_new(&ev, "u", NULL, NULL), 0);
    sp_test_assert_error(snowplow_event_set_items_share_contexts(ev, 0), SNOWPLOW_EFIELD, "items",
                         NULL);
    sp_test_assert_error(snowplow_event_add_item(ev, "s", 1, 1, NULL, NULL), SNOWPLOW_EFIELD,
                         "items", NULL);
    sp_test_assert_error(snowplow_event_add_item_context(ev, 0, tx), SNOWPLOW_EFIELD, "items",
                         NULL);
    snowplow_event_free(ev);
    snowplow_sdjson_free(tx);
}

static void timestamps_and_nulls(void **state)
{
    (void)state;
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_page_view_new(&ev, "u", NULL, NULL), 0);
    sp_test_assert_error(snowplow_event_set_true_timestamp(ev, -1), SNOWPLOW_ERANGE, "negative",
                         NULL);
    assert_int_equal(snowplow_event_set_true_timestamp(ev, 1234), 0);
    assert_int_equal(snowplow_event_set_device_timestamp(ev, 5678), 0);
    /* The pipeline ends with year 9999. */
    assert_int_equal(snowplow_event_set_true_timestamp(ev, INT64_C(253402300799999)), 0);
    sp_test_assert_error(snowplow_event_set_true_timestamp(ev, INT64_C(253402300800000)),
                         SNOWPLOW_ERANGE, "9999-12-31", NULL);
    sp_test_assert_error(snowplow_event_set_device_timestamp(ev, INT64_C(170000000000010001)),
                         SNOWPLOW_ERANGE, "9999-12-31", NULL);
    assert_int_equal(snowplow_event_set_true_timestamp(ev, 1234), 0);
    assert_int_equal(snowplow_event_get_type(ev), SNOWPLOW_EVENT_PAGE_VIEW);
    sp_test_assert_error(snowplow_event_set_string(ev, "page_title", "\xc0\xaf"), SNOWPLOW_EUTF8,
                         "page_title", NULL);
    sp_test_assert_error(snowplow_event_set_string(ev, NULL, "x"), SNOWPLOW_EINVAL, "field", NULL);
    sp_test_assert_error(snowplow_event_unset(ev, "nope"), SNOWPLOW_EFIELD, "nope", NULL);
    assert_int_equal(snowplow_event_unset(ev, "page_url"), 0);
    sp_test_assert_error(snowplow_event_validate(ev), SNOWPLOW_EMISSING, "page_url", NULL);
    snowplow_event_free(ev);
    sp_test_assert_error(snowplow_event_set_string(NULL, "x", "y"), SNOWPLOW_EINVAL, "event", NULL);
    sp_test_assert_error(snowplow_event_add_context(NULL, NULL), SNOWPLOW_EINVAL, "event", NULL);
    assert_int_equal(snowplow_event_get_type(NULL), 0);
    snowplow_event_free(NULL);
}

/* snowplow_event_set_page: a page view's own fields are replaced where the page
 * has a value; other kinds carry url/page/refr (encoded with the common fields). */
static void page_fields(void **state)
{
    (void)state;
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_page_view_new(&ev, "https://a.example/", "Own", "https://r/"), 0);
    assert_int_equal(snowplow_event_set_page(ev, "https://b.example/", NULL, ""), 0);
    sp_payload *p = encode(ev, 1);
    assert_string_equal(sp_payload_get(p, "url"), "https://b.example/");
    assert_string_equal(sp_payload_get(p, "page"), "Own");
    assert_string_equal(sp_payload_get(p, "refr"), "https://r/");
    sp_payload_free(p);
    sp_test_assert_error(snowplow_event_set_page(ev, "ok", "bad \xff", NULL), SNOWPLOW_EUTF8,
                         "title", NULL);
    p = encode(ev, 1); /* unchanged by the failed call */
    assert_string_equal(sp_payload_get(p, "url"), "https://b.example/");
    sp_payload_free(p);
    snowplow_event_free(ev);

    assert_int_equal(snowplow_event_structured_new(&ev, "c", "a", NULL, NULL), 0);
    assert_int_equal(snowplow_event_set_page(ev, "https://c.example/", "T", NULL), 0);
    assert_int_equal(snowplow_event_set_page(ev, NULL, NULL, "https://ref/"), 0);
    p = encode(ev, 1);
    assert_null(sp_payload_get(p, "url")); /* not the event's own fields */
    assert_int_equal(sp_event_encode_page(ev, p), 0);
    assert_string_equal(sp_payload_get(p, "url"), "https://c.example/");
    assert_string_equal(sp_payload_get(p, "page"), "T");
    assert_string_equal(sp_payload_get(p, "refr"), "https://ref/");
    sp_payload_free(p);
    snowplow_event_free(ev);
    sp_test_assert_error(snowplow_event_set_page(NULL, "u", NULL, NULL), SNOWPLOW_EINVAL, "event",
                         NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_view_and_ping),           cmocka_unit_test(structured_numbers),
        cmocka_unit_test(self_describing_and_contexts), cmocka_unit_test(screen_views),
        cmocka_unit_test(link_click_and_carts),         cmocka_unit_test(forms),
        cmocka_unit_test(site_search_and_timing),       cmocka_unit_test(transaction_and_items),
        cmocka_unit_test(timestamps_and_nulls),         cmocka_unit_test(page_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
