/* The strict JSON validator and what it reports about valid text
 * (sp_json_inspect): the top-level kind, numbers that overflow a double,
 * unpaired surrogate escapes, whitespace between tokens. The number and the
 * surrogate verdicts are also checked against strtod and cJSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json_check.h"

/* 2^1024 - 2^970, halfway between DBL_MAX and 2^1024: the smallest magnitude
 * that strtod rounds to infinity (the tie goes to the even 2^1024). */
#define HALFWAY                                                                              \
    "1797693134862315807937289714053034150799341327100378269361737789804449682927"           \
    "6475094664901797758720709633028641669288791094655554785194040263065748867150"           \
    "5820681908902000708383676273854845817711531764475730270069855571366959622842"           \
    "914819860834936475292719074168444365510704342711559699508093042880177904174497792"
#define HALFWAY_MINUS_1                                                                      \
    "1797693134862315807937289714053034150799341327100378269361737789804449682927"           \
    "6475094664901797758720709633028641669288791094655554785194040263065748867150"           \
    "5820681908902000708383676273854845817711531764475730270069855571366959622842"           \
    "914819860834936475292719074168444365510704342711559699508093042880177904174497791"

/* Facts of a text that must be valid. */
static sp_json_facts facts_of(const char *text)
{
    sp_json_facts f;
    size_t at = 0;
    const char *problem = sp_json_inspect(text, strlen(text), &at, &f);
    if (problem != NULL)
        fail_msg("'%s' refused: %s at %zu", text, problem, at);
    return f;
}

/* Whether the number token overflows, by the validator (inside an array). */
static int overflows(const char *token)
{
    char text[1024];
    snprintf(text, sizeof text, "[%s]", token);
    return facts_of(text).number_overflows;
}

static void same_problems_as_sp_json_problem(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "", "   ", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "[01]", "[1.]", "[1e]", "[-]",
        "\"\\u12\"", "\"\\u12", "\"\\x\"", "\"\\", "\"abc", "\"a\x01\"", "{} x", "tru",
        "{1:2}", "[1 2]", "{\"a\":1,}", "\"\\ud800\\uZZZZ\"", "{\"k\":[true,false,null]}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t len = strlen(texts[i]), at1 = 99, at2 = 99;
        sp_json_facts f;
        const char *p1 = sp_json_problem(texts[i], len, &at1);
        const char *p2 = sp_json_inspect(texts[i], len, &at2, &f);
        assert_ptr_equal(p1, p2);
        assert_int_equal(at1, at2);
        assert_true(at1 <= len);
    }
    size_t at = 0;
    assert_string_equal(sp_json_problem("\"\\u12\"", 6, &at), "a \\u escape needs four hex digits");
    assert_int_equal(at, 5);
    assert_string_equal(sp_json_problem("\"\\ud800\\uZZZZ\"", 14, &at),
                        "a \\u escape needs four hex digits");
    assert_int_equal(at, 9);
    assert_string_equal(sp_json_problem("\"\\", 2, &at), "an unknown escape in a string");
    assert_int_equal(at, 2);
    assert_string_equal(sp_json_problem("[1,]", 4, &at), "an unexpected character");
    assert_int_equal(at, 3);
    /* the length given is the end: a NUL inside a string is a raw control byte */
    assert_non_null(sp_json_problem("\"a\0b\"", 5, NULL));
    assert_non_null(sp_json_problem("\"\\\0\"", 4, NULL));
}

static void reports_the_top_level_kind(void **state)
{
    (void)state;
    assert_true(facts_of("{}").top_is_object);
    assert_true(facts_of(" \n{\"a\":[1]} ").top_is_object);
    assert_false(facts_of("[{}]").top_is_object);
    assert_false(facts_of("\"{}\"").top_is_object);
    assert_false(facts_of("1").top_is_object);
    assert_false(facts_of("null").top_is_object);
    assert_false(facts_of(" [] ").top_is_object);
}

