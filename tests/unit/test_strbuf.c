/* The growable buffer and its JSON and URL encoders. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snowplow/common.h"
#include "util/strbuf.h"

static void test_append_and_terminate(void **state)
{
    (void)state;
    sp_strbuf b = SP_STRBUF_INIT;
    assert_null(b.data);
    assert_int_equal(sp_strbuf_append_str(&b, "ab"), 0);
    assert_int_equal(sp_strbuf_append(&b, "cdef", 2), 0);
    assert_int_equal(sp_strbuf_append_char(&b, 'x'), 0);
    assert_int_equal(sp_strbuf_append(&b, "ignored", 0), 0);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "abcdx");
    assert_true(b.cap > b.len);
    sp_strbuf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

static void test_growth_keeps_content(void **state)
{
    (void)state;
    sp_strbuf b = SP_STRBUF_INIT;
    size_t reallocs = 0;
    char *last = NULL;
    for (int i = 0; i < 100000; i++) {
        assert_int_equal(sp_strbuf_append_char(&b, (char)('a' + i % 26)), 0);
        if (b.data != last) {
            reallocs++;
            last = b.data;
        }
    }
    assert_int_equal(b.len, 100000);
    assert_int_equal(strlen(b.data), 100000);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    /* Amortised: a growing buffer may move, but not once per append. */
    assert_true(reallocs < 40);
    sp_strbuf_free(&b);
}

static void test_reserve(void **state)
{
    (void)state;
    sp_strbuf b = SP_STRBUF_INIT;
    assert_int_equal(sp_strbuf_reserve(&b, 1000), 0);
    assert_true(b.cap >= 1001);
    char *data = b.data;
    for (int i = 0; i < 1000; i++)
        sp_strbuf_append_char(&b, 'z');
    assert_ptr_equal(b.data, data); /* reserved room is used without moving */
    /* Impossible sizes fail cleanly instead of wrapping around. */
    assert_int_equal(sp_strbuf_reserve(&b, SIZE_MAX), SNOWPLOW_ENOMEM);
    assert_int_equal(sp_strbuf_reserve(&b, SIZE_MAX - b.len), SNOWPLOW_ENOMEM);
    assert_int_equal(b.len, 1000);
    sp_strbuf_free(&b);
}

static void test_reset_keeps_memory(void **state)
{
    (void)state;
    sp_strbuf b = SP_STRBUF_INIT;
    sp_strbuf_append_str(&b, "hello");
    size_t cap = b.cap;
    char *data = b.data;
    sp_strbuf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, cap);
    assert_ptr_equal(b.data, data);
    assert_string_equal(b.data, "");
    sp_strbuf_append_str(&b, "hi");
    assert_string_equal(b.data, "hi");
    sp_strbuf_free(&b);
    sp_strbuf_reset(&b); /* on a never-used buffer */
    assert_null(b.data);
}

static void test_detach(void **state)
{
    (void)state;
    sp_strbuf b = SP_STRBUF_INIT;
    char *empty = sp_strbuf_detach(&b);
    assert_non_null(empty);
    assert_string_equal(empty, "");
    free(empty);

    sp_strbuf_append_str(&b, "payload");
    char *s = sp_strbuf_detach(&b);
    assert_string_equal(s, "payload");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    sp_strbuf_append_str(&b, "again"); /* usable after detaching */
    assert_string_equal(b.data, "again");
    free(s);
    sp_strbuf_free(&b);
}

static char *json(const char *s, size_t len)
{
    sp_strbuf b = SP_STRBUF_INIT;
    assert_int_equal(sp_strbuf_append_json_string(&b, s, len), 0);
    return sp_strbuf_detach(&b);
}

#define CHECK_JSON(in, expected)                                                              \
    do {                                                                                      \
        char *got_ = json(in, sizeof(in) - 1);                                                \
        assert_string_equal(got_, expected);                                                  \
        free(got_);                                                                           \
    } while (0)

static void test_json_string_escapes(void **state)
{
    (void)state;
    CHECK_JSON("", "\"\"");
    CHECK_JSON("plain text", "\"plain text\"");
    CHECK_JSON("say \"hi\"", "\"say \\\"hi\\\"\"");
    CHECK_JSON("back\\slash", "\"back\\\\slash\"");
    CHECK_JSON("a\nb\tc\rd\be\ff", "\"a\\nb\\tc\\rd\\be\\ff\"");
    CHECK_JSON("\x01\x1f", "\"\\u0001\\u001f\"");
    CHECK_JSON("nul\0byte", "\"nul\\u0000byte\"");
    /* Not controls: DEL, '/', and UTF-8 text pass through unchanged. */
    CHECK_JSON("\x7f/", "\"\x7f/\"");
    CHECK_JSON("ć € 😀", "\"ć € 😀\"");
    CHECK_JSON("\"", "\"\\\"\"");
    CHECK_JSON("\n\n", "\"\\n\\n\"");
}

static void test_json_string_every_control(void **state)
{
    (void)state;
    static const char *const expected[32] = {
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
        "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f"};
    for (int c = 0; c < 32; c++) {
        char in[3] = {'x', (char)c, 'y'};
        char *got = json(in, 3);
        char want[16];
        snprintf(want, sizeof want, "\"x%sy\"", expected[c]);
        assert_string_equal(got, want);
        free(got);
    }
}

