/*
 * Bounded memory during a long outage: the collector answers 500 while 200 000
 * events are tracked into an emitter holding at most 1000. The queue never
 * holds more than its capacity, the excess is dropped and reported, nothing is
 * lost silently (dropped + sent == tracked once the collector recovers), and
 * the process's peak RSS stays small.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/resource.h>

#include "sp_test_collector.h"
#include "test_emitter_helpers.h"

#define EVENTS 200000
#define CAPACITY 1000
#define CHUNK 2000
#define RSS_BOUND_KB (64 * 1024)

typedef struct drops {
    atomic_long dropped;   /* events reported "queue full" */
    atomic_long retried;   /* events in will_retry 1 reports */
    atomic_long other;     /* any other failure */
} drops;

static void on_failure(const snowplow_result *r, void *payload)
{
    drops *d = payload;
    long n = (long)snowplow_result_event_count(r);
    if (snowplow_result_will_retry(r))
        atomic_fetch_add(&d->retried, n);
    else if (strcmp(snowplow_result_reason(r), "queue full") == 0)
        atomic_fetch_add(&d->dropped, n);
    else
        atomic_fetch_add(&d->other, n);
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_outage_keeps_memory_flat(void **state)
{
    (void)state;
    sp_test_collector *c = sp_test_collector_start();
    assert_non_null(c);
    assert_int_equal(sp_test_collector_fault(c, "{\"status\":500}"), 0);
    long rss_before = peak_rss_kb();

    drops d = {0};
    snowplow_emitter_options *eo = th_options(sp_test_collector_url(c), NULL, NULL);
    snowplow_emitter_options_set_on_failure(eo, on_failure, &d);
    snowplow_emitter_options_set_batch_size(eo, 100);
    snowplow_emitter_options_set_byte_limit(eo, 200000);
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(eo, CAPACITY, 0), 0);
    assert_int_equal(snowplow_emitter_options_set_retry(eo, 50, 500, 0), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, eo), 0);
    snowplow_tracker_options *to = NULL;
    snowplow_tracker *tracker = NULL;
    assert_int_equal(snowplow_tracker_options_new(&to), 0);
    assert_int_equal(snowplow_tracker_options_add_emitter(to, em), 0);
    assert_int_equal(snowplow_tracker_new(&tracker, to), 0);

    /* About three seconds of tracking while every request fails. */
    long accepted = 0, refused = 0, errors = 0;
    uint64_t most_held = 0;
    for (int i = 0; i < EVENTS; i++) {
        snowplow_event *ev = NULL;
        int rc = snowplow_event_structured_new(&ev, "outage", "track", "memory", NULL);
        if (rc == 0)
            rc = snowplow_event_set_int(ev, "value", i);
        if (rc == 0)
            rc = snowplow_tracker_track(NULL, tracker, ev);
        snowplow_event_free(ev);
        if (rc == 0)
            accepted++;
        else if (rc == SNOWPLOW_EFULL)
            refused++;
        else
            errors++;
        if (i % CHUNK == CHUNK - 1) {
            uint64_t held = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_QUEUED) +
                            snowplow_emitter_counter(em, SNOWPLOW_COUNTER_IN_FLIGHT);
            if (held > most_held)
                most_held = held;
            th_sleep_ms(30);
        }
    }
    assert_int_equal(errors, 0);
    assert_true(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED) > 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 0);
    /* The bound held all along (counters are read without a lock, so a reading
     * may mix two instants; never by more than one batch). */
    assert_true(most_held <= CAPACITY + 100);

    /* The collector recovers: what was kept goes out. */
    assert_int_equal(sp_test_collector_fault(c, "{\"status\":200}"), 0);
    assert_int_equal(sp_emitter_drain(em, 120000), 0);
    uint64_t tracked = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_TRACKED);
    uint64_t sent = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT);
    uint64_t dropped = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_DROPPED);
    uint64_t queued = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_QUEUED);
    print_message("tracked %llu sent %llu dropped %llu retried %llu; most held %llu\n",
                  (unsigned long long)tracked, (unsigned long long)sent,
                  (unsigned long long)dropped,
                  (unsigned long long)snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED),
                  (unsigned long long)most_held);
    assert_int_equal(tracked, EVENTS);
    assert_int_equal(queued, 0);
    assert_int_equal(dropped + queued + sent, tracked);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 0);
    assert_int_equal((uint64_t)atomic_load(&d.dropped), dropped);
    assert_int_equal(atomic_load(&d.other), 0);
    assert_int_equal((uint64_t)refused, dropped);
    assert_int_equal((uint64_t)accepted, sent);
    assert_true(sent >= CAPACITY / 2); /* what the queue held was kept */
    assert_int_equal(sp_test_collector_wait_total(c, (long)sent, 0, 60000), 0);

    long rss_after = peak_rss_kb();
    print_message("peak RSS: %ld KiB before the emitter, %ld KiB after\n", rss_before,
                  rss_after);
#ifndef SP_SANITIZED
    assert_true(rss_after < RSS_BOUND_KB);
#endif
    snowplow_tracker_free(tracker);
    snowplow_emitter_free(em);
    sp_test_collector_stop(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_outage_keeps_memory_flat)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
