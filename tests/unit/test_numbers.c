/* Numbers as the protocol prints them: integers, shortest round-trip doubles,
 * independent of the process or thread locale. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h> /* isfinite, a macro: no libm needed */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

static void check_double(double v, const char *want)
{
    char buf[32];
    memset(buf, 'X', sizeof buf);
    size_t n = sp_format_double(buf, v);
    if (strcmp(buf, want) != 0)
        fail_msg("%.17g printed as '%s', expected '%s'", v, buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_int64(void **state)
{
    (void)state;
    char buf[24];
    assert_int_equal(sp_format_int64(buf, 0), 1);
    assert_string_equal(buf, "0");
    sp_format_int64(buf, 35);
    assert_string_equal(buf, "35");
    sp_format_int64(buf, -1);
    assert_string_equal(buf, "-1");
    sp_format_int64(buf, 1700000000123);
    assert_string_equal(buf, "1700000000123");
    assert_int_equal(sp_format_int64(buf, INT64_MAX), 19);
    assert_string_equal(buf, "9223372036854775807");
    assert_int_equal(sp_format_int64(buf, INT64_MIN), 20);
    assert_string_equal(buf, "-9223372036854775808");
    /* Around every power of ten (where the digit count changes), both signs,
     * and random values: the same text as printf. */
    char want[32];
    int64_t p10 = 1;
    for (int k = 0; k <= 18; k++, p10 = k <= 18 ? p10 * 10 : p10) {
        for (int64_t d = -2; d <= 2; d++) {
            for (int sign = -1; sign <= 1; sign += 2) {
                int64_t v = sign * (p10 + d);
                snprintf(want, sizeof want, "%lld", (long long)v);
                assert_int_equal(sp_format_int64(buf, v), strlen(want));
                assert_string_equal(buf, want);
            }
        }
    }
    unsigned int seed = 99;
    for (int i = 0; i < 100000; i++) {
        int64_t v = (int64_t)((uint64_t)rand_r(&seed) << 33 ^ (uint64_t)rand_r(&seed) << 11 ^
                              (uint64_t)rand_r(&seed)) >> (i % 60);
        snprintf(want, sizeof want, "%lld", (long long)v);
        assert_int_equal(sp_format_int64(buf, v), strlen(want));
        assert_string_equal(buf, want);
    }
}

static void test_protocol_examples(void **state)
{
    (void)state;
    /* PROTOCOL.md and the brief. */
    check_double(7.99, "7.99");
    check_double(13.99, "13.99");
    check_double(0.1 + 0.2, "0.30000000000000004");
    check_double(35.0, "35");
    check_double(-0.0, "0");
    check_double(0.0, "0");
}

static void test_shortest_forms(void **state)
{
    (void)state;
    check_double(0.1, "0.1");
    check_double(1.5, "1.5");
    check_double(-2.5, "-2.5");
    check_double(100.0, "100");
    check_double(-35.0, "-35");
    check_double(1.0 / 3.0, "0.3333333333333333");
    check_double(2.0 / 3.0, "0.6666666666666666");
    check_double(3.14159, "3.14159");
    check_double(1234.5678, "1234.5678");
    check_double(0.000001, "0.000001");
    check_double(123456.789e3, "123456789");
    check_double(9007199254740993.0, "9007199254740992"); /* 2^53 + 1 is not a double */
    check_double(9007199254740994.0, "9007199254740994");
    /* Powers of two, where the gap between doubles below is half the gap
     * above: the shortest form is not the nearest 16-digit rounding. */
    check_double(0x1p-44, "5.684341886080802e-14");
    check_double(0x1p-24, "5.960464477539063e-08");
    check_double(0x1p89, "6.189700196426902e+26");
    check_double(-0x1p-1017, "-7.120236347223045e-307");
    check_double(0x1p60, "1152921504606847000");
    check_double(DBL_EPSILON, "2.220446049250313e-16");
}

static void test_notation_boundaries(void **state)
{
    (void)state;
    /* Plain notation for magnitudes in [1e-7, 1e21), exponent outside. */
    check_double(1e-7, "0.0000001");
    check_double(-1e-7, "-0.0000001");
    check_double(1.5e-7, "0.00000015");
    check_double(1e-8, "1e-08");
    check_double(9.9e-8, "9.9e-08");
    check_double(1e16, "10000000000000000");
    check_double(1e20, "100000000000000000000");
    check_double(123456789012345680000.0, "123456789012345680000");
    check_double(1e21, "1e+21");
    check_double(-1e21, "-1e+21");
    check_double(1.5e300, "1.5e+300");
    check_double(1e100, "1e+100");
    check_double(DBL_MAX, "1.7976931348623157e+308");
    check_double(DBL_MIN, "2.2250738585072014e-308");
    check_double(5e-324, "5e-324"); /* smallest subnormal */
    check_double(-5e-324, "-5e-324");
    check_double(1.2345e-310, "1.2345e-310");
}

/* Significant digits of a printed number (no sign, point, exponent or zeros
 * at either end of the digit string). */
static int significant_digits(const char *s)
{
    char digits[40];
    int n = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            digits[n++] = *s;
    int start = 0;
    while (start < n - 1 && digits[start] == '0')
        start++;
    while (n - 1 > start && digits[n - 1] == '0')
        n--;
    return n - start;
}

static void test_random_doubles_round_trip_shortest(void **state)
{
    (void)state;
    unsigned int seed = 99;
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = (uint64_t)rand_r(&seed) << 62 ^ (uint64_t)rand_r(&seed) << 31 ^
                        (uint64_t)rand_r(&seed);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (i % 2)
            v = (double)rand_r(&seed) / 1000.0; /* prices and the like */
        if (!isfinite(v))
            continue;
        char buf[32];
        size_t n = sp_format_double(buf, v);
        assert_int_equal(n, strlen(buf));
        assert_true(n < 32);
        double back = strtod(buf, NULL); /* the test runs in the C locale */
        if (back != v)
            fail_msg("%a printed as '%s' reads back as %a", v, buf, back);
        /* Shortest: one digit fewer never reads back (normal numbers). */
        int digits = significant_digits(buf);
        assert_true(digits <= 17);
        if (digits > 1 && (v < 0 ? -v : v) >= DBL_MIN) {
            char shorter[40];
            snprintf(shorter, sizeof shorter, "%.*e", digits - 2, v);
            if (strtod(shorter, NULL) == v)
                fail_msg("%a printed as '%s' but '%s' reads back too", v, buf, shorter);
        }
    }
}

/* A locale whose decimal point is a comma, or (locale_t)0 when none is installed. */
static locale_t comma_locale(const char **name)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8",
                                        "fr_FR.utf8",  "pl_PL.UTF-8", "ru_RU.UTF-8", "nl_NL.UTF-8"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        locale_t loc = newlocale(LC_NUMERIC_MASK, names[i], (locale_t)0);
        if (!loc)
            continue;
        if (strcmp(nl_langinfo_l(RADIXCHAR, loc), ",") == 0) {
            *name = names[i];
            return loc;
        }
        freelocale(loc);
    }
    return (locale_t)0;
}

