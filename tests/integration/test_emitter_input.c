/*
 * snowplow_emitter_input_json(): payloads built elsewhere (the official
 * RedisEmitter's format) delivered by a normal emitter to the local collector;
 * bad input refused with a named error and nothing sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sp_test_collector.h"
#include "sp_test_util.h"
#include "test_emitter_helpers.h"

static const char *raw_field(const cJSON *record, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(record, "raw"), name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The only good record at the collector (the test fails unless there is one). */
static cJSON *only_good(sp_test_collector *c)
{
    assert_int_equal(sp_test_collector_wait_total(c, 1, 0, 30000), 0);
    cJSON *good = sp_test_collector_get(c, "/micro/good");
    assert_int_equal(cJSON_GetArraySize(good), 1);
    cJSON *bad = sp_test_collector_get(c, "/micro/bad");
    assert_int_equal(cJSON_GetArraySize(bad), 0);
    cJSON_Delete(bad);
    return good;
}

static snowplow_emitter *new_emitter(sp_test_collector *c, snowplow_method method)
{
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), NULL, NULL);
    assert_int_equal(snowplow_emitter_options_set_method(o, method), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    return em;
}

/* The official format: numbers where the Python tracker has numbers; the eid
 * is kept, numbers arrive as their text, a given stm is replaced. */
static void numbers_become_strings(sp_test_collector *c, snowplow_method method)
{
    snowplow_emitter *em = new_emitter(c, method);
    const char *eid = "0b2c3d4e-5f60-4718-89ab-cdef01234567";
    char json[512];
    snprintf(json, sizeof json,
             "{\"e\": \"se\", \"se_ca\": \"shop\", \"se_ac\": \"add\", \"se_va\": 7.5, "
             "\"se_pr\": 3, \"dtm\": 1700000000123, \"tid\": 654321, \"tv\": \"py-0.7.0\", "
             "\"p\": \"srv\", \"eid\": \"%s\", \"stm\": \"5\", \"se_la\": \"\"}",
             eid);
    char out[SNOWPLOW_EID_SIZE];
    assert_int_equal(snowplow_emitter_input_json(em, json, out), 0);
    assert_string_equal(out, eid);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    cJSON *good = only_good(c);
    const cJSON *rec = cJSON_GetArrayItem(good, 0);
    assert_string_equal(raw_field(rec, "eid"), eid);
    assert_string_equal(raw_field(rec, "se_va"), "7.5");
    assert_string_equal(raw_field(rec, "se_pr"), "3");
    assert_string_equal(raw_field(rec, "dtm"), "1700000000123");
    assert_string_equal(raw_field(rec, "tid"), "654321");
    assert_string_equal(raw_field(rec, "tv"), "py-0.7.0");
    assert_null(raw_field(rec, "se_la")); /* empty: left out */
    assert_non_null(raw_field(rec, "stm"));
    assert_string_not_equal(raw_field(rec, "stm"), "5");
    cJSON_Delete(good);
    snowplow_emitter_free(em);
}

static void test_numbers_become_strings_post(void **state)
{
    numbers_become_strings(*state, SNOWPLOW_METHOD_POST);
}

static void test_numbers_become_strings_get(void **state)
{
    numbers_become_strings(*state, SNOWPLOW_METHOD_GET);
}

/* No eid: one is generated, returned, and is what the collector sees. */
static void test_eid_generated(void **state)
{
    sp_test_collector *c = *state;
    snowplow_emitter *em = new_emitter(c, SNOWPLOW_METHOD_POST);
    char eid[SNOWPLOW_EID_SIZE];
    assert_int_equal(snowplow_emitter_input_json(
                         em, "{\"e\":\"pv\",\"url\":\"http://x.test/\",\"tv\":\"t\",\"p\":\"web\","
                             "\"dtm\":\"1700000000000\"}",
                         eid),
                     0);
    assert_true(sp_uuid_valid(eid));
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    cJSON *good = only_good(c);
    assert_string_equal(raw_field(cJSON_GetArrayItem(good, 0), "eid"), eid);
    cJSON_Delete(good);
    snowplow_emitter_free(em);
}

