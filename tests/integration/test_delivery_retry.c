/*
 * Retries against the local collector with injected faults: a collector that
 * answers 503 for a while, a 500 storm then recovery, custom retry codes, 429
 * with Retry-After, a hanging collector hitting the request timeout, dropped
 * connections, and a retried event keeping its eid with a new stm.
 *
 * Every event must arrive exactly as tracked; duplicates are allowed only where
 * an answer was lost (the collector stored the events but the client never
 * heard so).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sp_test_collector.h"
#include "test_emitter_helpers.h"

/* An emitter on the collector with short retry delays. */
static snowplow_emitter *new_emitter(sp_test_collector *c, th_recorder *ok, th_recorder *failed,
                                     snowplow_method method)
{
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), ok, failed);
    snowplow_emitter_options_set_method(o, method);
    snowplow_emitter_options_set_batch_size(o, 5);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 20, 200, 0), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    return em;
}

/* Each of the `n` eids is in /micro/good between `min` and `max` times, and
 * nothing is bad. */
static void check_arrived(sp_test_collector *c, char eids[][37], int n, int min, int max)
{
    cJSON *good = sp_test_collector_get(c, "/micro/good?fields=eid,e");
    assert_non_null(good);
    for (int i = 0; i < n; i++) {
        int times = th_good_count_of(good, eids[i]);
        if (times < min || times > max)
            fail_msg("event %s arrived %d times, expected %d..%d", eids[i], times, min, max);
    }
    cJSON_Delete(good);
    cJSON *bad = sp_test_collector_get(c, "/micro/bad");
    assert_int_equal(cJSON_GetArraySize(bad), 0);
    cJSON_Delete(bad);
}

/* Every failure recorded was an attempt to be retried, with `status`. */
static void check_only_retries(th_recorder *failed, int status)
{
    assert_true(failed->count > 0);
    for (size_t i = 0; i < failed->count; i++) {
        const snowplow_result *r = failed->results[i];
        assert_int_equal(snowplow_result_get_kind(r), SNOWPLOW_RESULT_FAILED);
        assert_int_equal(snowplow_result_will_retry(r), 1);
        if (status >= 0)
            assert_int_equal(snowplow_result_status(r), status);
    }
}

static void check_counters_delivered(snowplow_emitter *em, uint64_t n)
{
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_TRACKED), n);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), n);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_DROPPED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_QUEUED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_IN_FLIGHT), 0);
    assert_true(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED) > 0);
}

/* The collector is "down" (503) for its next requests, then fine: the
 * retries deliver every event once (sp_emitter_drain waits for them). */
static void test_collector_down_then_up(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(sp_test_collector_fault(c, "{\"status\":503,\"count\":6}"), 0);
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter *em = new_emitter(c, &ok, &failed, SNOWPLOW_METHOD_POST);
    char eids[40][37];
    for (int i = 0; i < 40; i++)
        assert_int_equal(th_enqueue(em, eids[i], "down-then-up"), 0);
    assert_int_equal(sp_emitter_drain(em, 120000), 0);
    check_counters_delivered(em, 40);
    assert_int_equal(ok.events, 40);
    check_only_retries(&failed, 503);
    for (size_t i = 0; i < failed.count; i++)
        assert_string_equal(snowplow_result_reason(failed.results[i]), "HTTP 503");
    check_arrived(c, eids, 40, 1, 1);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
}

/* A 500 storm: every event is retried several times while it lasts; when it
 * ends everything is delivered, once. */
static void test_500_storm_then_recovery(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(sp_test_collector_fault(c, "{\"status\":500}"), 0);
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter *em = new_emitter(c, &ok, &failed, SNOWPLOW_METHOD_POST);
    char eids[30][37];
    for (int i = 0; i < 30; i++)
        assert_int_equal(th_enqueue(em, eids[i], "storm"), 0);
    /* Each event failed at least three times. */
    assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_RETRIED, 90, 120000), 0);
    /* During the outage flush returns: every event has had its attempt (and its
     * will_retry report); they stay queued for their retries. */
    assert_int_equal(snowplow_emitter_flush(em, 60000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_QUEUED) +
                         snowplow_emitter_counter(em, SNOWPLOW_COUNTER_IN_FLIGHT),
                     30);
    /* (the counter counts before the callbacks run: the last reports may be under way) */
    assert_true(th_recorded_events_retry(&failed, 1) >= 60);
    assert_int_equal(sp_test_collector_fault(c, "{\"status\":200}"), 0);
    assert_int_equal(sp_emitter_drain(em, 120000), 0);
    check_counters_delivered(em, 30);
    check_only_retries(&failed, 500);
    check_arrived(c, eids, 30, 1, 1);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
}

