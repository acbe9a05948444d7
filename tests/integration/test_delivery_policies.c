/*
 * Full-queue policies against the stub transport: DROP_OLDEST evicts the
 * oldest queued event and reports it; BLOCK waits for room (without a limit,
 * or up to its timeout, then drops), never inside a callback, and gives up
 * when the emitter closes; the byte bound counts too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emitter/emitter_record.h"
#include "test_emitter_helpers.h"

static uint64_t counter(snowplow_emitter *em, snowplow_counter c)
{
    return snowplow_emitter_counter(em, c);
}

/* GET, one sending thread held on the event labelled "held". */
static snowplow_emitter *held_emitter(stub *s, th_recorder *ok, th_recorder *failed,
                                      size_t capacity, snowplow_full_policy policy,
                                      int block_timeout_ms)
{
    stub_init(s, 200);
    snprintf(s->hold_label, sizeof s->hold_label, "held");
    snowplow_emitter_options *o = th_options("127.0.0.1:9", ok, failed);
    snowplow_emitter_options_set_method(o, SNOWPLOW_METHOD_GET);
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(o, capacity, 0), 0);
    assert_int_equal(snowplow_emitter_options_set_full_policy(o, policy, block_timeout_ms), 0);
    snowplow_emitter *em = stub_emitter(s, o);
    assert_int_equal(th_enqueue(em, NULL, "held"), 0);
    stub_wait_holding(s, 1);
    return em;
}

static void test_drop_oldest_evicts_and_reports(void **state)
{
    (void)state;
    stub s;
    th_recorder ok, failed;
    th_recorder_init(&ok);
    th_recorder_init(&failed);
    snowplow_emitter *em = held_emitter(&s, &ok, &failed, 3, SNOWPLOW_FULL_DROP_OLDEST, 0);
    char eids[4][37];
    for (int i = 0; i < 4; i++)
        assert_int_equal(th_enqueue(em, eids[i], "queued"), 0); /* never refused */
    /* One in flight and two queued fit; the third and fourth evicted the
     * oldest queued each time. */
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_DROPPED), 2);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_QUEUED), 2);
    assert_int_equal(failed.events, 2);
    for (int i = 0; i < 2; i++) {
        const snowplow_result *r = failed.results[i];
        assert_string_equal(snowplow_result_reason(r), "queue full");
        assert_int_equal(snowplow_result_will_retry(r), 0);
        assert_string_equal(snowplow_result_event_id(r, 0), eids[i]);
    }
    stub_release(&s);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    assert_int_equal(ok.events, 3);
    assert_true(th_recorded_eid(&ok, eids[2]));
    assert_true(th_recorded_eid(&ok, eids[3]));
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_TRACKED), 5);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_SENT) + counter(em, SNOWPLOW_COUNTER_DROPPED),
                     5);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    th_recorder_free(&failed);
    stub_free(&s);
}

/* A group (a transaction and its items) larger than the whole capacity is
 * refused as a unit, without evicting anything for nothing. */
static void test_group_larger_than_capacity(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    th_recorder failed;
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, &failed);
    snowplow_emitter_options_set_linger_ms(o, 60000);
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(o, 2, 0), 0);
    assert_int_equal(snowplow_emitter_options_set_full_policy(o, SNOWPLOW_FULL_DROP_OLDEST, 0),
                     0);
    snowplow_emitter *em = stub_emitter(&s, o);
    char kept[37];
    assert_int_equal(th_enqueue(em, kept, "kept"), 0);
    sp_payload *group[3];
    for (int i = 0; i < 3; i++)
        group[i] = th_make_payload(NULL, "group");
    assert_int_equal(sp_emitter_enqueue(em, "fn", (const sp_payload *const *)group, 3),
                     SNOWPLOW_EFULL);
    for (int i = 0; i < 3; i++)
        sp_payload_free(group[i]);
    assert_int_equal(failed.events, 3);
    assert_false(th_recorded_eid(&failed, kept));
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_QUEUED), 1);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_SENT), 1);
    snowplow_emitter_free(em);
    th_recorder_free(&failed);
    stub_free(&s);
}

typedef struct blocked_call {
    snowplow_emitter *em;
    char eid[37];
    atomic_int returned;
    int rc;
    double waited_s;
} blocked_call;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *enqueue_thread(void *arg)
{
    blocked_call *b = arg;
    double start = now_s();
    b->rc = th_enqueue(b->em, b->eid, "blocked");
    b->waited_s = now_s() - start;
    atomic_store(&b->returned, 1);
    return NULL;
}

/* BLOCK without a limit: the tracker waits until the held request completes. */
static void test_block_waits_for_room(void **state)
{
    (void)state;
    stub s;
    th_recorder ok;
    th_recorder_init(&ok);
    snowplow_emitter *em = held_emitter(&s, &ok, NULL, 2, SNOWPLOW_FULL_BLOCK, -1);
    assert_int_equal(th_enqueue(em, NULL, "fits"), 0);
    blocked_call b = {em, "", 0, 1, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, enqueue_thread, &b), 0);
    th_sleep_ms(100);
    /* No room can appear while the request is held: still waiting. */
    assert_int_equal(atomic_load(&b.returned), 0);
    stub_release(&s);
    pthread_join(t, NULL);
    assert_int_equal(b.rc, 0);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    assert_int_equal(ok.events, 3);
    assert_true(th_recorded_eid(&ok, b.eid));
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_DROPPED), 0);
    snowplow_emitter_free(em);
    th_recorder_free(&ok);
    stub_free(&s);
}

