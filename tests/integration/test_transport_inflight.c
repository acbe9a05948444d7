/*
 * Several requests in flight per sending thread (curl multi), against the
 * local collector: GET with max_inflight 1 and 16 deliver the same events;
 * POST batches in flight together; per-event accounting stays exact when
 * some of the requests in flight fail and are retried.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sp_test_collector.h"
#include "test_emitter_helpers.h"

#define EVENTS 240

/* Track EVENTS events labelled "inflight <i>" through an emitter with
 * `inflight` requests per thread; every eid is written to `eids`. Checks that
 * each was reported sent once; returns the number of success results. */
static size_t send_events(sp_test_collector *c, snowplow_method method, unsigned inflight,
                          char eids[][37], th_recorder *failed)
{
    th_recorder ok;
    th_recorder_init(&ok);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), &ok, failed);
    snowplow_emitter_options_set_method(o, method);
    snowplow_emitter_options_set_thread_count(o, 2);
    snowplow_emitter_options_set_batch_size(o, 5);
    snowplow_emitter_options_set_retry(o, 1, 20, 0);
    assert_int_equal(snowplow_emitter_options_set_max_inflight(o, inflight), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    for (int i = 0; i < EVENTS; i++) {
        char label[32];
        snprintf(label, sizeof label, "inflight %d", i);
        assert_int_equal(th_enqueue(em, eids[i], label), 0);
    }
    /* flush returns after one attempt each; retried ones are sent soon after. */
    assert_int_equal(snowplow_emitter_flush(em, 60000), 0);
    assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_SENT, EVENTS, 60000), 0);
    assert_int_equal(snowplow_emitter_close(em, 30000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), EVENTS);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_DROPPED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_QUEUED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_IN_FLIGHT), 0);
    snowplow_emitter_free(em);
    assert_int_equal(ok.events, EVENTS);
    size_t results = ok.count;
    th_recorder_free(&ok);
    return results;
}

/* The collector's good events by label: each label once, fields but eid and
 * stm (new per run) in a canonical JSON text; sorted by label. */
static cJSON *good_by_label(sp_test_collector *c, char eids[][37])
{
    cJSON *good = th_fetch_json(c, "/micro/good");
    assert_non_null(good);
    assert_int_equal(cJSON_GetArraySize(good), EVENTS);
    for (int i = 0; i < EVENTS; i++)
        assert_int_equal(th_good_count_of(good, eids[i]), 1);
    cJSON *by_label = cJSON_CreateObject();
    const cJSON *rec;
    cJSON_ArrayForEach(rec, good)
    {
        cJSON *raw = cJSON_Duplicate(cJSON_GetObjectItem(rec, "raw"), 1);
        cJSON_DeleteItemFromObject(raw, "eid");
        cJSON_DeleteItemFromObject(raw, "stm");
        cJSON_DeleteItemFromObject(raw, "dtm");
        const char *label = cJSON_GetObjectItem(raw, "se_la")->valuestring;
        assert_null(cJSON_GetObjectItem(by_label, label)); /* each label once */
        cJSON_AddItemToObject(by_label, label, raw);
    }
    cJSON_Delete(good);
    return by_label;
}

static int distinct_connections(sp_test_collector *c)
{
    cJSON *requests = th_requests(c);
    int ids[EVENTS * 2], n = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, requests)
    {
        int id = th_int_field(r, "keepalive_conn_id"), seen = 0;
        for (int i = 0; i < n && !seen; i++)
            seen = ids[i] == id;
        if (!seen && n < EVENTS * 2)
            ids[n++] = id;
    }
    cJSON_Delete(requests);
    return n;
}

