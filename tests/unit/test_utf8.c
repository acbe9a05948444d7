/* Strict UTF-8 validation: every class of malformed input, and a differential
 * test against a straightforward decoder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

#define VALID(lit) assert_true(sp_utf8_valid(lit, sizeof(lit) - 1))
#define INVALID(lit) assert_false(sp_utf8_valid(lit, sizeof(lit) - 1))

static void test_valid_text(void **state)
{
    (void)state;
    VALID("");
    VALID("plain ASCII, long enough to use the eight-byte fast path");
    VALID("ć");
    VALID("test.ćom");
    VALID("€");
    VALID("😀");
    VALID("mixed ć € 😀 text");
    VALID("nul\0inside"); /* U+0000 is a valid character */
    VALID("\x7f");          /* U+007F */
    VALID("\xc2\x80");      /* U+0080 */
    VALID("\xdf\xbf");      /* U+07FF */
    VALID("\xe0\xa0\x80");  /* U+0800 */
    VALID("\xed\x9f\xbf");  /* U+D7FF, just below the surrogates */
    VALID("\xee\x80\x80");  /* U+E000, just above them */
    VALID("\xef\xbf\xbf");  /* U+FFFF */
    VALID("\xf0\x90\x80\x80"); /* U+10000 */
    VALID("\xf4\x8f\xbf\xbf"); /* U+10FFFF, the last code point */
    assert_true(sp_utf8_valid(NULL, 0));
}

static void test_invalid_text(void **state)
{
    (void)state;
    /* Overlong encodings. */
    INVALID("\xc0\x80");
    INVALID("\xc0\xaf");
    INVALID("\xc1\xbf");
    INVALID("\xe0\x80\x80");
    INVALID("\xe0\x9f\xbf");
    INVALID("\xf0\x80\x80\x80");
    INVALID("\xf0\x8f\xbf\xbf");
    /* Surrogates U+D800..U+DFFF. */
    INVALID("\xed\xa0\x80");
    INVALID("\xed\xaf\xbf");
    INVALID("\xed\xb0\x80");
    INVALID("\xed\xbf\xbf");
    INVALID("\xed\xa0\xbd\xed\xb8\x80"); /* a CESU-8 surrogate pair */
    /* Above U+10FFFF, and bytes that never occur. */
    INVALID("\xf4\x90\x80\x80");
    INVALID("\xf5\x80\x80\x80");
    INVALID("\xf8\x88\x80\x80\x80");
    INVALID("\xfc\x84\x80\x80\x80\x80");
    INVALID("\xfe");
    INVALID("\xff");
    /* Lone or stray continuation bytes. */
    INVALID("\x80");
    INVALID("\xbf");
    INVALID("a\x80" "b");
    INVALID("\xc3\xa7\xa7");
    /* Truncated sequences, at the end and followed by ASCII. */
    INVALID("\xc3");
    INVALID("\xe2\x82");
    INVALID("\xf0\x9f\x98");
    INVALID("\xc3(");
    INVALID("\xe2(\xa1");
    INVALID("\xe2\x82(");
    INVALID("\xf0\x9f\x98(");
    assert_false(sp_utf8_valid(NULL, 1));
}

static void test_length_is_respected(void **state)
{
    (void)state;
    const char *s = "ć";
    assert_false(sp_utf8_valid(s, 1)); /* first byte only: truncated */
    assert_true(sp_utf8_valid(s, 2));
    const char *t = "ok\xff";
    assert_true(sp_utf8_valid(t, 2)); /* the bad byte is past len */
}

static void test_bad_byte_at_every_position(void **state)
{
    (void)state;
    /* The fast path reads eight bytes at a time: a problem must be found
     * wherever it falls relative to those words. */
    char buf[80];
    for (size_t len = 1; len < sizeof buf; len++) {
        for (size_t pos = 0; pos < len; pos++) {
            memset(buf, 'a', len);
            buf[pos] = '\x80';
            assert_false(sp_utf8_valid(buf, len));
            buf[pos] = '\xc3'; /* truncated at the end, or followed by 'a' */
            assert_false(sp_utf8_valid(buf, len));
            if (pos + 1 < len) {
                buf[pos + 1] = '\xa7'; /* a whole "ç" */
                assert_true(sp_utf8_valid(buf, len));
            }
        }
    }
}

/* Reference: decode each sequence to its code point and judge the number. */
static int reference_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (len - i < n)
            return 0;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n;
    }
    return 1;
}

static void test_matches_reference_decoder(void **state)
{
    (void)state;
    /* Random strings over the bytes that matter (ASCII, continuations, every lead
     * class), both short and long enough for the fast path. */
    static const unsigned char alphabet[] = {'a', 0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0,
                                             0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed,
                                             0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff};
    unsigned int seed = 12345;
    unsigned char buf[40];
    int valid_seen = 0, invalid_seen = 0;
    for (int round = 0; round < 300000; round++) {
        size_t len = (size_t)(rand_r(&seed) % 12);
        if (round % 10 == 0)
            len = sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = rand_r(&seed) % 3 ? 'a' : alphabet[rand_r(&seed) % sizeof alphabet];
        int want = reference_valid(buf, len);
        assert_int_equal(sp_utf8_valid((const char *)buf, len), want);
        want ? valid_seen++ : invalid_seen++;
    }
    /* The generator produced both outcomes plenty of times. */
    assert_true(valid_seen > 10000);
    assert_true(invalid_seen > 10000);
}

static void test_every_code_point(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        unsigned char b[4];
        size_t n;
        if (cp < 0x80) {
            b[0] = (unsigned char)cp, n = 1;
        } else if (cp < 0x800) {
            b[0] = (unsigned char)(0xC0 | cp >> 6), b[1] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 2;
        } else if (cp < 0x10000) {
            b[0] = (unsigned char)(0xE0 | cp >> 12);
            b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            b[2] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 3;
        } else {
            b[0] = (unsigned char)(0xF0 | cp >> 18);
            b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
            b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            b[3] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 4;
        }
        int surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        assert_int_equal(sp_utf8_valid((const char *)b, n), !surrogate);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_text),
        cmocka_unit_test(test_invalid_text),
        cmocka_unit_test(test_length_is_respected),
        cmocka_unit_test(test_bad_byte_at_every_position),
        cmocka_unit_test(test_matches_reference_decoder),
        cmocka_unit_test(test_every_code_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
