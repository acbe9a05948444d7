/*
 * Accounting under load, against a stub transport that fails one request in
 * ten (alternately HTTP 500 and a network error): 8 producer threads, 4
 * sending threads. Afterwards
 *   tracked == sent + failed for good + dropped, exactly,
 * and every event id appears exactly once among the success, final-failure and
 * drop reports (reports of attempts to be retried aside), whatever the full
 * policy, with callbacks or with the result queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emitter/emitter_options.h"
#include "test_emitter_helpers.h"

#define PRODUCERS 8
#define SENDERS 4
#ifdef SP_SANITIZED
#define PER_PRODUCER_BIG 20000 /* sanitizers run several times slower */
#else
#define PER_PRODUCER_BIG 100000
#endif
#define PER_PRODUCER_SMALL 10000

/* ---- the stub: every 10th request fails ---- */

typedef struct flaky {
    atomic_long requests;
} flaky;

static void *flaky_open(void *ctx, const sp_transport_config *cfg)
{
    (void)cfg;
    return ctx;
}

static void flaky_send(void *conn, const sp_http_request *req, sp_http_response *resp)
{
    (void)req;
    flaky *f = conn;
    memset(resp, 0, sizeof *resp);
    long n = atomic_fetch_add(&f->requests, 1) + 1;
    if (n % 10 != 0)
        resp->status = 200;
    else if (n % 20 == 0)
        snprintf(resp->reason, sizeof resp->reason, "stub: connection reset");
    else
        resp->status = 500;
}

static void flaky_close(void *conn)
{
    (void)conn;
}

/* ---- what the reports said, per event ---- */

typedef struct outcome {
    char eid[37];
    char tag; /* 'S' sent, 'F' failed for good, 'D' dropped */
} outcome;

typedef struct ledger {
    outcome *finals;
    size_t cap;
    atomic_size_t n;
    atomic_size_t retried; /* events in will_retry 1 reports */
    atomic_size_t overflow;
} ledger;

static void ledger_add(ledger *l, const snowplow_result *r)
{
    size_t count = snowplow_result_event_count(r);
    if (snowplow_result_get_kind(r) == SNOWPLOW_RESULT_FAILED && snowplow_result_will_retry(r)) {
        atomic_fetch_add(&l->retried, count);
        return;
    }
    char tag = snowplow_result_get_kind(r) == SNOWPLOW_RESULT_SENT ? 'S'
               : strcmp(snowplow_result_reason(r), "queue full") == 0 ? 'D'
                                                                       : 'F';
    size_t at = atomic_fetch_add(&l->n, count);
    for (size_t i = 0; i < count; i++) {
        if (at + i >= l->cap) {
            atomic_fetch_add(&l->overflow, 1);
            continue;
        }
        memcpy(l->finals[at + i].eid, snowplow_result_event_id(r, i), 37);
        l->finals[at + i].tag = tag;
    }
}

static void on_result(const snowplow_result *r, void *payload)
{
    ledger_add(payload, r);
}

/* ---- producers ---- */

typedef struct producer {
    snowplow_emitter *em;
    char (*eids)[37];
    int count;
    int errors;
    int refused;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    for (int i = 0; i < p->count; i++) {
        sp_payload *payload = th_make_payload(p->eids[i], "load");
        int rc = payload ? th_enqueue_payload(p->em, payload) : SNOWPLOW_ENOMEM;
        if (rc == SNOWPLOW_EFULL)
            p->refused++;
        else if (rc < 0)
            p->errors++;
        sp_payload_free(payload);
    }
    return NULL;
}

/* The result queue's dispatcher, as a binding would run it. */
typedef struct dispatcher {
    snowplow_emitter *em;
    ledger *l;
    size_t taken;
    int end_rc;
} dispatcher;

static void *dispatch(void *arg)
{
    dispatcher *d = arg;
    for (;;) {
        snowplow_result *r = NULL;
        int rc = snowplow_emitter_next_result(&r, d->em, -1);
        if (rc != 0) {
            d->end_rc = rc;
            return NULL;
        }
        ledger_add(d->l, r);
        d->taken++;
        snowplow_result_free(r);
    }
}

static int cmp_outcome(const void *a, const void *b)
{
    return strcmp(((const outcome *)a)->eid, ((const outcome *)b)->eid);
}

static int cmp_eid(const void *a, const void *b)
{
    return strcmp(a, b);
}

static uint64_t counter(snowplow_emitter *em, snowplow_counter c)
{
    return snowplow_emitter_counter(em, c);
}

