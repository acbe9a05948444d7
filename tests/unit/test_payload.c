/* An event's fields: skipping empty values, stable storage, and the two wire
 * encodings (JSON object of strings, urlencoded query). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/payload.h"
#include "snowplow/common.h"
#include "util/text.h"

static char *to_json(const sp_payload *p)
{
    sp_strbuf b = SP_STRBUF_INIT;
    assert_int_equal(sp_payload_to_json(p, &b), 0);
    return sp_strbuf_detach(&b);
}

static char *to_query(const sp_payload *p)
{
    sp_strbuf b = SP_STRBUF_INIT;
    assert_int_equal(sp_payload_to_query(p, &b), 0);
    return sp_strbuf_detach(&b);
}

static void test_add_get_and_order(void **state)
{
    (void)state;
    sp_payload *p = sp_payload_new();
    assert_non_null(p);
    assert_int_equal(sp_payload_count(p), 0);
    assert_int_equal(sp_payload_add(p, "e", "se"), 0);
    assert_int_equal(sp_payload_add(p, "se_ca", "shop"), 0);
    assert_int_equal(sp_payload_add_len(p, "se_ac", "add-to-basket and more", 13), 0);
    assert_int_equal(sp_payload_count(p), 3);
    assert_string_equal(sp_payload_key(p, 0), "e");
    assert_string_equal(sp_payload_value(p, 0), "se");
    assert_string_equal(sp_payload_key(p, 2), "se_ac");
    assert_string_equal(sp_payload_value(p, 2), "add-to-basket");
    assert_string_equal(sp_payload_get(p, "se_ca"), "shop");
    assert_null(sp_payload_get(p, "se_la"));
    assert_null(sp_payload_get(p, "se_c")); /* prefixes are not matches */
    assert_null(sp_payload_key(p, 3));
    assert_null(sp_payload_value(p, 99));
    sp_payload_free(p);
    sp_payload_free(NULL);
}

static void test_empty_values_are_skipped_zero_is_kept(void **state)
{
    (void)state;
    sp_payload *p = sp_payload_new();
    assert_int_equal(sp_payload_add(p, "a", NULL), 0);
    assert_int_equal(sp_payload_add(p, "b", ""), 0);
    assert_int_equal(sp_payload_add_len(p, "c", "xyz", 0), 0);
    assert_int_equal(sp_payload_add_len(p, "d", NULL, 5), 0);
    assert_int_equal(sp_payload_add_json(p, 1, "cx", "co", NULL, 0), 0);
    assert_int_equal(sp_payload_add_json(p, 0, "cx", "co", "", 0), 0);
    assert_int_equal(sp_payload_count(p), 0);

    assert_int_equal(sp_payload_add(p, "zero", "0"), 0);
    assert_int_equal(sp_payload_add(p, "false", "false"), 0);
    assert_int_equal(sp_payload_add_int(p, "int0", 0), 0);
    assert_int_equal(sp_payload_add_double(p, "dbl0", 0.0), 0);
    assert_int_equal(sp_payload_add_double(p, "negzero", -0.0), 0);
    assert_int_equal(sp_payload_count(p), 5);
    assert_string_equal(sp_payload_get(p, "zero"), "0");
    assert_string_equal(sp_payload_get(p, "false"), "false");
    assert_string_equal(sp_payload_get(p, "int0"), "0");
    assert_string_equal(sp_payload_get(p, "dbl0"), "0");
    assert_string_equal(sp_payload_get(p, "negzero"), "0");
    sp_payload_free(p);
}

static void test_numbers(void **state)
{
    (void)state;
    sp_payload *p = sp_payload_new();
    sp_payload_add_int(p, "dtm", INT64_C(1700000000123));
    sp_payload_add_int(p, "neg", -42);
    sp_payload_add_double(p, "se_va", 13.99);
    sp_payload_add_double(p, "tr_tt", 0.1 + 0.2);
    sp_payload_add_double(p, "ti_qu", 35.0);
    assert_string_equal(sp_payload_get(p, "dtm"), "1700000000123");
    assert_string_equal(sp_payload_get(p, "neg"), "-42");
    assert_string_equal(sp_payload_get(p, "se_va"), "13.99");
    assert_string_equal(sp_payload_get(p, "tr_tt"), "0.30000000000000004");
    assert_string_equal(sp_payload_get(p, "ti_qu"), "35");
    sp_payload_free(p);
}

