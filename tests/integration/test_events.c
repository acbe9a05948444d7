/*
 * Every event type, over GET and POST, with base64 on and off, through a real
 * emitter to the local collector: each event arrives once, valid against its
 * Iglu schemas, with exactly the fields that were tracked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snowplow.h"
#include "every_event_type.h"
#include "sp_test_collector.h"
#include "sp_test_util.h"

#define MAX_EVENTS 32

static sp_test_collector *collector;

typedef struct run {
    snowplow_tracker *tracker;
    snowplow_emitter *emitter;
    char eids[MAX_EVENTS][SNOWPLOW_EID_SIZE];
    size_t n;
    cJSON *good; /* /micro/good after the run */
} run;

static int setup(void **state)
{
    (void)state;
    collector = sp_test_collector_start();
    return collector != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sp_test_collector_stop(collector);
    return 0;
}

static void start_run(run *r, snowplow_method method, int base64)
{
    memset(r, 0, sizeof *r);
    sp_test_collector_reset(collector);
    snowplow_emitter_options *eo = NULL;
    assert_int_equal(snowplow_emitter_options_new(&eo), 0);
    assert_int_equal(snowplow_emitter_options_set_endpoint(eo, sp_test_collector_url(collector)), 0);
    assert_int_equal(snowplow_emitter_options_set_method(eo, method), 0);
    assert_int_equal(snowplow_emitter_new(&r->emitter, eo), 0);

    snowplow_subject *subject = NULL;
    assert_int_equal(snowplow_subject_new(&subject), 0);
    snowplow_subject_set_user_id(subject, "user-\xc4\x87");
    snowplow_subject_set_screen_resolution(subject, 1920, 1080);
    snowplow_subject_set_lang(subject, "en-GB");

    snowplow_tracker_options *to = NULL;
    assert_int_equal(snowplow_tracker_options_new(&to), 0);
    assert_int_equal(snowplow_tracker_options_set_namespace(to, "ns"), 0);
    assert_int_equal(snowplow_tracker_options_set_app_id(to, "app"), 0);
    assert_int_equal(snowplow_tracker_options_set_encode_base64(to, base64), 0);
    assert_int_equal(snowplow_tracker_options_set_subject(to, subject), 0);
    assert_int_equal(snowplow_tracker_options_add_emitter(to, r->emitter), 0);
    assert_int_equal(snowplow_tracker_new(&r->tracker, to), 0);
    snowplow_subject_free(subject);
}

/* Track `ev` (then free it) and remember its event id. */
static void track(run *r, snowplow_event *ev)
{
    assert_non_null(ev);
    assert_true(r->n < MAX_EVENTS);
    int rc = snowplow_tracker_track(r->eids[r->n], r->tracker, ev);
    if (rc != 0)
        fail_msg("track failed: %s", snowplow_error_last());
    r->n++;
    snowplow_event_free(ev);
}

/* every_event_type.h's track callback. */
static void track_into_run(void *ctx, snowplow_event *ev)
{
    track(ctx, ev);
}


static void finish_run(run *r)
{
    if (snowplow_tracker_flush(r->tracker, 20000) != 0)
        fail_msg("flush: %s", snowplow_error_last());
    assert_int_equal(sp_test_collector_wait_total(collector, (long)EXPECTED_EVENTS, 0, 10000), 0);
    cJSON *bad = sp_test_collector_get(collector, "/micro/bad");
    assert_non_null(bad);
    if (cJSON_GetArraySize(bad) != 0) {
        char *text = cJSON_Print(bad);
        fail_msg("bad events: %s", text);
    }
    cJSON_Delete(bad);
    r->good = sp_test_collector_get(collector, "/micro/good");
    assert_non_null(r->good);
    assert_int_equal(cJSON_GetArraySize(r->good), (int)EXPECTED_EVENTS);
    assert_int_equal(snowplow_emitter_counter(r->emitter, SNOWPLOW_COUNTER_SENT), EXPECTED_EVENTS);
}

static void end_run(run *r)
{
    cJSON_Delete(r->good);
    snowplow_tracker_free(r->tracker);
    snowplow_emitter_free(r->emitter);
}

/* The decoded event whose eid is `eid`; exactly one must have arrived. */
static cJSON *event_by_eid(const run *r, const char *eid)
{
    return sp_test_event_by_eid(r->good, eid);
}

