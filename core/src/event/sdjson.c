/* Self-describing JSON: validated once at construction, immutable afterwards. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "event/sdjson_internal.h"
#include "util/refcount.h"
#include "util/json_check.h"
#include "util/strbuf.h"
#include "util/text.h"

/* One allocation holds the struct and its three texts. */
struct snowplow_sdjson {
    sp_refcount ref;
    const char *schema; /* in json[], after the envelope */
    const char *data;   /* in json[], after the schema: compact JSON object text */
    size_t json_len;
    char json[];        /* {"schema":"...","data":{...}}, then schema and data, each NUL-ended */
};

#define ENVELOPE_HEAD "{\"schema\":\""
#define ENVELOPE_MID "\",\"data\":"

/* cJSON parses 1e400 to infinity and would print it as null: refuse it instead. */
static int all_numbers_finite(const cJSON *node)
{
    for (; node != NULL; node = node->next) {
        if (cJSON_IsNumber(node) && !isfinite(node->valuedouble))
            return 0;
        if (node->child != NULL && !all_numbers_finite(node->child))
            return 0;
    }
    return 1;
}

/* Copy JSON text without the whitespace between tokens, keeping numbers and
 * strings exactly as written (2.0 stays 2.0). The text is known to be valid.
 * Returns the length written (no NUL is added). */
static size_t minify_json(char *out, const char *text, size_t len)
{
    size_t n = 0;
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            out[n++] = c;
            if (c == '\\' && i + 1 < len)
                out[n++] = text[++i];
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
            out[n++] = c;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            out[n++] = c;
        }
    }
    return n;
}

static int build(snowplow_sdjson **out, const char *fn, const char *schema, const char *json)
{
    if (!sp_schema_uri_valid(schema))
        return sp_error_set(SNOWPLOW_ESCHEMA,
                            "%s: schema: not an Iglu URI of the form "
                            "iglu:vendor/name/format/M-R-A: '%.80s'",
                            fn, schema);
    size_t len = strlen(json);
    if (!sp_utf8_valid(json, len))
        return sp_error_set(SNOWPLOW_EUTF8, "%s: json: not valid UTF-8", fn);
    size_t at = 0;
    sp_json_facts facts;
    const char *problem = sp_json_inspect(json, len, &at, &facts);
    if (problem != NULL)
        return sp_error_set(SNOWPLOW_EJSON, "%s: json: invalid JSON: %s at byte %zu", fn,
                            problem, at);
    /* A surrogate escape outside a pair stands for no character: strict
     * readers, cJSON among them, refuse the text. */
    if (facts.unpaired_surrogate)
        return sp_error_set(SNOWPLOW_EJSON, "%s: json: invalid JSON: unusable escape or value",
                            fn);
    if (!facts.top_is_object)
        return sp_error_set(SNOWPLOW_EJSON, "%s: json: data must be a JSON object", fn);
    /* 1e400 would read back as infinity, which JSON cannot write. */
    if (facts.number_overflows)
        return sp_error_set(SNOWPLOW_EJSON, "%s: json: a number is out of the double range",
                            fn);

    size_t schema_len = strlen(schema);
    size_t data_len = len - facts.outside_space;
    size_t json_len =
        sizeof ENVELOPE_HEAD - 1 + schema_len + sizeof ENVELOPE_MID - 1 + data_len + 1;
    snowplow_sdjson *sdj = NULL;
    if (len < SIZE_MAX / 4 && schema_len < SIZE_MAX / 4) /* else the sum below could wrap */
        sdj = malloc(sizeof *sdj + json_len + 1 + schema_len + 1 + data_len + 1);
    if (sdj == NULL)
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    sp_ref_init(&sdj->ref);
    sdj->json_len = json_len;

    char *p = sdj->json;
    memcpy(p, ENVELOPE_HEAD, sizeof ENVELOPE_HEAD - 1);
    p += sizeof ENVELOPE_HEAD - 1;
    memcpy(p, schema, schema_len);
    p += schema_len;
    memcpy(p, ENVELOPE_MID, sizeof ENVELOPE_MID - 1);
    p += sizeof ENVELOPE_MID - 1;
    const char *data_in_json = p;
    if (facts.outside_space == 0)
        memcpy(p, json, data_len);
    else
        minify_json(p, json, len);
    p += data_len;
    *p++ = '}';
    *p++ = '\0';

    memcpy(p, schema, schema_len + 1);
    sdj->schema = p;
    p += schema_len + 1;
    memcpy(p, data_in_json, data_len);
    p[data_len] = '\0';
    sdj->data = p;
    *out = sdj;
    return SNOWPLOW_OK;
}

