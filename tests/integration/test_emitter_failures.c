/*
 * Failures against the local collector: statuses that are not retried, 5xx
 * with a retry limit, nothing listening, a hanging collector at close, flush
 * and close refused inside callbacks. (Retries that end in delivery are in
 * test_delivery_retry.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sp_test_collector.h"
#include "test_emitter_helpers.h"

/* Every event reported once through on_failure with `status` and `reason`. */
static void check_failed(th_recorder *failed, char eids[][37], int n, int status,
                         const char *reason)
{
    assert_int_equal(failed->events, n);
    for (int i = 0; i < n; i++)
        assert_true(th_recorded_eid(failed, eids[i]));
    for (size_t i = 0; i < failed->count; i++) {
        const snowplow_result *r = failed->results[i];
        assert_int_equal(snowplow_result_get_kind(r), SNOWPLOW_RESULT_FAILED);
        assert_int_equal(snowplow_result_status(r), status);
        assert_int_equal(snowplow_result_will_retry(r), 0);
        if (reason)
            assert_string_equal(snowplow_result_reason(r), reason);
        else
            assert_true(snowplow_result_reason(r)[0] != '\0');
        for (size_t j = 0; j < snowplow_result_event_count(r); j++) {
            cJSON *ev = cJSON_Parse(snowplow_result_event_json(r, j));
            assert_non_null(ev);
            assert_string_equal(cJSON_GetObjectItem(ev, "eid")->valuestring,
                                snowplow_result_event_id(r, j));
            cJSON_Delete(ev);
        }
    }
}

/* Only the final reports (will_retry 0) of a recorder, in a new recorder. */
static void keep_final(th_recorder *all, th_recorder *final)
{
    th_recorder_init(final);
    for (size_t i = 0; i < all->count; i++) {
        if (snowplow_result_will_retry(all->results[i]))
            continue;
        snowplow_result *copy = NULL;
        assert_int_equal(snowplow_result_copy(&copy, all->results[i]), 0);
        final->results[final->count++] = copy;
        final->events += snowplow_result_event_count(copy);
    }
}

/* `max_attempts` 0: the status must not be retried at all. */
static void run_status_failure(sp_test_collector *c, snowplow_method method, const char *fault,
                               int status, const char *reason, int max_attempts)
{
    assert_int_equal(sp_test_collector_fault(c, fault), 0);
    th_recorder ok, all_failed, failed;
    th_recorder_init(&ok);
    th_recorder_init(&all_failed);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), &ok, &all_failed);
    snowplow_emitter_options_set_method(o, method);
    if (max_attempts > 0)
        assert_int_equal(snowplow_emitter_options_set_retry(o, 10, 40, max_attempts), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    char eids[12][37];
    for (int i = 0; i < 12; i++)
        assert_int_equal(th_enqueue(em, eids[i], "fails"), 0);
    assert_int_equal(sp_emitter_drain(em, 60000), 0);
    assert_int_equal(ok.count, 0);
    keep_final(&all_failed, &failed);
    check_failed(&failed, eids, 12, status, reason);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 12);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 0);
    int attempts = max_attempts > 0 ? max_attempts : 1;
    /* Every attempt but the last was reported with will_retry 1. */
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED),
                     (uint64_t)12 * (uint64_t)(attempts - 1));
    assert_int_equal(all_failed.events, (size_t)12 * (size_t)attempts);
    for (size_t i = 0; i < all_failed.count; i++)
        if (snowplow_result_will_retry(all_failed.results[i]))
            assert_int_equal(snowplow_result_status(all_failed.results[i]), status);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_IN_FLIGHT), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_QUEUED), 0);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&all_failed);
    th_recorder_free(&failed);
}

/* 5xx is retried: with max_attempts 3, three attempts, then a final failure. */
static void test_http_500_gives_up_after_max_attempts(void **state)
{
    run_status_failure(*state, SNOWPLOW_METHOD_POST, "{\"status\":500}", 500, "HTTP 500", 3);
}

static void test_http_503_get_gives_up_after_max_attempts(void **state)
{
    run_status_failure(*state, SNOWPLOW_METHOD_GET, "{\"status\":503}", 503, "HTTP 503", 2);
}

/* The statuses PROTOCOL.md says are never retried fail at the first attempt. */
static void test_statuses_not_retried(void **state)
{
    static const int statuses[] = {400, 401, 403, 410, 422};
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
        char fault[64], reason[32];
        snprintf(fault, sizeof fault, "{\"status\":%d}", statuses[i]);
        snprintf(reason, sizeof reason, "HTTP %d", statuses[i]);
        run_status_failure(*state, i % 2 ? SNOWPLOW_METHOD_GET : SNOWPLOW_METHOD_POST, fault,
                           statuses[i], reason, 0);
    }
}

