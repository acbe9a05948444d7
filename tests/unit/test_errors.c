/* The thread-local last error, strerror, version and the message sanitizer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "snowplow/common.h"
#include "util/quote.h"
#include "util/text.h"

static void test_no_error_at_start_and_after_clear(void **state)
{
    (void)state;
    assert_string_equal(snowplow_error_last(), "");
    assert_int_equal(snowplow_error_last_code(), 0);
    assert_int_equal(sp_error_set(SNOWPLOW_EJSON, "fn: arg: bad"), SNOWPLOW_EJSON);
    snowplow_error_clear();
    assert_string_equal(snowplow_error_last(), "");
    assert_int_equal(snowplow_error_last_code(), 0);
}

static void test_set_returns_code_and_records_message(void **state)
{
    (void)state;
    int rc = sp_error_set(SNOWPLOW_ESCHEMA, "snowplow_sdjson_new: schema: not an Iglu URI: '%s'",
                          "abc");
    assert_int_equal(rc, SNOWPLOW_ESCHEMA);
    assert_int_equal(snowplow_error_last_code(), SNOWPLOW_ESCHEMA);
    assert_string_equal(snowplow_error_last(),
                        "snowplow_sdjson_new: schema: not an Iglu URI: 'abc'");
    /* A second error replaces the first. */
    sp_error_set(SNOWPLOW_EINVAL, "f: x: %d", 42);
    assert_int_equal(snowplow_error_last_code(), SNOWPLOW_EINVAL);
    assert_string_equal(snowplow_error_last(), "f: x: 42");
    sp_error_reset();
    assert_string_equal(snowplow_error_last(), "");
    assert_int_equal(snowplow_error_last_code(), 0);
}

static void test_message_may_quote_the_previous_message(void **state)
{
    (void)state;
    sp_error_set(SNOWPLOW_EJSON, "inner: json: bad token");
    sp_error_set(SNOWPLOW_EJSON, "outer: event: %s", snowplow_error_last());
    assert_string_equal(snowplow_error_last(), "outer: event: inner: json: bad token");
}

static void test_invalid_utf8_and_controls_are_escaped(void **state)
{
    (void)state;
    sp_error_set(SNOWPLOW_EUTF8, "f: name: '%s'", "a\xff\nb\x7f\xc3");
    assert_string_equal(snowplow_error_last(), "f: name: 'a\\xff\\x0ab\\x7f\\xc3'");
    /* Overlong and surrogate encodings are invalid too, valid multibyte text stays. */
    sp_error_set(SNOWPLOW_EUTF8, "%s|%s|%s", "\xc0\xaf", "\xed\xa0\x80", "ćé€😀");
    assert_string_equal(snowplow_error_last(),
                        "\\xc0\\xaf|\\xed\\xa0\\x80|ćé€😀");
    const char *m = snowplow_error_last();
    assert_true(sp_utf8_valid(m, strlen(m)));
}

static void test_long_message_is_cut_at_a_character_boundary(void **state)
{
    (void)state;
    char big[3000];
    /* 1500 two-byte characters: any cut inside one would be invalid UTF-8. */
    for (int i = 0; i < 1500; i++)
        memcpy(big + 2 * i, "ć", 2);
    big[3000 - 1] = '\0';
    for (int shift = 0; shift < 3; shift++) {
        sp_error_set(SNOWPLOW_EINVAL, "%.*sf: x: %s", shift, "ab", big);
        const char *m = snowplow_error_last();
        size_t len = strlen(m);
        assert_true(len < 512);
        assert_true(len > 400);
        assert_true(sp_utf8_valid(m, len));
        assert_string_equal(m + len - 3, "...");
    }
    /* Escapes are never split either. */
    memset(big, '\x01', 2000);
    big[2000] = '\0';
    sp_error_set(SNOWPLOW_EINVAL, "f: %s", big);
    const char *m = snowplow_error_last();
    size_t len = strlen(m);
    assert_true(len < 512);
    assert_string_equal(m + len - 3, "...");
    assert_int_equal((len - 3 - 3) % 4, 0); /* "f: " then whole \x01 groups */
    assert_memory_equal(m + len - 7, "\\x01", 4);
}

