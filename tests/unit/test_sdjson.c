/* Self-describing JSON: validation at construction, canonical text, ownership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "event/sdjson_internal.h"
#include "snowplow.h"
#include "sp_test_util.h"

#define SCHEMA "iglu:com.acme/thing/jsonschema/1-0-0"

static void builds_canonical_text(void **state)
{
    (void)state;
    snowplow_sdjson *sdj = NULL;
    assert_int_equal(
        snowplow_sdjson_new(&sdj, SCHEMA, " { \"a\" : [1, 2.0, \"x y\"],\n \"b\":null }"), 0);
    assert_string_equal(snowplow_sdjson_schema(sdj), SCHEMA);
    /* whitespace between tokens goes, numbers and strings stay as written */
    assert_string_equal(snowplow_sdjson_data(sdj), "{\"a\":[1,2.0,\"x y\"],\"b\":null}");
    assert_string_equal(snowplow_sdjson_json(sdj),
                        "{\"schema\":\"" SCHEMA "\",\"data\":{\"a\":[1,2.0,\"x y\"],\"b\":null}}");
    snowplow_sdjson_free(sdj);
}

static void keeps_unicode_and_escapes(void **state)
{
    (void)state;
    snowplow_sdjson *sdj = NULL;
    assert_int_equal(snowplow_sdjson_new(&sdj, SCHEMA, "{\"test\": \"\xc4\x87 \\\" \\n\"}"), 0);
    assert_string_equal(snowplow_sdjson_data(sdj), "{\"test\":\"\xc4\x87 \\\" \\n\"}");
    snowplow_sdjson_free(sdj);
}

static void refuses_bad_schemas(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "iglu:",
        "com.acme/thing/jsonschema/1-0-0",
        "iglu:com.acme/thing/jsonschema/1-0",
        "iglu:com.acme/thing/jsonschema/1-0-x",
        "iglu:com acme/thing/jsonschema/1-0-0",
        "iglu:com.acme/thing/jsonschema/1-0-0/",
        "http://com.acme/thing/jsonschema/1-0-0",
        "iglu:com.acme/th!ng/jsonschema/1-0-0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snowplow_sdjson *sdj = (snowplow_sdjson *)1;
        sp_test_assert_error(snowplow_sdjson_new(&sdj, bad[i], "{}"), SNOWPLOW_ESCHEMA, "schema",
                             NULL);
        assert_null(sdj);
    }
}

static void refuses_bad_json(void **state)
{
    (void)state;
    snowplow_sdjson *sdj = NULL;
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "{\"a\":"), SNOWPLOW_EJSON,
                         "invalid JSON", NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "{} trailing"), SNOWPLOW_EJSON,
                         "invalid JSON", NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "[1,2]"), SNOWPLOW_EJSON, "object",
                         NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "\"text\""), SNOWPLOW_EJSON, "object",
                         NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "{\"a\":1e400}"), SNOWPLOW_EJSON,
                         "number", NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "{\"a\":\"\xc3\x28\"}"), SNOWPLOW_EUTF8,
                         "UTF-8", NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "{\"a\":\"\\ud800\"}"), SNOWPLOW_EJSON,
                         "invalid JSON", NULL);
    /* cJSON tolerates these; RFC 8259 and the collector do not */
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "{\"a\":1}\x0c"), SNOWPLOW_EJSON,
                         "after", NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "{\"a\":01}"), SNOWPLOW_EJSON,
                         "leading zero", NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "{\"a\":[1,]}"), SNOWPLOW_EJSON,
                         "unexpected", NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "{\"a\":\"\\x\"}"), SNOWPLOW_EJSON,
                         "escape", NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, "{\"a\":\"x\ty\"}"), SNOWPLOW_EJSON,
                         "control", NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, NULL, "{}"), SNOWPLOW_EINVAL, "schema", NULL);
    sp_test_assert_error(snowplow_sdjson_new(&sdj, SCHEMA, NULL), SNOWPLOW_EINVAL, "json", NULL);
    sp_test_assert_error(snowplow_sdjson_new(NULL, SCHEMA, "{}"), SNOWPLOW_EINVAL, "out", NULL);
    assert_null(sdj);
}

