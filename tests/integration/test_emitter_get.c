/* GET against the local collector: one event per request, one kept-alive connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sp_test_collector.h"
#include "test_emitter_helpers.h"

static void test_one_event_per_request_same_connection(void **state)
{
    sp_test_collector *c = *state;
    th_recorder ok;
    th_recorder_init(&ok);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), &ok, NULL);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    snowplow_emitter_options_set_batch_size(o, 10); /* ignored by GET */
    /* One request at a time: a single kept-alive connection (several in
     * flight use one connection each; test_transport_inflight.c). */
    snowplow_emitter_options_set_max_inflight(o, 1);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);

    char eids[12][37];
    for (int i = 0; i < 12; i++)
        assert_int_equal(th_enqueue(em, eids[i], "get é&=?"), 0);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);

    cJSON *requests = th_requests(c);
    assert_int_equal(cJSON_GetArraySize(requests), 12);
    int conn = th_int_field(cJSON_GetArrayItem(requests, 0), "keepalive_conn_id");
    const cJSON *r;
    cJSON_ArrayForEach(r, requests)
    {
        assert_string_equal(cJSON_GetObjectItem(r, "method")->valuestring, "GET");
        assert_string_equal(cJSON_GetObjectItem(r, "path")->valuestring, "/i");
        assert_int_equal(th_int_field(r, "events"), 1);
        assert_int_equal(th_int_field(r, "status"), 200);
        assert_int_equal(th_int_field(r, "keepalive_conn_id"), conn);
    }
    cJSON_Delete(requests);

    cJSON *good = sp_test_collector_get(c, "/micro/good");
    assert_int_equal(cJSON_GetArraySize(good), 12);
    for (int i = 0; i < 12; i++)
        assert_int_equal(th_good_count_of(good, eids[i]), 1);
    /* The query decodes back to the original text, stm included. */
    const cJSON *raw = cJSON_GetObjectItem(cJSON_GetArrayItem(good, 0), "raw");
    assert_string_equal(cJSON_GetObjectItem(raw, "se_la")->valuestring, "get é&=?");
    assert_non_null(cJSON_GetObjectItem(raw, "stm"));

    /* Results carry each event's fields as JSON, as the collector decoded them. */
    assert_int_equal(ok.events, 12);
    for (size_t i = 0; i < ok.count; i++) {
        const snowplow_result *res = ok.results[i];
        assert_int_equal(snowplow_result_event_count(res), 1);
        cJSON *reported = cJSON_Parse(snowplow_result_event_json(res, 0));
        const char *eid = snowplow_result_event_id(res, 0);
        const cJSON *rec;
        int matched = 0;
        cJSON_ArrayForEach(rec, good)
        {
            const cJSON *stored = cJSON_GetObjectItem(rec, "raw");
            if (strcmp(cJSON_GetObjectItem(stored, "eid")->valuestring, eid) == 0)
                matched = cJSON_Compare(stored, reported, 1);
        }
        assert_true(matched);
        cJSON_Delete(reported);
    }
    cJSON_Delete(good);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 12);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
}

/* GET's byte limit bounds the query: too long an event is refused up front. */
static void test_get_byte_limit(void **state)
{
    sp_test_collector *c = *state;
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), NULL, NULL);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    snowplow_emitter_options_set_byte_limit(o, 1024);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    /* Each '&' takes 3 bytes once percent-encoded. */
    char label[400];
    memset(label, '&', sizeof label - 1);
    label[sizeof label - 1] = '\0';
    sp_payload *p = th_make_payload(NULL, label);
    assert_int_equal(th_enqueue_payload(em, p), SNOWPLOW_ETOOBIG);
    assert_non_null(strstr(snowplow_error_last(), "for GET exceeds the emitter's byte limit of 1024"));
    sp_payload_free(p);
    snowplow_emitter_free(em);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_one_event_per_request_same_connection, th_clean),
        cmocka_unit_test_setup(test_get_byte_limit, th_clean),
    };
    return cmocka_run_group_tests(tests, th_group_setup, th_group_teardown);
}
