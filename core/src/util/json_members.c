/* Members of a validated JSON object, read in place without building a tree. */
#include "util/json_members.h"

#include <string.h>

#include "snowplow/common.h"
#include "util/text.h"

static size_t skip_space(const char *s, size_t len, size_t pos)
{
    while (pos < len && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r'))
        pos++;
    return pos;
}

/* s[pos] is an opening quote: the position of the closing one (or len). */
static size_t string_end(const char *s, size_t len, size_t pos, bool *escaped)
{
    *escaped = false;
    pos++;
    /* Inside a valid string only '"' and '\\' matter: skip eight plain bytes per step. */
    while (len - pos >= 8 && !sp_json_word_needs_escape(sp_load_word(s + pos)))
        pos += 8;
    for (; pos < len; pos++) {
        if (s[pos] == '"')
            return pos;
        if (s[pos] == '\\') {
            *escaped = true;
            pos++;
        }
    }
    return len;
}

/* s[pos] starts a container: the position just after its closing bracket. */
static size_t container_end(const char *s, size_t len, size_t pos)
{
    size_t depth = 0;
    bool escaped;
    for (; pos < len; pos++) {
        char c = s[pos];
        if (c == '"')
            pos = string_end(s, len, pos, &escaped);
        else if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return pos + 1;
    }
    return len;
}

static size_t token_end(const char *s, size_t len, size_t pos)
{
    while (pos < len && s[pos] != ',' && s[pos] != '}' && s[pos] != ']' && s[pos] != ' ' &&
           s[pos] != '\t' && s[pos] != '\n' && s[pos] != '\r')
        pos++;
    return pos;
}

bool sp_json_next_member(const char *s, size_t len, size_t *pos, sp_json_member *m)
{
    size_t p = skip_space(s, len, *pos);
    if (p < len && (s[p] == '{' || s[p] == ','))
        p = skip_space(s, len, p + 1);
    if (p >= len || s[p] != '"') {
        *pos = len;
        return false;
    }
    size_t end = string_end(s, len, p, &m->key_escaped);
    m->key = s + p + 1;
    m->key_len = end - p - 1;
    p = skip_space(s, len, end + 1);
    if (p < len && s[p] == ':')
        p = skip_space(s, len, p + 1);
    if (p >= len) {
        *pos = len;
        return false;
    }
    m->value_escaped = false;
    char c = s[p];
    if (c == '"') {
        end = string_end(s, len, p, &m->value_escaped);
        m->kind = SP_JSON_STRING;
        m->value = s + p + 1;
        m->value_len = end - p - 1;
        *pos = end < len ? end + 1 : len;
        return true;
    }
    if (c == '{' || c == '[') {
        end = container_end(s, len, p);
        m->kind = c == '{' ? SP_JSON_OBJECT : SP_JSON_ARRAY;
    } else {
        end = token_end(s, len, p);
        m->kind = c == 't' || c == 'f' ? SP_JSON_BOOLEAN
                  : c == 'n'           ? SP_JSON_NULL
                                       : SP_JSON_NUMBER;
    }
    m->value = s + p;
    m->value_len = end - p;
    *pos = end;
    return true;
}

/* The UTF-16 unit of the four hex digits at s (valid JSON guarantees them). */
static unsigned hex4(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++)
        v = v * 16 + (unsigned)sp_hex_value((unsigned char)s[i]);
    return v;
}

static int append_utf8(sp_strbuf *out, unsigned long cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return sp_strbuf_append(out, b, n);
}

int sp_json_unescape(const char *s, size_t len, sp_strbuf *out)
{
    int rc = sp_strbuf_reserve(out, len);
    size_t i = 0;
    while (rc == 0 && i < len) {
        const char *bs = memchr(s + i, '\\', len - i);
        size_t run = bs ? (size_t)(bs - (s + i)) : len - i;
        rc = sp_strbuf_append(out, s + i, run);
        i += run;
        if (rc != 0 || i >= len || i + 1 >= len)
            break;
        char c = s[i + 1];
        i += 2;
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = c ? strchr(from, c) : NULL;
        if (k) {
            rc = sp_strbuf_append_char(out, to[k - from]);
            continue;
        }
        if (c != 'u' || len - i < 4)
            break; /* not valid JSON: the caller validated it */
        unsigned long cp = hex4(s + i);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && len - i >= 6 && s[i] == '\\' && s[i + 1] == 'u') {
            unsigned lo = hex4(s + i + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
        }
        rc = append_utf8(out, cp);
    }
    return rc;
}

const char *sp_json_kind_name(sp_json_kind kind)
{
    switch (kind) {
    case SP_JSON_STRING:
        return "a string";
    case SP_JSON_NUMBER:
        return "a number";
    case SP_JSON_BOOLEAN:
        return "a boolean";
    case SP_JSON_NULL:
        return "null";
    case SP_JSON_OBJECT:
        return "an object";
    case SP_JSON_ARRAY:
        return "an array";
    }
    return "a value";
}
