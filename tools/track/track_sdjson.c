/*
 * snowplow-track: self-describing JSON from text: one value, an array of
 * context entities, and the unstruct_event / contexts envelopes of payloads.
 * Data objects go to snowplow_sdjson_new() as written, so numbers keep their
 * exact text and the library does the strict checking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "track.h"
#include "track_json.h"
#include "track_sdjson.h"

#define UNSTRUCT_PREFIX "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-"
#define CONTEXTS_PREFIX "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-"

static int error(char *err, size_t errlen, const char *what, const char *detail)
{
    snprintf(err, errlen, "%s%s", what, detail);
    return -1;
}

static int library_error(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, snowplow_error_last());
    return -1;
}

/* 0 when data is of the kind wanted; else -1 with the reason. */
static int expect_data(const track_json_value *data, track_json_kind kind, const char *what,
                       char *err, size_t errlen)
{
    if (data->kind == kind)
        return 0;
    snprintf(err, errlen, "%s: \"data\" is %s, not %s", what, track_json_kind_name(data->kind),
             track_json_kind_name(kind));
    return -1;
}

/* {"schema": "...", "data": {...}} and nothing else. */
static int schema_and_data(const track_json_value *v, int n, const char **schema,
                           const track_json_value **data, char *err, size_t errlen,
                           const char *what)
{
    const track_json_value *s = track_json_get(v, n, "schema");
    const track_json_value *d = track_json_get(v, n, "data");
    if (s == NULL || s->kind != TRACK_JSON_STRING)
        return error(err, errlen, what, ": \"schema\" (a string) missing");
    if (d == NULL)
        return error(err, errlen, what, ": \"data\" missing");
    for (int i = 0; i < n; i++)
        if (&v[i] != s && &v[i] != d) {
            snprintf(err, errlen, "%s: unexpected member \"%s\" (only \"schema\" and \"data\")",
                     what, v[i].key);
            return -1;
        }
    *schema = s->text;
    *data = d;
    return 0;
}

int track_sdjson_from_members(snowplow_sdjson **out, const track_json_value *v, int n,
                              char *err, size_t errlen, const char *what)
{
    const char *schema;
    const track_json_value *data;
    if (schema_and_data(v, n, &schema, &data, err, errlen, what) != 0)
        return -1;
    if (expect_data(data, TRACK_JSON_OBJECT, what, err, errlen) != 0)
        return -1;
    if (snowplow_sdjson_new(out, schema, data->text) != 0)
        return library_error(err, errlen, what);
    return 0;
}

int track_sdjson_from_text(snowplow_sdjson **out, const char *text, char *err, size_t errlen)
{
    char *copy = strdup(text);
    if (copy == NULL)
        return error(err, errlen, "out of memory", "");
    track_json_value v[TRACK_JSON_MAX_MEMBERS];
    char why[200];
    int n = track_json_object(v, TRACK_JSON_MAX_MEMBERS, copy, strlen(copy), why, sizeof(why));
    int rc = n < 0 ? error(err, errlen, "--sdjson: ", why)
                   : track_sdjson_from_members(out, v, n, err, errlen, "--sdjson");
    free(copy);
    return rc;
}

/* Each element of a JSON array (text modified) as a self-describing JSON,
 * attached to ev or appended to list. */