static void counts_whitespace_outside_strings(void **state)
{
    (void)state;
    assert_int_equal(facts_of("{\"a b\":\" \\t \",\"c\":[1,2]}").outside_space, 0);
    assert_int_equal(facts_of(" {}").outside_space, 1);
    assert_int_equal(facts_of("{} \n").outside_space, 2);
    assert_int_equal(facts_of("{ \"a\" :\t[ 1 ,\r\n2 ] , \"b\": { } }").outside_space, 13);
    assert_int_equal(facts_of("[\" \", \"  \"]").outside_space, 1);
    assert_int_equal(facts_of("[[[ ]]]").outside_space, 1);
    /* the facts start afresh at each call */
    assert_int_equal(facts_of("[ ]").outside_space, 1);
    assert_int_equal(facts_of("[]").outside_space, 0);
}

static void finds_numbers_that_overflow(void **state)
{
    (void)state;
    assert_false(overflows("1.7976931348623157e308")); /* DBL_MAX */
    assert_false(overflows("-1.7976931348623157e308"));
    assert_false(overflows("1.7976931348623158e308")); /* rounds down to DBL_MAX */
    assert_false(overflows("1.797693134862315807e308"));
    assert_true(overflows("1.797693134862315808e308"));
    assert_true(overflows("1.8e308"));
    assert_true(overflows("-1e400"));
    assert_true(overflows("1e309"));
    assert_true(overflows("10e308"));
    assert_true(overflows("0.1e310"));
    assert_false(overflows("0.1e309"));
    assert_false(overflows("1e308"));
    assert_false(overflows("1E+308"));
    assert_false(overflows("1e-400")); /* underflows to 0: fine */
    assert_false(overflows("-1e-99999999999999999999999999"));
    assert_true(overflows("1e99999999999999999999999999"));
    assert_false(overflows("0e99999999999999999999999999"));
    assert_false(overflows("-0.000e400"));
    assert_false(overflows("123456789012345678901234567890"));
    assert_true(overflows("0.00017976931348623159e312"));
    assert_false(overflows("0.00017976931348623157e312"));
    assert_true(overflows("1797693134862315808e290"));
    assert_false(overflows("17976931348623158079e289"));
    /* the exact halfway point, written in full, and one below it */
    assert_true(overflows(HALFWAY));
    assert_true(overflows("-" HALFWAY));
    assert_true(overflows(HALFWAY ".0"));
    assert_true(overflows(HALFWAY "0e-1"));
    assert_false(overflows(HALFWAY_MINUS_1));
    assert_false(overflows(HALFWAY_MINUS_1 ".99999999999"));
    assert_false(overflows("0." HALFWAY_MINUS_1 "e309"));
    assert_true(overflows("0." HALFWAY "e309"));
    /* one number is enough, wherever it is */
    assert_true(facts_of("{\"a\":[1,{\"b\":2e400}],\"c\":3}").number_overflows);
    assert_false(facts_of("{\"a\":[1,{\"b\":2e300}],\"c\":3}").number_overflows);
}

/* A deterministic pseudo-random sequence (xorshift). */
static unsigned next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (unsigned)(*s >> 11);
}

/* Numbers near the boundary, written in many ways: the verdict is strtod's. */
static void agrees_with_strtod(void **state)
{
    (void)state;
    static const char digits[] = HALFWAY;
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (int round = 0; round < 20000; round++) {
        char token[512];
        size_t n = 0;
        if (next_random(&seed) % 2)
            token[n++] = '-';
        /* a prefix of the halfway digits, sometimes changed in one place */
        size_t count = 1 + next_random(&seed) % 320;
        size_t point = next_random(&seed) % (count + 1); /* digits before '.'; 0: "0." */
        size_t zeros = point == 0 ? next_random(&seed) % 4 : 0;
        if (point == 0) {
            memcpy(token + n, "0.", 2);
            n += 2;
            memset(token + n, '0', zeros);
            n += zeros;
        }
        for (size_t i = 0; i < count; i++) {
            if (i == point && point != 0)
                token[n++] = '.';
            char c = i < sizeof digits - 1 ? digits[i] : '0';
            if (next_random(&seed) % 64 == 0)
                c = (char)('0' + next_random(&seed) % 10);
            if (i == 0 && c == '0')
                c = '1';
            token[n++] = c;
        }
        if (token[n - 1] == '.')
            token[n++] = '0';
        /* mostly the exponent that puts it at 0.d1d2... x 10^309, give or take */
        long exponent = 309 - (long)point + (long)zeros + (long)(next_random(&seed) % 3) - 1;
        if (next_random(&seed) % 4 == 0)
            exponent = (long)(next_random(&seed) % 800) - 400;
        n += (size_t)snprintf(token + n, sizeof token - n, "e%ld", exponent);

        double value = strtod(token, NULL);
        if (overflows(token) != (isinf(value) != 0))
            fail_msg("%s: strtod gives %g", token, value);
    }
}

