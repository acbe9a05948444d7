/*
 * snowplow_emitter_options_set_result_queue_sent_events(o, 0): queued successes
 * carry their count but no events; failures still carry theirs; an on_success
 * callback still sees the events. Real collector on loopback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <string.h>

#include "snowplow.h"
#include "sp_test_collector.h"
#include "sp_test_util.h"

static sp_test_collector *collector;

static int setup(void **state)
{
    (void)state;
    return (collector = sp_test_collector_start()) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    sp_test_collector_stop(collector);
    return 0;
}

static size_t callback_events;

static void count_events(const snowplow_result *r, void *payload)
{
    (void)payload;
    for (size_t i = 0; i < snowplow_result_event_count(r); i++)
        if (snowplow_result_event_json(r, i) != NULL)
            callback_events++;
}

/* An emitter with a result queue, batches of 10; sent_events -1 leaves the default. */
static void make(snowplow_emitter **em, snowplow_tracker **t, int sent_events, int with_callback)
{
    snowplow_emitter_options *o = NULL;
    snowplow_tracker_options *to = NULL;
    assert_int_equal(snowplow_emitter_options_new(&o), 0);
    assert_int_equal(snowplow_emitter_options_set_endpoint(o, sp_test_collector_url(collector)), 0);
    assert_int_equal(snowplow_emitter_options_set_batch_size(o, 10), 0);
    assert_int_equal(snowplow_emitter_options_set_result_queue(o, 1000), 0);
    if (sent_events >= 0)
        assert_int_equal(snowplow_emitter_options_set_result_queue_sent_events(o, sent_events), 0);
    if (with_callback)
        assert_int_equal(snowplow_emitter_options_set_on_success(o, count_events, NULL), 0);
    assert_int_equal(snowplow_emitter_new(em, o), 0);
    assert_int_equal(snowplow_tracker_options_new(&to), 0);
    assert_int_equal(snowplow_tracker_options_add_emitter(to, *em), 0);
    assert_int_equal(snowplow_tracker_new(t, to), 0);
}

static void track(snowplow_tracker *t, snowplow_emitter *em, int n)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(snowplow_tracker_track_structured(NULL, t, "c", "a", NULL, NULL, NULL, NULL), 0);
    assert_int_equal(snowplow_emitter_flush(em, 20000), 0);
}

/* Drain the queue: successes' counts and events, failures' events. */
static void drain(snowplow_emitter *em, size_t *sent, size_t *sent_events, size_t *failed_events)
{
    *sent = *sent_events = *failed_events = 0;
    snowplow_result *r = NULL;
    while (snowplow_emitter_next_result(&r, em, 0) == 0) {
        size_t n = snowplow_result_event_count(r);
        for (size_t i = 0; i < n; i++) {
            assert_non_null(snowplow_result_event_json(r, i));
            assert_int_equal(strlen(snowplow_result_event_id(r, i)), SNOWPLOW_EID_SIZE - 1);
        }
        if (snowplow_result_get_kind(r) == SNOWPLOW_RESULT_SENT) {
            *sent += snowplow_result_success_count(r);
            *sent_events += n;
        } else {
            *failed_events += n;
        }
        snowplow_result_free(r);
    }
}

static void successes_without_events_failures_with(void **state)
{
    (void)state;
    sp_test_collector_reset(collector);
    snowplow_emitter *em = NULL;
    snowplow_tracker *t = NULL;
    size_t sent, sent_events, failed_events;
    make(&em, &t, 0, 0);
    track(t, em, 25);
    drain(em, &sent, &sent_events, &failed_events);
    assert_int_equal(sent, 25);
    assert_int_equal(sent_events, 0);
    assert_int_equal(failed_events, 0);
    assert_int_equal(sp_test_collector_fault(collector, "{\"status\":400,\"count\":1}"), 0);
    track(t, em, 7);
    drain(em, &sent, &sent_events, &failed_events);
    assert_int_equal(sent, 0);
    assert_int_equal(failed_events, 7);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_SENT), 25);
    snowplow_tracker_free(t);
    snowplow_emitter_free(em);
}

static void default_and_callback_keep_events(void **state)
{
    (void)state;
    sp_test_collector_reset(collector);
    snowplow_emitter *em = NULL;
    snowplow_tracker *t = NULL;
    size_t sent, sent_events, failed_events;
    make(&em, &t, -1, 0); /* the default: with events */
    track(t, em, 12);
    drain(em, &sent, &sent_events, &failed_events);
    assert_int_equal(sent, 12);
    assert_int_equal(sent_events, 12);
    snowplow_tracker_free(t);
    snowplow_emitter_free(em);

    callback_events = 0;
    make(&em, &t, 0, 1); /* an on_success callback reads the events */
    track(t, em, 12);
    drain(em, &sent, &sent_events, &failed_events);
    assert_int_equal(sent, 12);
    assert_int_equal(callback_events, 12);
    snowplow_tracker_free(t);
    snowplow_emitter_free(em);
}

static void bad_arguments(void **state)
{
    (void)state;
    snowplow_emitter_options *o = NULL;
    assert_int_equal(snowplow_emitter_options_new(&o), 0);
    sp_test_assert_error(snowplow_emitter_options_set_result_queue_sent_events(o, 2),
                         SNOWPLOW_EINVAL, "sent_events", "0 or 1");
    sp_test_assert_error(snowplow_emitter_options_set_result_queue_sent_events(NULL, 0),
                         SNOWPLOW_EINVAL, "options", NULL);
    snowplow_emitter_options_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(successes_without_events_failures_with),
        cmocka_unit_test(default_and_callback_keep_events),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
