/*
 * One event's protocol fields. This runs on every track call, so a typical
 * payload needs no allocation of its own (the tracker keeps it on its stack):
 * the field table and the first bytes of keys and values live inside the
 * struct; larger events chain extra blocks.
 * Blocks never move, so the strings handed out stay valid until the payload is
 * freed, whatever is added after.
 */
#include "event/payload.h"

#include <stdlib.h>
#include <string.h>

#include "snowplow/common.h"
#include "util/text.h"

#define MIN_BLOCK_BYTES 2048

struct sp_payload_block {
    struct sp_payload_block *next;
    size_t cap;
    char data[];
};

void sp_payload_init(sp_payload *p)
{
    p->count = 0;
    p->cap = SP_PAYLOAD_INLINE_FIELDS;
    p->fields = p->inline_fields;
    p->blocks = NULL;
    p->free_ptr = p->inline_bytes;
    p->free_left = sizeof p->inline_bytes;
}

void sp_payload_release(sp_payload *p)
{
    if (!p)
        return;
    sp_payload_block *b = p->blocks;
    while (b) {
        sp_payload_block *next = b->next;
        free(b);
        b = next;
    }
    if (p->fields != p->inline_fields)
        free(p->fields);
    sp_payload_init(p);
}

sp_payload *sp_payload_new(void)
{
    sp_payload *p = malloc(sizeof *p);
    if (p)
        sp_payload_init(p);
    return p;
}

void sp_payload_free(sp_payload *p)
{
    if (!p)
        return;
    sp_payload_release(p);
    free(p);
}

