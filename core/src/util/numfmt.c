/* Numbers as the protocol prints them: integers plainly, doubles in their shortest
 * exact form, never with the process locale's decimal comma. */
#include <float.h>
#include <locale.h>
#include <math.h> /* isnan/isinf only: the library does not link libm for this file */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* The "C" locale, made once and used per call through uselocale(): that changes
 * only the calling thread, unlike setlocale(). */
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale = (locale_t)0;

static void create_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static double magnitude(double v)
{
    return v < 0 ? -v : v;
}

/* Normal doubles whose mantissa bits are all zero. */
static bool is_power_of_two(double mag)
{
    uint64_t bits;
    memcpy(&bits, &mag, sizeof bits);
    return (bits & 0x000FFFFFFFFFFFFFULL) == 0 && (bits >> 52) != 0;
}

/* "00" to "99": integers are written two digits per division. */
static const char two_digits[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

size_t sp_format_int64(char buf[24], int64_t v)
{
    char tmp[24];
    char *end = tmp + sizeof tmp, *p = end;
    /* Through unsigned arithmetic so that INT64_MIN has a magnitude. */
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    while (mag >= 100) {
        p -= 2;
        memcpy(p, two_digits + 2 * (mag % 100), 2);
        mag /= 100;
    }
    if (mag >= 10) {
        p -= 2;
        memcpy(p, two_digits + 2 * mag, 2);
    } else {
        *--p = (char)('0' + mag);
    }
    if (v < 0)
        *--p = '-';
    size_t len = (size_t)(end - p);
    memcpy(buf, p, len);
    buf[len] = '\0';
    return len;
}

/* A double as significant digits and a decimal exponent: value = 0.d1d2... * 10^(exp+1),
 * i.e. d1.d2d3... * 10^exp. */
typedef struct decimal {
    bool negative;
    int ndigits;
    char digits[24];
    int exp;
} decimal;

/*
 * Correctly rounded `precision` significant digits of v, trailing zeros kept,
 * through "%.*e" (its output is read without trusting the radix character, so a
 * failure to switch locale could not corrupt it).
 */
static bool round_to_digits(double v, int precision, decimal *d)
{
    char text[48];
    int n = snprintf(text, sizeof text, "%.*e", precision - 1, v);
    if (n <= 0 || (size_t)n >= sizeof text)
        return false;
    const char *p = text;
    d->negative = *p == '-';
    if (d->negative)
        p++;
    d->ndigits = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && d->ndigits < (int)sizeof d->digits)
            d->digits[d->ndigits++] = *p;
    if (*p != 'e' || d->ndigits == 0)
        return false;
    d->exp = atoi(p + 1);
    return true;
}

static void strip_trailing_zeros(decimal *d)
{
    while (d->ndigits > 1 && d->digits[d->ndigits - 1] == '0')
        d->ndigits--;
}

/* d read back by strtod ("[-]d.ddde[+-]X", the C locale's syntax). */
static double decimal_value(const decimal *d)
{
    char text[48];
    size_t n = 0;
    if (d->negative)
        text[n++] = '-';
    text[n++] = d->digits[0];
    text[n++] = '.';
    memcpy(text + n, d->digits + 1, (size_t)d->ndigits - 1);
    n += (size_t)d->ndigits - 1;
    snprintf(text + n, sizeof text - n, "e%d", d->exp);
    return strtod(text, NULL);
}

/* One unit more in the last digit, in magnitude (digit count unchanged). */
static void increment_last_digit(decimal *d)
{
    int i = d->ndigits - 1;
    while (i >= 0 && d->digits[i] == '9')
        d->digits[i--] = '0';
    if (i >= 0) {
        d->digits[i]++;
    } else { /* 99..9 -> 10..0 one decade up */
        d->digits[0] = '1';
        d->exp++;
    }
}

/*
 * The shortest digits that read back as v. For normal numbers, a 15-digit
 * rounding that reads back is already the shortest form (DBL_DIG guarantees that
 * any shorter form would round to it), so at most three conversions are needed:
 * 15, 16, then 17 digits, which always read back. Subnormals carry fewer
 * digits and are searched from 1.
 */
static void shortest_digits(double v, decimal *d)
{
    double mag = magnitude(v);
    /* Just above a power of two the doubles are twice as far apart as just
     * below, so the nearest rounding may fall short below v while the
     * next decimal up still reads back: try that one too. */
    bool power_of_two = is_power_of_two(mag);
    for (int precision = mag < DBL_MIN ? 1 : 15; precision < 17; precision++) {
        if (!round_to_digits(v, precision, d))
            continue;
        double back = decimal_value(d);
        if (back == v)
            goto found;
        if (power_of_two && magnitude(back) < mag) {
            decimal up = *d;
            increment_last_digit(&up);
            if (decimal_value(&up) == v) {
                *d = up;
                goto found;
            }
        }
    }
    round_to_digits(v, 17, d);
found:
    strip_trailing_zeros(d);
}

