/* util/json_members: members of a valid object read in place; unescaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/json_members.h"
#include "util/strbuf.h"

static void expect_member(const char *text, size_t *pos, const char *key, sp_json_kind kind,
                          const char *value)
{
    sp_json_member m;
    assert_true(sp_json_next_member(text, strlen(text), pos, &m));
    assert_int_equal(m.key_len, strlen(key));
    assert_memory_equal(m.key, key, m.key_len);
    assert_int_equal(m.kind, kind);
    assert_int_equal(m.value_len, strlen(value));
    assert_memory_equal(m.value, value, m.value_len);
}

/* Nested containers (with brackets and quotes inside strings) are skipped
 * whole; spaces anywhere; numbers keep their text. */
static void test_members_in_order(void **state)
{
    (void)state;
    const char *t = " { \"a\" : \"x\\\"}\" , \"n\":-1.5e3,\"o\":{\"k\":[1,\"]}\",{}]},"
                    "\"b\":true,\"z\":null , \"l\":[ ] } ";
    size_t pos = 0;
    expect_member(t, &pos, "a", SP_JSON_STRING, "x\\\"}");
    expect_member(t, &pos, "n", SP_JSON_NUMBER, "-1.5e3");
    expect_member(t, &pos, "o", SP_JSON_OBJECT, "{\"k\":[1,\"]}\",{}]}");
    expect_member(t, &pos, "b", SP_JSON_BOOLEAN, "true");
    expect_member(t, &pos, "z", SP_JSON_NULL, "null");
    expect_member(t, &pos, "l", SP_JSON_ARRAY, "[ ]");
    sp_json_member m;
    assert_false(sp_json_next_member(t, strlen(t), &pos, &m));
    pos = 0;
    assert_false(sp_json_next_member("{}", 2, &pos, &m));
}

static void expect_unescaped(const char *in, const char *out, size_t out_len)
{
    sp_strbuf b = SP_STRBUF_INIT;
    assert_int_equal(sp_json_unescape(in, strlen(in), &b), 0);
    assert_int_equal(b.len, out_len);
    assert_memory_equal(b.data, out, out_len);
    sp_strbuf_free(&b);
}

static void test_unescape(void **state)
{
    (void)state;
    expect_unescaped("plain", "plain", 5);
    expect_unescaped("\\\"\\\\\\/\\b\\f\\n\\r\\t", "\"\\/\b\f\n\r\t", 8);
    expect_unescaped("\\u0041\\u00e9\\u20ac", "A\xc3\xa9\xe2\x82\xac", 6);
    expect_unescaped("x\\ud83d\\ude00y", "x\xf0\x9f\x98\x80y", 6);
    expect_unescaped("a\\u0000b", "a\0b", 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_in_order),
        cmocka_unit_test(test_unescape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
