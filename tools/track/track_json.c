/* snowplow-track: in-place scanner for one level of a JSON object or array. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "track_json.h"

#define MAX_DEPTH 512

typedef struct scanner {
    char *s;
    size_t len;
    size_t pos;
    char *err;
    size_t errlen;
} scanner;

static int fail(scanner *sc, const char *what)
{
    snprintf(sc->err, sc->errlen, "invalid JSON: %s at byte %zu", what, sc->pos);
    return -1;
}

static void skip_ws(scanner *sc)
{
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        sc->pos++;
    }
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A \u escape at s[pos] (after the backslash and 'u'), with its surrogate pair. */
static int unicode_escape(scanner *sc, unsigned *cp)
{
    if (sc->pos + 4 > sc->len || hex4(sc->s + sc->pos, cp) != 0)
        return fail(sc, "bad \\u escape");
    sc->pos += 4;
    if (*cp >= 0xDC00 && *cp <= 0xDFFF)
        return fail(sc, "lone low surrogate");
    if (*cp >= 0xD800 && *cp <= 0xDBFF) {
        unsigned lo;
        if (sc->pos + 6 > sc->len || sc->s[sc->pos] != '\\' || sc->s[sc->pos + 1] != 'u' ||
            hex4(sc->s + sc->pos + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
            return fail(sc, "lone high surrogate");
        sc->pos += 6;
        *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    return 0;
}

/* The string whose opening quote is at pos: unescaped in place, NUL-ended. */
static int scan_string(scanner *sc, char **out, size_t *out_len)
{
    sc->pos++; /* the quote */
    char *start = sc->s + sc->pos;
    char *w = start;
    for (;;) {
        if (sc->pos >= sc->len)
            return fail(sc, "unterminated string");
        unsigned char c = (unsigned char)sc->s[sc->pos];
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(sc, "control character in string");
        if (c != '\\') {
            *w++ = (char)c;
            sc->pos++;
            continue;
        }
        if (sc->pos + 1 >= sc->len)
            return fail(sc, "unterminated string");
        char e = sc->s[sc->pos + 1];
        sc->pos += 2;
        switch (e) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp;
            if (unicode_escape(sc, &cp) != 0)
                return -1;
            if (cp == 0)
                return fail(sc, "\\u0000 in string");
            w += put_utf8(w, cp);
            break;
        }
        default:
            sc->pos -= 1;
            return fail(sc, "bad escape");
        }
    }
    *w = '\0'; /* at or before the closing quote, which is consumed */
    sc->pos++;
    *out = start;
    *out_len = (size_t)(w - start);
    return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int scan_number(scanner *sc)
{
    const char *s = sc->s;
    size_t p = sc->pos;
    if (p < sc->len && s[p] == '-')
        p++;
    if (p < sc->len && s[p] == '0')
        p++;
    else if (p < sc->len && is_digit(s[p]))
        while (p < sc->len && is_digit(s[p]))
            p++;
    else
        return fail(sc, "bad number");
    if (p < sc->len && s[p] == '.') {
        p++;
        if (p >= sc->len || !is_digit(s[p]))
            return fail(sc, "bad number");
        while (p < sc->len && is_digit(s[p]))
            p++;
    }
    if (p < sc->len && (s[p] == 'e' || s[p] == 'E')) {
        p++;
        if (p < sc->len && (s[p] == '+' || s[p] == '-'))
            p++;
        if (p >= sc->len || !is_digit(s[p]))
            return fail(sc, "bad number");
        while (p < sc->len && is_digit(s[p]))
            p++;
    }
    sc->pos = p;
    return 0;
}

/* Skip a nested object or array: brackets must match, strings must end. */
static int skip_nested(scanner *sc)
{
    char stack[MAX_DEPTH];
    int depth = 0;
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];
        if (c == '"') {
            sc->pos++;
            while (sc->pos < sc->len && sc->s[sc->pos] != '"') {
                if (sc->s[sc->pos] == '\\')
                    sc->pos++;
                sc->pos++;
            }
            if (sc->pos >= sc->len)
                return fail(sc, "unterminated string");
        } else if (c == '{' || c == '[') {
            if (depth == MAX_DEPTH)
                return fail(sc, "nested too deeply");
            stack[depth++] = c == '{' ? '}' : ']';
        } else if (c == '}' || c == ']') {
            if (depth == 0 || stack[depth - 1] != c)
                return fail(sc, "mismatched bracket");
            if (--depth == 0) {
                sc->pos++;
                return 0;
            }
        }
        sc->pos++;
    }
    return fail(sc, "unterminated object or array");
}