/* Escapes in names and values are decoded once; UTF-8 goes through as is. */
static void test_escapes_decoded(void **state)
{
    sp_test_collector *c = *state;
    snowplow_emitter *em = new_emitter(c, SNOWPLOW_METHOD_POST);
    assert_int_equal(snowplow_emitter_input_json(
                         em,
                         "{\"e\":\"se\",\"se_ca\":\"caf\\u00e9 \\\"q\\\" \\ud83d\\ude00\","
                         "\"se\\u005fac\":\"a\\/b\\n\",\"se_la\":\"d\xc3\xa9j\xc3\xa0\","
                         "\"tv\":\"t\",\"p\":\"srv\",\"dtm\":1}",
                         NULL),
                     0);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    cJSON *good = only_good(c);
    const cJSON *rec = cJSON_GetArrayItem(good, 0);
    assert_string_equal(raw_field(rec, "se_ca"), "caf\xc3\xa9 \"q\" \xf0\x9f\x98\x80");
    assert_string_equal(raw_field(rec, "se_ac"), "a/b\n");
    assert_string_equal(raw_field(rec, "se_la"), "d\xc3\xa9j\xc3\xa0");
    cJSON_Delete(good);
    snowplow_emitter_free(em);
}

/* What a tracked event sent (its result's JSON) fed back in arrives with the
 * same fields: the relay path equals the direct path. */
static void test_same_fields_as_tracked(void **state)
{
    sp_test_collector *c = *state;
    th_recorder ok;
    th_recorder_init(&ok);
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), &ok, NULL);
    snowplow_emitter *direct = NULL;
    assert_int_equal(snowplow_emitter_new(&direct, o), 0);
    snowplow_tracker_options *to = NULL;
    assert_int_equal(snowplow_tracker_options_new(&to), 0);
    assert_int_equal(snowplow_tracker_options_add_emitter(to, direct), 0);
    snowplow_tracker *t = NULL;
    assert_int_equal(snowplow_tracker_new(&t, to), 0);
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_add_to_cart_new(&ev, "sku-1", 2), 0);
    assert_int_equal(snowplow_tracker_track(NULL, t, ev), 0);
    snowplow_event_free(ev);
    assert_int_equal(snowplow_tracker_flush(t, 30000), 0);
    assert_int_equal(ok.count, 1);
    const char *sent = snowplow_result_event_json(ok.results[0], 0);

    snowplow_emitter *relayed = new_emitter(c, SNOWPLOW_METHOD_POST);
    assert_int_equal(snowplow_emitter_input_json(relayed, sent, NULL), 0);
    assert_int_equal(snowplow_emitter_flush(relayed, 30000), 0);
    assert_int_equal(sp_test_collector_wait_total(c, 2, 0, 30000), 0);
    cJSON *good = sp_test_collector_get(c, "/micro/good");
    assert_int_equal(cJSON_GetArraySize(good), 2);
    cJSON *a = cJSON_GetObjectItem(cJSON_GetArrayItem(good, 0), "raw");
    cJSON *b = cJSON_GetObjectItem(cJSON_GetArrayItem(good, 1), "raw");
    cJSON_DeleteItemFromObject(a, "stm");
    cJSON_DeleteItemFromObject(b, "stm");
    assert_true(cJSON_Compare(a, b, 1));
    cJSON_Delete(good);
    snowplow_tracker_free(t);
    snowplow_emitter_free(relayed);
    snowplow_emitter_free(direct);
    th_recorder_free(&ok);
}

/* A compact object of strings (as our Redis transport writes it) is sent as
 * it is, stm added; with GET the same fields arrive. */
