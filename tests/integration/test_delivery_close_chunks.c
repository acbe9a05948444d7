/*
 * Closing with a large backlog reports every unsent event, in results of at most
 * 1000 events each, so the report never copies the whole queue at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_emitter_helpers.h"

#define EVENTS 2500

static void close_reports_backlog_in_chunks(void **state)
{
    (void)state;
    stub s;
    stub_init(&s, 200);
    strcpy(s.hold_label, "held"); /* every request hangs until close aborts it */
    th_recorder failed;
    th_recorder_init(&failed);
    snowplow_emitter_options *o = th_options("http://127.0.0.1:9", NULL, &failed);
    assert_int_equal(snowplow_emitter_options_set_batch_size(o, 10), 0);
    snowplow_emitter *em = stub_emitter(&s, o);

    for (int i = 0; i < EVENTS; i++) {
        char eid[37];
        assert_int_equal(th_enqueue(em, eid, "held"), 0);
    }
    stub_wait_holding(&s, 1);
    assert_int_equal(snowplow_emitter_close(em, 0), SNOWPLOW_ETIMEOUT);

    assert_int_equal(th_recorded_events(&failed), EVENTS);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_FAILED), EVENTS);
    assert_true(failed.count >= 3); /* 2490 queued ones need three results at least */
    for (size_t i = 0; i < failed.count; i++) {
        assert_true(snowplow_result_event_count(failed.results[i]) <= 1000);
        assert_int_equal(snowplow_result_will_retry(failed.results[i]), 0);
    }
    snowplow_emitter_free(em);
    th_recorder_free(&failed);
    stub_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(close_reports_backlog_in_chunks)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
