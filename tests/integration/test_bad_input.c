/*
 * The catalogue of bad input: each gets its code and a message naming what was
 * wrong, and nothing at all reaches the collector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "snowplow.h"
#include "sp_test_collector.h"

static sp_test_collector *collector;
static snowplow_emitter *emitter;
static snowplow_tracker *tracker;

static void expect(int rc, int code, const char *needle)
{
    if (rc != code)
        fail_msg("expected code %d (%s), got %d: %s", code, snowplow_strerror(code), rc,
                 snowplow_error_last());
    assert_int_equal(snowplow_error_last_code(), code);
    if (strstr(snowplow_error_last(), needle) == NULL)
        fail_msg("message '%s' does not name '%s'", snowplow_error_last(), needle);
    snowplow_error_clear();
}

static int setup(void **state)
{
    (void)state;
    if ((collector = sp_test_collector_start()) == NULL)
        return -1;
    snowplow_emitter_options *eo = NULL;
    snowplow_tracker_options *to = NULL;
    if (snowplow_emitter_options_new(&eo) || snowplow_emitter_options_set_endpoint(eo, sp_test_collector_url(collector)) ||
        snowplow_emitter_options_set_byte_limit(eo, 4096) || snowplow_emitter_new(&emitter, eo) ||
        snowplow_tracker_options_new(&to) || snowplow_tracker_options_add_emitter(to, emitter) ||
        snowplow_tracker_new(&tracker, to))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    snowplow_tracker_free(tracker);
    snowplow_emitter_free(emitter);
    sp_test_collector_stop(collector);
    return 0;
}

static void null_handles_and_strings(void **state)
{
    (void)state;
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_page_view_new(&ev, "http://x", NULL, NULL), 0);
    expect(snowplow_tracker_track(NULL, NULL, ev), SNOWPLOW_EINVAL, "tracker");
    expect(snowplow_tracker_track(NULL, tracker, NULL), SNOWPLOW_EINVAL, "event");
    snowplow_event_free(ev);
    expect(snowplow_event_page_view_new(&ev, NULL, NULL, NULL), SNOWPLOW_EINVAL, "page_url");
    assert_null(ev);
    expect(snowplow_sdjson_new(NULL, "iglu:a/b/jsonschema/1-0-0", "{}"), SNOWPLOW_EINVAL, "out");
    expect(snowplow_subject_set_user_id(NULL, "u"), SNOWPLOW_EINVAL, "subject");
    expect(snowplow_emitter_flush(NULL, 0), SNOWPLOW_EINVAL, "emitter");
    expect(snowplow_tracker_flush(NULL, 0), SNOWPLOW_EINVAL, "tracker");
    expect(snowplow_tracker_new(NULL, NULL), SNOWPLOW_EINVAL, "options");
    snowplow_tracker_options *to = NULL;
    snowplow_tracker *t = NULL;
    assert_int_equal(snowplow_tracker_options_new(&to), 0);
    expect(snowplow_tracker_new(&t, to), SNOWPLOW_EINVAL, "emitter"); /* consumed; no leak */
    assert_null(t);
}

static void invalid_text_and_json(void **state)
{
    (void)state;
    snowplow_event *ev = NULL;
    snowplow_sdjson *sdj = NULL;
    expect(snowplow_event_structured_new(&ev, "cat\xff", "act", NULL, NULL), SNOWPLOW_EUTF8, "category");
    expect(snowplow_sdjson_new(&sdj, "iglu:com.acme/x/jsonschema/1-0-0", "{\"a\":\"\xed\xa0\x80\"}"),
           SNOWPLOW_EUTF8, "UTF-8");
    expect(snowplow_sdjson_new(&sdj, "iglu:com.acme/x/jsonschema/1-0-0", "{\"a\":}"), SNOWPLOW_EJSON, "JSON");
    expect(snowplow_sdjson_new(&sdj, "iglu:com.acme/x/jsonschema/1-0-0", "[]"), SNOWPLOW_EJSON, "object");
    expect(snowplow_sdjson_new(&sdj, "iglu:com.acme/x/jsonschema/1.0.0", "{}"), SNOWPLOW_ESCHEMA, "schema");
    expect(snowplow_sdjson_new(&sdj, "com.acme/x/jsonschema/1-0-0", "{}"), SNOWPLOW_ESCHEMA, "iglu:");
    assert_null(sdj);
}