/* BLOCK with a timeout: after it the new event is dropped and reported. */
static void test_block_timeout_drops(void **state)
{
    (void)state;
    stub s;
    th_recorder failed;
    th_recorder_init(&failed);
    snowplow_emitter *em = held_emitter(&s, NULL, &failed, 1, SNOWPLOW_FULL_BLOCK, 150);
    blocked_call b = {em, "", 0, 1, 0};
    enqueue_thread(&b);
    assert_int_equal(b.rc, SNOWPLOW_EFULL);
    assert_true(b.waited_s >= 0.14); /* it did wait (a lower bound only) */
    assert_non_null(strstr(snowplow_error_last(), "queue full"));
    assert_int_equal(failed.events, 1);
    assert_string_equal(snowplow_result_reason(failed.results[0]), "queue full");
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_DROPPED), 1);
    stub_release(&s);
    snowplow_emitter_free(em);
    th_recorder_free(&failed);
    stub_free(&s);
}

/* BLOCK inside a callback: the sending thread would wait for itself, so the
 * event is dropped at once instead. */
typedef struct from_callback {
    snowplow_emitter *em;
    atomic_int calls;
    int rc;
} from_callback;

static void track_in_callback(const snowplow_result *r, void *payload)
{
    (void)r;
    from_callback *f = payload;
    if (atomic_fetch_add(&f->calls, 1) == 0)
        f->rc = th_enqueue(f->em, NULL, "from-callback");
}

static void test_block_never_waits_in_callback(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    from_callback f = {0};
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, NULL);
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(o, 1, 0), 0);
    assert_int_equal(snowplow_emitter_options_set_full_policy(o, SNOWPLOW_FULL_BLOCK, -1), 0);
    snowplow_emitter_options_set_on_success(o, track_in_callback, &f);
    snowplow_emitter *em = stub_emitter(&s, o);
    f.em = em;
    assert_int_equal(th_enqueue(em, NULL, "first"), 0);
    assert_int_equal(snowplow_emitter_flush(em, -1), 0);
    /* The batch was still held during its callback: no room, no wait. */
    assert_int_equal(f.rc, SNOWPLOW_EFULL);
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_DROPPED), 1);
    snowplow_emitter_free(em);
    stub_free(&s);
}

/* BLOCK: closing the emitter ends the wait with SNOWPLOW_ECLOSED. */
static void test_block_ends_at_close(void **state)
{
    (void)state;
    stub s;
    snowplow_emitter *em = held_emitter(&s, NULL, NULL, 1, SNOWPLOW_FULL_BLOCK, -1);
    blocked_call b = {em, "", 0, 1, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, enqueue_thread, &b), 0);
    th_sleep_ms(50);
    assert_int_equal(snowplow_emitter_close(em, 0), SNOWPLOW_ETIMEOUT);
    pthread_join(t, NULL);
    assert_int_equal(b.rc, SNOWPLOW_ECLOSED);
    snowplow_emitter_free(em);
    stub_free(&s);
}

/* The byte bound: events stop fitting once their encoded bytes would pass it. */
static void test_byte_bound(void **state)
{
    (void)state;
    stub s;
    th_recorder failed;
    th_recorder_init(&failed);
    stub_init(&s, 200);
    snprintf(s.hold_label, sizeof s.hold_label, "held");
    snowplow_emitter_options *o = th_options("127.0.0.1:9", NULL, &failed);
    snowplow_emitter_options_set_linger_ms(o, 60000);
    snowplow_emitter_options_set_batch_size(o, 1000);
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(o, 1000, 4096), 0);
    snowplow_emitter *em = stub_emitter(&s, o);
    sp_payload *sample = th_make_payload(NULL, "bytes");
    sp_record *r = sp_record_new(sample, SNOWPLOW_METHOD_POST);
    size_t wire = r->wire_size;
    sp_record_free(r);
    sp_payload_free(sample);
    size_t fit = 4096 / wire;
    for (size_t i = 0; i < fit; i++)
        assert_int_equal(th_enqueue(em, NULL, "bytes"), 0);
    assert_int_equal(th_enqueue(em, NULL, "bytes"), SNOWPLOW_EFULL);
    assert_non_null(strstr(snowplow_error_last(), "4096 bytes"));
    assert_int_equal(counter(em, SNOWPLOW_COUNTER_QUEUED), fit);
    assert_int_equal(failed.events, 1);
    snowplow_emitter_free(em);
    th_recorder_free(&failed);
    stub_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drop_oldest_evicts_and_reports),
        cmocka_unit_test(test_group_larger_than_capacity),
        cmocka_unit_test(test_block_waits_for_room),
        cmocka_unit_test(test_block_timeout_drops),
        cmocka_unit_test(test_block_never_waits_in_callback),
        cmocka_unit_test(test_block_ends_at_close),
        cmocka_unit_test(test_byte_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
