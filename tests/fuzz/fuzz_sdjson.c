/*
 * Fuzz target: the self-describing JSON builder (snowplow_sdjson_new).
 *
 * Input: "<schema>\n<json>" split at the first newline; without a newline the
 * whole input is the JSON and a fixed valid schema is used, so that the fuzzer
 * spends most of its time on the JSON. When the builder accepts the input:
 * - snowplow_sdjson_json() is {"schema":"<schema>","data":<data>}, parses with
 *   cJSON, and "schema"/"data" read back as given;
 * - the data is an object equal to the parsed input (same compact cJSON printing);
 * - (strict) the texts are RFC 8259 JSON, since they go on the wire as they
 *   are, and the event and contexts encoders wrap them into RFC 8259 JSON too;
 * - (strict) snowplow_sdjson_new_cjson() accepts the parsed tree and agrees.
 * When it refuses, *out is NULL and an error message is recorded.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "event/event_internal.h"
#include "fuzz_support.h"
#include "event/payload.h"
#include "event/sdjson_internal.h"
#include "snowplow/event.h"
#include "snowplow/sdjson.h"

#define DEFAULT_SCHEMA "iglu:com.example.libsnowplow/fuzz/jsonschema/1-0-0"

/* Wrap the value into an event (ue_pr) and a context (co): both strict JSON. */
static void check_encoders(const snowplow_sdjson *sdj)
{
    snowplow_event *ev = NULL;
    FUZZ_CHECK(snowplow_event_self_describing_new(&ev, sdj) == 0, snowplow_error_last());
    FUZZ_CHECK(snowplow_event_add_context(ev, sdj) == 0, snowplow_error_last());
    for (int base64 = 0; base64 <= 1; base64++) {
        sp_payload *p = sp_payload_new();
        FUZZ_CHECK(p != NULL, "sp_payload_new");
        FUZZ_CHECK(sp_event_encode(ev, p, base64) == 0, "sp_event_encode");
        FUZZ_CHECK(sp_event_encode_contexts(ev, SP_EVENT_NO_ITEM, p, base64) == 0, "sp_event_encode_contexts");
        const char *ue = sp_payload_get(p, base64 ? "ue_px" : "ue_pr");
        const char *co = sp_payload_get(p, base64 ? "cx" : "co");
        FUZZ_CHECK(ue != NULL && co != NULL, "ue/co missing from the payload");
        if (!base64) {
            fuzz_check_strict_json("ue_pr", ue, strlen(ue));
            fuzz_check_strict_json("co", co, strlen(co));
            cJSON *ue_tree = cJSON_Parse(ue);
            FUZZ_CHECK(ue_tree != NULL, ue);
            cJSON *inner = cJSON_GetObjectItemCaseSensitive(ue_tree, "data");
            FUZZ_CHECK(cJSON_IsObject(inner), ue);
            cJSON_Delete(ue_tree);
        }
        sp_payload_free(p);
    }
    snowplow_event_free(ev);
}

/* The cJSON constructor must accept what the text constructor accepted (strict
 * check: it reprints the tree with cJSON, whose 15-digit printing can round a
 * finite number to one that overflows). */
static void check_cjson_constructor(const char *schema, const cJSON *data)
{
    if (!fuzz_strict_enabled())
        return;
    snowplow_sdjson *again = NULL;
    int rc = snowplow_sdjson_new_cjson(&again, schema, data);
    FUZZ_CHECK(rc == 0, snowplow_error_last());
    const char *json = snowplow_sdjson_json(again);
    FUZZ_CHECK(json != NULL, "snowplow_sdjson_json of the cjson value");
    fuzz_check_strict_json("json (cjson)", json, strlen(json));
    cJSON *tree = cJSON_Parse(snowplow_sdjson_data(again));
    FUZZ_CHECK(tree != NULL && fuzz_json_same(tree, data), snowplow_sdjson_data(again));
    cJSON_Delete(tree);
    snowplow_sdjson_free(again);
}

static void check_accepted(const snowplow_sdjson *sdj, const char *schema, const char *input)
{
    const char *json = snowplow_sdjson_json(sdj);
    const char *data = snowplow_sdjson_data(sdj);
    FUZZ_CHECK(json != NULL && data != NULL, "NULL text from an accepted value");
    FUZZ_CHECK(strcmp(snowplow_sdjson_schema(sdj), schema) == 0, snowplow_sdjson_schema(sdj));
    FUZZ_CHECK(sp_sdjson_json_len(sdj) == strlen(json), json);

    /* The exact envelope: no escaping is needed since the schema is validated. */
    size_t slen = strlen(schema);
    FUZZ_CHECK(strncmp(json, "{\"schema\":\"", 11) == 0, json);
    FUZZ_CHECK(strncmp(json + 11, schema, slen) == 0, json);
    FUZZ_CHECK(strncmp(json + 11 + slen, "\",\"data\":", 9) == 0, json);
    FUZZ_CHECK(strncmp(json + 20 + slen, data, strlen(data)) == 0, json);
    FUZZ_CHECK(strcmp(json + 20 + slen + strlen(data), "}") == 0, json);

    fuzz_check_strict_json("json", json, strlen(json));
    fuzz_check_strict_json("data", data, strlen(data));

    cJSON *whole = cJSON_ParseWithOpts(json, NULL, 1);
    FUZZ_CHECK(whole != NULL, json);
    const cJSON *schema_node = cJSON_GetObjectItemCaseSensitive(whole, "schema");
    FUZZ_CHECK(cJSON_IsString(schema_node) && strcmp(schema_node->valuestring, schema) == 0,
               json);
    FUZZ_CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(whole, "data")), json);
    cJSON_Delete(whole);

    cJSON *data_tree = cJSON_ParseWithOpts(data, NULL, 1);
    FUZZ_CHECK(cJSON_IsObject(data_tree), data);
    cJSON *input_tree = cJSON_ParseWithOpts(input, NULL, 1);
    FUZZ_CHECK(input_tree != NULL, "accepted input that cJSON refuses");
    FUZZ_CHECK(fuzz_json_same(data_tree, input_tree), data);
    check_cjson_constructor(schema, input_tree);
    cJSON_Delete(input_tree);
    cJSON_Delete(data_tree);

    check_encoders(sdj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    char *newline = memchr(text, '\n', strlen(text));
    const char *schema = DEFAULT_SCHEMA;
    const char *json = text;
    if (newline != NULL) {
        *newline = '\0';
        schema = text;
        json = newline + 1;
    }

    snowplow_error_clear();
    snowplow_sdjson *sdj = (snowplow_sdjson *)&sdj; /* must be reset to NULL on error */
    int rc = snowplow_sdjson_new(&sdj, schema, json);
    if (rc == 0) {
        FUZZ_CHECK(sdj != NULL, "success without a value");
        check_accepted(sdj, schema, json);
        snowplow_sdjson_free(sdj);
    } else {
        FUZZ_CHECK(sdj == NULL, "*out not reset on error");
        FUZZ_CHECK(rc == SNOWPLOW_ESCHEMA || rc == SNOWPLOW_EUTF8 || rc == SNOWPLOW_EJSON ||
                       rc == SNOWPLOW_ENOMEM,
                   snowplow_error_last());
        FUZZ_CHECK(snowplow_error_last_code() == rc, snowplow_error_last());
        FUZZ_CHECK(strncmp(snowplow_error_last(), "snowplow_sdjson_new: ", 21) == 0,
                   snowplow_error_last());
    }
    free(text);
    return 0;
}
