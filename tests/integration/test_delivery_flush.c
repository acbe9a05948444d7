/*
 * flush(), flush_async() and close() with retries, and the result queue,
 * against the stub transport.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>

#include "emitter/emitter_impl.h"
#include "test_emitter_helpers.h"

static uint64_t counter(snowplow_emitter *em, snowplow_counter c)
{
    return snowplow_emitter_counter(em, c);
}

/* flush() waits for one attempt per event, not for its retries: it times out
 * while the first attempt is under way, then returns once that attempt failed
 * and was reported with will_retry set; the event stays queued and goes out on
 * its retry (sp_emitter_drain() waits for that). */
static void test_flush_returns_after_one_attempt(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    s.fail_first = 3;
    s.fail_status = 503;
    snprintf(s.hold_label, sizeof s.hold_label, "retried");
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", &ok, &failed);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 150, 300, 0), 0);
    snowplow_emitter *em = stub_emitter(&s, o);
    char eid[37];
    assert_int_equal(th_enqueue(em, eid, "retried"), 0);
    stub_wait_holding(&s, 1);
    assert_int_equal(snowplow_emitter_flush(em, 20), SNOWPLOW_ETIMEOUT);
    assert_non_null(strstr(snowplow_error_last(), "had had a delivery attempt"));
    stub_release(&s);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    /* Exact: the failed attempt and its will_retry report are done; nothing sent. */
    assert_true(th_recorded_events_retry(&failed, 1) >= 1); /* (a retry may follow soon) */
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_SENT), 0);
    assert_true(counter(em, SNOWPLOW_COUNTER_QUEUED) + counter(em, SNOWPLOW_COUNTER_IN_FLIGHT) == 1);
    assert_int_equal(sp_emitter_drain(em, -1), 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_SENT), 1);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_RETRIED), 3);
    assert_int_equal(ok.events, 1);
    assert_int_equal(stub_requests(&s), 4);
    /* The backoff separated the attempts: at least 3/4 of 150, 300, 300 ms. */
    assert_true(s.times[1] - s.times[0] >= 110);
    assert_true(s.times[3] - s.times[2] >= 220);
    /* Same eid in every attempt, each with its own stm. */
    for (size_t i = 0; i < 4; i++)
        assert_non_null(strstr(s.texts[i], eid));
    assert_true(strstr(s.texts[0], "\"stm\":\"") != NULL);
    /* A flush with only retries pending returns at once: they had their attempt. */
    assert_int_equal(snowplow_emitter_flush(em, 0), 0);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
    stub_free(&s);
}

/* Events tracked after a failure are held by flush until their own first
 * attempt, while the older event waiting for its (long) retry is not. */
static void test_flush_skips_waiting_retries(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    s.fail_first = 1;
    s.fail_status = 500;
    th_recorder ok;
    th_recorder_init(&ok);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", &ok, NULL);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 60000, 60000, 0), 0);
    snowplow_emitter *em = stub_emitter(&s, o);
    assert_int_equal(th_enqueue(em, NULL, "first"), 0);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0); /* one failed attempt */
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_RETRIED), 1);
    char eids[3][37];
    for (int i = 0; i < 3; i++)
        assert_int_equal(th_enqueue(em, eids[i], "later"), 0);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    assert_int_equal(ok.events, 3); /* every later event, sent and reported */
    for (int i = 0; i < 3; i++)
        assert_true(th_recorded_eid(&ok, eids[i]));
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_QUEUED), 1); /* the first, waiting */
    assert_int_equal(stub_requests(&s), 2);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    stub_free(&s);
}

/* A callback on a sending thread must not wait: flush of another emitter from
 * it is refused at once too (two emitters flushing each other would hang);
 * flush_async is allowed. */
typedef struct cross {
    snowplow_emitter *other;
    atomic_int flush_rc, async_rc, calls;
} cross;