/* Accepted: data is `expected` and json the envelope around it. */
static void assert_builds(const char *json, const char *expected)
{
    snowplow_sdjson *sdj = NULL;
    int rc = snowplow_sdjson_new(&sdj, SCHEMA, json);
    if (rc != 0)
        fail_msg("'%s' refused: %s", json, snowplow_error_last());
    assert_string_equal(snowplow_sdjson_data(sdj), expected);
    assert_string_equal(snowplow_sdjson_schema(sdj), SCHEMA);
    char whole[4096];
    snprintf(whole, sizeof whole, "{\"schema\":\"%s\",\"data\":%s}", SCHEMA, expected);
    assert_string_equal(snowplow_sdjson_json(sdj), whole);
    assert_int_equal(sp_sdjson_json_len(sdj), strlen(whole));
    snowplow_sdjson_free(sdj);
}

static void assert_refused(const char *json, const char *message)
{
    snowplow_sdjson *sdj = (snowplow_sdjson *)&sdj;
    assert_int_equal(snowplow_sdjson_new(&sdj, SCHEMA, json), SNOWPLOW_EJSON);
    assert_null(sdj);
    assert_int_equal(snowplow_error_last_code(), SNOWPLOW_EJSON);
    assert_string_equal(snowplow_error_last(), message);
}

#define UNUSABLE "snowplow_sdjson_new: json: invalid JSON: unusable escape or value"
#define OUT_OF_RANGE "snowplow_sdjson_new: json: a number is out of the double range"
#define NOT_OBJECT "snowplow_sdjson_new: json: data must be a JSON object"

static void numbers_at_the_double_limits(void **state)
{
    (void)state;
    /* kept as written, even when they round */
    assert_builds("{\"max\":1.7976931348623157e308}", "{\"max\":1.7976931348623157e308}");
    assert_builds("{\"m\":-1.7976931348623158e308}", "{\"m\":-1.7976931348623158e308}");
    assert_builds("{\"tiny\":1e-400}", "{\"tiny\":1e-400}");
    assert_builds("{\"zero\":0e999999}", "{\"zero\":0e999999}");
    assert_refused("{\"a\":1.8e308}", OUT_OF_RANGE);
    assert_refused("{\"a\":-1e400}", OUT_OF_RANGE);
    assert_refused("{\"a\":[1,{\"b\":[2,1E+309]}]}", OUT_OF_RANGE);
}

static void surrogate_escapes(void **state)
{
    (void)state;
    /* a pair stays as written (escapes are not decoded) */
    assert_builds("{\"e\":\"\\ud83d\\ude00\"}", "{\"e\":\"\\ud83d\\ude00\"}");
    assert_builds("{\"\\uD83D\\uDE00\":\"\\u0000\"}", "{\"\\uD83D\\uDE00\":\"\\u0000\"}");
    assert_refused("{\"e\":\"\\ud83d\"}", UNUSABLE);
    assert_refused("{\"e\":\"\\ude00\"}", UNUSABLE);
    assert_refused("{\"e\":\"\\ud83dx\"}", UNUSABLE);
    assert_refused("{\"\\ud83d\":1}", UNUSABLE);
    /* an escape cJSON cannot hold is reported before the top-level kind */
    assert_refused("[\"\\ud83d\"]", UNUSABLE);
}

static void whitespace_only_between_tokens_goes(void **state)
{
    (void)state;
    assert_builds("{\"a b\":\" \\t x \\n \"}", "{\"a b\":\" \\t x \\n \"}");
    assert_builds("\t{ \"a b\" :\r\n\" x \" , \"c\" : [ 1 , { } ] }\n",
                  "{\"a b\":\" x \",\"c\":[1,{}]}");
    assert_builds("{\"q\":\"\\\" \\\\\" , \"r\" : 1}", "{\"q\":\"\\\" \\\\\",\"r\":1}");
}