/* Custom codes: 400 made retryable is retried until accepted; 503 made final
 * fails at once. */
static void test_custom_retry_codes(void **state)
{
    sp_test_collector *c = *state;
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), &ok, &failed);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 20, 200, 0), 0);
    assert_int_equal(snowplow_emitter_options_set_custom_retry_code(o, 400, 1), 0);
    assert_int_equal(snowplow_emitter_options_set_custom_retry_code(o, 503, 0), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);

    assert_int_equal(sp_test_collector_fault(c, "{\"status\":400,\"count\":2}"), 0);
    char kept[37];
    assert_int_equal(th_enqueue(em, kept, "custom-400"), 0);
    assert_int_equal(sp_emitter_drain(em, 60000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 1);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED), 2);
    check_only_retries(&failed, 400);

    assert_int_equal(sp_test_collector_fault(c, "{\"status\":503,\"count\":1}"), 0);
    char lost[37];
    assert_int_equal(th_enqueue(em, lost, "custom-503"), 0);
    assert_int_equal(sp_emitter_drain(em, 60000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 1);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED), 2);
    const snowplow_result *last = failed.results[failed.count - 1];
    assert_int_equal(snowplow_result_status(last), 503);
    assert_int_equal(snowplow_result_will_retry(last), 0);
    assert_string_equal(snowplow_result_event_id(last, 0), lost);
    check_arrived(c, &kept, 1, 1, 1);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
}

static int64_t request_time(const cJSON *requests, int i)
{
    const cJSON *t = cJSON_GetObjectItem(cJSON_GetArrayItem(requests, i), "collector_tstamp_ms");
    assert_true(cJSON_IsNumber(t));
    return (int64_t)t->valuedouble;
}

/* 429 with Retry-After: 1 (GET): the next attempt comes at least about a
 * second later, although the backoff alone would be 20 ms. */
static void test_429_retry_after(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(
        sp_test_collector_fault(c, "{\"status\":429,\"retry_after\":1,\"count\":1}"), 0);
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), &ok, &failed);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    /* Retry-After is capped by max_delay_ms: leave room for it. */
    assert_int_equal(snowplow_emitter_options_set_retry(o, 20, 5000, 0), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    char eid[37];
    assert_int_equal(th_enqueue(em, eid, "retry-after"), 0);
    assert_int_equal(sp_emitter_drain(em, 60000), 0);
    check_counters_delivered(em, 1);
    check_only_retries(&failed, 429);
    assert_int_equal(failed.count, 1);

    cJSON *requests = th_requests(c);
    assert_int_equal(cJSON_GetArraySize(requests), 2);
    assert_int_equal(th_int_field(cJSON_GetArrayItem(requests, 0), "status"), 429);
    assert_int_equal(th_int_field(cJSON_GetArrayItem(requests, 1), "status"), 200);
    int64_t gap = request_time(requests, 1) - request_time(requests, 0);
    if (gap < 900)
        fail_msg("retried %lld ms after a Retry-After of 1 s", (long long)gap);
    cJSON_Delete(requests);
    check_arrived(c, &eid, 1, 1, 1);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
}

/* A collector that does not answer: the request timeout (300 ms) ends the
 * attempt, which is reported and retried; the next attempt succeeds. */
static void test_hanging_collector_times_out_and_retries(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(sp_test_collector_fault(c, "{\"hang\":true,\"count\":1}"), 0);
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), &ok, &failed);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 20, 200, 0), 0);
    assert_int_equal(snowplow_emitter_options_set_request_timeout_ms(o, 300), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    char eids[3][37];
    for (int i = 0; i < 3; i++)
        assert_int_equal(th_enqueue(em, eids[i], "hang-once"), 0);
    assert_int_equal(sp_emitter_drain(em, 60000), 0);
    check_counters_delivered(em, 3);
    check_only_retries(&failed, 0);
    assert_non_null(strstr(snowplow_result_reason(failed.results[0]), "imed out"));
    /* The hung request stored nothing; the retry brought everything once. */
    check_arrived(c, eids, 3, 1, 1);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
}

