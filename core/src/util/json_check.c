/* Strict JSON grammar check: a small recursive-descent reader that builds nothing. */
#include "util/json_check.h"

#include <string.h>

typedef struct reader {
    const char *s;
    size_t len, pos;
    const char *problem;
} reader;

static int fail(reader *r, const char *problem)
{
    if (r->problem == NULL)
        r->problem = problem;
    return 0;
}

static void skip_space(reader *r)
{
    while (r->pos < r->len) {
        char c = r->s[r->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        r->pos++;
    }
}

static int peek(const reader *r)
{
    return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int read_string(reader *r)
{
    r->pos++; /* the opening quote */
    while (r->pos < r->len) {
        unsigned char c = (unsigned char)r->s[r->pos++];
        if (c == '"')
            return 1;
        if (c < 0x20)
            return fail(r, "a raw control character inside a string (escape it)");
        if (c != '\\')
            continue;
        int e = peek(r);
        r->pos++;
        if (e == 'u') {
            for (int k = 0; k < 4; k++, r->pos++)
                if (!is_hex(peek(r)))
                    return fail(r, "a \\u escape needs four hex digits");
        } else if (e < 0 || !strchr("\"\\/bfnrt", e)) {
            return fail(r, "an unknown escape in a string");
        }
    }
    return fail(r, "an unterminated string");
}

static int read_digits(reader *r)
{
    if (!is_digit(peek(r)))
        return 0;
    while (is_digit(peek(r)))
        r->pos++;
    return 1;
}

static int read_number(reader *r)
{
    if (peek(r) == '-')
        r->pos++;
    if (peek(r) == '0') {
        r->pos++;
        if (is_digit(peek(r)))
            return fail(r, "a number with a leading zero");
    } else if (!read_digits(r)) {
        return fail(r, "a malformed number");
    }
    if (peek(r) == '.') {
        r->pos++;
        if (!read_digits(r))
            return fail(r, "a number needs digits after '.'");
    }
    if (peek(r) == 'e' || peek(r) == 'E') {
        r->pos++;
        if (peek(r) == '+' || peek(r) == '-')
            r->pos++;
        if (!read_digits(r))
            return fail(r, "a number needs digits in its exponent");
    }
    return 1;
}

static int read_word(reader *r, const char *word)
{
    size_t n = strlen(word);
    if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0)
        return fail(r, "an unexpected character");
    r->pos += n;
    return 1;
}

static int read_value(reader *r, int depth);

/* Objects and arrays: members separated by commas, no trailing comma. */
static int read_container(reader *r, int depth, char close)
{
    if (depth > SP_JSON_MAX_DEPTH)
        return fail(r, "nesting deeper than 512 levels");
    r->pos++; /* the opening bracket */
    skip_space(r);
    if (peek(r) == close) {
        r->pos++;
        return 1;
    }
    for (;;) {
        skip_space(r);
        if (close == '}') {
            if (peek(r) != '"')
                return fail(r, "an object key must be a string");
            if (!read_string(r))
                return 0;
            skip_space(r);
            if (peek(r) != ':')
                return fail(r, "a ':' must follow an object key");
            r->pos++;
        }
        if (!read_value(r, depth + 1))
            return 0;
        skip_space(r);
        int c = peek(r);
        r->pos++;
        if (c == close)
            return 1;
        if (c != ',')
            return fail(r, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int read_value(reader *r, int depth)
{
    skip_space(r);
    switch (peek(r)) {
    case '{': return read_container(r, depth, '}');
    case '[': return read_container(r, depth, ']');
    case '"': return read_string(r);
    case 't': return read_word(r, "true");
    case 'f': return read_word(r, "false");
    case 'n': return read_word(r, "null");
    case -1: return fail(r, "the text ends too early");
    default:
        if (peek(r) == '-' || is_digit(peek(r)))
            return read_number(r);
        return fail(r, "an unexpected character");
    }
}

const char *sp_json_problem(const char *text, size_t len, size_t *at)
{
    reader r = {text, len, 0, NULL};
    if (read_value(&r, 1)) {
        skip_space(&r);
        if (r.pos < r.len)
            fail(&r, "text after the JSON value");
    }
    if (at != NULL)
        *at = r.pos > len ? len : r.pos;
    return r.problem;
}
