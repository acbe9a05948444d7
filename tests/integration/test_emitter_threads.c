/*
 * Many producers, several sending threads, one collector: every event arrives
 * exactly once and the counters add up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sp_test_collector.h"
#include "test_emitter_helpers.h"

#define PRODUCERS 8
#define PER_PRODUCER 10000
#define TOTAL (PRODUCERS * PER_PRODUCER)

typedef struct producer {
    snowplow_emitter *em;
    char (*eids)[37]; /* PER_PRODUCER of them */
    int full_refusals;
    int errors;
} producer;

/* Enqueue PER_PRODUCER events; with the BLOCK policy a full queue makes the
 * producer wait, so nothing is refused. */
static void *produce(void *arg)
{
    producer *p = arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        sp_payload *payload = th_make_payload(p->eids[i], "threads");
        int rc = th_enqueue_payload(p->em, payload);
        if (rc == SNOWPLOW_EFULL)
            p->full_refusals++;
        else if (rc < 0)
            p->errors++;
        sp_payload_free(payload);
    }
    return NULL;
}

static atomic_long sent_events;
static void count_sent(const snowplow_result *result, void *payload)
{
    (void)payload;
    atomic_fetch_add(&sent_events, (long)snowplow_result_event_count(result));
}

static int cmp_eid(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_eight_producers_four_senders(void **state)
{
    sp_test_collector *c = *state;
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), NULL, NULL);
    snowplow_emitter_options_set_thread_count(o, 4);
    snowplow_emitter_options_set_buffer_capacity(o, 2000, 0);
    snowplow_emitter_options_set_full_policy(o, SNOWPLOW_FULL_BLOCK, -1);
    snowplow_emitter_options_set_on_success(o, count_sent, NULL);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);

    char(*eids)[37] = calloc(TOTAL, 37);
    producer producers[PRODUCERS];
    pthread_t threads[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        producers[i] = (producer){em, eids + i * PER_PRODUCER, 0, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, produce, &producers[i]), 0);
    }
    int refusals = 0;
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(producers[i].errors, 0);
        refusals += producers[i].full_refusals;
    }
    assert_int_equal(snowplow_emitter_flush(em, 240000), 0);

    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_TRACKED), TOTAL);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), TOTAL);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), 0);
    assert_int_equal(refusals, 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_DROPPED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_QUEUED), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_IN_FLIGHT), 0);
    assert_int_equal(atomic_load(&sent_events), TOTAL);

    /* The collector holds exactly our eids, each once. */
    cJSON *good = th_fetch_json(c, "/micro/good?fields=eid,e");
    assert_non_null(good);
    assert_int_equal(cJSON_GetArraySize(good), TOTAL);
    char(*got)[37] = calloc(TOTAL, 37);
    int n = 0;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, good)
    {
        const cJSON *eid = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "event"), "eid");
        assert_true(cJSON_IsString(eid) && strlen(eid->valuestring) == 36);
        memcpy(got[n++], eid->valuestring, 37);
    }
    cJSON_Delete(good);
    qsort(got, TOTAL, 37, cmp_eid);
    qsort(eids, TOTAL, 37, cmp_eid);
    for (int i = 0; i < TOTAL; i++) {
        if (strcmp(got[i], eids[i]) != 0)
            fail_msg("event %d differs: got %s, tracked %s", i, got[i], eids[i]);
        if (i > 0)
            assert_true(strcmp(eids[i - 1], eids[i]) != 0);
    }
    cJSON *bad = sp_test_collector_get(c, "/micro/bad");
    assert_int_equal(cJSON_GetArraySize(bad), 0);
    cJSON_Delete(bad);
    free(got);
    free(eids);
    snowplow_emitter_free(em);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eight_producers_four_senders),
    };
    return cmocka_run_group_tests(tests, th_group_setup, th_group_teardown);
}
