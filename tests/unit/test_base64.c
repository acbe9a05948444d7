/* URL-safe base64 with padding out; both alphabets, padding optional, in. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

static void check_encode(const char *in, size_t len, const char *want)
{
    size_t out_len = 12345;
    char *out = sp_base64url_encode(in, len, &out_len);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(out_len, strlen(want));
    free(out);
}

static void check_decode(const char *in, const void *want, size_t want_len)
{
    size_t out_len = 12345;
    unsigned char *out = sp_base64_decode(in, strlen(in), &out_len);
    assert_non_null(out);
    assert_int_equal(out_len, want_len);
    assert_memory_equal(out, want, want_len);
    assert_int_equal(out[out_len], '\0'); /* terminated, for text */
    free(out);
}

static void test_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        check_encode(plain[i], strlen(plain[i]), coded[i]);
        check_decode(coded[i], plain[i], strlen(plain[i]));
    }
    /* Unpadded forms decode the same. */
    check_decode("Zg", "f", 1);
    check_decode("Zm8", "fo", 2);
    check_decode("Zm9vYmE", "fooba", 5);
}

static void test_url_safe_alphabet(void **state)
{
    (void)state;
    /* Bytes whose standard encoding uses '+' and '/'. */
    static const unsigned char fb_ff[] = {0xfb, 0xff};
    static const unsigned char fb_ef_be[] = {0xfb, 0xef, 0xbe};
    static const unsigned char ff3[] = {0xff, 0xff, 0xff};
    check_encode((const char *)fb_ff, 2, "-_8=");
    check_encode((const char *)fb_ef_be, 3, "----");
    check_encode((const char *)ff3, 3, "____");
    check_decode("-_8=", fb_ff, 2);
    check_decode("+/8=", fb_ff, 2);
    check_decode("-_8", fb_ff, 2);
    check_decode("+/8", fb_ff, 2);
    check_decode("++++", fb_ef_be, 3);
    check_decode("////", ff3, 3);
    check_decode("-/+_", (const unsigned char[]){0xfb, 0xff, 0xbf}, 3);
}

static void test_self_describing_json(void **state)
{
    (void)state;
    /* As the Python tracker's base64.urlsafe_b64encode gives it. */
    const char *json = "{\"schema\":\"iglu:com.acme/event/jsonschema/1-0-0\","
                       "\"data\":{\"name\":\"ć ?>>\"}}";
    const char *want = "eyJzY2hlbWEiOiJpZ2x1OmNvbS5hY21lL2V2ZW50L2pzb25zY2hlbWEvMS0wLTAiLCJkYXRh"
                       "Ijp7Im5hbWUiOiLEhyA_Pj4ifX0=";
    check_encode(json, strlen(json), want);
    check_decode(want, json, strlen(json));
}

static void test_rejects_malformed_input(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Z",         /* one digit is never a whole byte */
        "Zm9vY",     /* same, after a group */
        "Zg=",       /* incomplete padding */
        "Zg===",     /* too much padding */
        "Zm9v=",     /* padding after a whole group */
        "Zm9v====",  /* a group of padding */
        "=",         "==", "====",
        "Z=g=",      /* padding in the middle */
        "Zg==Zg==",  /* data after padding */
        " Zg==",     /* whitespace */
        "Zg==\n",    "Zm 9v",
        "Zm9v!",     /* characters of neither alphabet */
        "Zm9v.",     "Zm9v\x80", "Zm9v\xc3\xa7",
        "Zh==",      /* non-zero bits after the last byte */
        "Zm9=",
        "Zm9vYh",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t out_len = 999;
        unsigned char *out = sp_base64_decode(bad[i], strlen(bad[i]), &out_len);
        if (out)
            fail_msg("accepted malformed base64 '%s'", bad[i]);
    }
    /* An embedded NUL is a bad character too. */
    assert_null(sp_base64_decode("Zm\0v", 4, NULL));
    assert_null(sp_base64_decode(NULL, 4, NULL));
    unsigned char *empty = sp_base64_decode("", 0, NULL);
    assert_non_null(empty);
    free(empty);
}

static void test_random_round_trips(void **state)
{
    (void)state;
    unsigned int seed = 4242;
    unsigned char data[400];
    for (size_t len = 0; len < sizeof data; len++) {
        for (int rep = 0; rep < 8; rep++) {
            for (size_t i = 0; i < len; i++)
                data[i] = (unsigned char)rand_r(&seed);
            size_t enc_len;
            char *enc = sp_base64url_encode(data, len, &enc_len);
            assert_non_null(enc);
            assert_int_equal(enc_len, (len + 2) / 3 * 4);
            assert_int_equal(strlen(enc), enc_len);
            for (size_t i = 0; i < enc_len; i++) {
                char c = enc[i];
                int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                         (c == '=' && i >= enc_len - 2);
                assert_true(ok);
            }
            size_t dec_len;
            unsigned char *dec = sp_base64_decode(enc, enc_len, &dec_len);
            assert_non_null(dec);
            assert_int_equal(dec_len, len);
            assert_memory_equal(dec, data, len);
            free(dec);

            /* Without padding, and in the standard alphabet: same bytes. */
            size_t unpadded = enc_len;
            while (unpadded && enc[unpadded - 1] == '=')
                unpadded--;
            for (size_t i = 0; i < enc_len; i++)
                enc[i] = enc[i] == '-' ? '+' : enc[i] == '_' ? '/' : enc[i];
            dec = sp_base64_decode(enc, unpadded, &dec_len);
            assert_non_null(dec);
            assert_int_equal(dec_len, len);
            assert_memory_equal(dec, data, len);
            free(dec);
            free(enc);
        }
    }
}

static void test_out_len_is_optional(void **state)
{
    (void)state;
    char *enc = sp_base64url_encode("foo", 3, NULL);
    assert_string_equal(enc, "Zm9v");
    unsigned char *dec = sp_base64_decode(enc, 4, NULL);
    assert_string_equal((char *)dec, "foo");
    free(enc);
    free(dec);
}

/* Text split into pieces at every pair of cut points encodes exactly as the
 * whole text does: groups of 3 bytes straddle pieces, and empty pieces occur. */
static void test_pieces_equal_whole(void **state)
{
    (void)state;
    unsigned int seed = 77;
    char data[40];
    for (size_t len = 0; len < sizeof data; len++) {
        for (size_t i = 0; i < len; i++)
            data[i] = (char)rand_r(&seed);
        char *whole = sp_base64url_encode(data, len, NULL);
        assert_non_null(whole);
        for (size_t a = 0; a <= len; a++) {
            for (size_t b = a; b <= len; b++) {
                sp_text_piece pieces[4] = {
                    {data, a}, {data + a, b - a}, {"", 0}, {data + b, len - b}};
                char out[64];
                memset(out, '#', sizeof out);
                sp_base64url_encode_pieces(out, pieces, 4);
                assert_string_equal(out, whole);
                assert_int_equal(sp_base64url_encoded_len(len), strlen(whole));
            }
        }
        free(whole);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_url_safe_alphabet),
        cmocka_unit_test(test_self_describing_json),
        cmocka_unit_test(test_rejects_malformed_input),
        cmocka_unit_test(test_random_round_trips),
        cmocka_unit_test(test_out_len_is_optional),
        cmocka_unit_test(test_pieces_equal_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