static void test_json_encoding(void **state)
{
    (void)state;
    sp_payload *p = sp_payload_new();
    sp_payload_add(p, "e", "se");
    sp_payload_add(p, "se_ca", "say \"hi\"\nnow");
    sp_payload_add(p, "se_ac", "ć");
    sp_payload_add(p, "se_la", "back\\slash\ttab");
    char *json = to_json(p);
    assert_string_equal(json, "{\"e\":\"se\",\"se_ca\":\"say \\\"hi\\\"\\nnow\",\"se_ac\":\"ć\","
                              "\"se_la\":\"back\\\\slash\\ttab\"}");
    free(json);
    sp_payload_free(p);

    sp_payload *empty = sp_payload_new();
    json = to_json(empty);
    assert_string_equal(json, "{}");
    free(json);
    sp_payload_free(empty);
}

static void test_json_parses_back(void **state)
{
    (void)state;
    /* Every control character, quotes, and multibyte text survive a real parser. */
    char nasty[64];
    int n = 0;
    for (int c = 1; c < 32; c++)
        nasty[n++] = (char)c;
    memcpy(nasty + n, "\"\\/ć😀", 9);
    n += 9;
    nasty[n] = '\0';
    sp_payload *p = sp_payload_new();
    sp_payload_add(p, "nasty", nasty);
    sp_payload_add(p, "k\"ey", "v");
    sp_payload_add_len(p, "nul", "a\0b", 3);
    sp_payload_add_double(p, "num", 7.99);
    char *json = to_json(p);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    assert_int_equal(cJSON_GetArraySize(root), 4);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "nasty")->valuestring, nasty);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "k\"ey")->valuestring, "v");
    /* Every value is a JSON string (payload_data forbids numbers). */
    cJSON *num = cJSON_GetObjectItemCaseSensitive(root, "num");
    assert_true(cJSON_IsString(num));
    assert_string_equal(num->valuestring, "7.99");
    assert_non_null(strstr(json, "\"nul\":\"a\\u0000b\""));
    cJSON_Delete(root);
    free(json);
    sp_payload_free(p);
}

static void test_query_encoding(void **state)
{
    (void)state;
    sp_payload *p = sp_payload_new();
    sp_payload_add(p, "e", "se");
    sp_payload_add(p, "se_ca", "Save The Arctic");
    sp_payload_add(p, "url", "test.ćom");
    sp_payload_add(p, "refr", "http://a.b/c?d=e&f=g#h");
    sp_payload_add(p, "k y", "1+1=2");
    char *q = to_query(p);
    assert_string_equal(q, "e=se&se_ca=Save%20The%20Arctic&url=test.%C4%87om"
                           "&refr=http%3A%2F%2Fa.b%2Fc%3Fd%3De%26f%3Dg%23h&k%20y=1%2B1%3D2");
    free(q);
    sp_payload_free(p);

    sp_payload *empty = sp_payload_new();
    q = to_query(empty);
    assert_string_equal(q, "");
    free(q);
    sp_payload_free(empty);
}

static void test_encoders_append(void **state)
{
    (void)state;
    sp_payload *p = sp_payload_new();
    sp_payload_add(p, "a", "1");
    sp_strbuf b = SP_STRBUF_INIT;
    sp_strbuf_append_str(&b, "[");
    assert_int_equal(sp_payload_to_json(p, &b), 0);
    sp_strbuf_append_str(&b, ",");
    assert_int_equal(sp_payload_to_json(p, &b), 0);
    sp_strbuf_append_str(&b, "]?");
    assert_int_equal(sp_payload_to_query(p, &b), 0);
    assert_string_equal(b.data, "[{\"a\":\"1\"},{\"a\":\"1\"}]?a=1");
    sp_strbuf_free(&b);
    sp_payload_free(p);
}

