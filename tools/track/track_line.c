/*
 * snowplow-track: one NDJSON line into an event. A line is either a payload,
 * the tracker protocol's fields ({"e":"se","se_ca":"shop",...}, values strings
 * or numbers), or a self-describing JSON ({"schema":..., "data":{...}}), which
 * becomes a self-describing event. Payload fields map onto the library's event
 * and subject setters, so every line is checked as a tracked event is; a field
 * the tool cannot honour is an error, never dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "track.h"
#include "track_json.h"
#include "track_sdjson.h"

typedef enum field_kind {
    F_EVENT_STRING, F_EVENT_INT, F_EVENT_DOUBLE, /* snowplow_event_set_*(field) */
    F_SUBJECT_STRING, F_SUBJECT_INT, F_SUBJECT_SIZE,
    F_TTM, F_DTM, F_UE, F_CO, F_E, F_RESERVED
} field_kind;

/* Event types a field belongs to. */
#define T_PV 1u
#define T_PP 2u
#define T_SE 4u
#define T_UE 8u
#define T_ALL (T_PV | T_PP | T_SE | T_UE)

typedef int (*subject_string_fn)(snowplow_subject *, const char *);
typedef int (*subject_int_fn)(snowplow_subject *, int);
typedef int (*subject_size_fn)(snowplow_subject *, int, int);

typedef struct payload_field {
    const char *key;     /* the payload's name */
    field_kind kind;
    unsigned types;
    const char *field;   /* the library's event field name */
    subject_string_fn set_string;
    subject_int_fn set_int;
    subject_size_fn set_size;
} payload_field;

/* Sorted by key, for bsearch. */
static const payload_field fields[] = {
    {"aid", F_RESERVED, T_ALL, "--appid", NULL, NULL, NULL},
    {"cd", F_SUBJECT_INT, T_ALL, NULL, NULL, snowplow_subject_set_color_depth, NULL},
    {"co", F_CO, T_ALL, NULL, NULL, NULL, NULL},
    {"cx", F_CO, T_ALL, NULL, NULL, NULL, NULL},
    {"dtm", F_DTM, T_ALL, NULL, NULL, NULL, NULL},
    {"duid", F_SUBJECT_STRING, T_ALL, NULL, snowplow_subject_set_domain_user_id, NULL, NULL},
    {"e", F_E, T_ALL, NULL, NULL, NULL, NULL},
    {"eid", F_RESERVED, T_ALL, "the tracker (a new id per event)", NULL, NULL, NULL},
    {"ip", F_SUBJECT_STRING, T_ALL, NULL, snowplow_subject_set_ip_address, NULL, NULL},
    {"lang", F_SUBJECT_STRING, T_ALL, NULL, snowplow_subject_set_lang, NULL, NULL},
    {"p", F_SUBJECT_STRING, T_ALL, NULL, snowplow_subject_set_platform, NULL, NULL},
    {"page", F_EVENT_STRING, T_PV | T_PP, "page_title", NULL, NULL, NULL},
    {"pp_max", F_EVENT_INT, T_PP, "max_x", NULL, NULL, NULL},
    {"pp_may", F_EVENT_INT, T_PP, "max_y", NULL, NULL, NULL},
    {"pp_mix", F_EVENT_INT, T_PP, "min_x", NULL, NULL, NULL},
    {"pp_miy", F_EVENT_INT, T_PP, "min_y", NULL, NULL, NULL},
    {"refr", F_EVENT_STRING, T_PV | T_PP, "referrer", NULL, NULL, NULL},
    {"res", F_SUBJECT_SIZE, T_ALL, NULL, NULL, NULL, snowplow_subject_set_screen_resolution},
    {"se_ac", F_EVENT_STRING, T_SE, "action", NULL, NULL, NULL},
    {"se_ca", F_EVENT_STRING, T_SE, "category", NULL, NULL, NULL},
    {"se_la", F_EVENT_STRING, T_SE, "label", NULL, NULL, NULL},
    {"se_pr", F_EVENT_STRING, T_SE, "property", NULL, NULL, NULL},
    {"se_va", F_EVENT_DOUBLE, T_SE, "value", NULL, NULL, NULL},
    {"sid", F_SUBJECT_STRING, T_ALL, NULL, snowplow_subject_set_domain_session_id, NULL, NULL},
    {"stm", F_RESERVED, T_ALL, "the emitter (the time of sending)", NULL, NULL, NULL},
    {"tna", F_RESERVED, T_ALL, "--namespace", NULL, NULL, NULL},
    {"tnuid", F_SUBJECT_STRING, T_ALL, NULL, snowplow_subject_set_network_user_id, NULL, NULL},
    {"ttm", F_TTM, T_ALL, NULL, NULL, NULL, NULL},
    {"tv", F_RESERVED, T_ALL, "the tracker", NULL, NULL, NULL},
    {"tz", F_SUBJECT_STRING, T_ALL, NULL, snowplow_subject_set_timezone, NULL, NULL},
    {"ua", F_SUBJECT_STRING, T_ALL, NULL, snowplow_subject_set_useragent, NULL, NULL},
    {"ue_pr", F_UE, T_UE, NULL, NULL, NULL, NULL},
    {"ue_px", F_UE, T_UE, NULL, NULL, NULL, NULL},
    {"uid", F_SUBJECT_STRING, T_ALL, NULL, snowplow_subject_set_user_id, NULL, NULL},
    {"url", F_EVENT_STRING, T_PV | T_PP, "page_url", NULL, NULL, NULL},
    {"vid", F_SUBJECT_INT, T_ALL, NULL, NULL, snowplow_subject_set_domain_session_index, NULL},
    {"vp", F_SUBJECT_SIZE, T_ALL, NULL, NULL, NULL, snowplow_subject_set_viewport},
};

