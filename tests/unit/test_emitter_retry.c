/*
 * Retry decisions: which statuses are retried, custom codes both ways, backoff
 * growth, jitter range and caps, Retry-After (both forms) honoured and capped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "emitter/emitter_retry.h"
#include "snowplow.h"
#include "sp_test_util.h"
#include "transport/transport.h"

static void test_default_statuses(void **state)
{
    const snowplow_emitter_options *o = *state;
    assert_true(sp_retry_status_wanted(o, 0)); /* network error, timeout */
    static const int retried[] = {404, 405, 408, 413, 429, 500, 502, 503, 504, 599, 100};
    for (size_t i = 0; i < sizeof retried / sizeof *retried; i++)
        if (!sp_retry_status_wanted(o, retried[i]))
            fail_msg("%d should be retried", retried[i]);
    static const int final[] = {400, 401, 403, 410, 422};
    for (size_t i = 0; i < sizeof final / sizeof *final; i++)
        if (sp_retry_status_wanted(o, final[i]))
            fail_msg("%d should not be retried", final[i]);
}

static void test_custom_codes_override_both_ways(void **state)
{
    snowplow_emitter_options *o = *state;
    assert_int_equal(snowplow_emitter_options_set_custom_retry_code(o, 403, 1), 0);
    assert_int_equal(snowplow_emitter_options_set_custom_retry_code(o, 503, 0), 0);
    assert_true(sp_retry_status_wanted(o, 403));
    assert_false(sp_retry_status_wanted(o, 503));
    assert_true(sp_retry_status_wanted(o, 502)); /* neighbours untouched */
    assert_false(sp_retry_status_wanted(o, 401));
    /* Set again: the last word counts. */
    assert_int_equal(snowplow_emitter_options_set_custom_retry_code(o, 503, 1), 0);
    assert_true(sp_retry_status_wanted(o, 503));
}

/* Without jitter the delays would be 100, 200, 400, ...; each lies within
 * +-25% of that, and never above the cap. */
static void test_backoff_grows_with_jitter_and_cap(void **state)
{
    snowplow_emitter_options *o = *state;
    assert_int_equal(snowplow_emitter_options_set_retry(o, 100, 1000, 0), 0);
    uint64_t rng = 12345;
    int64_t nominal = 100;
    for (int attempts = 1; attempts <= 8; attempts++) {
        int64_t lo = INT64_MAX, hi = 0;
        for (int k = 0; k < 500; k++) {
            int64_t d = sp_retry_delay_ms(o, attempts, 0, &rng);
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        int64_t cap = nominal < 1000 ? nominal : 1000;
        if (lo < cap - cap / 4 - 1 || hi > cap + cap / 4 || hi > 1000)
            fail_msg("attempt %d: delays %lld..%lld for nominal %lld", attempts, (long long)lo,
                     (long long)hi, (long long)cap);
        if (cap < 1000)
            assert_true(hi > lo); /* there is jitter */
        nominal *= 2;
    }
    /* Huge attempt counts do not overflow. */
    assert_true(sp_retry_delay_ms(o, 1000000, 0, &rng) <= 1000);
}

static void test_retry_after_honoured_and_capped(void **state)
{
    snowplow_emitter_options *o = *state;
    assert_int_equal(snowplow_emitter_options_set_retry(o, 100, 5000, 0), 0);
    uint64_t rng = 99;
    for (int k = 0; k < 100; k++) {
        assert_int_equal(sp_retry_delay_ms(o, 1, 2000, &rng), 2000);
        assert_int_equal(sp_retry_delay_ms(o, 1, 60000, &rng), 5000); /* capped */
    }
    /* Shorter than the backoff: the backoff wins. */
    assert_true(sp_retry_delay_ms(o, 1, 10, &rng) >= 75);
}

static void test_retry_after_header_values(void **state)
{
    (void)state;
    assert_int_equal(sp_http_retry_after_ms("1"), 1000);
    assert_int_equal(sp_http_retry_after_ms("  120 "), 120000);
    assert_int_equal(sp_http_retry_after_ms("0"), 0);
    assert_int_equal(sp_http_retry_after_ms(""), 0);
    assert_int_equal(sp_http_retry_after_ms("soon"), 0);
    assert_int_equal(sp_http_retry_after_ms("12abc"), 0);
    assert_int_equal(sp_http_retry_after_ms("-5"), 0);
    /* Absurd values are capped (a week), never overflow. */
    assert_int_equal(sp_http_retry_after_ms("99999999999999999999999"), 7 * 24 * 3600 * 1000);
    /* HTTP-date: one in the past means now, one ahead a delay. */
    assert_int_equal(sp_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"), 0);
    char date[64];
    time_t ahead = time(NULL) + 30;
    struct tm tm;
    gmtime_r(&ahead, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    int ms = sp_http_retry_after_ms(date);
    assert_true(ms >= 28000 && ms <= 30000);
}

static void test_options_checked(void **state)
{
    snowplow_emitter_options *o = *state;
    assert_int_equal(snowplow_emitter_options_set_retry(o, 0, 100, 0), SNOWPLOW_ERANGE);
    assert_non_null(
        strstr(snowplow_error_last(), "snowplow_emitter_options_set_retry: base_delay_ms: 0"));
    assert_int_equal(snowplow_emitter_options_set_retry(o, 200, 100, 0), SNOWPLOW_ERANGE);
    assert_non_null(strstr(snowplow_error_last(), "max_delay_ms: 100"));
    assert_int_equal(snowplow_emitter_options_set_retry(o, 100, 200, -1), SNOWPLOW_ERANGE);
    assert_non_null(strstr(snowplow_error_last(), "max_attempts: -1"));
    assert_int_equal(snowplow_emitter_options_set_retry(NULL, 100, 200, 1), SNOWPLOW_EINVAL);
    assert_int_equal(o->retry_base_ms, 100); /* untouched by refusals */
    assert_int_equal(o->retry_max_ms, 60000);
    assert_int_equal(o->max_attempts, 0);

    assert_int_equal(snowplow_emitter_options_set_custom_retry_code(o, 99, 1), SNOWPLOW_ERANGE);
    assert_non_null(strstr(snowplow_error_last(), "status: 99"));
    assert_int_equal(snowplow_emitter_options_set_custom_retry_code(o, 600, 1), SNOWPLOW_ERANGE);
    assert_int_equal(snowplow_emitter_options_set_custom_retry_code(o, 500, 2), SNOWPLOW_EINVAL);
    assert_non_null(strstr(snowplow_error_last(), "retry: 2"));
    assert_int_equal(snowplow_emitter_options_set_custom_retry_code(NULL, 500, 1), SNOWPLOW_EINVAL);
}

/* A test with a fresh options object as its state. */
#define WITH_OPTIONS(fn)                                                                           \
    cmocka_unit_test_setup_teardown(fn, sp_test_options_setup, sp_test_options_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        WITH_OPTIONS(test_default_statuses),
        WITH_OPTIONS(test_custom_codes_override_both_ways),
        WITH_OPTIONS(test_backoff_grows_with_jitter_and_cap),
        WITH_OPTIONS(test_retry_after_honoured_and_capped),
        WITH_OPTIONS(test_retry_after_header_values),
        WITH_OPTIONS(test_options_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