static void test_get_inflight_1_and_16_same_events(void **state)
{
    sp_test_collector *c = *state;
    static char eids1[EVENTS][37], eids16[EVENTS][37];
    send_events(c, SNOWPLOW_METHOD_GET, 1, eids1, NULL);
    cJSON *one = good_by_label(c, eids1);
    /* Two threads, one request each at a time: two kept-alive connections. */
    assert_true(distinct_connections(c) <= 2);
    th_collector_clean(c);

    /* One result per GET request, each for one event. */
    assert_int_equal(send_events(c, SNOWPLOW_METHOD_GET, 16, eids16, NULL), EVENTS);
    cJSON *sixteen = good_by_label(c, eids16);
    /* Connections are kept alive across groups: never one per request. */
    int conns = distinct_connections(c);
    if (conns < 1 || conns > 2 * 16)
        fail_msg("%d connections for %d requests", conns, EVENTS);

    if (!cJSON_Compare(one, sixteen, 1)) {
        char *a = cJSON_PrintUnformatted(cJSON_GetObjectItem(one, "inflight 7"));
        char *b = cJSON_PrintUnformatted(cJSON_GetObjectItem(sixteen, "inflight 7"));
        fprintf(stderr, "max_inflight 1: %s\nmax_inflight 16: %s\n", a, b);
        free(a);
        free(b);
        fail();
    }
    cJSON_Delete(one);
    cJSON_Delete(sixteen);
}

static void test_post_batches_in_flight(void **state)
{
    sp_test_collector *c = *state;
    static char eids[EVENTS][37];
    send_events(c, SNOWPLOW_METHOD_POST, 8, eids, NULL);
    cJSON *by_label = good_by_label(c, eids);
    cJSON_Delete(by_label);
    cJSON *requests = th_requests(c);
    const cJSON *r;
    cJSON_ArrayForEach(r, requests)
    {
        assert_string_equal(cJSON_GetObjectItem(r, "method")->valuestring, "POST");
        assert_true(th_int_field(r, "events") >= 1 && th_int_field(r, "events") <= 5);
    }
    cJSON_Delete(requests);
}

/* Every third request in flight fails with 500 (30 of them): those events are
 * reported will_retry 1 and delivered later, each exactly once. */
static void test_failures_in_flight_are_retried_exactly(void **state)
{
    sp_test_collector *c = *state;
    static char eids[EVENTS][37];
    assert_int_equal(
        sp_test_collector_fault(c, "{\"status\":500,\"fail_every\":3,\"count\":30}"), 0);
    th_recorder failed;
    th_recorder_init(&failed);
    send_events(c, SNOWPLOW_METHOD_GET, 16, eids, &failed);
    assert_int_equal(th_recorded_events_retry(&failed, 1), 30);
    assert_int_equal(th_recorded_events_retry(&failed, 0), 0);
    for (size_t i = 0; i < failed.count; i++)
        assert_string_equal(snowplow_result_reason(failed.results[i]), "HTTP 500");
    th_recorder_free(&failed);
    cJSON *by_label = good_by_label(c, eids);
    cJSON_Delete(by_label);
}

static void test_max_inflight_bounds(void **state)
{
    (void)state;
    snowplow_emitter_options *o = NULL;
    assert_int_equal(snowplow_emitter_options_new(&o), 0);
    assert_int_equal(snowplow_emitter_options_set_max_inflight(o, 0), SNOWPLOW_ERANGE);
    assert_non_null(strstr(snowplow_error_last(), "max_inflight: 0 is outside 1..256"));
    assert_int_equal(snowplow_emitter_options_set_max_inflight(o, 257), SNOWPLOW_ERANGE);
    assert_int_equal(snowplow_emitter_options_set_max_inflight(o, 256), 0);
    assert_int_equal(snowplow_emitter_options_set_max_inflight(NULL, 4), SNOWPLOW_EINVAL);
    snowplow_emitter_options_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_get_inflight_1_and_16_same_events, th_clean),
        cmocka_unit_test_setup(test_post_batches_in_flight, th_clean),
        cmocka_unit_test_setup(test_failures_in_flight_are_retried_exactly, th_clean),
        cmocka_unit_test(test_max_inflight_bounds),
    };
    return cmocka_run_group_tests(tests, th_group_setup, th_group_teardown);
}