static int compare_key(const void *key, const void *entry)
{
    return strcmp(key, ((const payload_field *)entry)->key);
}

static const payload_field *find_field(const char *key)
{
    return bsearch(key, fields, sizeof(fields) / sizeof(fields[0]), sizeof(fields[0]),
                   compare_key);
}

static int fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    snprintf(err, errlen, fmt, a, b);
    return -1;
}

static int library_fail(char *err, size_t errlen, const char *key)
{
    snprintf(err, errlen, "\"%s\": %s", key, snowplow_error_last());
    return -1;
}

static int whole_number(int64_t *out, const char *text)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* The event type of "e". */
static int event_type(const char *e, unsigned *type, snowplow_event_type *library_type)
{
    static const struct { const char *e; unsigned type; snowplow_event_type lt; } types[] = {
        {"pv", T_PV, SNOWPLOW_EVENT_PAGE_VIEW},
        {"pp", T_PP, SNOWPLOW_EVENT_PAGE_PING},
        {"se", T_SE, SNOWPLOW_EVENT_STRUCTURED},
        {"ue", T_UE, SNOWPLOW_EVENT_SELF_DESCRIBING},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(e, types[i].e) == 0) {
            *type = types[i].type;
            *library_type = types[i].lt;
            return 0;
        }
    return -1;
}

/* ue_px / cx: base64 into JSON text (a new buffer the caller frees). */
static char *decoded(const track_json_value *v, size_t *len)
{
    return track_base64_decode(v->text, v->len, len);
}

/* The self-describing data of a "ue" payload. */
static int unstruct_data(snowplow_sdjson **sdj, const track_json_value *ue, const char *key,
                         char *err, size_t errlen)
{
    if (strcmp(key, "ue_pr") == 0)
        return track_unstruct_from_text(sdj, ue->text, ue->len, "\"ue_pr\"", err, errlen);
    size_t len;
    char *json = decoded(ue, &len);
    if (json == NULL)
        return fail(err, errlen, "\"%s\": not base64%s", key, "");
    int rc = track_unstruct_from_text(sdj, json, len, "\"ue_px\"", err, errlen);
    free(json);
    return rc;
}

static int attach_contexts(snowplow_event *ev, const track_json_value *v, char *err,
                           size_t errlen)
{
    if (strcmp(v->key, "co") == 0)
        return track_contexts_from_text(ev, v->text, v->len, "\"co\"", err, errlen);
    size_t len;
    char *json = decoded(v, &len);
    if (json == NULL)
        return fail(err, errlen, "\"%s\": not base64%s", v->key, "");
    int rc = track_contexts_from_text(ev, json, len, "\"cx\"", err, errlen);
    free(json);
    return rc;
}