static void flush_other(const snowplow_result *r, void *payload)
{
    (void)r;
    cross *x = payload;
    if (atomic_fetch_add(&x->calls, 1) > 0)
        return;
    atomic_store(&x->flush_rc, snowplow_emitter_flush(x->other, 5000));
    atomic_store(&x->async_rc, snowplow_emitter_flush_async(x->other));
}

static void test_flush_of_another_emitter_in_callback(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    cross x = {NULL, 1, 1, 0};
    snowplow_emitter *other = stub_emitter(&s, th_options("127.0.0.1:9", NULL, NULL));
    x.other = other;
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, NULL);
    snowplow_emitter_options_set_on_success(o, flush_other, &x);
    snowplow_emitter *em = stub_emitter(&s, o);
    assert_int_equal(th_enqueue(em, NULL, "cross"), 0);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    assert_int_equal(atomic_load(&x.flush_rc), SNOWPLOW_EDEADLK);
    assert_int_equal(atomic_load(&x.async_rc), 0);
    snowplow_emitter_free(em);
    snowplow_emitter_free(other);
    stub_free(&s);
}

/* The stub's Retry-After is honoured (a lower bound), like the collector's. */
static void test_retry_after_from_transport(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    s.fail_first = 1;
    s.fail_status = 429;
    s.retry_after_ms = 400;
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, NULL);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 5, 10000, 0), 0);
    snowplow_emitter *em = stub_emitter(&s, o);
    assert_int_equal(th_enqueue(em, NULL, "retry-after"), 0);
    assert_int_equal(sp_emitter_drain(em, -1), 0);
    assert_int_equal(stub_requests(&s), 2);
    assert_true(s.times[1] - s.times[0] >= 390);
    snowplow_emitter_free(em);
    stub_free(&s);
}

/* flush_async sends a partial batch without lingering and returns at once;
 * it is allowed inside a callback. */
static atomic_int async_rc_in_callback = 1;
static void flush_async_in_callback(const snowplow_result *r, void *payload)
{
    (void)r;
    atomic_store(&async_rc_in_callback, snowplow_emitter_flush_async(payload));
}

static void test_flush_async(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, NULL);
    snowplow_emitter_options_set_linger_ms(o, 60000);
    snowplow_emitter_options_set_batch_size(o, 100);
    snowplow_emitter *em = stub_emitter(&s, o);
    em->opt->on_success = flush_async_in_callback; /* needs the emitter pointer */
    em->opt->on_success_payload = em;
    for (int i = 0; i < 3; i++)
        assert_int_equal(th_enqueue(em, NULL, "async"), 0);
    th_sleep_ms(50);
    assert_int_equal(stub_requests(&s), 0); /* lingering: a full minute */
    assert_int_equal(snowplow_emitter_flush_async(em), 0);
    stub_wait_requests(&s, 1);
    assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_SENT, 3, 60000), 0);
    /* SENT counts before the callback runs; flush returns after it returned. */
    assert_int_equal(snowplow_emitter_flush(em, 60000), 0);
    assert_int_equal(atomic_load(&async_rc_in_callback), 0);
    /* Later events linger again. */
    assert_int_equal(th_enqueue(em, NULL, "later"), 0);
    th_sleep_ms(50);
    assert_int_equal(stub_requests(&s), 1);
    assert_int_equal(snowplow_emitter_flush_async(NULL), SNOWPLOW_EINVAL);
    assert_int_equal(snowplow_emitter_close(em, 5000), 0);
    assert_int_equal(snowplow_emitter_flush_async(em), SNOWPLOW_ECLOSED);
    snowplow_emitter_free(em);
    stub_free(&s);
}

/* close with events waiting for a (long) retry: bounded by its timeout; they
 * are reported failed for good, "emitter closed". */