static void run_accounting(snowplow_full_policy policy, size_t capacity, int per_producer,
                           bool result_queue)
{
    const size_t total = (size_t)PRODUCERS * (size_t)per_producer;
    flaky f = {0};
    ledger l = {0};
    l.cap = total;
    l.finals = calloc(total, sizeof *l.finals);
    assert_non_null(l.finals);

    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, NULL);
    snowplow_emitter_options_set_thread_count(o, SENDERS);
    snowplow_emitter_options_set_batch_size(o, 50);
    snowplow_emitter_options_set_linger_ms(o, 5);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 1, 10, 3), 0);
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(o, capacity, 0), 0);
    assert_int_equal(snowplow_emitter_options_set_full_policy(o, policy, -1), 0);
    if (result_queue)
        assert_int_equal(snowplow_emitter_options_set_result_queue(o, 1000000), 0);
    else {
        snowplow_emitter_options_set_on_success(o, on_result, &l);
        snowplow_emitter_options_set_on_failure(o, on_result, &l);
    }
    sp_transport t = {flaky_open, flaky_send, flaky_close, &f};
    assert_int_equal(sp_emitter_options_set_transport(o, &t), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);

    dispatcher d = {em, &l, 0, 0};
    pthread_t dispatcher_thread;
    if (result_queue)
        assert_int_equal(pthread_create(&dispatcher_thread, NULL, dispatch, &d), 0);

    char(*eids)[37] = calloc(total, 37);
    assert_non_null(eids);
    producer producers[PRODUCERS];
    pthread_t threads[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        producers[i] = (producer){em, eids + (size_t)i * (size_t)per_producer, per_producer, 0, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, produce, &producers[i]), 0);
    }
    int errors = 0, refused = 0;
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(threads[i], NULL);
        errors += producers[i].errors;
        refused += producers[i].refused;
    }
    assert_int_equal(snowplow_emitter_flush(em, 240000), 0);
    /* After a successful flush every result is already in the result queue. */
    if (result_queue)
        assert_int_equal(counter(em, SNOWPLOW_COUNTER_RESULTS_DROPPED), 0);
    assert_int_equal(snowplow_emitter_close(em, 240000), 0);
    if (result_queue) {
        pthread_join(dispatcher_thread, NULL);
        assert_int_equal(d.end_rc, SNOWPLOW_ECLOSED);
        assert_int_equal(d.taken, counter(em, SNOWPLOW_COUNTER_RESULTS));
    }

    uint64_t tracked = counter(em, SNOWPLOW_COUNTER_TRACKED);
    uint64_t sent = counter(em, SNOWPLOW_COUNTER_SENT);
    uint64_t failed = counter(em, SNOWPLOW_COUNTER_FAILED);
    uint64_t dropped = counter(em, SNOWPLOW_COUNTER_DROPPED);
    print_message("policy %d capacity %zu: tracked %llu sent %llu failed %llu dropped %llu "
                  "retried %llu (%d refused at track), %ld requests\n",
                  (int)policy, capacity, (unsigned long long)tracked, (unsigned long long)sent,
                  (unsigned long long)failed, (unsigned long long)dropped,
                  (unsigned long long)counter(em, SNOWPLOW_COUNTER_RETRIED), refused,
                  atomic_load(&f.requests));
    assert_int_equal(errors, 0);
    assert_int_equal(tracked, total);
    assert_int_equal(sent + failed + dropped, tracked);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_QUEUED), 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_IN_FLIGHT), 0);
    assert_int_equal(atomic_load(&l.retried), counter(em, SNOWPLOW_COUNTER_RETRIED));
    assert_true(counter(em, SNOWPLOW_COUNTER_RETRIED) > 0);
    if (policy == SNOWPLOW_FULL_BLOCK)
        assert_int_equal(dropped, 0);
    if (policy == SNOWPLOW_FULL_DROP_NEWEST)
        assert_int_equal(dropped, (uint64_t)refused);

    /* Every event exactly once among the final reports, with the right tag. */
    assert_int_equal(atomic_load(&l.overflow), 0);
    assert_int_equal(atomic_load(&l.n), total);
    qsort(l.finals, total, sizeof *l.finals, cmp_outcome);
    qsort(eids, total, 37, cmp_eid);
    size_t tags[3] = {0};
    for (size_t i = 0; i < total; i++) {
        if (strcmp(l.finals[i].eid, eids[i]) != 0)
            fail_msg("event %zu: reported %s, tracked %s", i, l.finals[i].eid, eids[i]);
        if (i > 0 && strcmp(eids[i], eids[i - 1]) == 0)
            fail_msg("eid %s tracked twice", eids[i]);
        tags[l.finals[i].tag == 'S' ? 0 : l.finals[i].tag == 'F' ? 1 : 2]++;
    }
    assert_int_equal(tags[0], sent);
    assert_int_equal(tags[1], failed);
    assert_int_equal(tags[2], dropped);

    snowplow_emitter_free(em);
    free(eids);
    free(l.finals);
}

/* The big one: 8 x PER_PRODUCER_BIG events with callbacks, default policy. */
static void test_drop_newest_callbacks(void **state)
{
    (void)state;
    run_accounting(SNOWPLOW_FULL_DROP_NEWEST, 10000, PER_PRODUCER_BIG, false);
}

/* As big, with BLOCK: nothing is dropped, everything is sent or failed. */
static void test_block_callbacks(void **state)
{
    (void)state;
    run_accounting(SNOWPLOW_FULL_BLOCK, 10000, PER_PRODUCER_BIG, false);
}

static void test_drop_oldest_small_queue(void **state)
{
    (void)state;
    run_accounting(SNOWPLOW_FULL_DROP_OLDEST, 300, PER_PRODUCER_SMALL, false);
}

static void test_block_with_result_queue(void **state)
{
    (void)state;
    run_accounting(SNOWPLOW_FULL_BLOCK, 500, PER_PRODUCER_SMALL, true);
}

static void test_drop_newest_result_queue(void **state)
{
    (void)state;
    run_accounting(SNOWPLOW_FULL_DROP_NEWEST, 200, PER_PRODUCER_SMALL, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drop_newest_callbacks),
        cmocka_unit_test(test_block_callbacks),
        cmocka_unit_test(test_drop_oldest_small_queue),
        cmocka_unit_test(test_block_with_result_queue),
        cmocka_unit_test(test_drop_newest_result_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
