/*
 * The emitter against a stub transport (no network): exact request contents,
 * queue full, flush semantics with out-of-order completion, close aborting a
 * request under way, the byte limit, refusals after close, deferred release.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "emitter/emitter_impl.h"
#include "test_emitter_helpers.h"

static uint64_t counter(snowplow_emitter *em, snowplow_counter c)
{
    return snowplow_emitter_counter(em, c);
}

/* ---- tests ---- */

/* POST: the payload_data envelope, every value a string, stm added at send
 * time and the same stm reported in the result. */
static void test_post_body_and_stm(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    th_recorder ok;
    th_recorder_init(&ok);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", &ok, NULL);
    snowplow_emitter_options_set_linger_ms(o, 60000); /* only flush sends */
    snowplow_emitter *em = stub_emitter(&s, o);

    char eids[3][37];
    for (int i = 0; i < 3; i++)
        assert_int_equal(th_enqueue(em, eids[i], "post"), 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_TRACKED), 3);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    assert_int_equal(s.requests, 1);

    cJSON *body = cJSON_Parse(s.texts[0]);
    assert_non_null(body);
    assert_string_equal(cJSON_GetObjectItem(body, "schema")->valuestring,
                        "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4");
    cJSON *data = cJSON_GetObjectItem(body, "data");
    assert_int_equal(cJSON_GetArraySize(data), 3);
    const char *stm = cJSON_GetObjectItem(cJSON_GetArrayItem(data, 0), "stm")->valuestring;
    for (int i = 0; i < 3; i++) {
        cJSON *ev = cJSON_GetArrayItem(data, i);
        assert_string_equal(cJSON_GetObjectItem(ev, "eid")->valuestring, eids[i]);
        assert_string_equal(cJSON_GetObjectItem(ev, "stm")->valuestring, stm);
        cJSON *field;
        cJSON_ArrayForEach(field, ev) assert_true(cJSON_IsString(field));
    }
    assert_true(strtoll(stm, NULL, 10) >= 1600000000000LL);

    assert_int_equal(ok.count, 1);
    const snowplow_result *r = ok.results[0];
    assert_int_equal(snowplow_result_get_kind(r), SNOWPLOW_RESULT_SENT);
    assert_int_equal(snowplow_result_status(r), 200);
    assert_int_equal(snowplow_result_event_count(r), 3);
    assert_int_equal(snowplow_result_success_count(r), 3);
    assert_string_equal(snowplow_result_reason(r), "");
    for (int i = 0; i < 3; i++) {
        assert_string_equal(snowplow_result_event_id(r, i), eids[i]);
        cJSON *ev = cJSON_Parse(snowplow_result_event_json(r, i));
        assert_non_null(ev);
        assert_string_equal(cJSON_GetObjectItem(ev, "stm")->valuestring, stm);
        assert_string_equal(cJSON_GetObjectItem(ev, "se_ca")->valuestring, "test");
        cJSON_Delete(ev);
    }
    cJSON_Delete(body);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_SENT), 3);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_IN_FLIGHT), 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_QUEUED), 0);
    snowplow_emitter_free(em);
    assert_int_equal(s.opens, 1);
    assert_int_equal(s.closes, 1);
    th_recorder_free(&ok);
    stub_free(&s);
}

/* GET: one event per request to /i, the query with &stm= at the end, and the
 * result's JSON built from the fields. */
static void test_get_url_and_result(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    th_recorder ok;
    th_recorder_init(&ok);
    snowplow_emitter_options *o = th_options("http://127.0.0.1:9/pre/", &ok, NULL);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    snowplow_emitter *em = stub_emitter(&s, o);

    char eids[2][37];
    assert_int_equal(th_enqueue(em, eids[0], "a b&c"), 0);
    assert_int_equal(th_enqueue(em, eids[1], "get"), 0);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    assert_int_equal(s.requests, 2);
    for (int i = 0; i < 2; i++) {
        const char *url = s.texts[i];
        assert_true(strncmp(url, "http://127.0.0.1:9/pre/i?e=se&eid=", 34) == 0);
        const char *stm = strstr(url, "&stm=");
        assert_non_null(stm);
        assert_null(strchr(stm + 5, '&')); /* stm comes last */
    }
    assert_non_null(strstr(s.texts[0], "se_la=a%20b%26c"));

    assert_int_equal(ok.count, 2);
    cJSON *ev = cJSON_Parse(snowplow_result_event_json(ok.results[0], 0));
    assert_non_null(ev);
    assert_string_equal(cJSON_GetObjectItem(ev, "se_la")->valuestring, "a b&c");
    assert_string_equal(cJSON_GetObjectItem(ev, "eid")->valuestring, eids[0]);
    assert_non_null(cJSON_GetObjectItem(ev, "stm"));
    assert_string_equal(cJSON_GetObjectItem(ev, "stm")->valuestring,
                        strstr(s.texts[0], "&stm=") + 5);
    cJSON_Delete(ev);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    stub_free(&s);
}