static void test_close_with_retries_pending(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    s.fail_first = 1000;
    s.fail_status = 500;
    th_recorder failed;
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, &failed);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 60000, 60000, 0), 0);
    snowplow_emitter *em = stub_emitter(&s, o);
    char eids[5][37];
    for (int i = 0; i < 5; i++)
        assert_int_equal(th_enqueue(em, eids[i], "pending"), 0);
    assert_int_equal(th_wait_counter(em, SNOWPLOW_COUNTER_RETRIED, 5, 60000), 0);
    assert_int_equal(snowplow_emitter_close(em, 100), SNOWPLOW_ETIMEOUT);
    assert_int_equal(th_recorded_events_retry(&failed, 1), 5);
    assert_int_equal(th_recorded_events_retry(&failed, 0), 5);
    for (int i = 0; i < 5; i++)
        assert_true(th_recorded_eid(&failed, eids[i]));
    const snowplow_result *last = failed.results[failed.count - 1];
    assert_string_equal(snowplow_result_reason(last), "emitter closed");
    assert_int_equal(snowplow_result_will_retry(last), 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_FAILED), 5);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_QUEUED), 0);
    assert_int_equal(stub_requests(&s), 1); /* no hurried retry at close */
    snowplow_emitter_free(em);
    th_recorder_free(&failed);
    stub_free(&s);
}

static int fd_readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

typedef struct waiter {
    snowplow_emitter *em;
    int rc;
} waiter;

static void *wait_result(void *arg)
{
    waiter *w = arg;
    snowplow_result *r = NULL;
    w->rc = snowplow_emitter_next_result(&r, w->em, -1);
    snowplow_result_free(r);
    return NULL;
}

/* The result queue: every result after the callback, in order, an fd for event
 * loops, wake-ups, overflow counted, and ECLOSED once closed and drained. */
static void test_result_queue(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    s.fail_first = 1;
    s.fail_status = 500;
    th_recorder ok;
    th_recorder_init(&ok);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", &ok, NULL);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 10, 20, 0), 0);
    assert_int_equal(snowplow_emitter_options_set_result_queue(o, 4), 0);
    snowplow_emitter *em = stub_emitter(&s, o);
    int fd = snowplow_emitter_result_fd(em);
    assert_true(fd >= 0);
    assert_false(fd_readable(fd));
    snowplow_result *r = (snowplow_result *)1;
    assert_int_equal(snowplow_emitter_next_result(&r, em, 0), SNOWPLOW_ETIMEOUT);
    assert_null(r);

    char eids[2][37];
    for (int i = 0; i < 2; i++)
        assert_int_equal(th_enqueue(em, eids[i], "results"), 0);
    assert_int_equal(sp_emitter_drain(em, -1), 0);
    /* After the drain every result is there: a retry report, then two successes. */
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_RESULTS), 3);
    assert_true(fd_readable(fd));
    assert_int_equal(snowplow_emitter_next_result(&r, em, 0), 0);
    assert_int_equal(snowplow_result_get_kind(r), SNOWPLOW_RESULT_FAILED);
    assert_int_equal(snowplow_result_will_retry(r), 1);
    assert_int_equal(snowplow_result_status(r), 500);
    assert_string_equal(snowplow_result_event_id(r, 0), eids[0]);
    snowplow_result_free(r);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(snowplow_emitter_next_result(&r, em, 0), 0);
        assert_int_equal(snowplow_result_get_kind(r), SNOWPLOW_RESULT_SENT);
        assert_int_equal(snowplow_result_event_count(r), 1);
        snowplow_result_free(r);
    }
    assert_false(fd_readable(fd));
    assert_int_equal(ok.events, 2); /* the callback ran as well */

    /* A wake-up ends the next wait at once. */
    assert_int_equal(snowplow_emitter_wake_results(em), 0);
    assert_int_equal(snowplow_emitter_next_result(&r, em, -1), SNOWPLOW_EWOKEN);
    assert_int_equal(snowplow_emitter_next_result(&r, em, 0), SNOWPLOW_ETIMEOUT);

    /* Overflow: capacity 4, six results; two dropped and counted. */
    for (int i = 0; i < 6; i++)
        assert_int_equal(th_enqueue(em, NULL, "overflow"), 0);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_RESULTS), 7);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_RESULTS_DROPPED), 2);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(snowplow_emitter_next_result(&r, em, 0), 0);
        snowplow_result_free(r);
    }

    /* A waiting dispatcher learns of the close. */
    waiter w = {em, 1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wait_result, &w), 0);
    th_sleep_ms(20);
    assert_int_equal(snowplow_emitter_close(em, 5000), 0);
    pthread_join(t, NULL);
    assert_int_equal(w.rc, SNOWPLOW_ECLOSED);
    assert_int_equal(snowplow_emitter_next_result(&r, em, 0), SNOWPLOW_ECLOSED);
    assert_non_null(strstr(snowplow_error_last(), "snowplow_emitter_next_result"));
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    stub_free(&s);
}

