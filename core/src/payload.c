/*
 * One event's protocol fields. This runs on every track call, so a payload is a
 * single allocation in the common case: the field table and the first bytes of
 * keys and values live inside the struct; larger events chain extra blocks.
 * Blocks never move, so the strings handed out stay valid until the payload is
 * freed, whatever is added after.
 */
#include "payload.h"

#include <stdlib.h>
#include <string.h>

#include "snowplow/common.h"
#include "util/text.h"

/* Room for a typical event without a second allocation (about 20 fields). */
#define INLINE_FIELDS 20
#define INLINE_BYTES 768
#define MIN_BLOCK_BYTES 2048

typedef struct sp_field {
    const char *key;
    const char *value;
    size_t key_len;
    size_t value_len;
} sp_field;

typedef struct arena_block {
    struct arena_block *next;
    size_t cap;
    char data[];
} arena_block;

struct sp_payload {
    size_t count;
    size_t cap;
    sp_field *fields; /* inline_fields until it outgrows them */
    arena_block *blocks; /* extra blocks, newest first */
    char *free_ptr;      /* unused room of the current block */
    size_t free_left;
    sp_field inline_fields[INLINE_FIELDS];
    char inline_bytes[INLINE_BYTES];
};

sp_payload *sp_payload_new(void)
{
    sp_payload *p = malloc(sizeof *p);
    if (!p)
        return NULL;
    p->count = 0;
    p->cap = INLINE_FIELDS;
    p->fields = p->inline_fields;
    p->blocks = NULL;
    p->free_ptr = p->inline_bytes;
    p->free_left = sizeof p->inline_bytes;
    return p;
}

void sp_payload_free(sp_payload *p)
{
    if (!p)
        return;
    arena_block *b = p->blocks;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    if (p->fields != p->inline_fields)
        free(p->fields);
    free(p);
}

/* n bytes that live as long as the payload; NULL on ENOMEM. */
static char *arena_alloc(sp_payload *p, size_t n)
{
    if (n > p->free_left) {
        size_t cap = p->blocks ? p->blocks->cap * 2 : MIN_BLOCK_BYTES;
        if (cap < n)
            cap = n;
        if (cap > SIZE_MAX - sizeof(arena_block))
            return NULL;
        arena_block *b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->cap = cap;
        b->next = p->blocks;
        p->blocks = b;
        p->free_ptr = b->data;
        p->free_left = cap;
    }
    char *out = p->free_ptr;
    p->free_ptr += n;
    p->free_left -= n;
    return out;
}

static int grow_fields(sp_payload *p)
{
    if (p->cap > SIZE_MAX / 2 / sizeof(sp_field))
        return SNOWPLOW_ENOMEM;
    size_t cap = p->cap * 2;
    sp_field *fields;
    if (p->fields == p->inline_fields) {
        fields = malloc(cap * sizeof *fields);
        if (fields)
            memcpy(fields, p->inline_fields, p->count * sizeof *fields);
    } else {
        fields = realloc(p->fields, cap * sizeof *fields);
    }
    if (!fields)
        return SNOWPLOW_ENOMEM;
    p->fields = fields;
    p->cap = cap;
    return 0;
}

int sp_payload_add_len(sp_payload *p, const char *key, const char *value, size_t len)
{
    if (!p || !key)
        return SNOWPLOW_EINVAL;
    if (!value || len == 0)
        return 0; /* PROTOCOL.md: empty optional values are left out */
    if (p->count == p->cap && grow_fields(p) != 0)
        return SNOWPLOW_ENOMEM;
    size_t key_len = strlen(key);
    if (len > SIZE_MAX - key_len - 2)
        return SNOWPLOW_ENOMEM;
    /* Key and value side by side, each NUL-terminated. */
    char *mem = arena_alloc(p, key_len + 1 + len + 1);
    if (!mem)
        return SNOWPLOW_ENOMEM;
    memcpy(mem, key, key_len + 1);
    char *val = mem + key_len + 1;
    memcpy(val, value, len);
    val[len] = '\0';
    p->fields[p->count++] = (sp_field){mem, val, key_len, len};
    return 0;
}

int sp_payload_add(sp_payload *p, const char *key, const char *value)
{
    return sp_payload_add_len(p, key, value, value ? strlen(value) : 0);
}

