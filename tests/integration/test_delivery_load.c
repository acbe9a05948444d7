/*
 * Accounting under load against the real collector, which fails every tenth
 * request (HTTP 500): 8 producers x 5000 events, 4 sending threads. Every
 * event is reported exactly once as sent or dropped (failures to be retried
 * aside), the counters add up, and the collector holds exactly the events
 * reported sent, each once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sp_test_collector.h"
#include "test_emitter_helpers.h"

#define PRODUCERS 8
#define PER_PRODUCER 5000
#define TOTAL (PRODUCERS * PER_PRODUCER)

typedef struct outcome {
    char eid[37];
    char tag; /* 'S' sent, 'F' failed for good, 'D' dropped */
} outcome;

static outcome finals[TOTAL];
static atomic_size_t n_finals;
static atomic_size_t retried_events;

static void on_result(const snowplow_result *r, void *payload)
{
    (void)payload;
    size_t count = snowplow_result_event_count(r);
    if (snowplow_result_will_retry(r)) {
        atomic_fetch_add(&retried_events, count);
        return;
    }
    char tag = snowplow_result_get_kind(r) == SNOWPLOW_RESULT_SENT ? 'S'
               : strcmp(snowplow_result_reason(r), "queue full") == 0 ? 'D'
                                                                       : 'F';
    size_t at = atomic_fetch_add(&n_finals, count);
    for (size_t i = 0; i < count && at + i < TOTAL; i++) {
        memcpy(finals[at + i].eid, snowplow_result_event_id(r, i), 37);
        finals[at + i].tag = tag;
    }
}

typedef struct producer {
    snowplow_emitter *em;
    char (*eids)[37];
    int errors;
} producer;

static void *produce(void *arg)
{
    producer *p = arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        sp_payload *payload = th_make_payload(p->eids[i], "load");
        int rc = th_enqueue_payload(p->em, payload);
        if (rc < 0 && rc != SNOWPLOW_EFULL)
            p->errors++;
        sp_payload_free(payload);
    }
    return NULL;
}

static int cmp_outcome(const void *a, const void *b)
{
    return strcmp(((const outcome *)a)->eid, ((const outcome *)b)->eid);
}

static int cmp_eid(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_load_with_every_tenth_request_failing(void **state)
{
    sp_test_collector *c = *state;
    assert_int_equal(sp_test_collector_fault(c, "{\"status\":500,\"fail_every\":10}"), 0);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), NULL, NULL);
    snowplow_emitter_options_set_on_success(o, on_result, NULL);
    snowplow_emitter_options_set_on_failure(o, on_result, NULL);
    snowplow_emitter_options_set_thread_count(o, 4);
    snowplow_emitter_options_set_batch_size(o, 50);
    snowplow_emitter_options_set_byte_limit(o, 100000);
    assert_int_equal(snowplow_emitter_options_set_retry(o, 10, 100, 0), 0);
    /* Room for most of the events: the collector takes them slower than the
     * producers make them; the rest is dropped and reported. */
    assert_int_equal(snowplow_emitter_options_set_buffer_capacity(o, 15000, 0), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);

    char(*eids)[37] = calloc(TOTAL, 37);
    producer producers[PRODUCERS];
    pthread_t threads[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        producers[i] = (producer){em, eids + i * PER_PRODUCER, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, produce, &producers[i]), 0);
    }
    int errors = 0;
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(threads[i], NULL);
        errors += producers[i].errors;
    }
    assert_int_equal(errors, 0);
    assert_int_equal(sp_emitter_drain(em, 240000), 0);

    uint64_t tracked = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_TRACKED);
    uint64_t sent = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT);
    uint64_t failed = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED);
    uint64_t dropped = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_DROPPED);
    uint64_t retried = snowplow_emitter_counter(em, SNOWPLOW_COUNTER_RETRIED);
    print_message("tracked %llu sent %llu failed %llu dropped %llu retried %llu\n",
                  (unsigned long long)tracked, (unsigned long long)sent,
                  (unsigned long long)failed, (unsigned long long)dropped,
                  (unsigned long long)retried);
    assert_int_equal(tracked, TOTAL);
    assert_int_equal(sent + failed + dropped, tracked);
    assert_int_equal(failed, 0); /* no retry limit */
    assert_true(retried > 0);
    assert_int_equal(atomic_load(&retried_events), retried);
    assert_int_equal(atomic_load(&n_finals), TOTAL);

    /* Each eid once among the final reports. */
    qsort(finals, TOTAL, sizeof *finals, cmp_outcome);
    qsort(eids, TOTAL, 37, cmp_eid);
    uint64_t tagged_sent = 0;
    for (int i = 0; i < TOTAL; i++) {
        if (strcmp(finals[i].eid, eids[i]) != 0)
            fail_msg("event %d: reported %s, tracked %s", i, finals[i].eid, eids[i]);
        tagged_sent += finals[i].tag == 'S';
    }
    assert_int_equal(tagged_sent, sent);

    /* The collector has exactly the events reported sent, each once: a 500 is
     * an answer, so no duplicate is allowed here. */
    assert_int_equal(sp_test_collector_wait_total(c, (long)sent, 0, 120000), 0);
    cJSON *good = th_fetch_json(c, "/micro/good?fields=eid,e");
    assert_non_null(good);
    assert_int_equal((uint64_t)cJSON_GetArraySize(good), sent);
    char(*arrived)[37] = calloc(sent ? sent : 1, 37);
    size_t n = 0;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, good)
    {
        const cJSON *eid = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "event"), "eid");
        assert_true(cJSON_IsString(eid));
        memcpy(arrived[n++], eid->valuestring, 37);
    }
    cJSON_Delete(good);
    qsort(arrived, n, 37, cmp_eid);
    size_t k = 0;
    for (int i = 0; i < TOTAL; i++) {
        if (finals[i].tag != 'S')
            continue;
        if (k >= n || strcmp(arrived[k], finals[i].eid) != 0)
            fail_msg("sent %s is not (once) at the collector", finals[i].eid);
        k++;
    }
    assert_int_equal(k, n);
    free(arrived);
    free(eids);
    snowplow_emitter_free(em);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_with_every_tenth_request_failing),
    };
    return cmocka_run_group_tests(tests, th_group_setup, th_group_teardown);
}