/* Results reported at close go into the queue before it closes. */
static void test_result_queue_gets_close_failures(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    snprintf(s.hold_label, sizeof s.hold_label, "stuck");
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, NULL);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    assert_int_equal(snowplow_emitter_options_set_result_queue(o, 100), 0);
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(o, 2, 0), 0);
    snowplow_emitter *em = stub_emitter(&s, o);
    assert_int_equal(th_enqueue(em, NULL, "stuck"), 0);
    stub_wait_holding(&s, 1);
    assert_int_equal(th_enqueue(em, NULL, "queued"), 0);
    assert_int_equal(th_enqueue(em, NULL, "dropped"), SNOWPLOW_EFULL);
    assert_int_equal(snowplow_emitter_close(em, 0), SNOWPLOW_ETIMEOUT);
    size_t closed = 0, full = 0;
    snowplow_result *r = NULL;
    while (snowplow_emitter_next_result(&r, em, 0) == 0) {
        if (strcmp(snowplow_result_reason(r), "emitter closed") == 0)
            closed += snowplow_result_event_count(r);
        if (strcmp(snowplow_result_reason(r), "queue full") == 0)
            full += snowplow_result_event_count(r);
        assert_int_equal(snowplow_result_will_retry(r), 0);
        snowplow_result_free(r);
    }
    assert_int_equal(closed, 2);
    assert_int_equal(full, 1);
    assert_int_equal(snowplow_emitter_next_result(&r, em, -1), SNOWPLOW_ECLOSED);
    snowplow_emitter_free(em);
    stub_free(&s);
}

static void test_result_queue_not_configured(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    snowplow_emitter *em = stub_emitter(&s, th_options("127.0.0.1:9", NULL, NULL));
    snowplow_result *r = NULL;
    assert_int_equal(snowplow_emitter_next_result(&r, em, 0), SNOWPLOW_EINVAL);
    assert_non_null(strstr(snowplow_error_last(), "no result queue"));
    assert_int_equal(snowplow_emitter_wake_results(em), SNOWPLOW_EINVAL);
    assert_int_equal(snowplow_emitter_result_fd(em), -1);
    assert_int_equal(snowplow_emitter_result_fd(NULL), -1);
    assert_int_equal(snowplow_emitter_next_result(NULL, em, 0), SNOWPLOW_EINVAL);
    assert_int_equal(snowplow_emitter_next_result(&r, NULL, 0), SNOWPLOW_EINVAL);
    assert_int_equal(snowplow_emitter_wake_results(NULL), SNOWPLOW_EINVAL);
    snowplow_emitter_free(em);
    stub_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flush_returns_after_one_attempt),
        cmocka_unit_test(test_flush_skips_waiting_retries),
        cmocka_unit_test(test_flush_of_another_emitter_in_callback),
        cmocka_unit_test(test_retry_after_from_transport),
        cmocka_unit_test(test_flush_async),
        cmocka_unit_test(test_close_with_retries_pending),
        cmocka_unit_test(test_result_queue),
        cmocka_unit_test(test_result_queue_gets_close_failures),
        cmocka_unit_test(test_result_queue_not_configured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