static void missing_fields_and_ranges(void **state)
{
    (void)state;
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_new(&ev, SNOWPLOW_EVENT_ECOMMERCE_TRANSACTION), 0);
    assert_int_equal(snowplow_event_set_string(ev, "order_id", "o-1"), 0);
    expect(snowplow_tracker_track(NULL, tracker, ev), SNOWPLOW_EMISSING, "total_value");
    snowplow_event_free(ev);
    assert_int_equal(snowplow_event_new(&ev, SNOWPLOW_EVENT_LINK_CLICK), 0);
    expect(snowplow_tracker_track(NULL, tracker, ev), SNOWPLOW_EMISSING, "target_url");
    snowplow_event_free(ev);
    assert_int_equal(snowplow_event_new(&ev, SNOWPLOW_EVENT_SITE_SEARCH), 0);
    expect(snowplow_event_set_int(ev, "page_results", -5), SNOWPLOW_ERANGE, "page_results");
    snowplow_event_free(ev);

    snowplow_subject *s = NULL;
    assert_int_equal(snowplow_subject_new(&s), 0);
    expect(snowplow_subject_set_screen_resolution(s, -1920, 1080), SNOWPLOW_ERANGE, "positive");
    expect(snowplow_subject_set_viewport(s, 10, -2), SNOWPLOW_ERANGE, "positive");
    expect(snowplow_subject_set_platform(s, "mainframe"), SNOWPLOW_EINVAL, "mainframe");
    snowplow_subject_free(s);

    snowplow_tracker_options *to = NULL;
    assert_int_equal(snowplow_tracker_options_new(&to), 0);
    expect(snowplow_tracker_options_set_platform(to, "toaster"), SNOWPLOW_EINVAL, "toaster");
    snowplow_tracker_options_free(to);
}

static void bad_endpoints(void **state)
{
    (void)state;
    static const struct {
        const char *endpoint;
        const char *needle;
    } cases[] = {
        {"", "endpoint"},
        {"ftp://collector.example.com", "ftp"},
        {"http://", "host"},
        {"http://:8080", "host"},
        {"localhost:0", "port"},
        {"localhost:65536", "port"},
        {"localhost:http", "port"},
        {"http://local host", "endpoint"},
    };
    snowplow_emitter_options *eo = NULL;
    assert_int_equal(snowplow_emitter_options_new(&eo), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect(snowplow_emitter_options_set_endpoint(eo, cases[i].endpoint), SNOWPLOW_EURL,
               cases[i].needle);
    expect(snowplow_emitter_options_set_endpoint(eo, NULL), SNOWPLOW_EINVAL, "endpoint");
    snowplow_emitter *em = NULL;
    expect(snowplow_emitter_new(&em, eo), SNOWPLOW_EINVAL, "endpoint"); /* none was accepted */
    assert_null(em);
}

static void oversized_event(void **state)
{
    (void)state;
    size_t size = 8192; /* over this tracker's 4096-byte limit */
    char *json = malloc(size + 32);
    strcpy(json, "{\"name\":\"");
    memset(json + 9, 'x', size);
    strcpy(json + 9 + size, "\"}");
    snowplow_sdjson *sdj = NULL;
    assert_int_equal(snowplow_sdjson_new(&sdj, "iglu:com.example.libsnowplow/test_event/jsonschema/1-0-0", json), 0);
    free(json);
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_self_describing_new(&ev, sdj), 0);
    char eid[SNOWPLOW_EID_SIZE] = "";
    expect(snowplow_tracker_track(eid, tracker, ev), SNOWPLOW_ETOOBIG, "4096");
    assert_string_equal(eid, ""); /* no id handed out for an event that was not tracked */
    snowplow_event_free(ev);
    snowplow_sdjson_free(sdj);
    assert_int_equal(snowplow_emitter_counter(emitter, SNOWPLOW_COUNTER_TRACKED), 0);
}

static void nothing_was_sent(void **state)
{
    (void)state;
    assert_int_equal(snowplow_tracker_flush(tracker, 5000), 0);
    cJSON *all = sp_test_collector_get(collector, "/micro/all");
    assert_non_null(all);
    assert_int_equal(cJSON_GetObjectItem(all, "total")->valueint, 0);
    cJSON_Delete(all);
    cJSON *requests = sp_test_collector_get(collector, "/micro/requests");
    assert_non_null(requests);
    assert_int_equal(cJSON_GetArraySize(requests), 0);
    cJSON_Delete(requests);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(null_handles_and_strings),
        cmocka_unit_test(invalid_text_and_json),
        cmocka_unit_test(missing_fields_and_ranges),
        cmocka_unit_test(bad_endpoints),
        cmocka_unit_test(oversized_event),
        cmocka_unit_test(nothing_was_sent), /* runs last: the sum of all the above */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
