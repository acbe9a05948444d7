/* The completion queue: order, bounds, timeouts, wake-ups, close and the eventfd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "emitter/result_internal.h"
#include "emitter/result_queue.h"
#include "snowplow.h"

static snowplow_result *result_with_status(int status)
{
    snowplow_result *r = sp_result_new(SNOWPLOW_RESULT_FAILED, status, "test", 0, 0);
    assert_non_null(r);
    return r;
}

static int readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void keeps_order_and_bound(void **state)
{
    (void)state;
    sp_result_queue *q = NULL;
    assert_int_equal(sp_result_queue_new(&q, 3), 0);
    assert_false(readable(sp_result_queue_fd(q)));
    for (int i = 0; i < 3; i++)
        assert_true(sp_result_queue_push(q, result_with_status(500 + i)));
    snowplow_result *extra = result_with_status(599);
    assert_false(sp_result_queue_push(q, extra)); /* full: the caller keeps it */
    snowplow_result_free(extra);
    assert_true(readable(sp_result_queue_fd(q)));
    for (int i = 0; i < 3; i++) {
        snowplow_result *r = NULL;
        assert_int_equal(sp_result_queue_pop(q, &r, 0), 0);
        assert_int_equal(snowplow_result_status(r), 500 + i);
        snowplow_result_free(r);
    }
    assert_false(readable(sp_result_queue_fd(q)));
    snowplow_result *r = (snowplow_result *)1;
    assert_int_equal(sp_result_queue_pop(q, &r, 0), SNOWPLOW_ETIMEOUT);
    assert_null(r);
    assert_int_equal(sp_result_queue_pop(q, &r, 30), SNOWPLOW_ETIMEOUT);
    /* results left at free are released (ASan/valgrind check it) */
    assert_true(sp_result_queue_push(q, result_with_status(200)));
    sp_result_queue_free(q);
}

typedef struct waiter {
    sp_result_queue *q;
    int rc;
    snowplow_result *r;
} waiter;

static void *wait_forever(void *arg)
{
    waiter *w = arg;
    w->rc = sp_result_queue_pop(w->q, &w->r, -1);
    return NULL;
}

static void wakes_and_delivers_across_threads(void **state)
{
    (void)state;
    sp_result_queue *q = NULL;
    assert_int_equal(sp_result_queue_new(&q, 8), 0);
    waiter w = {q, 1, NULL};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wait_forever, &w), 0);
    sp_result_queue_push(q, result_with_status(204));
    pthread_join(t, NULL);
    assert_int_equal(w.rc, 0);
    assert_int_equal(snowplow_result_status(w.r), 204);
    snowplow_result_free(w.r);

    /* a waiter with no results is released by a wake-up */
    w = (waiter){q, 1, NULL};
    assert_int_equal(pthread_create(&t, NULL, wait_forever, &w), 0);
    usleep(20000);
    sp_result_queue_wake(q);
    pthread_join(t, NULL);
    assert_int_equal(w.rc, SNOWPLOW_EWOKEN);
    assert_null(w.r);
    /* ...and it is consumed: the next poll just times out */
    snowplow_result *r = NULL;
    assert_int_equal(sp_result_queue_pop(q, &r, 0), SNOWPLOW_ETIMEOUT);

    /* a wake-up with nobody waiting ends the next wait at once */
    sp_result_queue_wake(q);
    assert_int_equal(sp_result_queue_pop(q, &r, -1), SNOWPLOW_EWOKEN);

    /* close: results still come out, then ECLOSED; pushes are refused */
    sp_result_queue_push(q, result_with_status(201));
    sp_result_queue_close(q);
    snowplow_result *late = result_with_status(202);
    assert_false(sp_result_queue_push(q, late));
    snowplow_result_free(late);
    assert_int_equal(sp_result_queue_pop(q, &r, -1), 0);
    assert_int_equal(snowplow_result_status(r), 201);
    snowplow_result_free(r);
    assert_int_equal(sp_result_queue_pop(q, &r, -1), SNOWPLOW_ECLOSED);
    sp_result_queue_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keeps_order_and_bound),
        cmocka_unit_test(wakes_and_delivers_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