static void nested_values(void **state)
{
    (void)state;
    const char *nested = "{\"a\":{\"b\":[1,[2,{\"c\":[]}],{\"d\":{}}]},\"e\":[[[null]]],"
                         "\"f\":{\"g\":{\"h\":{\"i\":true}}}}";
    assert_builds(nested, nested);
    char deep[2 * 600 + 16] = "";
    for (int i = 0; i < 511; i++)
        strcat(deep, i == 0 ? "{\"k\":" : "[");
    strcat(deep, "0");
    for (int i = 510; i >= 0; i--)
        strcat(deep, i == 0 ? "}" : "]");
    assert_builds(deep, deep); /* 511 levels, within the limit of 512 */
}

static void only_objects_are_data(void **state)
{
    (void)state;
    assert_refused("[1,2]", NOT_OBJECT);
    assert_refused(" [ {\"a\":1} ] ", NOT_OBJECT);
    assert_refused("\"text\"", NOT_OBJECT);
    assert_refused("12", NOT_OBJECT);
    assert_refused("null", NOT_OBJECT);
    /* the kind is reported before a number that overflows */
    assert_refused("[1e400]", NOT_OBJECT);
}

static void builds_from_cjson(void **state)
{
    (void)state;
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddNumberToObject(obj, "price", 7.99);
    cJSON_AddStringToObject(obj, "name", "caf\xc3\xa9");
    snowplow_sdjson *sdj = NULL;
    assert_int_equal(snowplow_sdjson_new_cjson(&sdj, SCHEMA, obj), 0);
    assert_string_equal(snowplow_sdjson_data(sdj), "{\"price\":7.99,\"name\":\"caf\xc3\xa9\"}");
    snowplow_sdjson_free(sdj);

    /* cJSON's own printer would write DBL_MAX with 15 digits, which overflows */
    cJSON *big = cJSON_CreateObject();
    cJSON_AddNumberToObject(big, "max", 1.7976931348623157e308);
    assert_int_equal(snowplow_sdjson_new_cjson(&sdj, SCHEMA, big), 0);
    assert_string_equal(snowplow_sdjson_data(sdj), "{\"max\":1.7976931348623157e+308}");
    snowplow_sdjson_free(sdj);
    cJSON_Delete(big);

    cJSON *arr = cJSON_CreateArray();
    sp_test_assert_error(snowplow_sdjson_new_cjson(&sdj, SCHEMA, arr), SNOWPLOW_EJSON, "object",
                         NULL);
    sp_test_assert_error(snowplow_sdjson_new_cjson(&sdj, "nope", obj), SNOWPLOW_ESCHEMA, "schema",
                         NULL);
    sp_test_assert_error(snowplow_sdjson_new_cjson(&sdj, SCHEMA, NULL), SNOWPLOW_EINVAL, "data",
                         NULL);
    cJSON_Delete(arr);
    cJSON_Delete(obj);
}

static void events_keep_their_reference(void **state)
{
    (void)state;
    snowplow_sdjson *sdj = NULL;
    assert_int_equal(snowplow_sdjson_new(&sdj, SCHEMA, "{\"k\":1}"), 0);
    snowplow_event *ev = NULL;
    assert_int_equal(snowplow_event_self_describing_new(&ev, sdj), 0);
    assert_int_equal(snowplow_event_add_context(ev, sdj), 0);
    snowplow_sdjson_free(sdj); /* the event still holds it (ASan would catch a use after free) */
    assert_int_equal(snowplow_event_validate(ev), 0);
    snowplow_event_free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builds_canonical_text),
        cmocka_unit_test(keeps_unicode_and_escapes),
        cmocka_unit_test(refuses_bad_schemas),
        cmocka_unit_test(refuses_bad_json),
        cmocka_unit_test(numbers_at_the_double_limits),
        cmocka_unit_test(surrogate_escapes),
        cmocka_unit_test(whitespace_only_between_tokens_goes),
        cmocka_unit_test(nested_values),
        cmocka_unit_test(only_objects_are_data),
        cmocka_unit_test(builds_from_cjson),
        cmocka_unit_test(events_keep_their_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