/* Lay the digits out as JavaScript and the header ask: plain notation for
 * magnitudes in [1e-7, 1e21), else d.ddde+XX with at least two exponent digits. */
static size_t layout(char buf[32], const decimal *d)
{
    size_t n = 0;
    if (d->negative)
        buf[n++] = '-';
    int nd = d->ndigits;
    if (d->exp >= -7 && d->exp < 21) {
        if (d->exp >= 0) {
            int int_digits = d->exp + 1;
            for (int i = 0; i < int_digits; i++)
                buf[n++] = i < nd ? d->digits[i] : '0';
            if (nd > int_digits) {
                buf[n++] = '.';
                memcpy(buf + n, d->digits + int_digits, (size_t)(nd - int_digits));
                n += (size_t)(nd - int_digits);
            }
        } else {
            buf[n++] = '0';
            buf[n++] = '.';
            for (int i = 0; i < -d->exp - 1; i++)
                buf[n++] = '0';
            memcpy(buf + n, d->digits, (size_t)nd);
            n += (size_t)nd;
        }
        buf[n] = '\0';
        return n;
    }
    buf[n++] = d->digits[0];
    if (nd > 1) {
        buf[n++] = '.';
        memcpy(buf + n, d->digits + 1, (size_t)(nd - 1));
        n += (size_t)(nd - 1);
    }
    int e = d->exp;
    buf[n++] = 'e';
    buf[n++] = e < 0 ? '-' : '+';
    if (e < 0)
        e = -e;
    if (e >= 100)
        buf[n++] = (char)('0' + e / 100);
    buf[n++] = (char)('0' + e / 10 % 10);
    buf[n++] = (char)('0' + e % 10);
    buf[n] = '\0';
    return n;
}

/* Powers of ten that doubles hold exactly. */
static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
 * The fast path for values with few decimals (prices, ratios): find the fewest
 * decimals k for which an integer m with m / 10^k == v exists. m and 10^k are
 * exact doubles and division rounds correctly, so that test is exactly what
 * strtod("m e-k") would give. Kept below 10^15 so that DBL_DIG makes the
 * answer the unique shortest one. Returns 0 when it does not apply.
 */
static size_t format_few_decimals(char buf[32], double v)
{
    double mag = magnitude(v);
    if (!(mag >= 1e-7 && mag < 1e15))
        return 0;
    for (int k = 1; k < (int)(sizeof exact_pow10 / sizeof exact_pow10[0]); k++) {
        double scaled = mag * exact_pow10[k];
        if (scaled >= 1e15)
            return 0;
        int64_t m = (int64_t)(scaled + 0.5); /* nearest; the test below is exact */
        if ((double)m / exact_pow10[k] != mag)
            continue;
        char digits[24];
        size_t nd = sp_format_int64(digits, m);
        size_t n = 0;
        if (v < 0)
            buf[n++] = '-';
        if (nd > (size_t)k) { /* integer part, point, decimals */
            memcpy(buf + n, digits, nd - (size_t)k);
            n += nd - (size_t)k;
            buf[n++] = '.';
            memcpy(buf + n, digits + nd - (size_t)k, (size_t)k);
            n += (size_t)k;
        } else { /* 0.00ddd */
            buf[n++] = '0';
            buf[n++] = '.';
            for (size_t i = nd; i < (size_t)k; i++)
                buf[n++] = '0';
            memcpy(buf + n, digits, nd);
            n += nd;
        }
        while (buf[n - 1] == '0') /* cannot pass the point: m would end in 0 */
            n--;
        buf[n] = '\0';
        return n;
    }
    return 0;
}

size_t sp_format_double(char buf[32], double v)
{
    if (isnan(v)) { /* outside the contract; printed rather than crashing */
        memcpy(buf, "nan", 4);
        return 3;
    }
    if (isinf(v)) {
        strcpy(buf, v < 0 ? "-inf" : "inf");
        return v < 0 ? 4 : 3;
    }
    /* Whole numbers that an int64 holds exactly: the common case, no locale. */
    if (v == 0)
        return sp_format_int64(buf, 0); /* "-0" too */
    if (magnitude(v) < 9007199254740992.0 && (double)(int64_t)v == v)
        return sp_format_int64(buf, (int64_t)v);

    size_t n = format_few_decimals(buf, v);
    if (n)
        return n;

    decimal d;
    pthread_once(&c_locale_once, create_c_locale);
    locale_t previous = c_locale ? uselocale(c_locale) : (locale_t)0;
    shortest_digits(v, &d);
    if (previous)
        uselocale(previous);
    return layout(buf, &d);
}