static void test_json_string_appends(void **state)
{
    (void)state;
    sp_strbuf b = SP_STRBUF_INIT;
    sp_strbuf_append_str(&b, "{");
    sp_strbuf_append_json_string(&b, "k", 1);
    sp_strbuf_append_char(&b, ':');
    /* Long value with escapes spread over it: growth in the middle of a string. */
    char big[5000];
    for (int i = 0; i < 5000; i++)
        big[i] = i % 100 == 0 ? '"' : 'v';
    sp_strbuf_append_json_string(&b, big, sizeof big);
    sp_strbuf_append_char(&b, '}');
    assert_int_equal(b.len, 1 + 3 + 1 + 2 + 5000 + 50 + 1);
    assert_memory_equal(b.data, "{\"k\":\"\\\"vvv", 11);
    assert_string_equal(b.data + b.len - 3, "v\"}");
    sp_strbuf_free(&b);
}

static char *urlenc(const char *s, size_t len)
{
    sp_strbuf b = SP_STRBUF_INIT;
    assert_int_equal(sp_strbuf_append_urlencoded(&b, s, len), 0);
    return sp_strbuf_detach(&b);
}

#define CHECK_URL(in, expected)                                                               \
    do {                                                                                      \
        char *got_ = urlenc(in, sizeof(in) - 1);                                              \
        assert_string_equal(got_, expected);                                                  \
        free(got_);                                                                           \
    } while (0)

static void test_urlencoded(void **state)
{
    (void)state;
    CHECK_URL("", "");
    CHECK_URL("Save The Arctic", "Save%20The%20Arctic");
    CHECK_URL("test.ćom", "test.%C4%87om");
    CHECK_URL("AZaz09-._~", "AZaz09-._~");
    CHECK_URL("!*'();:@&=+$,/?#[]", "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D");
    CHECK_URL("100%", "100%25");
    CHECK_URL("a\nb\0c", "a%0Ab%00c");
    CHECK_URL("\xff\x80\x7f", "%FF%80%7F");
    CHECK_URL("http://x.com/p?q=1", "http%3A%2F%2Fx.com%2Fp%3Fq%3D1");
}

static void test_urlencoded_every_byte(void **state)
{
    (void)state;
    for (int c = 0; c < 256; c++) {
        char in = (char)c;
        char *got = urlenc(&in, 1);
        int unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            assert_int_equal(strlen(got), 1);
            assert_int_equal((unsigned char)got[0], c);
        } else {
            char want[4];
            snprintf(want, sizeof want, "%%%02X", c);
            assert_string_equal(got, want);
        }
        free(got);
    }
}

/* Every byte value at every offset of a 24-byte text: the 8-bytes-at-a-time
 * scan must find it wherever it stands, and leave every other byte alone. */
static void test_json_string_every_byte_every_offset(void **state)
{
    (void)state;
    for (int c = 1; c < 256; c++) {
        for (size_t at = 0; at < 24; at++) {
            char text[24];
            memset(text, 'a', sizeof text);
            text[at] = (char)c;
            sp_strbuf b = SP_STRBUF_INIT;
            assert_int_equal(sp_strbuf_append_json_string(&b, text, sizeof text), 0);
            char expected_mid[8];
            if (c == '"')
                strcpy(expected_mid, "\\\"");
            else if (c == '\\')
                strcpy(expected_mid, "\\\\");
            else if (c < 0x20)
                expected_mid[0] = '\\', expected_mid[1] = '\0'; /* some escape starts here */
            else
                expected_mid[0] = (char)c, expected_mid[1] = '\0';
            /* the prefix of 'a's is copied, then the byte (or its escape) */
            assert_int_equal(b.data[0], '"');
            for (size_t k = 0; k < at; k++)
                assert_int_equal(b.data[1 + k], 'a');
            assert_memory_equal(b.data + 1 + at, expected_mid, strlen(expected_mid));
            size_t plain = c >= 0x20 && c != '"' && c != '\\';
            if (plain)
                assert_int_equal(b.len, sizeof text + 2);
            else
                assert_true(b.len > sizeof text + 2);
            assert_int_equal(b.data[b.len - 1], '"');
            sp_strbuf_free(&b);
        }
    }
}

/* sp_json_needs_escape (word loads, overlapping at the end) against a byte loop:
 * every length up to 24, every byte at every offset, the text at the very end
 * of its allocation (so that a read past it shows under ASan and valgrind). */
static void test_needs_escape_every_byte_every_length(void **state)
{
    (void)state;
    assert_false(sp_json_needs_escape("", 0));
    for (size_t len = 1; len <= 24; len++) {
        char *text = malloc(len);
        assert_non_null(text);
        for (size_t at = 0; at < len; at++) {
            for (int c = 1; c < 256; c++) {
                memset(text, 'a', len);
                text[at] = (char)c;
                int expected = c < 0x20 || c == '"' || c == '\\';
                if (sp_json_needs_escape(text, len) != expected)
                    fail_msg("length %zu, byte 0x%02x at %zu: expected %d", len, c, at, expected);
            }
        }
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_terminate),
        cmocka_unit_test(test_growth_keeps_content),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_reset_keeps_memory),
        cmocka_unit_test(test_detach),
        cmocka_unit_test(test_json_string_escapes),
        cmocka_unit_test(test_json_string_every_control),
        cmocka_unit_test(test_json_string_every_byte_every_offset),
        cmocka_unit_test(test_needs_escape_every_byte_every_length),
        cmocka_unit_test(test_json_string_appends),
        cmocka_unit_test(test_urlencoded),
        cmocka_unit_test(test_urlencoded_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
