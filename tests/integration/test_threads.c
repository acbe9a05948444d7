/*
 * Eight threads track 10 000 events each through one shared tracker: every event
 * arrives exactly once and the counters agree. The emitter's queue is smaller
 * than the total and uses the BLOCK policy, so producers wait for room instead
 * of losing events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snowplow.h"
#include "sp_test_collector.h"

#define THREADS 8
#define PER_THREAD 10000
#define TOTAL (THREADS * PER_THREAD)

typedef struct producer {
    snowplow_tracker *tracker;
    int index;
    char (*eids)[SNOWPLOW_EID_SIZE]; /* PER_THREAD slots */
    int failures;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    char label[32];
    snprintf(label, sizeof label, "thread-%d", p->index);
    for (int i = 0; i < PER_THREAD; i++) {
        snowplow_event *ev = NULL;
        if (snowplow_event_structured_new(&ev, "load", "tick", label, NULL) != 0 ||
            snowplow_event_set_int(ev, "value", i) != 0 ||
            snowplow_tracker_track(p->eids[i], p->tracker, ev) != 0)
            p->failures++;
        snowplow_event_free(ev);
    }
    return NULL;
}

static int compare_eids(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void eight_threads_one_tracker(void **state)
{
    (void)state;
    sp_test_collector *collector = sp_test_collector_start();
    assert_non_null(collector);

    snowplow_emitter_options *eo = NULL;
    snowplow_emitter *emitter = NULL;
    assert_int_equal(snowplow_emitter_options_new(&eo), 0);
    assert_int_equal(snowplow_emitter_options_set_endpoint(eo, sp_test_collector_url(collector)), 0);
    assert_int_equal(snowplow_emitter_options_set_batch_size(eo, 200), 0);
    assert_int_equal(snowplow_emitter_options_set_byte_limit(eo, 1000000), 0);
    assert_int_equal(snowplow_emitter_options_set_thread_count(eo, 2), 0);
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(eo, 5000, 0), 0);
    assert_int_equal(snowplow_emitter_options_set_full_policy(eo, SNOWPLOW_FULL_BLOCK, -1), 0);
    assert_int_equal(snowplow_emitter_new(&emitter, eo), 0);
    snowplow_tracker_options *to = NULL;
    snowplow_tracker *tracker = NULL;
    assert_int_equal(snowplow_tracker_options_new(&to), 0);
    assert_int_equal(snowplow_tracker_options_add_emitter(to, emitter), 0);
    assert_int_equal(snowplow_tracker_new(&tracker, to), 0);

    char (*eids)[SNOWPLOW_EID_SIZE] = calloc(TOTAL, SNOWPLOW_EID_SIZE);
    assert_non_null(eids);
    producer producers[THREADS];
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) {
        producers[t] = (producer){tracker, t, eids + (size_t)t * PER_THREAD, 0};
        assert_int_equal(pthread_create(&threads[t], NULL, produce, &producers[t]), 0);
    }
    /* Join every thread before asserting anything: a failed assertion must not
     * leave producers running on freed memory. */
    int failures = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        failures += producers[t].failures;
    }
    assert_int_equal(failures, 0);
    assert_int_equal(snowplow_tracker_flush(tracker, 120000), 0);
    assert_int_equal(snowplow_emitter_counter(emitter, SNOWPLOW_COUNTER_TRACKED), TOTAL);
    assert_int_equal(snowplow_emitter_counter(emitter, SNOWPLOW_COUNTER_SENT), TOTAL);
    assert_int_equal(snowplow_emitter_counter(emitter, SNOWPLOW_COUNTER_FAILED), 0);
    assert_int_equal(snowplow_emitter_counter(emitter, SNOWPLOW_COUNTER_DROPPED), 0);
    assert_int_equal(sp_test_collector_wait_total(collector, TOTAL, 0, 60000), 0);

    /* every tracked eid arrived once: sort both lists and compare */
    cJSON *good = sp_test_collector_get(collector, "/micro/good?fields=eid,e");
    assert_non_null(good);
    assert_int_equal(cJSON_GetArraySize(good), TOTAL);
    char (*arrived)[SNOWPLOW_EID_SIZE] = calloc(TOTAL, SNOWPLOW_EID_SIZE);
    size_t n = 0;
    cJSON *record;
    cJSON_ArrayForEach(record, good)
    {
        const cJSON *eid = cJSON_GetObjectItem(cJSON_GetObjectItem(record, "event"), "eid");
        assert_true(cJSON_IsString(eid) && strlen(eid->valuestring) == 36);
        memcpy(arrived[n++], eid->valuestring, SNOWPLOW_EID_SIZE);
    }
    qsort(eids, TOTAL, SNOWPLOW_EID_SIZE, compare_eids);
    qsort(arrived, TOTAL, SNOWPLOW_EID_SIZE, compare_eids);
    for (size_t i = 0; i < TOTAL; i++) {
        if (i > 0 && strcmp(eids[i], eids[i - 1]) == 0)
            fail_msg("eid %s tracked twice", eids[i]);
        if (strcmp(eids[i], arrived[i]) != 0)
            fail_msg("tracked %s but the collector has %s", eids[i], arrived[i]);
    }
    free(arrived);
    free(eids);
    cJSON_Delete(good);
    snowplow_tracker_free(tracker);
    snowplow_emitter_free(emitter);
    sp_test_collector_stop(collector);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(eight_threads_one_tracker)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