static void canonical_text(sp_test_collector *c, snowplow_method method)
{
    snowplow_emitter *em = new_emitter(c, method);
    const char *json = "{\"e\":\"se\",\"eid\":\"1b2c3d4e-5f60-4718-89ab-cdef01234567\","
                       "\"tv\":\"c-0.1.0\",\"p\":\"srv\",\"dtm\":\"1700000000000\","
                       "\"se_ca\":\"caf\xc3\xa9\",\"se_ac\":\"a<b>&c=d\"}";
    char eid[SNOWPLOW_EID_SIZE];
    assert_int_equal(snowplow_emitter_input_json(em, json, eid), 0);
    assert_string_equal(eid, "1b2c3d4e-5f60-4718-89ab-cdef01234567");
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    cJSON *good = only_good(c);
    cJSON *raw = cJSON_GetObjectItem(cJSON_GetArrayItem(good, 0), "raw");
    assert_non_null(cJSON_GetObjectItem(raw, "stm"));
    cJSON_DeleteItemFromObject(raw, "stm");
    cJSON *sent = cJSON_Parse(json);
    assert_true(cJSON_Compare(raw, sent, 1));
    cJSON_Delete(sent);
    cJSON_Delete(good);
    snowplow_emitter_free(em);
}

static void test_canonical_text_post(void **state)
{
    canonical_text(*state, SNOWPLOW_METHOD_POST);
}

static void test_canonical_text_get(void **state)
{
    canonical_text(*state, SNOWPLOW_METHOD_GET);
}

/* Our Redis transport writes the time it pushed as stm: wherever the member
 * is, the text is sent as it is without it, and the send time is added. */
static void test_stm_replaced(void **state)
{
    sp_test_collector *c = *state;
    snowplow_emitter *em = new_emitter(c, SNOWPLOW_METHOD_POST);
    static const char *const texts[] = {
        "{\"stm\":\"5\",\"e\":\"se\",\"eid\":\"2b2c3d4e-5f60-4718-89ab-cdef01234567\","
        "\"tv\":\"c-0.1.0\",\"p\":\"srv\",\"se_ca\":\"caf\xc3\xa9\",\"se_ac\":\"first\"}",
        "{\"e\":\"se\",\"eid\":\"3b2c3d4e-5f60-4718-89ab-cdef01234567\",\"stm\":\"5\","
        "\"tv\":\"c-0.1.0\",\"p\":\"srv\",\"se_ca\":\"caf\xc3\xa9\",\"se_ac\":\"middle\"}",
        "{\"e\":\"se\",\"eid\":\"4b2c3d4e-5f60-4718-89ab-cdef01234567\","
        "\"tv\":\"c-0.1.0\",\"p\":\"srv\",\"se_ca\":\"caf\xc3\xa9\",\"se_ac\":\"last\",\"stm\":\"5\"}",
    };
    size_t n = sizeof texts / sizeof texts[0];
    for (size_t i = 0; i < n; i++)
        assert_int_equal(snowplow_emitter_input_json(em, texts[i], NULL), 0);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    assert_int_equal(sp_test_collector_wait_total(c, (int)n, 0, 30000), 0);
    cJSON *good = sp_test_collector_get(c, "/micro/good");
    assert_int_equal(cJSON_GetArraySize(good), (int)n);
    for (size_t i = 0; i < n; i++) {
        cJSON *sent = cJSON_Parse(texts[i]);
        const char *eid = cJSON_GetObjectItem(sent, "eid")->valuestring;
        cJSON *raw = NULL;
        for (int k = 0; k < (int)n && !raw; k++) {
            cJSON *r = cJSON_GetObjectItem(cJSON_GetArrayItem(good, k), "raw");
            if (strcmp(cJSON_GetObjectItem(r, "eid")->valuestring, eid) == 0)
                raw = r;
        }
        assert_non_null(raw);
        assert_string_not_equal(cJSON_GetObjectItem(raw, "stm")->valuestring, "5");
        cJSON_DeleteItemFromObject(raw, "stm");
        cJSON_DeleteItemFromObject(sent, "stm");
        assert_true(cJSON_Compare(raw, sent, 1));
        cJSON_Delete(sent);
    }
    cJSON_Delete(good);
    snowplow_emitter_free(em);
}