int snowplow_sdjson_new(snowplow_sdjson **out, const char *schema, const char *json)
{
    static const char fn[] = "snowplow_sdjson_new";
    if (out == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: out: must not be NULL", fn);
    *out = NULL;
    if (schema == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: schema: must not be NULL", fn);
    if (json == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: json: must not be NULL", fn);
    return build(out, fn, schema, json);
}

/* Compact JSON of a cJSON tree. Not cJSON_Print: it prints doubles with 15
 * digits when they compare "close enough", which can turn DBL_MAX into a number
 * that overflows when read back; sp_format_double is exact. */
static int append_cjson(sp_strbuf *b, const cJSON *node, int depth)
{
    if (depth > 1000)
        return SNOWPLOW_EJSON;
    if (cJSON_IsNull(node))
        return sp_strbuf_append_str(b, "null");
    if (cJSON_IsTrue(node))
        return sp_strbuf_append_str(b, "true");
    if (cJSON_IsFalse(node))
        return sp_strbuf_append_str(b, "false");
    if (cJSON_IsNumber(node)) {
        char text[32];
        return sp_strbuf_append(b, text, sp_format_double(text, node->valuedouble));
    }
    if (cJSON_IsString(node)) {
        const char *v = node->valuestring ? node->valuestring : "";
        return sp_strbuf_append_json_string(b, v, strlen(v));
    }
    int is_object = cJSON_IsObject(node);
    if (!is_object && !cJSON_IsArray(node))
        return SNOWPLOW_EJSON; /* cJSON_Raw and invalid nodes */
    int rc = sp_strbuf_append_char(b, is_object ? '{' : '[');
    for (const cJSON *child = node->child; child != NULL && rc == 0; child = child->next) {
        if (child != node->child)
            rc = sp_strbuf_append_char(b, ',');
        if (rc == 0 && is_object) {
            const char *key = child->string ? child->string : "";
            rc = sp_strbuf_append_json_string(b, key, strlen(key));
            if (rc == 0)
                rc = sp_strbuf_append_char(b, ':');
        }
        if (rc == 0)
            rc = append_cjson(b, child, depth + 1);
    }
    return rc != 0 ? rc : sp_strbuf_append_char(b, is_object ? '}' : ']');
}

int snowplow_sdjson_new_cjson(snowplow_sdjson **out, const char *schema,
                              const struct cJSON *data)
{
    static const char fn[] = "snowplow_sdjson_new_cjson";
    if (out == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: out: must not be NULL", fn);
    *out = NULL;
    if (schema == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: schema: must not be NULL", fn);
    if (data == NULL)
        return sp_error_set(SNOWPLOW_EINVAL, "%s: data: must not be NULL", fn);
    if (!cJSON_IsObject(data))
        return sp_error_set(SNOWPLOW_EJSON, "%s: data: must be a JSON object", fn);
    if (!all_numbers_finite(data->child))
        return sp_error_set(SNOWPLOW_EJSON, "%s: data: numbers must be finite", fn);
    sp_strbuf text = SP_STRBUF_INIT;
    int rc = append_cjson(&text, data, 0);
    if (rc == SNOWPLOW_EJSON) {
        sp_strbuf_free(&text);
        return sp_error_set(rc, "%s: data: raw or invalid nodes, or nested deeper than 1000",
                            fn);
    }
    if (rc != 0) {
        sp_strbuf_free(&text);
        return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
    }
    rc = build(out, fn, schema, text.data);
    sp_strbuf_free(&text);
    return rc;
}

const char *snowplow_sdjson_schema(const snowplow_sdjson *sdj)
{
    return sdj != NULL ? sdj->schema : NULL;
}

const char *snowplow_sdjson_data(const snowplow_sdjson *sdj)
{
    return sdj != NULL ? sdj->data : NULL;
}

const char *snowplow_sdjson_json(const snowplow_sdjson *sdj)
{
    return sdj != NULL ? sdj->json : NULL;
}

size_t sp_sdjson_json_len(const snowplow_sdjson *sdj)
{
    return sdj->json_len;
}

void sp_sdjson_ref(const snowplow_sdjson *sdj)
{
    /* Immutable value: only the count changes, which is atomic. */
    sp_ref_inc(&((snowplow_sdjson *)sdj)->ref);
}

void snowplow_sdjson_free(snowplow_sdjson *sdj)
{
    if (sdj == NULL || !sp_ref_dec(&sdj->ref))
        return;
    free(sdj);
}