/* The connection dropped half way through the body: retried, delivered once. */
static void test_drop_mid_body_retried(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(sp_test_collector_fault(c, "{\"drop\":\"mid_body\",\"count\":1}"), 0);
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter *em = new_emitter(c, &ok, &failed, SNOWPLOW_METHOD_POST);
    char eids[5][37];
    for (int i = 0; i < 5; i++)
        assert_int_equal(th_enqueue(em, eids[i], "mid-body"), 0);
    assert_int_equal(sp_emitter_drain(em, 60000), 0);
    check_counters_delivered(em, 5);
    check_only_retries(&failed, 0);
    check_arrived(c, eids, 5, 1, 1);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
}

/* The collector read the whole request, then closed without answering: the
 * tracker cannot know, so it retries; a duplicate is possible there only. */
static void test_drop_after_request_retried(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(sp_test_collector_fault(c, "{\"drop\":true,\"count\":1}"), 0);
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter *em = new_emitter(c, &ok, &failed, SNOWPLOW_METHOD_GET);
    char eids[3][37];
    for (int i = 0; i < 3; i++)
        assert_int_equal(th_enqueue(em, eids[i], "dropped-answer"), 0);
    assert_int_equal(sp_emitter_drain(em, 60000), 0);
    check_counters_delivered(em, 3);
    check_only_retries(&failed, 0);
    check_arrived(c, eids, 3, 1, 2);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
}

static int64_t stm_of(const char *json)
{
    cJSON *ev = cJSON_Parse(json);
    assert_non_null(ev);
    const cJSON *stm = cJSON_GetObjectItem(ev, "stm");
    assert_true(cJSON_IsString(stm));
    int64_t v = strtoll(stm->valuestring, NULL, 10);
    cJSON_Delete(ev);
    return v;
}

/* A retried event keeps its eid and gets a new stm on each attempt. */
static void test_retry_keeps_eid_with_new_stm(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(sp_test_collector_fault(c, "{\"status\":500,\"count\":1}"), 0);
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), &ok, &failed);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 200, 400, 0), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    char eid[37];
    assert_int_equal(th_enqueue(em, eid, "new-stm"), 0);
    assert_int_equal(sp_emitter_drain(em, 60000), 0);
    assert_int_equal(failed.count, 1);
    assert_int_equal(ok.count, 1);
    assert_string_equal(snowplow_result_event_id(failed.results[0], 0), eid);
    assert_string_equal(snowplow_result_event_id(ok.results[0], 0), eid);
    int64_t first = stm_of(snowplow_result_event_json(failed.results[0], 0));
    int64_t second = stm_of(snowplow_result_event_json(ok.results[0], 0));
    /* At least the backoff's lower bound (150 ms) apart. */
    if (second - first < 100)
        fail_msg("stm %lld then %lld", (long long)first, (long long)second);

    cJSON *good = sp_test_collector_get(c, "/micro/good");
    assert_int_equal(cJSON_GetArraySize(good), 1);
    const cJSON *raw = cJSON_GetObjectItem(cJSON_GetArrayItem(good, 0), "raw");
    assert_string_equal(cJSON_GetObjectItem(raw, "eid")->valuestring, eid);
    assert_int_equal(strtoll(cJSON_GetObjectItem(raw, "stm")->valuestring, NULL, 10), second);
    cJSON_Delete(good);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_collector_down_then_up, th_clean),
        cmocka_unit_test_setup(test_500_storm_then_recovery, th_clean),
        cmocka_unit_test_setup(test_custom_retry_codes, th_clean),
        cmocka_unit_test_setup(test_429_retry_after, th_clean),
        cmocka_unit_test_setup(test_hanging_collector_times_out_and_retries, th_clean),
        cmocka_unit_test_setup(test_drop_mid_body_retried, th_clean),
        cmocka_unit_test_setup(test_drop_after_request_retried, th_clean),
        cmocka_unit_test_setup(test_retry_keeps_eid_with_new_stm, th_clean),
    };
    return cmocka_run_group_tests(tests, th_group_setup, th_group_teardown);
}