static const char *text(const cJSON *event, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(event, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void assert_text(const cJSON *event, const char *key, const char *expected)
{
    const char *got = text(event, key);
    if (expected == NULL) {
        if (got != NULL)
            fail_msg("%s: expected no value, got '%s'", key, got);
        return;
    }
    if (got == NULL || strcmp(got, expected) != 0)
        fail_msg("%s: expected '%s', got '%s'", key, expected, got ? got : "(none)");
}

/* The self-describing data object of a `ue` event, after checking its schema. */
static const cJSON *unstruct_data(const cJSON *event, const char *schema)
{
    assert_text(event, "e", "ue");
    const cJSON *ue = cJSON_GetObjectItem(event, "unstruct_event");
    const cJSON *inner = cJSON_GetObjectItem(ue, "data");
    assert_text(inner, "schema", schema);
    return cJSON_GetObjectItem(inner, "data");
}

static void assert_json(const cJSON *value, const char *expected)
{
    char *got = cJSON_PrintUnformatted(value);
    if (got == NULL || strcmp(got, expected) != 0)
        fail_msg("expected %s, got %s", expected, got ? got : "(none)");
    cJSON_free(got);
}

static void check_every_type(const run *r)
{
    const cJSON *ev = event_by_eid(r, r->eids[0]);
    /* common fields on every event */
    assert_text(ev, "tna", "ns");
    assert_text(ev, "aid", "app");
    assert_text(ev, "p", "pc");
    assert_text(ev, "tv", "c-" SNOWPLOW_VERSION_STRING);
    assert_text(ev, "uid", "user-\xc4\x87");
    assert_text(ev, "res", "1920x1080");
    assert_text(ev, "lang", "en-GB");
    assert_non_null(text(ev, "dtm"));
    assert_non_null(text(ev, "stm"));
    assert_text(ev, "e", "pv");
    assert_text(ev, "url", "test.\xc4\x87om");
    assert_text(ev, "page", "Page");
    assert_text(ev, "refr", "http://ref");
    assert_json(cJSON_GetObjectItem(ev, "contexts"),
                "[{\"schema\":\"" ANYTHING "\",\"data\":{\"test\":\"\xc4\x87\"}}]");

    ev = event_by_eid(r, r->eids[1]);
    assert_text(ev, "e", "pp");
    assert_text(ev, "pp_mix", "0");
    assert_text(ev, "pp_max", "640");
    assert_text(ev, "pp_miy", NULL);

    ev = event_by_eid(r, r->eids[2]);
    assert_text(ev, "e", "se");
    assert_text(ev, "se_ca", "Ecomm");
    assert_text(ev, "se_ac", "add-to-basket");
    assert_text(ev, "se_la", "dog-skateboarding-video");
    assert_text(ev, "se_pr", "hd");
    assert_text(ev, "se_va", "13.99");
    assert_null(cJSON_GetObjectItem(ev, "contexts"));
    assert_text(ev, "url", "http://page.example/");
    assert_text(ev, "page", "Page \xc4\x87");
    assert_null(text(ev, "refr"));

    ev = event_by_eid(r, r->eids[3]);
    assert_text(ev, "se_ca", "Save The Arctic");
    assert_text(ev, "se_ac", "sign & share");
    assert_text(ev, "se_la", "a=b?c");
    assert_text(ev, "se_pr", "100%");
    assert_text(ev, "ttm", "1600000000000");

    ev = event_by_eid(r, r->eids[4]);
    assert_json(unstruct_data(ev, TEST_EVENT),
                "{\"name\":\"\xe2\x9c\x93 ok\",\"count\":3,\"price\":7.99,\"flag\":true,\"note\":null}");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(ev, "contexts")), 2);

    assert_json(unstruct_data(event_by_eid(r, r->eids[5]), SP "screen_view/jsonschema/1-0-0"),
                "{\"name\":\"Home\",\"id\":\"home-1\"}");
    assert_json(unstruct_data(event_by_eid(r, r->eids[6]),
                              "iglu:com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0"),
                "{\"name\":\"Feed\",\"id\":\"5e3b2ed0-1c1c-4b5e-9c0a-6f4c8a9d2b11\",\"previousName\":\"Home\"}");
    assert_json(unstruct_data(event_by_eid(r, r->eids[7]), SP "link_click/jsonschema/1-0-1"),
                "{\"targetUrl\":\"http://target\",\"elementId\":\"go\",\"elementClasses\":[\"btn\"]}");
    assert_json(unstruct_data(event_by_eid(r, r->eids[8]), SP "add_to_cart/jsonschema/1-0-0"),
                "{\"sku\":\"sku-1\",\"quantity\":2,\"unitPrice\":7.99}");
    assert_json(unstruct_data(event_by_eid(r, r->eids[9]), SP "remove_from_cart/jsonschema/1-0-0"),
                "{\"sku\":\"sku-1\",\"quantity\":1}");
    assert_json(unstruct_data(event_by_eid(r, r->eids[10]), SP "change_form/jsonschema/1-0-0"),
                "{\"formId\":\"form\",\"elementId\":\"email\",\"nodeName\":\"INPUT\",\"value\":\"a@b.c\",\"type\":\"email\"}");
    assert_json(unstruct_data(event_by_eid(r, r->eids[11]), SP "submit_form/jsonschema/1-0-0"),
                "{\"formId\":\"form\",\"elements\":[{\"name\":\"email\",\"value\":\"a@b.c\",\"nodeName\":\"INPUT\"}]}");
    assert_json(unstruct_data(event_by_eid(r, r->eids[12]), SP "site_search/jsonschema/1-0-0"),
                "{\"terms\":[\"unified\",\"log\"],\"filters\":{\"books\":true},\"totalResults\":3}");
    assert_json(unstruct_data(event_by_eid(r, r->eids[13]), SP "timing/jsonschema/1-0-0"),
                "{\"category\":\"load\",\"variable\":\"map\",\"timing\":350}");

    const cJSON *tr = event_by_eid(r, r->eids[14]);
    assert_text(tr, "e", "tr");
    assert_text(tr, "tr_id", "order-1");
    assert_text(tr, "tr_tt", "35");
    assert_text(tr, "tr_cu", "GBP");
    assert_json(cJSON_GetObjectItem(tr, "contexts"), "[" CTX_JSON "]");
    /* the items: own eids, the transaction's order id, currency and timestamp */
    size_t items = 0;
    const cJSON *record;
    cJSON_ArrayForEach(record, r->good)
    {
        const cJSON *ti = cJSON_GetObjectItem(record, "event");
        if (strcmp(text(ti, "e"), "ti") != 0)
            continue;
        items++;
        assert_string_not_equal(text(ti, "eid"), text(tr, "eid"));
        assert_text(ti, "ti_id", "order-1");
        assert_text(ti, "ti_cu", "GBP");
        assert_text(ti, "dtm", text(tr, "dtm"));
        const char *sku = text(ti, "ti_sk");
        if (strcmp(sku, "sku-1") == 0) {
            assert_json(cJSON_GetObjectItem(ti, "contexts"),
                        "[" CTX_JSON ",{\"schema\":\"" ANYTHING "\",\"data\":{\"item\":1}}]");
            assert_text(ti, "ti_pr", "10");
            assert_text(ti, "ti_qu", "2");
            assert_text(ti, "ti_nm", "Thing");
        } else {
            assert_text(ti, "ti_sk", "sku-2");
            assert_json(cJSON_GetObjectItem(ti, "contexts"), "[" CTX_JSON "]");
            assert_text(ti, "ti_ca", "cat");
        }
    }
    assert_int_equal(items, 2);
}