static void test_json_fields_base64_or_plain(void **state)
{
    (void)state;
    const char *json = "{\"schema\":\"iglu:com.acme/event/jsonschema/1-0-0\","
                       "\"data\":{\"name\":\"ć ?>>\"}}";
    size_t len = strlen(json);

    sp_payload *p = sp_payload_new();
    assert_int_equal(sp_payload_add_json(p, 1, "ue_px", "ue_pr", json, len), 0);
    assert_null(sp_payload_get(p, "ue_pr"));
    assert_string_equal(sp_payload_get(p, "ue_px"),
                        "eyJzY2hlbWEiOiJpZ2x1OmNvbS5hY21lL2V2ZW50L2pzb25zY2hlbWEvMS0wLTAiLCJkYXRh"
                        "Ijp7Im5hbWUiOiLEhyA_Pj4ifX0=");
    size_t out_len;
    const char *px = sp_payload_get(p, "ue_px");
    unsigned char *decoded = sp_base64_decode(px, strlen(px), &out_len);
    assert_int_equal(out_len, len);
    assert_memory_equal(decoded, json, len);
    free(decoded);
    sp_payload_free(p);

    p = sp_payload_new();
    assert_int_equal(sp_payload_add_json(p, 0, "cx", "co", json, len), 0);
    assert_null(sp_payload_get(p, "cx"));
    assert_string_equal(sp_payload_get(p, "co"), json);
    /* Only `len` bytes are taken. */
    assert_int_equal(sp_payload_add_json(p, 0, "x", "y", "{}garbage", 2), 0);
    assert_string_equal(sp_payload_get(p, "y"), "{}");
    sp_payload_free(p);
}

static void test_many_and_large_fields_stay_valid(void **state)
{
    (void)state;
    sp_payload *p = sp_payload_new();
    sp_payload_add(p, "first", "value");
    const char *first_key = sp_payload_key(p, 0);
    const char *first = sp_payload_get(p, "first");
    char key[32], value[6000];
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "k%d", i);
        size_t vlen = (size_t)(i * 37 % 5000) + 1;
        memset(value, 'a' + i % 26, vlen);
        assert_int_equal(sp_payload_add_len(p, key, value, vlen), 0);
    }
    /* Earlier strings never move, whatever was added after. */
    assert_ptr_equal(sp_payload_key(p, 0), first_key);
    assert_ptr_equal(sp_payload_get(p, "first"), first);
    assert_string_equal(first, "value");
    assert_int_equal(sp_payload_count(p), 501);
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "k%d", i);
        const char *v = sp_payload_get(p, key);
        assert_non_null(v);
        size_t vlen = (size_t)(i * 37 % 5000) + 1;
        assert_int_equal(strlen(v), vlen);
        assert_int_equal(v[0], 'a' + i % 26);
        assert_int_equal(v[vlen - 1], 'a' + i % 26);
        assert_string_equal(sp_payload_key(p, (size_t)i + 1), key);
    }
    char *json = to_json(p);
    cJSON *root = cJSON_Parse(json);
    assert_non_null(root);
    assert_int_equal(cJSON_GetArraySize(root), 501);
    cJSON_Delete(root);
    free(json);
    sp_payload_free(p);
}

