/*
 * Test support: track one event of every type (the same calls for every test
 * that needs them), each through `track(ctx, ev)`, which takes the event.
 */
#ifndef EVERY_EVENT_TYPE_H
#define EVERY_EVENT_TYPE_H

#include <cmocka.h>

#include "snowplow.h"

#define SP "iglu:com.snowplowanalytics.snowplow/"
#define ANYTHING "iglu:com.snowplowanalytics.iglu/anything-a/jsonschema/1-0-0"
/* The context every event of track_every_type() carries, as the collector decodes it. */
#define CTX_JSON "{\"schema\":\"" ANYTHING "\",\"data\":{\"test\":\"\xc4\x87\"}}"
#define TEST_EVENT "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0"

/* Events track_every_type() sends: 15 tracked, a transaction's 2 items. */
static const size_t EXPECTED_EVENTS = 15 + 2;

typedef void (*every_type_track_fn)(void *ctx, snowplow_event *ev);

static snowplow_sdjson *sdjson(const char *schema, const char *json)
{
    snowplow_sdjson *sdj = NULL;
    assert_int_equal(snowplow_sdjson_new(&sdj, schema, json), 0);
    return sdj;
}

static void track_every_type(every_type_track_fn track, void *r)
{
    snowplow_event *ev = NULL;
    snowplow_sdjson *ctx = sdjson(ANYTHING, "{\"test\": \"\xc4\x87\"}");

    snowplow_event_page_view_new(&ev, "test.\xc4\x87om", "Page", "http://ref");
    snowplow_event_add_context(ev, ctx);
    track(r, ev); /* 0 */

    snowplow_event_page_ping_new(&ev, "http://p", NULL, NULL);
    snowplow_event_set_int(ev, "min_x", 0);
    snowplow_event_set_int(ev, "max_x", 640);
    track(r, ev); /* 1 */

    snowplow_event_structured_new(&ev, "Ecomm", "add-to-basket", "dog-skateboarding-video", "hd");
    snowplow_event_set_double(ev, "value", 13.99);
    assert_int_equal(snowplow_event_set_page(ev, "http://page.example/", "Page \xc4\x87", NULL), 0);
    track(r, ev); /* 2: with page fields */

    snowplow_event_structured_new(&ev, "Save The Arctic", "sign & share", "a=b?c", "100%");
    snowplow_event_set_true_timestamp(ev, 1600000000000LL);
    track(r, ev); /* 3 */

    snowplow_sdjson *data = sdjson(TEST_EVENT, "{\"name\":\"\xe2\x9c\x93 ok\",\"count\":3,\"price\":7.99,\"flag\":true,\"note\":null}");
    snowplow_event_self_describing_new(&ev, data);
    snowplow_event_add_context(ev, ctx);
    snowplow_event_add_context(ev, ctx);
    snowplow_sdjson_free(data);
    track(r, ev); /* 4 */

    snowplow_event_screen_view_new(&ev, "Home", "home-1");
    track(r, ev); /* 5 */
    snowplow_event_mobile_screen_view_new(&ev, "Feed", "5e3b2ed0-1c1c-4b5e-9c0a-6f4c8a9d2b11");
    snowplow_event_set_string(ev, "previous_name", "Home");
    track(r, ev); /* 6 */
    snowplow_event_link_click_new(&ev, "http://target");
    snowplow_event_add_string(ev, "element_classes", "btn");
    snowplow_event_set_string(ev, "element_id", "go");
    track(r, ev); /* 7 */
    snowplow_event_add_to_cart_new(&ev, "sku-1", 2);
    snowplow_event_set_double(ev, "unit_price", 7.99);
    track(r, ev); /* 8 */
    snowplow_event_remove_from_cart_new(&ev, "sku-1", 1);
    track(r, ev); /* 9 */
    snowplow_event_form_change_new(&ev, "form", "email", "INPUT", "a@b.c");
    snowplow_event_set_string(ev, "type", "email");
    track(r, ev); /* 10 */
    snowplow_event_form_submit_new(&ev, "form");
    snowplow_event_set_json(ev, "elements", "[{\"name\":\"email\",\"value\":\"a@b.c\",\"nodeName\":\"INPUT\"}]");
    track(r, ev); /* 11 */
    const char *terms[] = {"unified", "log"};
    snowplow_event_site_search_new(&ev, terms, 2);
    snowplow_event_set_json(ev, "filters", "{\"books\":true}");
    snowplow_event_set_int(ev, "total_results", 3);
    track(r, ev); /* 12 */
    snowplow_event_timing_new(&ev, "load", "map", 350);
    track(r, ev); /* 13 */
    snowplow_event_ecommerce_transaction_new(&ev, "order-1", 35);
    snowplow_event_set_string(ev, "currency", "GBP");
    snowplow_event_add_item(ev, "sku-1", 10, 2, "Thing", NULL);
    snowplow_event_add_item(ev, "sku-2", 15, 1, NULL, "cat");
    /* the transaction's context goes with every item; sku-1 has one of its own */
    snowplow_event_add_context(ev, ctx);
    snowplow_sdjson *item_ctx = sdjson(ANYTHING, "{\"item\":1}");
    assert_int_equal(snowplow_event_add_item_context(ev, 0, item_ctx), 0);
    snowplow_sdjson_free(item_ctx);
    track(r, ev); /* 14: tr, and 2 ti with their own ids */
    snowplow_sdjson_free(ctx);
}

#endif