static void test_quote_truncates_user_strings(void **state)
{
    (void)state;
    char q[SP_QUOTE_SIZE];
    assert_string_equal(sp_quote(q, NULL), "(null)");
    assert_string_equal(sp_quote(q, ""), "");
    assert_string_equal(sp_quote(q, "short"), "short");

    char s[200];
    memset(s, 'a', 100);
    s[100] = '\0';
    sp_quote(q, s);
    assert_int_equal(strlen(q), SP_QUOTE_MAX + 3);
    assert_string_equal(q + SP_QUOTE_MAX, "...");

    /* Exactly SP_QUOTE_MAX bytes fit without "...". */
    s[SP_QUOTE_MAX] = '\0';
    assert_int_equal(strlen(sp_quote(q, s)), SP_QUOTE_MAX);

    /* A character straddling the limit is left out whole. */
    memset(s, 'a', SP_QUOTE_MAX - 1);
    memcpy(s + SP_QUOTE_MAX - 1, "ćz", 4);
    sp_quote(q, s);
    assert_int_equal(strlen(q), SP_QUOTE_MAX - 1 + 3);
    assert_true(sp_utf8_valid(q, strlen(q)));

    /* Every byte escaped still fits the buffer. */
    memset(s, '\xff', 150);
    s[150] = '\0';
    sp_quote(q, s);
    assert_int_equal(strlen(q), SP_QUOTE_MAX * 4 + 3);

    /* A small output buffer cuts as well, never overflowing. */
    char small[8];
    sp_quote_bytes(small, sizeof small, "abcdefghijkl", 12, 64);
    assert_string_equal(small, "abcd...");
    sp_quote_bytes(small, sizeof small, "abcdefg", 7, 64);
    assert_string_equal(small, "abcdefg");
    char tiny[2];
    sp_quote_bytes(tiny, sizeof tiny, "abc", 3, 64);
    assert_true(strlen(tiny) < 2);
}

static void *other_thread(void *arg)
{
    int *seen = arg;
    seen[0] = snowplow_error_last_code();
    seen[1] = strcmp(snowplow_error_last(), "") == 0;
    sp_error_set(SNOWPLOW_ETIMEOUT, "other: thread");
    seen[2] = snowplow_error_last_code();
    return NULL;
}

static void test_errors_are_per_thread(void **state)
{
    (void)state;
    sp_error_set(SNOWPLOW_EFULL, "main: thread");
    int seen[3] = {-1, -1, -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, other_thread, seen), 0);
    pthread_join(t, NULL);
    assert_int_equal(seen[0], 0);
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], SNOWPLOW_ETIMEOUT);
    assert_int_equal(snowplow_error_last_code(), SNOWPLOW_EFULL);
    assert_string_equal(snowplow_error_last(), "main: thread");
}

static void test_strerror_names_every_code(void **state)
{
    (void)state;
    const char *seen[18];
    for (int code = 0; code >= SNOWPLOW_EUNSUPPORTED; code--) {
        const char *s = snowplow_strerror(code);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_string_not_equal(s, "unknown error");
        for (int j = 0; j < -code; j++)
            assert_string_not_equal(s, seen[j]); /* one phrase per code */
        seen[-code] = s;
    }
    assert_string_equal(snowplow_strerror(SNOWPLOW_ENOMEM), "out of memory");
    assert_string_equal(snowplow_strerror(SNOWPLOW_EINVAL), "invalid argument");
    assert_string_equal(snowplow_strerror(1), "unknown error");
    assert_string_equal(snowplow_strerror(SNOWPLOW_EUNSUPPORTED - 1), "unknown error");
    assert_string_equal(snowplow_strerror(INT_MIN), "unknown error");
    assert_string_equal(snowplow_strerror(INT_MAX), "unknown error");
}

static void test_version_matches_headers(void **state)
{
    (void)state;
    assert_string_equal(snowplow_version(), SNOWPLOW_VERSION_STRING);
    assert_int_equal(snowplow_version_num(), SNOWPLOW_VERSION_NUM);
    int major, minor, patch;
    assert_int_equal(sscanf(snowplow_version(), "%d.%d.%d", &major, &minor, &patch), 3);
    assert_int_equal(snowplow_version_num(), (major << 16) | (minor << 8) | patch);
}

static void test_string_free_accepts_null_and_owned_strings(void **state)
{
    (void)state;
    snowplow_string_free(NULL);
    snowplow_string_free(strdup("owned"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_error_at_start_and_after_clear),
        cmocka_unit_test(test_set_returns_code_and_records_message),
        cmocka_unit_test(test_message_may_quote_the_previous_message),
        cmocka_unit_test(test_invalid_utf8_and_controls_are_escaped),
        cmocka_unit_test(test_long_message_is_cut_at_a_character_boundary),
        cmocka_unit_test(test_quote_truncates_user_strings),
        cmocka_unit_test(test_errors_are_per_thread),
        cmocka_unit_test(test_strerror_names_every_code),
        cmocka_unit_test(test_version_matches_headers),
        cmocka_unit_test(test_string_free_accepts_null_and_owned_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