static int subject_field(snowplow_subject **subject, const payload_field *f,
                         const track_json_value *v, char *err, size_t errlen)
{
    if (*subject == NULL && snowplow_subject_new(subject) != 0)
        return library_fail(err, errlen, v->key);
    int rc;
    int64_t n;
    int w, h;
    char tail;
    switch (f->kind) {
    case F_SUBJECT_STRING:
        rc = f->set_string(*subject, v->text);
        break;
    case F_SUBJECT_INT:
        if (whole_number(&n, v->text) != 0 || n < 0 || n > INT32_MAX)
            return fail(err, errlen, "\"%s\": not a whole number: '%.60s'", v->key, v->text);
        rc = f->set_int(*subject, (int)n);
        break;
    default: /* F_SUBJECT_SIZE */
        if (sscanf(v->text, "%dx%d%c", &w, &h, &tail) != 2)
            return fail(err, errlen, "\"%s\": not WIDTHxHEIGHT: '%.60s'", v->key, v->text);
        rc = f->set_size(*subject, w, h);
    }
    return rc != 0 ? library_fail(err, errlen, v->key) : 0;
}

static int event_field(snowplow_event *ev, const payload_field *f, const track_json_value *v,
                       char *err, size_t errlen)
{
    int rc;
    int64_t n;
    switch (f->kind) {
    case F_EVENT_STRING:
        rc = snowplow_event_set_string(ev, f->field, v->text);
        break;
    case F_EVENT_INT:
    case F_TTM:
    case F_DTM:
        if (whole_number(&n, v->text) != 0)
            return fail(err, errlen, "\"%s\": not a whole number: '%.60s'", v->key, v->text);
        rc = f->kind == F_TTM   ? snowplow_event_set_true_timestamp(ev, n)
             : f->kind == F_DTM ? snowplow_event_set_device_timestamp(ev, n)
                                : snowplow_event_set_int(ev, f->field, n);
        break;
    default: { /* F_EVENT_DOUBLE */
        char *end;
        double d = strtod(v->text, &end);
        if (end == v->text || *end != '\0')
            return fail(err, errlen, "\"%s\": not a number: '%.60s'", v->key, v->text);
        rc = snowplow_event_set_double(ev, f->field, d);
    }
    }
    return rc != 0 ? library_fail(err, errlen, v->key) : 0;
}