typedef struct bad_case {
    const char *json;
    int code;
    const char *says;
} bad_case;

/* Each refusal names what was wrong; nothing is queued or sent. */
static void test_bad_input_refused(void **state)
{
    sp_test_collector *c = *state;
    snowplow_emitter *em = new_emitter(c, SNOWPLOW_METHOD_POST);
    static const bad_case cases[] = {
        {"not json", SNOWPLOW_EJSON, "not valid JSON"},
        {"{\"e\":\"se\"} x", SNOWPLOW_EJSON, "not valid JSON"},
        {"{\"e\":\"se\",}", SNOWPLOW_EJSON, "not valid JSON"},
        {"", SNOWPLOW_EJSON, "not valid JSON"},
        {"[{\"e\":\"se\"}]", SNOWPLOW_EJSON, "not a JSON object"},
        {"\"e\"", SNOWPLOW_EJSON, "not a JSON object"},
        {"{\"e\":\"se\",\"x\":true}", SNOWPLOW_EJSON, "field 'x': a boolean"},
        {"{\"e\":\"se\",\"x\":null}", SNOWPLOW_EJSON, "field 'x': null"},
        {"{\"e\":\"se\",\"co\":{\"a\":1}}", SNOWPLOW_EJSON, "field 'co': an object"},
        {"{\"e\":\"se\",\"x\":[1]}", SNOWPLOW_EJSON, "field 'x': an array"},
        {"{\"se_ca\":\"a\"}", SNOWPLOW_EMISSING, "field 'e'"},
        {"{\"e\":\"\"}", SNOWPLOW_EMISSING, "field 'e'"},
        {"{\"e\":\"se\",\"eid\":\"nope\"}", SNOWPLOW_EINVAL, "field 'eid': not a UUID"},
        {"{\"e\":\"se\",\"eid\":12}", SNOWPLOW_EINVAL, "field 'eid': not a UUID"},
        {"{\"e\":\"se\",\"e\":\"pv\"}", SNOWPLOW_EJSON, "field 'e' appears twice"},
        {"{\"e\":\"se\",\"s\\u0065\":1,\"se\":2}", SNOWPLOW_EJSON, "field 'se' appears twice"},
        {"{\"e\":\"s\xff\"}", SNOWPLOW_EUTF8, "not valid UTF-8"},
        {"{\"e\":\"se\",\"x\":\"\xc0\xaf\"}", SNOWPLOW_EUTF8, "not valid UTF-8"},
        {"{\"e\":\"se\",\"x\":\"\\ud800\"}", SNOWPLOW_EUTF8, "surrogate"},
        {"{\"e\":\"se\",\"x\":\"a\\u0000b\"}", SNOWPLOW_EJSON, "field 'x': holds \\u0000"},
        {"{\"e\\u0000\":\"se\"}", SNOWPLOW_EJSON, "field name holds"},
        {"{\"\":\"x\",\"e\":\"se\"}", SNOWPLOW_EJSON, "empty name"},
        /* compact objects of strings: the text would be sent as it is */
        {"{\"e\":\"se\",\"eid\":\"1b2c3d4e-5f60-4718-89ab-cdef01234567\",\"e\":\"pv\"}",
         SNOWPLOW_EJSON, "field 'e' appears twice"},
        {"{\"eid\":\"1b2c3d4e-5f60-4718-89ab-cdef01234567\",\"se_ca\":\"x\"}",
         SNOWPLOW_EMISSING, "field 'e'"},
        {"{\"e\":\"se\",\"eid\":\"1b2c3d4e-5f60-4718-89ab-cdef0123456Z\"}", SNOWPLOW_EINVAL,
         "not a UUID"},
        {"{\"e\":\"se\",\"eid\":\"1b2c3d4e-5f60-4718-89ab-cdef01234567\",\"x\":\"\xc0\xaf\"}",
         SNOWPLOW_EUTF8, "not valid UTF-8"},
        {"{\"e\":\"se\",\"eid\":\"1b2c3d4e-5f60-4718-89ab-cdef01234567\",\"x\":\"a\tb\"}",
         SNOWPLOW_EJSON, "raw control character"},
        {"{\"e\":\"se\",\"eid\":\"1b2c3d4e-5f60-4718-89ab-cdef01234567\"", SNOWPLOW_EJSON,
         "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char eid[SNOWPLOW_EID_SIZE] = "untouched";
        int rc = snowplow_emitter_input_json(em, cases[i].json, eid);
        if (rc != cases[i].code)
            fprintf(stderr, "case %zu (%s): rc %d, %s\n", i, cases[i].json, rc,
                    snowplow_error_last());
        sp_test_assert_error(rc, cases[i].code, "snowplow_emitter_input_json: payload_json",
                             cases[i].says);
        assert_string_equal(eid, "untouched");
    }
    sp_test_assert_error(snowplow_emitter_input_json(NULL, "{\"e\":\"se\"}", NULL),
                         SNOWPLOW_EINVAL, "emitter: NULL", NULL);
    sp_test_assert_error(snowplow_emitter_input_json(em, NULL, NULL), SNOWPLOW_EINVAL,
                         "payload_json: NULL", NULL);
    assert_int_equal(snowplow_emitter_flush(em, 30000), 0);
    assert_int_equal(snowplow_emitter_counter(em, SNOWPLOW_COUNTER_TRACKED), 0);
    cJSON *all = sp_test_collector_get(c, "/micro/all");
    assert_int_equal(th_int_field(all, "total"), 0);
    cJSON_Delete(all);
    snowplow_emitter_free(em);
}

/* Too big for the byte limit, or a closed emitter: the emitter's own errors. */
static void test_emitter_limits_apply(void **state)
{
    sp_test_collector *c = *state;
    snowplow_emitter_options *o = th_options(sp_test_collector_url(c), NULL, NULL);
    assert_int_equal(snowplow_emitter_options_set_byte_limit(o, 1024), 0);
    snowplow_emitter *em = NULL;
    assert_int_equal(snowplow_emitter_new(&em, o), 0);
    char big[2048];
    snprintf(big, sizeof big, "{\"e\":\"se\",\"se_ca\":\"%01500d\"}", 0);
    sp_test_assert_error(snowplow_emitter_input_json(em, big, NULL), SNOWPLOW_ETOOBIG,
                         "snowplow_emitter_input_json", "byte limit");
    assert_int_equal(snowplow_emitter_close(em, 5000), 0);
    sp_test_assert_error(snowplow_emitter_input_json(em, "{\"e\":\"se\"}", NULL),
                         SNOWPLOW_ECLOSED, "snowplow_emitter_input_json", "closed");
    snowplow_emitter_free(em);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_numbers_become_strings_post, th_clean),
        cmocka_unit_test_setup(test_numbers_become_strings_get, th_clean),
        cmocka_unit_test_setup(test_eid_generated, th_clean),
        cmocka_unit_test_setup(test_escapes_decoded, th_clean),
        cmocka_unit_test_setup(test_same_fields_as_tracked, th_clean),
        cmocka_unit_test_setup(test_canonical_text_post, th_clean),
        cmocka_unit_test_setup(test_canonical_text_get, th_clean),
        cmocka_unit_test_setup(test_stm_replaced, th_clean),
        cmocka_unit_test_setup(test_bad_input_refused, th_clean),
        cmocka_unit_test_setup(test_emitter_limits_apply, th_clean),
    };
    return cmocka_run_group_tests(tests, th_group_setup, th_group_teardown);
}
