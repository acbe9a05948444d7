/* Self-describing JSON: validated once at construction, immutable afterwards. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "sdjson_internal.h"
#include "util/refcount.h"
#include "util/json_check.h"
#include "util/strbuf.h"
#include "util/text.h"

struct snowplow_sdjson {
    sp_refcount ref;
    char *schema;
    char *data; /* compact JSON object text */
    char *json; /* {"schema":"...","data":{...}} */
    size_t json_len;
};

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
 * strings exactly as written (2.0 stays 2.0). The text is known to be valid. */
static char *minify_json(const char *text, size_t len)
{
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
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
    out[n] = '\0';
    return out;
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
    const char *problem = sp_json_problem(json, len, &at);
    if (problem != NULL)
        return sp_error_set(SNOWPLOW_EJSON, "%s: json: invalid JSON: %s at byte %zu", fn,
                            problem, at);
    cJSON *tree = cJSON_ParseWithOpts(json, NULL, 1);
    if (tree == NULL) /* valid JSON that cJSON cannot hold, e.g. a lone surrogate escape */
        return sp_error_set(SNOWPLOW_EJSON, "%s: json: invalid JSON: unusable escape or value",
                            fn);
    int ok_object = cJSON_IsObject(tree);
    int ok_numbers = all_numbers_finite(tree);
    cJSON_Delete(tree);
    if (!ok_object)
        return sp_error_set(SNOWPLOW_EJSON, "%s: json: data must be a JSON object", fn);
    if (!ok_numbers)
        return sp_error_set(SNOWPLOW_EJSON, "%s: json: a number is out of the double range",
                            fn);

    snowplow_sdjson *sdj = calloc(1, sizeof *sdj);
    sp_strbuf whole = SP_STRBUF_INIT;
    if (sdj == NULL)
        goto nomem;
    sp_ref_init(&sdj->ref);
    sdj->schema = strdup(schema);
    sdj->data = minify_json(json, len);
    if (sdj->schema == NULL || sdj->data == NULL)
        goto nomem;
    if (sp_strbuf_append_str(&whole, "{\"schema\":\"") || sp_strbuf_append_str(&whole, schema) ||
        sp_strbuf_append_str(&whole, "\",\"data\":") ||
        sp_strbuf_append_str(&whole, sdj->data) || sp_strbuf_append_char(&whole, '}'))
        goto nomem;
    sdj->json_len = whole.len;
    sdj->json = sp_strbuf_detach(&whole);
    if (sdj->json == NULL)
        goto nomem;
    *out = sdj;
    return SNOWPLOW_OK;
nomem:
    sp_strbuf_free(&whole);
    if (sdj != NULL) {
        free(sdj->schema);
        free(sdj->data);
        free(sdj);
    }
    return sp_error_set(SNOWPLOW_ENOMEM, "%s: out of memory", fn);
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
    free(sdj->schema);
    free(sdj->data);
    free(sdj->json);
    free(sdj);
}
