/*
 * GET through the lean HTTP/1.1 engine, end to end through the emitter:
 *  - against the local collector, pipelined requests deliver every event
 *    exactly once, over one kept-alive connection per sending thread;
 *  - against a stand-in that closes each connection after answering 7 of the
 *    pipelined requests, or answers 500/429 with Retry-After in the middle,
 *    every event is answered exactly once in the end: the unanswered ones are
 *    reported as retried network errors and sent again, the answered ones
 *    never again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sp_test_collector.h"
#include "sp_test_http_standin.h"
#include "test_emitter_helpers.h"

#ifdef SP_SANITIZED
#define EVENTS 300
#else
#define EVENTS 1200
#endif

static char eids[EVENTS][37];

/* Track EVENTS events (GET, 2 threads, 16 in flight) to `url`; wait until
 * all are sent; check the counters; RETRIED is returned. */
static uint64_t send_all(const char *url, th_recorder *ok, th_recorder *failed)
{
    snowplow_emitter_options *o = th_options(url, ok, failed);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    snowplow_emitter_options_set_thread_count(o, 2);
    snowplow_emitter_options_set_retry(o, 1, 20, 0);
    assert_int_equal(snowplow_emitter_options_set_max_inflight(o, 16), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    for (int i = 0; i < EVENTS; i++) {
        char label[32];
        snprintf(label, sizeof label, "lean %d", i);
        assert_int_equal(th_enqueue(em, eids[i], label), 0);
    }
    assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_SENT, EVENTS, 120000), 0);
    assert_int_equal(snowplow_emitter_close(em, 30000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), EVENTS);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_QUEUED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_IN_FLIGHT), 0);
    uint64_t retried = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED);
    snowplow_emitter_free(em);
    assert_int_equal(ok->events, EVENTS);
    return retried;
}

static void test_pipelined_get_exactly_once(void **state)
{
    sp_test_collector *c = *state;
    th_recorder ok;
    th_recorder_init(&ok);
    assert_int_equal(send_all(sp_test_collector_url(c), &ok, NULL), 0);
    th_recorder_free(&ok);
    assert_int_equal(sp_test_collector_wait_total(c, EVENTS, 0, 60000), 0);
    cJSON *good = th_fetch_json(c, "/micro/good");
    assert_non_null(good);
    assert_int_equal(cJSON_GetArraySize(good), EVENTS);
    for (int i = 0; i < EVENTS; i++)
        assert_int_equal(th_good_count_of(good, eids[i]), 1);
    cJSON_Delete(good);
    /* One connection per sending thread (libcurl would use up to 16 each). */
    cJSON *requests = th_requests(c);
    int ids[4], n = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, requests)
    {
        int id = th_int_field(r, "keepalive_conn_id"), seen = 0;
        for (int i = 0; i < n && !seen; i++)
            seen = ids[i] == id;
        if (!seen) {
            assert_true(n < 2);
            ids[n++] = id;
        }
    }
    cJSON_Delete(requests);
}

static int connections_of(sp_standin *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->connections;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* Each event's eid was answered exactly once by the stand-in. */
static void assert_answered_once(sp_standin *s)
{
    pthread_mutex_lock(&s->mu);
    int answered = s->answered;
    pthread_mutex_unlock(&s->mu);
    assert_int_equal(answered, EVENTS);
    int *seen = calloc(EVENTS, sizeof *seen);
    for (int a = 0; a < answered; a++) {
        const char *eid = strstr(s->targets[a], "eid=");
        assert_non_null(eid);
        int found = -1;
        for (int i = 0; i < EVENTS && found < 0; i++)
            if (strncmp(eid + 4, eids[i], 36) == 0)
                found = i;
        assert_true(found >= 0);
        seen[found]++;
    }
    for (int i = 0; i < EVENTS; i++)
        assert_int_equal(seen[i], 1);
    free(seen);
}

/* Every connection: 7 answers, then a close without answering the rest. */
static sp_standin_reply drop_after_7(sp_standin *s, int conn, int in_conn, int index)
{
    (void)s, (void)conn, (void)index;
    return (sp_standin_reply){in_conn < 7 ? SP_STANDIN_OK : SP_STANDIN_DROP, 0, 0};
}

static void test_close_mid_pipeline_retries_only_the_unanswered(void **state)
{
    (void)state;
    sp_standin s;
    assert_int_equal(sp_standin_start(&s, drop_after_7, NULL), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    uint64_t retried = send_all(url, &ok, &failed);
    assert_true(retried > 0);
    /* Every retry was reported as such, a network error. */
    assert_int_equal(failed.events, retried);
    assert_int_equal(th_recorded_events_retry(&failed, 0), 0);
    assert_int_equal(snowplow_result_status(failed.results[0]), 0);
    assert_answered_once(&s);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
    sp_standin_stop(&s);
}

/* Every 7th request a 500, every 11th a 429 (Retry-After 1 s: the retry waits). */
static sp_standin_reply errors(sp_standin *s, int conn, int in_conn, int index)
{
    (void)s, (void)conn, (void)in_conn;
    if (index % 7 == 3)
        return (sp_standin_reply){SP_STANDIN_STATUS, 500, 0};
    if (index % 11 == 5)
        return (sp_standin_reply){SP_STANDIN_STATUS, 429, 1};
    return (sp_standin_reply){SP_STANDIN_OK, 0, 0};
}

/* A status answer is an answer: the stand-in counts it; only 2xx count here. */
static void test_error_answers_mid_pipeline_retried(void **state)
{
    (void)state;
    sp_standin s;
    assert_int_equal(sp_standin_start(&s, errors, NULL), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    uint64_t retried = send_all(url, &ok, &failed);
    pthread_mutex_lock(&s.mu);
    int answered = s.answered;
    pthread_mutex_unlock(&s.mu);
    /* Each request answered once: the sent ones, and each failed attempt. */
    assert_int_equal((uint64_t)answered, EVENTS + retried);
    assert_int_equal(failed.events, retried);
    assert_true(connections_of(&s) <= 2); /* errors keep the connections */
    th_recorder_free(&ok);
    th_recorder_free(&failed);
    sp_standin_stop(&s);
}

int main(void)
{
    const char *vars[] = {"SNOWPLOW_HTTP_ENGINE", "http_proxy", "HTTP_PROXY", "all_proxy",
                          "ALL_PROXY", "no_proxy", "NO_PROXY"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pipelined_get_exactly_once, th_clean),
        cmocka_unit_test(test_close_mid_pipeline_retries_only_the_unanswered),
        cmocka_unit_test(test_error_answers_mid_pipeline_retried),
    };
    return cmocka_run_group_tests(tests, th_group_setup, th_group_teardown);
}
