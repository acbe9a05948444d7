/*
 * snowplow_emitter_input_json(): an event built elsewhere (a Redis list filled
 * by an official tracker's RedisEmitter, or by ours) enters the emitter as if
 * it had been tracked here. A compact object of plain strings with e and eid
 * (what the Redis transport writes) is read once and queued as it is, less
 * its stm; anything else is checked in one pass, then has its members copied
 * into a payload, without building a JSON tree.
 */
#include <string.h>

#include "emitter/emitter_internal.h"
#include "event/payload.h"
#include "util/error.h"
#include "util/json_check.h"
#include "util/json_flat.h"
#include "util/json_members.h"
#include "util/strbuf.h"
#include "util/text.h"

#define FN "snowplow_emitter_input_json"

/* Scratch for decoding escaped keys and values. */
typedef struct input_scratch {
    sp_strbuf key;
    sp_strbuf value;
} input_scratch;

static int check_text(const char *json, size_t len, sp_json_facts *facts_out)
{
    if (!sp_utf8_valid(json, len))
        return sp_error_set(SNOWPLOW_EUTF8, FN ": payload_json: not valid UTF-8");
    size_t at = 0;
    sp_json_facts facts = {0};
    const char *problem = sp_json_inspect(json, len, &at, &facts);
    if (problem)
        return sp_error_set(SNOWPLOW_EJSON, FN ": payload_json: not valid JSON: %s at byte %zu",
                            problem, at);
    if (!facts.top_is_object)
        return sp_error_set(SNOWPLOW_EJSON,
                            FN ": payload_json: not a JSON object (a payload is an object "
                               "of event fields)");
    if (facts.unpaired_surrogate)
        return sp_error_set(SNOWPLOW_EUTF8,
                            FN ": payload_json: a \\u escape of a lone UTF-16 surrogate "
                               "stands for no character");
    *facts_out = facts;
    return 0;
}

/* The member's key as a NUL-terminated string (decoded when escaped). */
static int member_key(const sp_json_member *m, input_scratch *s, const char **key)
{
    sp_strbuf_reset(&s->key);
    int rc = m->key_escaped ? sp_json_unescape(m->key, m->key_len, &s->key)
                            : sp_strbuf_append(&s->key, m->key, m->key_len);
    if (rc == 0)
        rc = sp_strbuf_append_char(&s->key, '\0');
    if (rc != 0)
        return sp_error_set(SNOWPLOW_ENOMEM, FN ": out of memory");
    size_t len = s->key.len - 1;
    if (len == 0)
        return sp_error_set(SNOWPLOW_EJSON, FN ": payload_json: a field with an empty name");
    if (memchr(s->key.data, '\0', len))
        return sp_error_set(SNOWPLOW_EJSON, FN ": payload_json: a field name holds \\u0000");
    *key = s->key.data;
    return 0;
}

static bool has_field(const sp_payload *p, const char *key)
{
    return sp_payload_get(p, key) != NULL;
}

/* Add one member: strings as they are, numbers as written in the JSON text
 * (a Python producer's json.dumps writes what str() prints). */
static int add_member(sp_payload *p, const sp_json_member *m, const char *key,
                      input_scratch *s)
{
    if (m->kind != SP_JSON_STRING && m->kind != SP_JSON_NUMBER)
        return sp_error_set(SNOWPLOW_EJSON,
                            FN ": payload_json: field '%s': %s (payload values are strings "
                               "or numbers)",
                            key, sp_json_kind_name(m->kind));
    int rc;
    if (m->kind == SP_JSON_NUMBER || !m->value_escaped) {
        /* A string without escapes holds no quote, backslash or control byte. */
        rc = sp_payload_add_plain(p, key, m->value, m->value_len);
    } else {
        sp_strbuf_reset(&s->value);
        rc = sp_json_unescape(m->value, m->value_len, &s->value);
        if (rc == 0 && s->value.len && memchr(s->value.data, '\0', s->value.len))
            return sp_error_set(SNOWPLOW_EJSON, FN ": payload_json: field '%s': holds \\u0000",
                                key);
        if (rc == 0)
            rc = sp_payload_add_len(p, key, s->value.data, s->value.len);
    }
    return rc == 0 ? 0 : sp_error_set(SNOWPLOW_ENOMEM, FN ": out of memory");
}