/* Nothing listening: status 0 and curl's words for it, retried up to the limit. */
static void test_dead_port(void **state)
{
    (void)state;
    int port = sp_test_dead_port();
    assert_true(port > 0);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", port);
    th_recorder failed;
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options(endpoint, NULL, &failed);
    snowplow_emitter_options_set_connect_timeout_ms(o, 2000);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 10, 40, 2), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    char eids[3][37];
    for (int i = 0; i < 3; i++)
        assert_int_equal(th_enqueue(em, eids[i], "dead"), 0);
    assert_int_equal(sp_emitter_drain(em, 30000), 0);
    th_recorder final;
    keep_final(&failed, &final);
    check_failed(&final, eids, 3, 0, NULL);
    assert_non_null(strstr(snowplow_result_reason(failed.results[0]), "onnect"));
    assert_int_equal(snowplow_result_will_retry(failed.results[0]), 1);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 3);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED), 3);
    snowplow_emitter_free(em);
    th_recorder_free(&final);
    th_recorder_free(&failed);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A collector that never answers: close(500) abandons the request under way
 * and the queued events, reports all of them, and does not wait for the
 * (long) request timeout. */
static void test_close_with_hanging_collector(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(sp_test_collector_fault(c, "{\"hang\":true}"), 0);
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), &ok, &failed);
    snowplow_emitter_options_set_request_timeout_ms(o, 240000);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    char eids[15][37];
    for (int i = 0; i < 15; i++)
        assert_int_equal(th_enqueue(em, eids[i], "hang"), 0);
    assert_int_equal(th_wait_requests(c, 1, 20000), 0); /* a request is hanging now */

    double start = now_s();
    assert_int_equal(snowplow_emitter_close(em, 500), SNOWPLOW_ETIMEOUT);
    /* Far below the request timeout (240 s): the transfer was aborted. */
    assert_true(now_s() - start < 60.0);
    assert_non_null(strstr(snowplow_error_last(), "snowplow_emitter_close"));

    assert_int_equal(ok.count, 0);
    check_failed(&failed, eids, 15, 0, "emitter closed");
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 15);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_QUEUED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_IN_FLIGHT), 0);
    assert_int_equal(th_enqueue(em, NULL, "late"), SNOWPLOW_ECLOSED);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
    th_collector_clean(c); /* releases the hung handler */
}

/* Inside a callback, flush and close of the same emitter refuse at once. */
typedef struct reentry {
    snowplow_emitter *em;
    atomic_int calls;
    int flush_rc, close_rc;
    char flush_msg[256];
    int track_rc;
} reentry;

static void reenter(const snowplow_result *result, void *payload)
{
    (void)result;
    reentry *r = payload;
    if (atomic_fetch_add(&r->calls, 1) > 0)
        return;
    r->flush_rc = snowplow_emitter_flush(r->em, 5000);
    snprintf(r->flush_msg, sizeof r->flush_msg, "%s", snowplow_error_last());
    r->close_rc = snowplow_emitter_close(r->em, 5000);
    r->track_rc = th_enqueue(r->em, NULL, "from callback"); /* tracking is allowed */
}

static void run_reentry(sp_test_collector *c, const char *fault, bool on_success)
{
    assert_int_equal(sp_test_collector_fault(c, fault), 0);
    reentry r = {0};
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), NULL, NULL);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 10, 40, 2), 0);
    if (on_success)
        snowplow_emitter_options_set_on_success(o, reenter, &r);
    else
        snowplow_emitter_options_set_on_failure(o, reenter, &r);
    assert_int_equal(snowplow_emitter_new(&r.em, o), 0);
    assert_int_equal(th_enqueue(r.em, NULL, "reenter"), 0);
    assert_int_equal(snowplow_emitter_flush(r.em, 30000), 0);
    assert_true(atomic_load(&r.calls) >= 1);
    assert_int_equal(r.flush_rc, SNOWPLOW_EDEADLK);
    assert_non_null(strstr(r.flush_msg, "snowplow_emitter_flush"));
    assert_int_equal(r.close_rc, SNOWPLOW_EDEADLK);
    assert_int_equal(r.track_rc, 0);
    /* The emitter still works, and the event tracked in the callback went too. */
    assert_int_equal(snowplow_emitter_flush(r.em, 30000), 0);
    assert_int_equal(snowplow_emitter_counter(r.em, SNOWPLOW_COUNTER_TRACKED), 2);
    assert_int_equal(snowplow_emitter_close(r.em, 30000), 0);
    snowplow_emitter_free(r.em);
}

static void test_flush_inside_on_success(void **state)
{
    run_reentry(*state, "{\"status\":200}", true);
}

static void test_flush_inside_on_failure(void **state)
{
    run_reentry(*state, "{\"status\":500}", false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_http_500_gives_up_after_max_attempts, th_clean),
        cmocka_unit_test_setup(test_http_503_get_gives_up_after_max_attempts, th_clean),
        cmocka_unit_test_setup(test_statuses_not_retried, th_clean),
        cmocka_unit_test_setup(test_dead_port, th_clean),
        cmocka_unit_test_setup(test_close_with_hanging_collector, th_clean),
        cmocka_unit_test_setup(test_flush_inside_on_success, th_clean),
        cmocka_unit_test_setup(test_flush_inside_on_failure, th_clean),
    };
    return cmocka_run_group_tests(tests, th_group_setup, th_group_teardown);
}
