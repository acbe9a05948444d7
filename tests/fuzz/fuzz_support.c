/* Strict JSON checking and failure reporting for the fuzz harnesses. */
#include "fuzz_support.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 4096

typedef struct reader {
    const char *p;
    const char *end;
    int depth;
} reader;

static void skip_ws(reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool literal(reader *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return false;
    r->p += n;
    return true;
}

static bool string(reader *r)
{
    if (r->p >= r->end || *r->p != '"')
        return false;
    r->p++;
    while (r->p < r->end) {
        unsigned char c = (unsigned char)*r->p++;
        if (c == '"')
            return true;
        if (c < 0x20)
            return false;
        if (c != '\\')
            continue;
        if (r->p >= r->end)
            return false;
        char e = *r->p++;
        if (e == 'u') {
            if (r->end - r->p < 4)
                return false;
            for (int i = 0; i < 4; i++)
                if (!is_hex(r->p[i]))
                    return false;
            r->p += 4;
        } else if (!strchr("\"\\/bfnrt", e) || e == '\0') {
            return false;
        }
    }
    return false;
}

static bool digits(reader *r)
{
    const char *start = r->p;
    while (r->p < r->end && is_digit(*r->p))
        r->p++;
    return r->p > start;
}

static bool number(reader *r)
{
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p >= r->end)
        return false;
    if (*r->p == '0')
        r->p++;
    else if (!digits(r))
        return false;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (!digits(r))
            return false;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (!digits(r))
            return false;
    }
    return true;
}

static bool value(reader *r);

/* Elements separated by ',' up to `close`; objects have "key": before each value. */
static bool container(reader *r, char close, bool object)
{
    if (++r->depth > MAX_DEPTH)
        return false;
    r->p++; /* the opening bracket */
    skip_ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        r->depth--;
        return true;
    }
    for (;;) {
        skip_ws(r);
        if (object) {
            if (!string(r))
                return false;
            skip_ws(r);
            if (r->p >= r->end || *r->p++ != ':')
                return false;
        }
        if (!value(r))
            return false;
        skip_ws(r);
        if (r->p >= r->end)
            return false;
        char c = *r->p++;
        if (c == close) {
            r->depth--;
            return true;
        }
        if (c != ',')
            return false;
    }
}

static bool value(reader *r)
{
    skip_ws(r);
    if (r->p >= r->end)
        return false;
    switch (*r->p) {
    case '{':
        return container(r, '}', true);
    case '[':
        return container(r, ']', false);
    case '"':
        return string(r);
    case 't':
        return literal(r, "true");
    case 'f':
        return literal(r, "false");
    case 'n':
        return literal(r, "null");
    default:
        return number(r);
    }
}

bool fuzz_json_strict_valid(const char *text, size_t len)
{
    reader r = {text, text + len, 0};
    if (!value(&r))
        return false;
    skip_ws(&r);
    return r.p == r.end;
}

bool fuzz_strict_enabled(void)
{
    static int cached = -1;
    if (cached < 0) {
        const char *v = getenv("SNOWPLOW_FUZZ_LENIENT");
        cached = !(v != NULL && v[0] != '\0' && strcmp(v, "0") != 0);
    }
    return cached != 0;
}

void fuzz_check_strict_json(const char *what, const char *text, size_t len)
{
    if (!fuzz_strict_enabled() || fuzz_json_strict_valid(text, len))
        return;
    char message[160];
    snprintf(message, sizeof message, "%s is strict RFC 8259 JSON", what);
    fuzz_fail("strict JSON check", 0, message, text);
}

_Noreturn void fuzz_fail(const char *file, int line, const char *what, const char *detail)
{
    fprintf(stderr, "fuzz invariant violated: %s (%s:%d)\n", what, file, line);
    if (detail != NULL) {
        /* Control bytes shown as \xNN: they are often the point. */
        fputs("  detail: ", stderr);
        for (size_t i = 0; detail[i] != '\0' && i < 2000; i++) {
            unsigned char c = (unsigned char)detail[i];
            if (c < 0x20 || c == 0x7F)
                fprintf(stderr, "\\x%02x", c);
            else
                fputc(c, stderr);
        }
        fputc('\n', stderr);
    }
    fflush(stderr);
    abort();
}

/* Structural equality; numbers compare by value, so -0 equals 0 (the library
 * prints negative zero as 0 on purpose). */
bool fuzz_json_same(const cJSON *a, const cJSON *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    if ((a->type & 0xFF) != (b->type & 0xFF))
        return false;
    if (cJSON_IsNumber(a))
        return a->valuedouble == b->valuedouble;
    if (cJSON_IsString(a))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if (cJSON_IsArray(a) || cJSON_IsObject(a)) {
        const cJSON *x = a->child, *y = b->child;
        for (; x != NULL && y != NULL; x = x->next, y = y->next) {
            if (cJSON_IsObject(a) && strcmp(x->string, y->string) != 0)
                return false;
            if (!fuzz_json_same(x, y))
                return false;
        }
        return x == NULL && y == NULL;
    }
    return true; /* null, true, false */
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