static void finds_unpaired_surrogates(void **state)
{
    (void)state;
    static const char *const paired[] = {
        "\"\\ud83d\\ude00\"", "\"\\uD83D\\uDE00\"", "\"\\ud800\\udc00\"", "\"\\udbff\\udfff\"",
        "\"x\\ud83d\\ude00y\\ud83d\\ude00\"", "{\"\\ud83d\\ude00\":1}", "\"\\u0000\"",
        "\"\\ud7ff\\ue000\"", "\"\\\\ud800\"", /* an escaped backslash, then text */
        "\"\\u00e9\\ud83d\\ude00\\u0041\"",
    };
    static const char *const unpaired[] = {
        "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83dx\"", "\"\\ud83d \\ude00\"", "\"\\ude00\\ud83d\"",
        "\"\\ud83d\\ud83d\\ude00\"", "\"\\ud83d\\u0041\"", "\"\\ud83d\\n\"", "\"\\udc00\\udc00\"",
        "{\"\\ud800\":1}", "[\"ok\",{\"a\":[\"\\uDFFF\"]}]", "\"\\ud83d\\\\ude00\"",
        "\"\\ud83d\\ude00\\ude00\"",
    };
    for (size_t i = 0; i < sizeof paired / sizeof paired[0]; i++) {
        if (facts_of(paired[i]).unpaired_surrogate)
            fail_msg("%s: reported unpaired", paired[i]);
        cJSON *tree = cJSON_ParseWithOpts(paired[i], NULL, 1);
        assert_non_null(tree);
        cJSON_Delete(tree);
    }
    for (size_t i = 0; i < sizeof unpaired / sizeof unpaired[0]; i++) {
        if (!facts_of(unpaired[i]).unpaired_surrogate)
            fail_msg("%s: not reported", unpaired[i]);
        /* this is what cJSON cannot parse in otherwise valid JSON */
        assert_null(cJSON_ParseWithOpts(unpaired[i], NULL, 1));
    }
}

/* Strings made of random escapes: unpaired exactly when cJSON refuses them. */
static void agrees_with_cjson_on_escapes(void **state)
{
    (void)state;
    static const char *const parts[] = {
        "\\ud83d", "\\ude00", "\\uD800", "\\uDBFF", "\\uDC00", "\\uDFFF", "\\ud7ff", "\\ue000",
        "\\u0041", "\\u0000", "\\n",     "\\\\",    "\\\"",   "a",      " ",      "\xc4\x87",
    };
    uint64_t seed = 12345;
    for (int round = 0; round < 20000; round++) {
        char text[256] = "{\"";
        size_t n = 2;
        size_t count = next_random(&seed) % 6;
        for (size_t i = 0; i < count; i++) {
            const char *p = parts[next_random(&seed) % (sizeof parts / sizeof parts[0])];
            memcpy(text + n, p, strlen(p));
            n += strlen(p);
        }
        memcpy(text + n, "\":0}", 5);
        cJSON *tree = cJSON_ParseWithOpts(text, NULL, 1);
        if (facts_of(text).unpaired_surrogate != (tree == NULL))
            fail_msg("%s: cJSON %s it", text, tree == NULL ? "refuses" : "accepts");
        cJSON_Delete(tree);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_problems_as_sp_json_problem),
        cmocka_unit_test(reports_the_top_level_kind),
        cmocka_unit_test(counts_whitespace_outside_strings),
        cmocka_unit_test(finds_numbers_that_overflow),
        cmocka_unit_test(agrees_with_strtod),
        cmocka_unit_test(finds_unpaired_surrogates),
        cmocka_unit_test(agrees_with_cjson_on_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
