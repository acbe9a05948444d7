/*
 * POST against the local collector: batches by count and by bytes, linger,
 * every 2xx and 3xx a success, what the collector receives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sp_test_collector.h"
#include "test_emitter_helpers.h"

/* 25 events, batch_size 10: requests of 10, 10 and 5, every event stored once. */
static void test_batches_of_ten(void **state)
{
    sp_test_collector *c = *state;
    th_recorder ok;
    th_recorder_init(&ok);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), &ok, NULL);
    snowplow_emitter_options_set_linger_ms(o, 60000); /* partial batches wait for flush */
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);

    char eids[25][37];
    for (int i = 0; i < 25; i++)
        assert_int_equal(th_enqueue(em, eids[i], "batch"), 0);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);

    cJSON *requests = th_requests(c);
    assert_non_null(requests);
    assert_int_equal(cJSON_GetArraySize(requests), 3);
    /* Requests in flight together arrive in any order: 10 + 10 + 5 in some order. */
    int tens = 0, fives = 0;
    for (int i = 0; i < 3; i++) {
        const cJSON *r = cJSON_GetArrayItem(requests, i);
        tens += th_int_field(r, "events") == 10;
        fives += th_int_field(r, "events") == 5;
        assert_int_equal(th_int_field(r, "status"), 200);
        assert_string_equal(cJSON_GetObjectItem(r, "method")->valuestring, "POST");
        assert_string_equal(cJSON_GetObjectItem(r, "path")->valuestring,
                            "/com.snowplowanalytics.snowplow/tp2");
        const cJSON *h = cJSON_GetObjectItem(r, "headers");
        assert_string_equal(cJSON_GetObjectItem(h, "content-type")->valuestring,
                            "application/json; charset=utf-8");
        assert_non_null(strstr(cJSON_GetObjectItem(h, "user-agent")->valuestring, "libsnowplow/"));
        assert_null(cJSON_GetObjectItem(h, "expect"));
    }
    assert_int_equal(tens, 2);
    assert_int_equal(fives, 1);
    cJSON_Delete(requests);

    cJSON *good = sp_test_collector_get(c, "/micro/good");
    assert_int_equal(cJSON_GetArraySize(good), 25);
    for (int i = 0; i < 25; i++)
        assert_int_equal(th_good_count_of(good, eids[i]), 1);
    cJSON_Delete(good);
    cJSON *bad = sp_test_collector_get(c, "/micro/bad");
    assert_int_equal(cJSON_GetArraySize(bad), 0);
    cJSON_Delete(bad);

    assert_int_equal(ok.count, 3);
    assert_int_equal(ok.events, 25);
    for (int i = 0; i < 25; i++)
        assert_true(th_recorded_eid(&ok, eids[i]));
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 25);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_TRACKED), 25);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 0);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
}

/* A byte limit cuts batches before batch_size: every body stays within it. */
static void test_byte_limit_cuts_batches(void **state)
{
    sp_test_collector *c = *state;
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), NULL, NULL);
    snowplow_emitter_options_set_linger_ms(o, 60000);
    snowplow_emitter_options_set_batch_size(o, 50);
    snowplow_emitter_options_set_byte_limit(o, 2000);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);

    char label[300];
    memset(label, 'z', sizeof label - 1);
    label[sizeof label - 1] = '\0';
    for (int i = 0; i < 20; i++)
        assert_int_equal(th_enqueue(em, NULL, label), 0);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);

    cJSON *requests = th_requests(c);
    int n = cJSON_GetArraySize(requests), events = 0;
    assert_true(n >= 5); /* ~480 bytes an event: at most 4 fit in 2000 */
    const cJSON *r;
    cJSON_ArrayForEach(r, requests)
    {
        assert_true(th_int_field(r, "bytes") <= 2000);
        assert_true(th_int_field(r, "events") >= 1);
        events += th_int_field(r, "events");
    }
    assert_int_equal(events, 20);
    cJSON_Delete(requests);
    assert_int_equal(sp_test_collector_wait_total(c, 20, 0, 10000), 0);
    snowplow_emitter_free(em);
}

/* A lone event is sent after linger_ms without any flush. */
static void test_linger_sends_partial_batch(void **state)
{
    sp_test_collector *c = *state;
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), NULL, NULL);
    snowplow_emitter_options_set_linger_ms(o, 50);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    char eid[37];
    assert_int_equal(th_enqueue(em, eid, "alone"), 0);
    assert_int_equal(sp_test_collector_wait_total(c, 1, 0, 20000), 0);
    cJSON *good = sp_test_collector_get(c, "/micro/good");
    assert_int_equal(th_good_count_of(good, eid), 1);
    cJSON_Delete(good);
    snowplow_emitter_free(em);
}

/* 200, 204 and 302 (not followed) all count as success. */
static void test_2xx_3xx_are_success(void **state)
{
    sp_test_collector *c = *state;
    static const char *const faults[] = {"{\"status\":200}", "{\"status\":204}",
                                         "{\"status\":302}"};
    static const int statuses[] = {200, 204, 302};
    for (int i = 0; i < 3; i++) {
        th_collector_clean(c);
        assert_int_equal(sp_test_collector_fault(c, faults[i]), 0);
        th_recorder ok, failed;
        th_recorder_init(&ok);
        th_recorder_init(&failed);
        snowplow_emitter *em = NULL;
        assert_int_equal(
            snowplow_emitter_new(&em, th_options(sp_test_collector_url(c), &ok, &failed)), 0);
        char eid[37];
        assert_int_equal(th_enqueue(em, eid, "status"), 0);
        assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
        assert_int_equal(failed.count, 0);
        assert_int_equal(ok.count, 1);
        assert_int_equal(snowplow_result_get_kind(ok.results[0]), SNOWPLOW_RESULT_SENT);
        assert_int_equal(snowplow_result_status(ok.results[0]), statuses[i]);
        assert_string_equal(snowplow_result_event_id(ok.results[0], 0), eid);
        assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 1);
        /* One request: a redirect is not followed. */
        cJSON *requests = th_requests(c);
        assert_int_equal(cJSON_GetArraySize(requests), 1);
        cJSON_Delete(requests);
        snowplow_emitter_free(em);
        th_recorder_free(&ok);
        th_recorder_free(&failed);
    }
}

/* The success callback's events are what the collector stored, with its stm. */
static void test_result_matches_collector(void **state)
{
    sp_test_collector *c = *state;
    th_recorder ok;
    th_recorder_init(&ok);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, th_options(sp_test_collector_url(c), &ok, NULL)),
                     0);
    assert_int_equal(th_enqueue(em, NULL, "match"), 0);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    cJSON *good = sp_test_collector_get(c, "/micro/good");
    assert_int_equal(cJSON_GetArraySize(good), 1);
    cJSON *stored = cJSON_GetObjectItem(cJSON_GetArrayItem(good, 0), "raw");
    cJSON *reported = cJSON_Parse(snowplow_result_event_json(ok.results[0], 0));
    assert_true(cJSON_Compare(stored, reported, 1));
    assert_non_null(cJSON_GetObjectItem(reported, "stm"));
    cJSON_Delete(reported);
    cJSON_Delete(good);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_batches_of_ten, th_clean),
        cmocka_unit_test_setup(test_byte_limit_cuts_batches, th_clean),
        cmocka_unit_test_setup(test_linger_sends_partial_batch, th_clean),
        cmocka_unit_test_setup(test_2xx_3xx_are_success, th_clean),
        cmocka_unit_test_setup(test_result_matches_collector, th_clean),
    };
    return cmocka_run_group_tests(tests, th_group_setup, th_group_teardown);
}