static void test_comma_locale_is_ignored(void **state)
{
    (void)state;
    const char *name = NULL;
    locale_t loc = comma_locale(&name);
    if (!loc) {
        print_message("no locale with a decimal comma is installed (locale -a); "
                      "only the C locale path was tested\n");
        skip();
    }
    /* The per-thread locale (uselocale), as a host runtime may set it. */
    locale_t previous = uselocale(loc);
    char probe[16];
    snprintf(probe, sizeof probe, "%.2f", 7.99);
    assert_string_equal(probe, "7,99"); /* the locale is really active */
    check_double(7.99, "7.99");
    check_double(0.1 + 0.2, "0.30000000000000004");
    check_double(1.5e-7, "0.00000015");
    check_double(1.5e300, "1.5e+300");
    uselocale(previous);
    freelocale(loc);

    /* The process locale (setlocale), as LC_NUMERIC=de_DE would give it. */
    char *saved = strdup(setlocale(LC_NUMERIC, NULL));
    assert_non_null(setlocale(LC_NUMERIC, name));
    check_double(13.99, "13.99");
    check_double(1234.5678, "1234.5678");
    setlocale(LC_NUMERIC, saved);
    free(saved);
}

static void test_thread_locale_is_restored(void **state)
{
    (void)state;
    /* Whatever locale the caller's thread had, it has it again afterwards. */
    locale_t mine = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
    if (!mine)
        mine = newlocale(LC_ALL_MASK, "POSIX", (locale_t)0);
    assert_non_null(mine);
    locale_t previous = uselocale(mine);
    char buf[32];
    sp_format_double(buf, 13.99);
    assert_string_equal(buf, "13.99");
    assert_ptr_equal(uselocale((locale_t)0), mine);
    uselocale(previous);
    assert_ptr_equal(uselocale((locale_t)0), previous);
    sp_format_double(buf, 0.5);
    assert_ptr_equal(uselocale((locale_t)0), previous);
    freelocale(mine);
}

static void *format_many(void *arg)
{
    int *mismatches = arg;
    static const double values[] = {7.99, 0.1 + 0.2, 1e21, 1e-8, 3.14159, 1.0 / 3.0};
    static const char *const want[] = {"7.99", "0.30000000000000004", "1e+21", "1e-08",
                                       "3.14159", "0.3333333333333333"};
    for (int i = 0; i < 20000; i++) {
        char buf[32];
        sp_format_double(buf, values[i % 6]);
        if (strcmp(buf, want[i % 6]) != 0)
            (*mismatches)++;
    }
    return NULL;
}

static void test_threads_format_concurrently(void **state)
{
    (void)state;
    pthread_t t[4];
    int mismatches[4] = {0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, format_many, &mismatches[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(mismatches[i], 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int64),
        cmocka_unit_test(test_protocol_examples),
        cmocka_unit_test(test_shortest_forms),
        cmocka_unit_test(test_notation_boundaries),
        cmocka_unit_test(test_random_doubles_round_trip_shortest),
        cmocka_unit_test(test_comma_locale_is_ignored),
        cmocka_unit_test(test_thread_locale_is_restored),
        cmocka_unit_test(test_threads_format_concurrently),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