static void test_clone_is_deep(void **state)
{
    (void)state;
    sp_payload *p = sp_payload_new();
    sp_payload_add(p, "e", "pv");
    sp_payload_add(p, "url", "http://example.com/ć");
    char big[3000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sp_payload_add(p, "big", big);
    sp_payload *copy = sp_payload_clone(p);
    assert_non_null(copy);
    char *before = to_json(p);
    sp_payload_free(p);

    char *after = to_json(copy);
    assert_string_equal(after, before);
    assert_int_equal(sp_payload_count(copy), 3);
    assert_string_equal(sp_payload_get(copy, "big"), big);
    sp_payload_add(copy, "extra", "1");
    assert_int_equal(sp_payload_count(copy), 4);
    free(before);
    free(after);
    sp_payload_free(copy);

    sp_payload *empty = sp_payload_new();
    sp_payload *empty_copy = sp_payload_clone(empty);
    assert_non_null(empty_copy);
    assert_int_equal(sp_payload_count(empty_copy), 0);
    sp_payload_free(empty);
    sp_payload_free(empty_copy);
    assert_null(sp_payload_clone(NULL));
}

static void test_bad_arguments(void **state)
{
    (void)state;
    sp_payload *p = sp_payload_new();
    assert_int_equal(sp_payload_add(NULL, "k", "v"), SNOWPLOW_EINVAL);
    assert_int_equal(sp_payload_add(p, NULL, "v"), SNOWPLOW_EINVAL);
    assert_int_equal(sp_payload_count(p), 0);
    assert_int_equal(sp_payload_count(NULL), 0);
    assert_null(sp_payload_get(NULL, "k"));
    assert_null(sp_payload_get(p, NULL));
    sp_strbuf b = SP_STRBUF_INIT;
    assert_int_equal(sp_payload_to_json(NULL, &b), SNOWPLOW_EINVAL);
    assert_int_equal(sp_payload_to_query(NULL, &b), SNOWPLOW_EINVAL);
    sp_payload_free(p);
}

/* Values flagged plain (numbers, ids, base64) are written as they are; every
 * other value and key is still escaped when it needs it. */
static void test_plain_values_and_escaping_mix(void **state)
{
    (void)state;
    sp_payload p;
    sp_payload_init(&p); /* on the stack, as the tracker keeps it */
    assert_int_equal(sp_payload_add_plain(&p, "eid", "0b5e0b56-2f4b-4a4e-9a52-1a3a8d2f1c9e", 36), 0);
    assert_int_equal(sp_payload_add_int(&p, "dtm", 1700000000000), 0);
    assert_int_equal(sp_payload_add(&p, "k\"ey", "say \"hi\"\n"), 0);
    assert_int_equal(sp_payload_add_plain(&p, "empty", "", 0), 0); /* left out */
    /* {"a":"x\"y"} in three pieces */
    sp_text_piece pieces[3] = {{"{\"a\":", 5}, {"\"x\\\"y\"", 6}, {"}", 1}};
    assert_int_equal(sp_payload_add_json_pieces(&p, 0, "ue_px", "ue_pr", pieces, 3), 0);
    assert_int_equal(sp_payload_add_json_pieces(&p, 1, "cx", "co", pieces, 3), 0);
    assert_int_equal(sp_payload_add_json_pieces(&p, 1, "x", "y", pieces, 0), 0); /* empty */
    assert_int_equal(sp_payload_count(&p), 5);
    assert_string_equal(sp_payload_get(&p, "ue_pr"), "{\"a\":\"x\\\"y\"}");
    char *b64 = sp_base64url_encode("{\"a\":\"x\\\"y\"}", 12, NULL);
    assert_string_equal(sp_payload_get(&p, "cx"), b64);
    free(b64);

    sp_strbuf b = SP_STRBUF_INIT;
    assert_int_equal(sp_payload_to_json(&p, &b), 0);
    assert_string_equal(b.data,
                        "{\"eid\":\"0b5e0b56-2f4b-4a4e-9a52-1a3a8d2f1c9e\",\"dtm\":\"1700000000000\","
                        "\"k\\\"ey\":\"say \\\"hi\\\"\\n\","
                        "\"ue_pr\":\"{\\\"a\\\":\\\"x\\\\\\\"y\\\"}\","
                        "\"cx\":\"eyJhIjoieFwieSJ9\"}");
    sp_strbuf_free(&b);

    /* Outgrowing the inline room chains blocks; release frees them and leaves
     * an empty payload that can be used again. */
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (int i = 0; i < 40; i++)
        assert_int_equal(sp_payload_add(&p, "big", big), 0);
    assert_int_equal(sp_payload_count(&p), 45);
    sp_payload_release(&p);
    assert_int_equal(sp_payload_count(&p), 0);
    assert_int_equal(sp_payload_add(&p, "e", "pv"), 0);
    assert_string_equal(sp_payload_get(&p, "e"), "pv");
    sp_payload_release(&p);
}

/* A field whose escapes outgrow the one reservation for plain text, then plain
 * fields: each written whole, nothing lost; as the strbuf's own escaping writes it. */
static void test_json_after_escapes_outgrow_the_reservation(void **state)
{
    (void)state;
    char controls[200];
    memset(controls, '\x01', sizeof controls - 1); /* each becomes \u0001: 6 bytes */
    controls[sizeof controls - 1] = '\0';
    sp_payload p;
    sp_payload_init(&p);
    assert_int_equal(sp_payload_add(&p, "e", "se"), 0);
    assert_int_equal(sp_payload_add(&p, "se_ca", controls), 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(sp_payload_add(&p, "k", "plain value"), 0);
    assert_int_equal(sp_payload_add(&p, "q\"", "\\"), 0);
    assert_int_equal(sp_payload_add(&p, "end", "x"), 0);
    sp_strbuf want = SP_STRBUF_INIT, got = SP_STRBUF_INIT;
    for (size_t i = 0; i < sp_payload_count(&p); i++) {
        const char *k = sp_payload_key(&p, i), *v = sp_payload_value(&p, i);
        assert_int_equal(sp_strbuf_append(&want, i ? "," : "{", 1), 0);
        assert_int_equal(sp_strbuf_append_json_string(&want, k, strlen(k)), 0);
        assert_int_equal(sp_strbuf_append(&want, ":", 1), 0);
        assert_int_equal(sp_strbuf_append_json_string(&want, v, strlen(v)), 0);
    }
    assert_int_equal(sp_strbuf_append(&want, "}", 1), 0);
    assert_int_equal(sp_payload_to_json(&p, &got), 0);
    assert_string_equal(got.data, want.data);
    assert_int_equal(got.len, want.len);
    sp_strbuf_reset(&got);
    sp_payload_release(&p);
    assert_int_equal(sp_payload_to_json(&p, &got), 0);
    assert_string_equal(got.data, "{}");
    sp_strbuf_free(&want);
    sp_strbuf_free(&got);
}

/* The tracker's fast way: borrowed values are the caller's own strings (no
 * copy), literal keys are kept; the JSON still escapes a borrowed value that
 * needs it, and a clone owns copies of everything it was given. */
static void test_borrowed_values_and_literal_keys(void **state)
{
    (void)state;
    char category[] = "say \"hi\"";
    char action[] = "buy";
    static const char action_key[] = "se_ac";
    sp_payload p;
    sp_payload_init(&p);
    const unsigned borrowed = SP_PAYLOAD_KEY_LITERAL | SP_PAYLOAD_BORROWED;
    assert_int_equal(sp_payload_add_flags(&p, "se_ca", category, strlen(category), borrowed), 0);
    assert_int_equal(sp_payload_add_flags(&p, action_key, action, strlen(action), borrowed), 0);
    assert_int_equal(sp_payload_add_borrowed(&p, "se_la", ""), 0); /* left out */
    assert_int_equal(sp_payload_add_borrowed(&p, "se_pr", NULL), 0);
    assert_int_equal(sp_payload_add_flags(&p, "dtm", "17", 2,
                                          SP_PAYLOAD_KEY_LITERAL | SP_PAYLOAD_PLAIN), 0);
    assert_int_equal(sp_payload_count(&p), 3);
    assert_ptr_equal(sp_payload_get(&p, "se_ca"), category);
    assert_ptr_equal(sp_payload_key(&p, 1), action_key);
    char *json = to_json(&p);
    assert_string_equal(json, "{\"se_ca\":\"say \\\"hi\\\"\",\"se_ac\":\"buy\",\"dtm\":\"17\"}");
    free(json);

    sp_payload *copy = sp_payload_clone(&p);
    assert_non_null(copy);
    sp_payload_release(&p);
    memset(category, 'x', sizeof category - 1); /* the caller's strings change after the call */
    memset(action, 'y', sizeof action - 1);
    json = to_json(copy);
    assert_string_equal(json, "{\"se_ca\":\"say \\\"hi\\\"\",\"se_ac\":\"buy\",\"dtm\":\"17\"}");
    free(json);
    sp_payload_free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_get_and_order),
        cmocka_unit_test(test_json_after_escapes_outgrow_the_reservation),
        cmocka_unit_test(test_empty_values_are_skipped_zero_is_kept),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_json_encoding),
        cmocka_unit_test(test_json_parses_back),
        cmocka_unit_test(test_query_encoding),
        cmocka_unit_test(test_encoders_append),
        cmocka_unit_test(test_json_fields_base64_or_plain),
        cmocka_unit_test(test_many_and_large_fields_stay_valid),
        cmocka_unit_test(test_clone_is_deep),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_plain_values_and_escaping_mix),
        cmocka_unit_test(test_borrowed_values_and_literal_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