int sp_payload_add_int(sp_payload *p, const char *key, int64_t v)
{
    char text[24];
    size_t n = sp_format_int64(text, v);
    return sp_payload_add_len(p, key, text, n);
}

int sp_payload_add_double(sp_payload *p, const char *key, double v)
{
    char text[32];
    size_t n = sp_format_double(text, v);
    return sp_payload_add_len(p, key, text, n);
}

int sp_payload_add_json(sp_payload *p, int base64, const char *key_b64,
                        const char *key_plain, const char *json, size_t len)
{
    if (!json || len == 0)
        return 0;
    if (!base64)
        return sp_payload_add_len(p, key_plain, json, len);
    size_t encoded_len;
    char *encoded = sp_base64url_encode(json, len, &encoded_len);
    if (!encoded)
        return SNOWPLOW_ENOMEM;
    int rc = sp_payload_add_len(p, key_b64, encoded, encoded_len);
    free(encoded);
    return rc;
}

sp_payload *sp_payload_clone(const sp_payload *p)
{
    if (!p)
        return NULL;
    sp_payload *copy = sp_payload_new();
    if (!copy)
        return NULL;
    for (size_t i = 0; i < p->count; i++) {
        const sp_field *f = &p->fields[i];
        if (sp_payload_add_len(copy, f->key, f->value, f->value_len) != 0) {
            sp_payload_free(copy);
            return NULL;
        }
    }
    return copy;
}

size_t sp_payload_count(const sp_payload *p)
{
    return p ? p->count : 0;
}

const char *sp_payload_key(const sp_payload *p, size_t i)
{
    return p && i < p->count ? p->fields[i].key : NULL;
}

const char *sp_payload_value(const sp_payload *p, size_t i)
{
    return p && i < p->count ? p->fields[i].value : NULL;
}

const char *sp_payload_get(const sp_payload *p, const char *key)
{
    if (!p || !key)
        return NULL;
    size_t key_len = strlen(key);
    for (size_t i = 0; i < p->count; i++) {
        const sp_field *f = &p->fields[i];
        if (f->key_len == key_len && memcmp(f->key, key, key_len) == 0)
            return f->value;
    }
    return NULL;
}

/* Bytes the encoded fields take when nothing needs escaping: one reservation. */
static size_t plain_size(const sp_payload *p, size_t per_field)
{
    size_t n = 2;
    for (size_t i = 0; i < p->count; i++)
        n += p->fields[i].key_len + p->fields[i].value_len + per_field;
    return n;
}

int sp_payload_to_json(const sp_payload *p, sp_strbuf *out)
{
    if (!p || !out)
        return SNOWPLOW_EINVAL;
    if (sp_strbuf_reserve(out, plain_size(p, 6)) != 0 || sp_strbuf_append_char(out, '{') != 0)
        return SNOWPLOW_ENOMEM;
    for (size_t i = 0; i < p->count; i++) {
        const sp_field *f = &p->fields[i];
        if ((i && sp_strbuf_append_char(out, ',') != 0) ||
            sp_strbuf_append_json_string(out, f->key, f->key_len) != 0 ||
            sp_strbuf_append_char(out, ':') != 0 ||
            sp_strbuf_append_json_string(out, f->value, f->value_len) != 0)
            return SNOWPLOW_ENOMEM;
    }
    return sp_strbuf_append_char(out, '}');
}

int sp_payload_to_query(const sp_payload *p, sp_strbuf *out)
{
    if (!p || !out)
        return SNOWPLOW_EINVAL;
    if (sp_strbuf_reserve(out, plain_size(p, 2)) != 0)
        return SNOWPLOW_ENOMEM;
    for (size_t i = 0; i < p->count; i++) {
        const sp_field *f = &p->fields[i];
        if ((i && sp_strbuf_append_char(out, '&') != 0) ||
            sp_strbuf_append_urlencoded(out, f->key, f->key_len) != 0 ||
            sp_strbuf_append_char(out, '=') != 0 ||
            sp_strbuf_append_urlencoded(out, f->value, f->value_len) != 0)
            return SNOWPLOW_ENOMEM;
    }
    /* An empty payload still leaves a NUL-terminated "" behind. */
    return sp_strbuf_append(out, "", 0);
}