/* A full queue refuses at once: EFULL, the events reported "queue full" and
 * counted dropped; the caller keeps its payloads. */
static void test_queue_full(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    snprintf(s.hold_label, sizeof s.hold_label, "held");
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", &ok, &failed);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(o, 3, 0), 0);
    snowplow_emitter *em = stub_emitter(&s, o);

    assert_int_equal(th_enqueue(em, NULL, "held"), 0);
    stub_wait_holding(&s, 1); /* the only sending thread is busy */
    /* The capacity bounds the events held: the one in flight counts. */
    for (int i = 0; i < 2; i++)
        assert_int_equal(th_enqueue(em, NULL, "waits"), 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_QUEUED), 2);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_IN_FLIGHT), 1);

    char eid[37];
    sp_payload *p = th_make_payload(eid, "dropped");
    const sp_payload *group[1] = {p};
    assert_int_equal(sp_emitter_enqueue(em, "snowplow_tracker_track", group, 1),
                     SNOWPLOW_EFULL);
    assert_non_null(strstr(snowplow_error_last(), "snowplow_tracker_track: queue full"));
    assert_string_equal(sp_payload_get(p, "eid"), eid);
    sp_payload_free(p);

    assert_int_equal(failed.count, 1);
    const snowplow_result *r = failed.results[0];
    assert_int_equal(snowplow_result_get_kind(r), SNOWPLOW_RESULT_FAILED);
    assert_string_equal(snowplow_result_reason(r), "queue full");
    assert_int_equal(snowplow_result_status(r), 0);
    assert_int_equal(snowplow_result_will_retry(r), 0);
    assert_int_equal(snowplow_result_event_count(r), 1);
    assert_string_equal(snowplow_result_event_id(r, 0), eid);
    assert_null(strstr(snowplow_result_event_json(r, 0), "\"stm\"")); /* never attempted */
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_DROPPED), 1);
    /* Tracked counts every event offered, dropped ones too. */
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_TRACKED), 4);

    stub_release(&s);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_SENT), 3);
    assert_int_equal(ok.events, 3);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
    stub_free(&s);
}

typedef struct flush_call {
    snowplow_emitter *em;
    atomic_int returned;
    int rc;
} flush_call;

static void *flush_thread(void *arg)
{
    flush_call *f = arg;
    f->rc = snowplow_emitter_flush(f->em, -1);
    atomic_store(&f->returned, 1);
    return NULL;
}

/* flush waits for the events accepted before it even when a later event,
 * on another thread, completes first. */
static void test_flush_waits_for_older_events(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    snprintf(s.hold_label, sizeof s.hold_label, "older");
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, NULL);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    snowplow_emitter_options_set_thread_count(o, 2);
    snowplow_emitter *em = stub_emitter(&s, o);

    assert_int_equal(th_enqueue(em, NULL, "older"), 0);
    stub_wait_holding(&s, 1);
    flush_call f = {em, 0, 1};
    pthread_t t;
    pthread_create(&t, NULL, flush_thread, &f);
    /* The flush must not end before the held event, whatever comes after. */
    assert_int_equal(th_enqueue(em, NULL, "newer"), 0);
    while (counter(em, SNOWPLOW_COUNTER_SENT) < 1)
        th_sleep_ms(1);
    th_sleep_ms(50);
    assert_int_equal(atomic_load(&f.returned), 0);
    assert_int_equal(snowplow_emitter_flush(em, 20), SNOWPLOW_ETIMEOUT);
    assert_non_null(strstr(snowplow_error_last(), "snowplow_emitter_flush: timeout_ms: 20"));

    stub_release(&s);
    pthread_join(t, NULL);
    assert_int_equal(f.rc, 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_SENT), 2);
    snowplow_emitter_free(em);
    stub_free(&s);
}

/* close with a request stuck: it is aborted, reported "emitter closed" with the
 * events still queued behind it, counted failed; later calls are refused. */
