/* A growable, NUL-terminated byte buffer with the encoders the wire formats need. */
#include "util/strbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snowplow/common.h"

/* First allocation: most fields and small payloads fit without regrowing. */
#define STRBUF_MIN_CAP 64

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

int sp_strbuf_reserve(sp_strbuf *b, size_t extra)
{
    /* +1 keeps room for the terminating NUL. */
    if (extra > SIZE_MAX - b->len - 1)
        return SNOWPLOW_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : STRBUF_MIN_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2; /* amortised doubling */
    char *data = realloc(b->data, cap);
    if (!data)
        return SNOWPLOW_ENOMEM;
    b->data = data;
    b->cap = cap;
    return 0;
}

int sp_strbuf_append(sp_strbuf *b, const char *data, size_t len)
{
    if (sp_strbuf_reserve(b, len) != 0)
        return SNOWPLOW_ENOMEM;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int sp_strbuf_append_str(sp_strbuf *b, const char *s)
{
    return sp_strbuf_append(b, s, strlen(s));
}

int sp_strbuf_append_char(sp_strbuf *b, char c)
{
    return sp_strbuf_append(b, &c, 1);
}

/* The escape a byte needs inside a JSON string; 0 when it is copied as is. */
static char json_short_escape(unsigned char c)
{
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\n': return 'n';
    case '\t': return 't';
    case '\r': return 'r';
    case '\b': return 'b';
    case '\f': return 'f';
    default: return 0;
    }
}

int sp_strbuf_append_json_string(sp_strbuf *b, const char *s, size_t len)
{
    /* Reserve for the common case (nothing to escape) once, grow on escapes. */
    if (len > SIZE_MAX - 2 || sp_strbuf_reserve(b, len + 2) != 0)
        return SNOWPLOW_ENOMEM;
    b->data[b->len++] = '"';
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0; /* start of the pending bytes that need no escape */
    size_t i = 0;
    while (i < len) {
        uint64_t w;
        if (i + 8 <= len && (memcpy(&w, u + i, 8), !sp_json_word_needs_escape(w))) {
            i += 8;
            continue;
        }
        unsigned char c = u[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            i++; /* UTF-8 multibyte sequences pass through unchanged */
            continue;
        }
        if (sp_strbuf_append(b, s + run, i - run) != 0)
            return SNOWPLOW_ENOMEM;
        char esc[6] = {'\\', json_short_escape(c), 0, 0, 0, 0};
        size_t esc_len = 2;
        if (!esc[1]) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex_lower[c >> 4]; /* as Python's json module writes it */
            esc[5] = hex_lower[c & 0x0F];
            esc_len = 6;
        }
        if (sp_strbuf_append(b, esc, esc_len) != 0)
            return SNOWPLOW_ENOMEM;
        run = ++i;
    }
    if (sp_strbuf_append(b, s + run, len - run) != 0 || sp_strbuf_append_char(b, '"') != 0)
        return SNOWPLOW_ENOMEM;
    return 0;
}

/* RFC 3986 unreserved: A-Z a-z 0-9 - . _ ~, as a bitmap of the ASCII codes
 * (one test per byte: this runs over every byte of every GET event). */
static const uint64_t unreserved_bits[2] = {0x03ff600000000000ULL, 0x47fffffe87fffffeULL};

static inline int is_unreserved(unsigned char c)
{
    return c < 128 && (unreserved_bits[c >> 6] >> (c & 63)) & 1;
}

int sp_strbuf_append_urlencoded(sp_strbuf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len > SIZE_MAX / 3)
        return SNOWPLOW_ENOMEM;
    /* Room for the worst case, so that the text is read once. */
    if (sp_strbuf_reserve(b, len * 3) != 0)
        return SNOWPLOW_ENOMEM;
    char *start = b->data + b->len, *out = start;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = u[i];
        if (is_unreserved(c)) {
            *out++ = (char)c;
        } else {
            *out++ = '%';
            *out++ = hex_upper[c >> 4];
            *out++ = hex_upper[c & 0x0F];
        }
    }
    b->len += (size_t)(out - start);
    b->data[b->len] = '\0';
    return 0;
}

char *sp_strbuf_detach(sp_strbuf *b)
{
    char *data = b->data;
    if (!data) {
        data = malloc(1);
        if (!data)
            return NULL;
        data[0] = '\0';
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return data;
}

void sp_strbuf_reset(sp_strbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void sp_strbuf_free(sp_strbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