static void every_type(snowplow_method method, int base64)
{
    run r;
    start_run(&r, method, base64);
    track_every_type(track_into_run, &r);
    finish_run(&r);
    check_every_type(&r);
    /* the method and encoding the tracker was asked for are the ones that arrived */
    cJSON *any;
    size_t encoded = 0;
    cJSON_ArrayForEach(any, r.good)
    {
        cJSON *raw_fields = cJSON_GetObjectItem(any, "raw");
        assert_string_equal(cJSON_GetObjectItem(any, "method")->valuestring,
                            method == SNOWPLOW_METHOD_GET ? "GET" : "POST");
        assert_false(cJSON_HasObjectItem(raw_fields, base64 ? "ue_pr" : "ue_px"));
        assert_false(cJSON_HasObjectItem(raw_fields, base64 ? "co" : "cx"));
        encoded += cJSON_HasObjectItem(raw_fields, base64 ? "ue_px" : "ue_pr");
    }
    assert_int_equal(encoded, 10); /* the ten self-describing events */
    end_run(&r);
}

static void post_base64(void **state) { (void)state; every_type(SNOWPLOW_METHOD_POST, 1); }
static void post_plain(void **state) { (void)state; every_type(SNOWPLOW_METHOD_POST, 0); }
static void get_base64(void **state) { (void)state; every_type(SNOWPLOW_METHOD_GET, 1); }
static void get_plain(void **state) { (void)state; every_type(SNOWPLOW_METHOD_GET, 0); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(post_base64),
        cmocka_unit_test(post_plain),
        cmocka_unit_test(get_base64),
        cmocka_unit_test(get_plain),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