static int each_entity(char *text, size_t len, const char *what, snowplow_event *ev,
                       track_contexts *list, char *err, size_t errlen)
{
    track_json_value items[TRACK_JSON_MAX_MEMBERS];
    char why[200];
    int n = track_json_array(items, TRACK_JSON_MAX_MEMBERS, text, len, why, sizeof(why));
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", what, why);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (items[i].kind != TRACK_JSON_OBJECT) {
            snprintf(err, errlen, "%s: entity %d is %s, not an object", what, i,
                     track_json_kind_name(items[i].kind));
            return -1;
        }
        track_json_value m[TRACK_JSON_MAX_MEMBERS];
        int k = track_json_object(m, TRACK_JSON_MAX_MEMBERS, items[i].text, items[i].len, why,
                                  sizeof(why));
        if (k < 0) {
            snprintf(err, errlen, "%s: entity %d: %s", what, i, why);
            return -1;
        }
        snowplow_sdjson *sdj;
        if (track_sdjson_from_members(&sdj, m, k, err, errlen, what) != 0)
            return -1;
        int rc = 0;
        if (ev != NULL) {
            rc = snowplow_event_add_context(ev, sdj);
            snowplow_sdjson_free(sdj);
        } else {
            snowplow_sdjson **grown = realloc(list->items, (list->count + 1) * sizeof(*grown));
            if (grown == NULL) {
                snowplow_sdjson_free(sdj);
                return error(err, errlen, what, ": out of memory");
            }
            list->items = grown;
            list->items[list->count++] = sdj;
        }
        if (rc != 0)
            return library_error(err, errlen, what);
    }
    return 0;
}

int track_contexts_parse(track_contexts *out, const char *json_array, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    char *copy = strdup(json_array);
    if (copy == NULL)
        return error(err, errlen, "out of memory", "");
    int rc = each_entity(copy, strlen(copy), "--contexts", NULL, out, err, errlen);
    free(copy);
    if (rc != 0)
        track_contexts_free(out);
    return rc;
}

int track_contexts_attach(snowplow_event *ev, const track_contexts *ctx)
{
    for (size_t i = 0; i < ctx->count; i++)
        if (snowplow_event_add_context(ev, ctx->items[i]) != 0)
            return -1;
    return 0;
}

void track_contexts_free(track_contexts *ctx)
{
    for (size_t i = 0; i < ctx->count; i++)
        snowplow_sdjson_free(ctx->items[i]);
    free(ctx->items);
    memset(ctx, 0, sizeof(*ctx));
}

/* An envelope {"schema": "<prefix>...", "data": ...} of a payload field. */
static int envelope(char *text, size_t len, const char *prefix, const char *what,
                    const track_json_value **data, track_json_value *m, char *err,
                    size_t errlen)
{
    char why[200];
    int n = track_json_object(m, TRACK_JSON_MAX_MEMBERS, text, len, why, sizeof(why));
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", what, why);
        return -1;
    }
    const char *schema;
    if (schema_and_data(m, n, &schema, data, err, errlen, what) != 0)
        return -1;
    if (strncmp(schema, prefix, strlen(prefix)) != 0) {
        snprintf(err, errlen, "%s: schema is not %s*: '%.100s'", what, prefix, schema);
        return -1;
    }
    return 0;
}

int track_unstruct_from_text(snowplow_sdjson **out, char *text, size_t len, const char *what,
                             char *err, size_t errlen)
{
    track_json_value m[TRACK_JSON_MAX_MEMBERS], inner[TRACK_JSON_MAX_MEMBERS];
    const track_json_value *data;
    if (envelope(text, len, UNSTRUCT_PREFIX, what, &data, m, err, errlen) != 0)
        return -1;
    if (expect_data(data, TRACK_JSON_OBJECT, what, err, errlen) != 0)
        return -1;
    char why[200];
    int n = track_json_object(inner, TRACK_JSON_MAX_MEMBERS, data->text, data->len, why,
                              sizeof(why));
    if (n < 0) {
        snprintf(err, errlen, "%s: data: %s", what, why);
        return -1;
    }
    return track_sdjson_from_members(out, inner, n, err, errlen, what);
}

int track_contexts_from_text(snowplow_event *ev, char *text, size_t len, const char *what,
                             char *err, size_t errlen)
{
    track_json_value m[TRACK_JSON_MAX_MEMBERS];
    const track_json_value *data;
    if (envelope(text, len, CONTEXTS_PREFIX, what, &data, m, err, errlen) != 0)
        return -1;
    if (expect_data(data, TRACK_JSON_ARRAY, what, err, errlen) != 0)
        return -1;
    return each_entity(data->text, data->len, what, ev, NULL, err, errlen);
}