/* The payload's members onto a new event of its type. */
static int payload_event(snowplow_event **out, const track_json_value *v, int n, char *err,
                         size_t errlen)
{
    const track_json_value *e = track_json_get(v, n, "e");
    unsigned type;
    snowplow_event_type library_type;
    if (e->kind != TRACK_JSON_STRING || event_type(e->text, &type, &library_type) != 0)
        return fail(err, errlen,
                    "\"e\": '%.20s' is not an event type snowplow-track sends "
                    "(pv, pp, se, ue)%s", e->text, "");
    const payload_field *found[TRACK_JSON_MAX_MEMBERS];
    const track_json_value *ue = NULL;
    for (int i = 0; i < n; i++) {
        const payload_field *f = find_field(v[i].key);
        if (f == NULL)
            return fail(err, errlen, "\"%s\": not a payload field snowplow-track knows%s",
                        v[i].key, "");
        if (f->kind == F_RESERVED)
            return fail(err, errlen, "\"%s\": set by %s, not by the input", v[i].key, f->field);
        if (!(f->types & type))
            return fail(err, errlen, "\"%s\": not a field of \"e\":\"%s\"", v[i].key, e->text);
        if (v[i].kind != TRACK_JSON_STRING && v[i].kind != TRACK_JSON_NUMBER)
            return fail(err, errlen, "\"%s\": %s; payload values are strings or numbers",
                        v[i].key, track_json_kind_name(v[i].kind));
        if (f->kind == F_UE) {
            if (ue != NULL)
                return fail(err, errlen, "both \"ue_pr\" and \"ue_px\"%s%s", "", "");
            ue = &v[i];
        }
        found[i] = f;
    }
    if (track_json_get(v, n, "co") != NULL && track_json_get(v, n, "cx") != NULL)
        return fail(err, errlen, "both \"co\" and \"cx\"%s%s", "", "");
    static const char *const required[][3] = {
        [T_PV] = {"url"}, [T_PP] = {"url"}, [T_SE] = {"se_ca", "se_ac"}};
    if (type == T_UE && ue == NULL)
        return fail(err, errlen, "\"e\":\"ue\" needs \"ue_pr\" or \"ue_px\"%s%s", "", "");
    for (int r = 0; type != T_UE && r < 3 && required[type][r] != NULL; r++) {
        const track_json_value *rv = track_json_get(v, n, required[type][r]);
        if (rv == NULL || rv->len == 0)
            return fail(err, errlen, "\"e\":\"%s\" needs \"%s\"", e->text, required[type][r]);
    }

    snowplow_event *ev = NULL;
    snowplow_subject *subject = NULL;
    int rc = -1;
    if (ue != NULL) {
        snowplow_sdjson *sdj;
        if (unstruct_data(&sdj, ue, ue->key, err, errlen) != 0)
            return -1;
        rc = snowplow_event_self_describing_new(&ev, sdj);
        snowplow_sdjson_free(sdj);
    } else {
        rc = snowplow_event_new(&ev, library_type);
    }
    if (rc != 0)
        return library_fail(err, errlen, "e");
    rc = -1;
    for (int i = 0; i < n; i++) {
        const payload_field *f = found[i];
        if (v[i].len == 0 && v[i].kind == TRACK_JSON_STRING)
            continue; /* trackers leave empty values out */
        int r = 0;
        switch (f->kind) {
        case F_E:
        case F_UE:
        case F_RESERVED:
            break;
        case F_CO:
            r = attach_contexts(ev, &v[i], err, errlen);
            break;
        case F_SUBJECT_STRING:
        case F_SUBJECT_INT:
        case F_SUBJECT_SIZE:
            r = subject_field(&subject, f, &v[i], err, errlen);
            break;
        default:
            r = event_field(ev, f, &v[i], err, errlen);
        }
        if (r != 0)
            goto out;
    }
    if (subject != NULL && snowplow_event_set_subject(ev, subject) != 0) {
        library_fail(err, errlen, "subject");
        goto out;
    }
    rc = 0;
out:
    snowplow_subject_free(subject);
    if (rc != 0)
        snowplow_event_free(ev);
    else
        *out = ev;
    return rc;
}

int track_event_from_line(snowplow_event **out, char *line, size_t len, char *err,
                          size_t errlen)
{
    track_json_value v[TRACK_JSON_MAX_MEMBERS];
    *out = NULL;
    int n = track_json_object(v, TRACK_JSON_MAX_MEMBERS, line, len, err, errlen);
    if (n < 0)
        return -1;
    if (track_json_get(v, n, "e") != NULL)
        return payload_event(out, v, n, err, errlen);
    if (track_json_get(v, n, "schema") == NULL)
        return fail(err, errlen,
                    "neither a payload (with \"e\") nor a self-describing JSON "
                    "(\"schema\" and \"data\")%s%s", "", "");
    snowplow_sdjson *sdj;
    if (track_sdjson_from_members(&sdj, v, n, err, errlen, "self-describing JSON") != 0)
        return -1;
    int rc = snowplow_event_self_describing_new(out, sdj);
    snowplow_sdjson_free(sdj);
    return rc != 0 ? library_fail(err, errlen, "data") : 0;
}

static int8_t base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return (int8_t)(c - 'A');
    if (c >= 'a' && c <= 'z')
        return (int8_t)(c - 'a' + 26);
    if (c >= '0' && c <= '9')
        return (int8_t)(c - '0' + 52);
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

char *track_base64_decode(const char *text, size_t len, size_t *out_len)
{
    while (len > 0 && text[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return NULL;
    char *out = malloc(len / 4 * 3 + 4);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int8_t v = base64_value((unsigned char)text[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}