static void test_close_aborts_request_under_way(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    snprintf(s.hold_label, sizeof s.hold_label, "stuck");
    th_recorder failed;
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, &failed);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    snowplow_emitter *em = stub_emitter(&s, o);

    char stuck[37], queued[37];
    assert_int_equal(th_enqueue(em, stuck, "stuck"), 0);
    stub_wait_holding(&s, 1);
    assert_int_equal(th_enqueue(em, queued, "queued"), 0);
    assert_int_equal(snowplow_emitter_close(em, 50), SNOWPLOW_ETIMEOUT);
    assert_non_null(strstr(snowplow_error_last(), "snowplow_emitter_close: timeout_ms: 50"));

    assert_int_equal(failed.events, 2);
    assert_true(th_recorded_eid(&failed, stuck));
    assert_true(th_recorded_eid(&failed, queued));
    for (size_t i = 0; i < failed.count; i++) {
        assert_string_equal(snowplow_result_reason(failed.results[i]), "emitter closed");
        assert_int_equal(snowplow_result_will_retry(failed.results[i]), 0);
        assert_int_equal(snowplow_result_status(failed.results[i]), 0);
    }
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_FAILED), 2);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_QUEUED), 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_IN_FLIGHT), 0);

    sp_payload *p = th_make_payload(NULL, "late");
    const sp_payload *late[1] = {p};
    sp_prepared prepared;
    assert_int_equal(sp_emitter_prepare(em, "fn", late, 1, &prepared), SNOWPLOW_ECLOSED);
    assert_non_null(strstr(snowplow_error_last(), "fn: emitter: closed"));
    assert_int_equal(sp_emitter_enqueue(em, "fn", late, 1), SNOWPLOW_ECLOSED);
    sp_payload_free(p);
    assert_int_equal(snowplow_emitter_close(em, 0), 0); /* idempotent */
    snowplow_emitter_free(em);
    th_recorder_free(&failed);
    stub_free(&s);
}

/* Byte limit: a single event too big is refused with its size and the limit;
 * batches are cut so that each body stays within the limit. */
static void test_byte_limit(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, NULL);
    snowplow_emitter_options_set_byte_limit(o, 1500);
    snowplow_emitter_options_set_batch_size(o, 100);
    snowplow_emitter_options_set_linger_ms(o, 60000);
    snowplow_emitter *em = stub_emitter(&s, o);

    char big_label[2000];
    memset(big_label, 'x', sizeof big_label - 1);
    big_label[sizeof big_label - 1] = '\0';
    sp_payload *big = th_make_payload(NULL, big_label);
    const sp_payload *bigs[1] = {big};
    sp_prepared prepared;
    assert_int_equal(sp_emitter_prepare(em, "snowplow_tracker_track", bigs, 1, &prepared),
                     SNOWPLOW_ETOOBIG);
    const char *msg = snowplow_error_last();
    assert_non_null(strstr(msg, "snowplow_tracker_track: event: "));
    assert_non_null(strstr(msg, "byte limit of 1500"));
    assert_int_equal(sp_emitter_enqueue(em, "snowplow_tracker_track", bigs, 1), SNOWPLOW_ETOOBIG);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_TRACKED), 0);
    sp_payload_free(big);

    /* Equal events: as many per body as fit in 1500 bytes, no more. */
    char label[250];
    memset(label, 'y', sizeof label - 1);
    label[sizeof label - 1] = '\0';
    sp_payload *sample = th_make_payload(NULL, label);
    sp_record *sample_record = sp_record_new(sample, SNOWPLOW_METHOD_POST);
    assert_non_null(sample_record);
    size_t wire = sample_record->wire_size;
    sp_record_free(sample_record);
    sp_payload_free(sample);
    size_t per_body = (1500 - SP_POST_ENVELOPE_BYTES + 1) / (wire + 1);
    assert_true(per_body >= 2 && per_body < 10);

    for (int i = 0; i < 10; i++)
        assert_int_equal(th_enqueue(em, NULL, label), 0);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    size_t left = 10;
    assert_int_equal(s.requests, (10 + per_body - 1) / per_body);
    for (size_t i = 0; i < s.requests; i++) {
        assert_true(strlen(s.texts[i]) <= 1500);
        cJSON *body = cJSON_Parse(s.texts[i]);
        assert_non_null(body);
        size_t n = (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(body, "data"));
        assert_int_equal(n, left < per_body ? left : per_body);
        left -= n;
        cJSON_Delete(body);
    }
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_SENT), 10);
    snowplow_emitter_free(em);
    stub_free(&s);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    snowplow_emitter *em = stub_emitter(&s, th_options("127.0.0.1:9", NULL, NULL));
    sp_payload *p = th_make_payload(NULL, "x");
    const sp_payload *one[1] = {p};
    const sp_payload *null_group[2] = {p, NULL};
    sp_prepared prepared;
    assert_int_equal(sp_emitter_enqueue(NULL, "fn", one, 1), SNOWPLOW_EINVAL);
    assert_non_null(strstr(snowplow_error_last(), "fn: emitter: NULL"));
    assert_int_equal(sp_emitter_prepare(NULL, "fn", one, 1, &prepared), SNOWPLOW_EINVAL);
    assert_int_equal(sp_emitter_prepare(em, "fn", one, 1, NULL), SNOWPLOW_EINVAL);
    assert_int_equal(sp_emitter_enqueue(em, "fn", NULL, 1), SNOWPLOW_EINVAL);
    assert_int_equal(sp_emitter_enqueue(em, "fn", null_group, 2), SNOWPLOW_EINVAL);
    assert_non_null(strstr(snowplow_error_last(), "fn: payload 1: NULL"));
    assert_int_equal(sp_emitter_commit(NULL, "fn"), SNOWPLOW_EINVAL);
    assert_int_equal(sp_emitter_enqueue(em, "fn", one, 0), 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_TRACKED), 0);
    sp_payload_free(p);
    snowplow_emitter_free(em);
    stub_free(&s);
}