/* n bytes that live as long as the payload; NULL on ENOMEM. */
static char *arena_alloc(sp_payload *p, size_t n)
{
    if (n > p->free_left) {
        size_t cap = p->blocks ? p->blocks->cap * 2 : MIN_BLOCK_BYTES;
        if (cap < n)
            cap = n;
        if (cap > SIZE_MAX - sizeof(sp_payload_block))
            return NULL;
        sp_payload_block *b = malloc(sizeof *b + cap);
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
    if (p->cap > SIZE_MAX / 2 / sizeof(sp_payload_field))
        return SNOWPLOW_ENOMEM;
    size_t cap = p->cap * 2;
    sp_payload_field *fields;
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

/* Room for a new field's key and a value of `len` bytes, the key copied unless
 * SP_PAYLOAD_KEY_LITERAL; the value's room is *value_out (len + 1 bytes), or
 * none with SP_PAYLOAD_BORROWED (*value_out is then NULL). */
static int new_field(sp_payload *p, const char *key, size_t len, unsigned flags,
                     char **value_out)
{
    if (p->count == p->cap && grow_fields(p) != 0)
        return SNOWPLOW_ENOMEM;
    size_t key_len = strlen(key);
    if (len > SIZE_MAX - key_len - 2)
        return SNOWPLOW_ENOMEM;
    size_t key_room = flags & SP_PAYLOAD_KEY_LITERAL ? 0 : key_len + 1;
    size_t value_room = flags & SP_PAYLOAD_BORROWED ? 0 : len + 1;
    /* Key and value side by side, each NUL-terminated. */
    char *mem = key_room + value_room ? arena_alloc(p, key_room + value_room) : NULL;
    if (key_room + value_room && !mem)
        return SNOWPLOW_ENOMEM;
    const char *k = key;
    if (key_room) {
        memcpy(mem, key, key_room);
        k = mem;
    }
    char *val = value_room ? mem + key_room : NULL;
    if (val)
        val[len] = '\0';
    p->fields[p->count++] = (sp_payload_field){k, val, key_len, len, flags};
    *value_out = val;
    return 0;
}

static int add_field(sp_payload *p, const char *key, const char *value, size_t len,
                     unsigned flags)
{
    if (!p || !key)
        return SNOWPLOW_EINVAL;
    if (!value || len == 0)
        return 0; /* PROTOCOL.md: empty optional values are left out */
    char *val;
    int rc = new_field(p, key, len, flags, &val);
    if (rc == 0 && val)
        memcpy(val, value, len);
    else if (rc == 0)
        p->fields[p->count - 1].value = value; /* borrowed */
    return rc;
}

int sp_payload_add_flags(sp_payload *p, const char *key, const char *value, size_t len,
                         unsigned flags)
{
    return add_field(p, key, value, len, flags);
}

int sp_payload_add_borrowed(sp_payload *p, const char *key, const char *value)
{
    return add_field(p, key, value, value ? strlen(value) : 0,
                     SP_PAYLOAD_KEY_LITERAL | SP_PAYLOAD_BORROWED);
}

int sp_payload_add_len(sp_payload *p, const char *key, const char *value, size_t len)
{
    return add_field(p, key, value, len, 0);
}

int sp_payload_add_plain(sp_payload *p, const char *key, const char *value, size_t len)
{
    return add_field(p, key, value, len, SP_PAYLOAD_PLAIN);
}

int sp_payload_add(sp_payload *p, const char *key, const char *value)
{
    return sp_payload_add_len(p, key, value, value ? strlen(value) : 0);
}

int sp_payload_add_int(sp_payload *p, const char *key, int64_t v)
{
    char text[24];
    size_t n = sp_format_int64(text, v);
    return add_field(p, key, text, n, SP_PAYLOAD_PLAIN);
}

int sp_payload_add_double(sp_payload *p, const char *key, double v)
{
    char text[32];
    size_t n = sp_format_double(text, v);
    return add_field(p, key, text, n, SP_PAYLOAD_PLAIN);
}

int sp_payload_add_json_pieces(sp_payload *p, int base64, const char *key_b64,
                               const char *key_plain, const sp_text_piece *pieces, size_t n)
{
    if (!p || (n && !pieces))
        return SNOWPLOW_EINVAL;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (pieces[i].len > SIZE_MAX - total)
            return SNOWPLOW_ENOMEM;
        total += pieces[i].len;
    }
    if (total == 0)
        return 0;
    char *val;
    if (base64) {
        size_t encoded = sp_base64url_encoded_len(total);
        if (encoded == SIZE_MAX)
            return SNOWPLOW_ENOMEM;
        /* base64url: nothing to escape */
        int rc = new_field(p, key_b64, encoded, SP_PAYLOAD_PLAIN | SP_PAYLOAD_KEY_LITERAL, &val);
        if (rc == 0)
            sp_base64url_encode_pieces(val, pieces, n);
        return rc;
    }
    int rc = new_field(p, key_plain, total, SP_PAYLOAD_KEY_LITERAL, &val);
    for (size_t i = 0; i < n && rc == 0; i++) {
        memcpy(val, pieces[i].data, pieces[i].len);
        val += pieces[i].len;
    }
    return rc;
}

int sp_payload_add_json(sp_payload *p, int base64, const char *key_b64,
                        const char *key_plain, const char *json, size_t len)
{
    if (!json || len == 0)
        return 0;
    sp_text_piece piece = {json, len};
    return sp_payload_add_json_pieces(p, base64, key_b64, key_plain, &piece, 1);
}

sp_payload *sp_payload_clone(const sp_payload *p)
{
    if (!p)
        return NULL;
    sp_payload *copy = sp_payload_new();
    if (!copy)
        return NULL;
    for (size_t i = 0; i < p->count; i++) {
        const sp_payload_field *f = &p->fields[i];
        /* The copy owns its values; literal keys stay shared (static). */
        unsigned flags = f->flags & ~(unsigned)SP_PAYLOAD_BORROWED;
        if (add_field(copy, f->key, f->value, f->value_len, flags) != 0) {
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
        const sp_payload_field *f = &p->fields[i];
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

/* `"text"` into b, whose room the caller has checked; escaping takes the slow
 * path, which grows the buffer itself. */
static int put_json_string(sp_strbuf *b, const char *s, size_t len, int plain)
{
    if (!plain && sp_json_needs_escape(s, len))
        return sp_strbuf_append_json_string(b, s, len);
    if (b->cap - b->len < len + 3 && sp_strbuf_reserve(b, len + 2) != 0)
        return SNOWPLOW_ENOMEM;
    char *w = b->data + b->len;
    *w++ = '"';
    memcpy(w, s, len);
    w += len;
    *w++ = '"';
    *w = '\0';
    b->len = (size_t)(w - b->data);
    return 0;
}

/* One byte, with the room check inline (the whole text was reserved up front). */
static int put_char(sp_strbuf *b, char c)
{
    if (b->cap - b->len < 2 && sp_strbuf_reserve(b, 1) != 0)
        return SNOWPLOW_ENOMEM;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return 0;
}

/* `,"key":"value"` (`{` first) in one go: neither needs escaping. */
static int put_plain_member(sp_strbuf *b, char sep, const sp_payload_field *f)
{
    size_t need = f->key_len + f->value_len + 6;
    if (b->cap - b->len < need + 1 && sp_strbuf_reserve(b, need) != 0)
        return SNOWPLOW_ENOMEM; /* only after an escaped field outgrew the reservation */
    char *w = b->data + b->len;
    *w++ = sep;
    *w++ = '"';
    memcpy(w, f->key, f->key_len);
    w += f->key_len;
    memcpy(w, "\":\"", 3);
    w += 3;
    memcpy(w, f->value, f->value_len);
    w += f->value_len;
    *w++ = '"';
    *w = '\0';
    b->len = (size_t)(w - b->data);
    return 0;
}

int sp_payload_to_json(const sp_payload *p, sp_strbuf *out)
{
    if (!p || !out)
        return SNOWPLOW_EINVAL;
    if (sp_strbuf_reserve(out, plain_size(p, 6)) != 0)
        return SNOWPLOW_ENOMEM;
    char sep = '{';
    for (size_t i = 0; i < p->count; i++, sep = ',') {
        const sp_payload_field *f = &p->fields[i];
        int rc;
        int key_plain = f->flags & SP_PAYLOAD_KEY_LITERAL, plain = f->flags & SP_PAYLOAD_PLAIN;
        if ((key_plain || !sp_json_needs_escape(f->key, f->key_len)) &&
            (plain || !sp_json_needs_escape(f->value, f->value_len)))
            rc = put_plain_member(out, sep, f);
        else
            rc = put_char(out, sep) || put_json_string(out, f->key, f->key_len, 0) ||
                         put_char(out, ':') ||
                         put_json_string(out, f->value, f->value_len, plain)
                     ? SNOWPLOW_ENOMEM
                     : 0;
        if (rc != 0)
            return rc;
    }
    if (p->count == 0 && put_char(out, '{') != 0)
        return SNOWPLOW_ENOMEM;
    return put_char(out, '}');
}

int sp_payload_to_query(const sp_payload *p, sp_strbuf *out)
{
    if (!p || !out)
        return SNOWPLOW_EINVAL;
    if (sp_strbuf_reserve(out, plain_size(p, 2)) != 0)
        return SNOWPLOW_ENOMEM;
    for (size_t i = 0; i < p->count; i++) {
        const sp_payload_field *f = &p->fields[i];
        if ((i && sp_strbuf_append_char(out, '&') != 0) ||
            sp_strbuf_append_urlencoded(out, f->key, f->key_len) != 0 ||
            sp_strbuf_append_char(out, '=') != 0 ||
            sp_strbuf_append_urlencoded(out, f->value, f->value_len) != 0)
            return SNOWPLOW_ENOMEM;
    }
    /* An empty payload still leaves a NUL-terminated "" behind. */
    return sp_strbuf_append(out, "", 0);
}