static int literal(scanner *sc, const char *word, track_json_kind kind, track_json_value *v)
{
    size_t n = strlen(word);
    if (sc->pos + n > sc->len || memcmp(sc->s + sc->pos, word, n) != 0)
        return fail(sc, "unexpected character");
    v->kind = kind;
    sc->pos += n;
    return 0;
}

/* One value at pos. Raw kinds get their extent; they are NUL-ended later. */
static int scan_value(scanner *sc, track_json_value *v)
{
    if (sc->pos >= sc->len)
        return fail(sc, "value expected");
    size_t start = sc->pos;
    char c = sc->s[sc->pos];
    v->text = sc->s + start;
    switch (c) {
    case '"':
        v->kind = TRACK_JSON_STRING;
        return scan_string(sc, &v->text, &v->len);
    case '{':
    case '[':
        v->kind = c == '{' ? TRACK_JSON_OBJECT : TRACK_JSON_ARRAY;
        if (skip_nested(sc) != 0)
            return -1;
        break;
    case 't':
        if (literal(sc, "true", TRACK_JSON_TRUE, v) != 0)
            return -1;
        break;
    case 'f':
        if (literal(sc, "false", TRACK_JSON_FALSE, v) != 0)
            return -1;
        break;
    case 'n':
        if (literal(sc, "null", TRACK_JSON_NULL, v) != 0)
            return -1;
        break;
    default:
        v->kind = TRACK_JSON_NUMBER;
        if (scan_number(sc) != 0)
            return -1;
    }
    v->len = sc->pos - start;
    return 0;
}

static int scan(track_json_value *out, size_t max, char *text, size_t len, char *err,
                size_t errlen, char open, char close)
{
    scanner sc = {text, len, 0, err, errlen};
    skip_ws(&sc);
    if (sc.pos >= len || text[sc.pos] != open)
        return fail(&sc, open == '{' ? "not an object" : "not an array");
    sc.pos++;
    size_t n = 0;
    skip_ws(&sc);
    if (sc.pos < len && text[sc.pos] == close) {
        sc.pos++;
    } else {
        for (;;) {
            if (n == max)
                return fail(&sc, "too many members");
            track_json_value *v = &out[n];
            v->key = NULL;
            skip_ws(&sc);
            if (open == '{') {
                char *key;
                size_t key_len;
                if (sc.pos >= len || text[sc.pos] != '"')
                    return fail(&sc, "member name expected");
                if (scan_string(&sc, &key, &key_len) != 0)
                    return -1;
                for (size_t i = 0; i < n; i++)
                    if (strcmp(out[i].key, key) == 0)
                        return fail(&sc, "duplicate member name");
                v->key = key;
                skip_ws(&sc);
                if (sc.pos >= len || text[sc.pos] != ':')
                    return fail(&sc, "':' expected");
                sc.pos++;
                skip_ws(&sc);
            }
            if (scan_value(&sc, v) != 0)
                return -1;
            n++;
            skip_ws(&sc);
            if (sc.pos < len && text[sc.pos] == ',') {
                sc.pos++;
                continue;
            }
            if (sc.pos < len && text[sc.pos] == close) {
                sc.pos++;
                break;
            }
            return fail(&sc, open == '{' ? "',' or '}' expected" : "',' or ']' expected");
        }
    }
    skip_ws(&sc);
    if (sc.pos != len)
        return fail(&sc, "text after the end");
    /* Raw values end right before a delimiter that has been read: end them now. */
    for (size_t i = 0; i < n; i++)
        if (out[i].kind != TRACK_JSON_STRING)
            out[i].text[out[i].len] = '\0';
    return (int)n;
}

int track_json_object(track_json_value *out, size_t max, char *text, size_t len, char *err,
                      size_t errlen)
{
    return scan(out, max, text, len, err, errlen, '{', '}');
}

int track_json_array(track_json_value *out, size_t max, char *text, size_t len, char *err,
                     size_t errlen)
{
    return scan(out, max, text, len, err, errlen, '[', ']');
}

const track_json_value *track_json_get(const track_json_value *v, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v[i].key, key) == 0)
            return &v[i];
    return NULL;
}

const char *track_json_kind_name(track_json_kind kind)
{
    switch (kind) {
    case TRACK_JSON_STRING: return "a string";
    case TRACK_JSON_NUMBER: return "a number";
    case TRACK_JSON_OBJECT: return "an object";
    case TRACK_JSON_ARRAY: return "an array";
    case TRACK_JSON_TRUE:
    case TRACK_JSON_FALSE: return "a boolean";
    case TRACK_JSON_NULL: return "null";
    }
    return "a value";
}