static int fill_payload(sp_payload *p, const char *json, size_t len, input_scratch *s)
{
    size_t pos = 0;
    sp_json_member m;
    while (sp_json_next_member(json, len, &pos, &m)) {
        const char *key = NULL;
        int rc = member_key(&m, s, &key);
        if (rc < 0)
            return rc;
        if (strcmp(key, "stm") == 0)
            continue; /* set at send time, on every attempt */
        if (has_field(p, key))
            return sp_error_set(SNOWPLOW_EJSON, FN ": payload_json: field '%s' appears twice",
                                key);
        rc = add_member(p, &m, key, s);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* `e` present; `eid` a UUID when present, else a new one is added. */
static int check_envelope(sp_payload *p, char eid[SNOWPLOW_EID_SIZE])
{
    if (!has_field(p, "e"))
        return sp_error_set(SNOWPLOW_EMISSING,
                            FN ": payload_json: field 'e' (event type) is missing or empty");
    const char *given = sp_payload_get(p, "eid");
    if (given) {
        if (!sp_uuid_valid(given))
            return sp_error_set(SNOWPLOW_EINVAL,
                                FN ": payload_json: field 'eid': not a UUID: '%.64s'", given);
        memcpy(eid, given, SNOWPLOW_EID_SIZE);
        return 0;
    }
    sp_uuid_v4(eid);
    if (sp_payload_add_plain(p, "eid", eid, SNOWPLOW_EID_SIZE - 1) != 0)
        return sp_error_set(SNOWPLOW_ENOMEM, FN ": out of memory");
    return 0;
}

/* Members of a typical payload, read once; a larger one takes the payload path. */
#define FAST_MEMBERS 64

static bool is_key(const sp_json_flat_member *m, const char *key, size_t len)
{
    return m->key_len == len && memcmp(m->key, key, len) == 0;
}

/* Where a sendable text keeps its eid and, when it has one, its stm member
 * (the Redis transport writes the time it pushed; the send time replaces it). */
typedef struct sendable {
    const char *eid;
    const char *stm_from; /* the member `"stm":"..."`, NULL when absent */
    const char *stm_to;
} sendable;

/*
 * The text is already what the emitter would send, but for an stm member (a
 * compact object of non-empty strings without escapes, unique names, `e` and
 * a valid `eid`): *out says where the eid and the stm are. Anything else, or
 * a text that merely might be, takes the payload path, which names the problem.
 */
static bool is_sendable_as_is(const char *json, size_t len, sendable *out)
{
    sp_json_flat_member ms[FAST_MEMBERS];
    int n = sp_json_flat_object(json, len, ms, FAST_MEMBERS);
    if (n < 0)
        return false;
    const sp_json_flat_member *e = NULL, *eid = NULL, *stm = NULL;
    for (int k = 0; k < n; k++) {
        const sp_json_flat_member *m = &ms[k];
        if (m->value_len == 0 || m->key_len == 0)
            return false;
        for (int i = 0; i < k; i++)
            if (is_key(&ms[i], m->key, m->key_len))
                return false;
        if (is_key(m, "e", 1))
            e = m;
        else if (is_key(m, "eid", 3))
            eid = m;
        else if (is_key(m, "stm", 3))
            stm = m;
    }
    if (!e || !eid || eid->value_len != SNOWPLOW_EID_SIZE - 1)
        return false;
    char copy[SNOWPLOW_EID_SIZE];
    memcpy(copy, eid->value, SNOWPLOW_EID_SIZE - 1);
    copy[SNOWPLOW_EID_SIZE - 1] = '\0';
    out->eid = eid->value;
    /* Compact text: the member is exactly "stm":"value". */
    out->stm_from = stm ? stm->key - 1 : NULL;
    out->stm_to = stm ? stm->value + stm->value_len + 1 : NULL;
    return sp_uuid_valid(copy);
}

/* Queue the text as it is, or without its stm member and the comma beside it. */
static int enqueue_as_is(snowplow_emitter *emitter, const char *json, size_t len,
                         const sendable *at, const char *eid)
{
    if (!at->stm_from) {
        sp_text_piece whole = {json, len};
        return sp_emitter_enqueue_post_text(emitter, FN, &whole, 1, eid);
    }
    size_t from = (size_t)(at->stm_from - json), to = (size_t)(at->stm_to - json);
    if (json[to] == ',')
        to++; /* "stm":"..", at the start or in the middle */
    else if (json[from - 1] == ',')
        from--; /* ,"stm":".." at the end */
    sp_text_piece around[2] = {{json, from}, {json + to, len - to}};
    return sp_emitter_enqueue_post_text(emitter, FN, around, 2, eid);
}

/* The general path: the members into a payload, checked one by one. */
static int input_payload(snowplow_emitter *emitter, const char *json, size_t len,
                         char eid[SNOWPLOW_EID_SIZE])
{
    sp_payload p;
    sp_payload_init(&p);
    input_scratch s = {SP_STRBUF_INIT, SP_STRBUF_INIT};
    int rc = fill_payload(&p, json, len, &s);
    if (rc == 0)
        rc = check_envelope(&p, eid);
    if (rc == 0) {
        const sp_payload *group[1] = {&p};
        rc = sp_emitter_enqueue(emitter, FN, group, 1);
    }
    sp_strbuf_free(&s.key);
    sp_strbuf_free(&s.value);
    sp_payload_release(&p);
    return rc;
}

int snowplow_emitter_input_json(snowplow_emitter *emitter, const char *payload_json,
                                char *eid_out)
{
    if (!emitter)
        return sp_error_set(SNOWPLOW_EINVAL, FN ": emitter: NULL");
    if (!payload_json)
        return sp_error_set(SNOWPLOW_EINVAL, FN ": payload_json: NULL");
    size_t len = strlen(payload_json);
    char eid[SNOWPLOW_EID_SIZE];
    sendable at;
    int rc = 1;
    /* What the Redis transport writes is read once; anything else is checked
     * first, then copied member by member. */
    bool as_is = is_sendable_as_is(payload_json, len, &at);
    if (as_is) {
        memcpy(eid, at.eid, SNOWPLOW_EID_SIZE - 1);
        eid[SNOWPLOW_EID_SIZE - 1] = '\0';
        rc = enqueue_as_is(emitter, payload_json, len, &at, eid);
    } else {
        sp_json_facts facts = {0};
        rc = check_text(payload_json, len, &facts);
        if (rc < 0)
            return rc;
        rc = 1;
    }
    if (rc == 1) /* not as is, or the emitter sends GET */
        rc = input_payload(emitter, payload_json, len, eid);
    if (rc == 0 && eid_out)
        memcpy(eid_out, eid, SNOWPLOW_EID_SIZE);
    return rc;
}