/* A transaction and its items go in as one group, in order. */
static void test_group_enqueue(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, NULL);
    snowplow_emitter_options_set_linger_ms(o, 60000);
    snowplow_emitter *em = stub_emitter(&s, o);
    char eids[3][37];
    sp_payload *group[3];
    for (int i = 0; i < 3; i++)
        group[i] = th_make_payload(eids[i], "group");
    sp_prepared prepared;
    assert_int_equal(sp_emitter_prepare(em, "fn", (const sp_payload *const *)group, 3, &prepared),
                     0);
    assert_int_equal(prepared.count, 3);
    assert_int_equal(sp_emitter_commit(&prepared, "fn"), 0);
    assert_int_equal(prepared.count, 0); /* consumed */
    for (int i = 0; i < 3; i++)
        sp_payload_free(group[i]);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    assert_int_equal(s.requests, 1);
    const char *a = strstr(s.texts[0], eids[0]), *b = strstr(s.texts[0], eids[1]),
               *c = strstr(s.texts[0], eids[2]);
    assert_true(a && b && c && a < b && b < c);
    snowplow_emitter_free(em);
    stub_free(&s);
}

/* The last reference dropped inside the emitter's own callback: released
 * later by another thread, never by joining itself. */
static atomic_int deferred_calls;
static void free_in_callback(const snowplow_result *result, void *payload)
{
    (void)result;
    atomic_fetch_add(&deferred_calls, 1);
    snowplow_emitter_free(payload);
}

static void test_free_from_callback_is_deferred(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    snprintf(s.hold_label, sizeof s.hold_label, "held");
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, NULL);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    snowplow_emitter *em = stub_emitter(&s, o);
    em->opt->on_success = free_in_callback; /* needs the emitter pointer */
    em->opt->on_success_payload = em;

    assert_int_equal(th_enqueue(em, NULL, "held"), 0);
    stub_wait_holding(&s, 1);
    /* Only the callback's reference remains (the one we took for it). */
    sp_emitter_ref(em);
    snowplow_emitter_free(em);
    stub_release(&s);

    pthread_mutex_lock(&s.mu);
    while (s.closes < 1) { /* the sending thread ended: the emitter was closed */
        pthread_mutex_unlock(&s.mu);
        th_sleep_ms(2);
        pthread_mutex_lock(&s.mu);
    }
    pthread_mutex_unlock(&s.mu);
    th_sleep_ms(100); /* let the releasing thread finish freeing (for the leak checker) */
    assert_int_equal(atomic_load(&deferred_calls), 1);
    stub_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_body_and_stm),
        cmocka_unit_test(test_get_url_and_result),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_flush_waits_for_older_events),
        cmocka_unit_test(test_close_aborts_request_under_way),
        cmocka_unit_test(test_byte_limit),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_group_enqueue),
        cmocka_unit_test(test_free_from_callback_is_deferred),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
