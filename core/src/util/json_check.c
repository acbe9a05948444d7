/* Strict JSON grammar check: a small recursive-descent reader that builds
 * nothing, and notes on the way what a caller needs to know to keep the text
 * as it is (sp_json_facts) without parsing it again. */
#include "util/json_check.h"
#include "util/strbuf.h"
#include "util/text.h"

#include <string.h>

typedef struct reader {
    const char *s;
    size_t len, pos;
    const char *problem;
    sp_json_facts *facts;
} reader;

/*
 * The exact decimal digits of 2^1024 - 2^970, halfway between DBL_MAX and
 * 2^1024 (so this is 0.1797...e309). strtod rounds to nearest, ties to even, and
 * DBL_MAX has an odd significand: a magnitude at least this large becomes
 * infinity, anything smaller a finite double.
 */
static const char overflow_digits[] =
    "1797693134862315807937289714053034150799341327100378269361737789804449682927"
    "6475094664901797758720709633028641669288791094655554785194040263065748867150"
    "5820681908902000708383676273854845817711531764475730270069855571366959622842"
    "914819860834936475292719074168444365510704342711559699508093042880177904174497792";
#define OVERFLOW_EXPONENT 309 /* the decimal exponent E of 0.1797...eE above */

static int fail(reader *r, const char *problem)
{
    if (r->problem == NULL)
        r->problem = problem;
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space(reader *r)
{
    size_t start = r->pos;
    if (start >= r->len || !is_space(r->s[start]))
        return; /* the common case in compact text */
    while (r->pos < r->len && is_space(r->s[r->pos]))
        r->pos++;
    r->facts->outside_space += r->pos - start;
}

static int peek(const reader *r)
{
    return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* The UTF-16 code unit of "\uXXXX" at s[pos], or -1 when there is none. */
static long escaped_unit_at(const char *s, size_t len, size_t pos)
{
    if (len - pos < 6 || s[pos] != '\\' || s[pos + 1] != 'u')
        return -1;
    long unit = 0;
    for (size_t k = pos + 2; k < pos + 6; k++) {
        int v = sp_hex_value((unsigned char)s[k]);
        if (v < 0)
            return -1;
        unit = unit * 16 + v;
    }
    return unit;
}

static int read_string(reader *r)
{
    const char *s = r->s;
    size_t len = r->len;
    size_t pos = r->pos + 1; /* the opening quote */
    while (pos < len) {
        /* Plain text (long base64 values) eight bytes per step. */
        while (len - pos >= 8 && !sp_json_word_needs_escape(sp_load_word(s + pos)))
            pos += 8;
        if (pos >= len)
            break;
        unsigned char c = (unsigned char)s[pos++];
        if (c == '"') {
            r->pos = pos;
            return 1;
        }
        if (c < 0x20) {
            r->pos = pos;
            return fail(r, "a raw control character inside a string (escape it)");
        }
        if (c != '\\')
            continue;
        c = pos < len ? (unsigned char)s[pos] : 0;
        pos++;
        if (c == 'u') {
            long unit = 0;
            for (size_t end = pos + 4; pos < end; pos++) {
                int v = pos < len ? sp_hex_value((unsigned char)s[pos]) : -1;
                if (v < 0) {
                    r->pos = pos;
                    return fail(r, "a \\u escape needs four hex digits");
                }
                unit = unit * 16 + v;
            }
            if (unit < 0xD800 || unit > 0xDFFF)
                continue;
            /* A high surrogate takes the low one right after it; anything else
             * (a lone low one, a high one before another character) stands for
             * no character. */
            long next = unit <= 0xDBFF ? escaped_unit_at(s, len, pos) : -1;
            if (next >= 0xDC00 && next <= 0xDFFF)
                pos += 6;
            else
                r->facts->unpaired_surrogate = true;
        } else if (c == 0 || strchr("\"\\/bfnrt", c) == NULL) {
            r->pos = pos > len ? len : pos;
            return fail(r, "an unknown escape in a string");
        }
    }
    r->pos = pos;
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

/*
 * Whether the valid JSON number s (n bytes) reads as +-infinity. Exact and
 * independent of the locale: with the value written 0.d1d2d3... x 10^E (d1 not
 * 0), it overflows when E > 309, or E == 309 and d1d2d3... >= overflow_digits.
 */
static bool number_overflows(const char *s, size_t n)
{
    size_t begin = s[0] == '-';
    size_t end = begin; /* the end of the digits and the point */
    while (end < n && s[end] != 'e' && s[end] != 'E')
        end++;
    size_t dot = begin;
    while (dot < end && s[dot] != '.')
        dot++;
    size_t first = begin; /* the first significant digit */
    while (first < end && (s[first] == '0' || s[first] == '.'))
        first++;
    if (first == end)
        return false; /* zero */
    long long e10 = first < dot ? (long long)(dot - first) : -(long long)(first - dot - 1);

    long long exponent = 0; /* saturates: far beyond any double either way */
    bool negative = false;
    size_t k = end + 1;
    if (k < n && (s[k] == '+' || s[k] == '-'))
        negative = s[k++] == '-';
    for (; k < n; k++)
        if (exponent < 100000000000000000LL)
            exponent = exponent * 10 + (s[k] - '0');
    e10 += negative ? -exponent : exponent;
    if (e10 != OVERFLOW_EXPONENT)
        return e10 > OVERFLOW_EXPONENT;

    size_t t = 0;
    for (k = first; k < end; k++) {
        if (s[k] == '.')
            continue;
        if (overflow_digits[t] == '\0')
            return true; /* equal to all its digits, then more */
        if (s[k] != overflow_digits[t])
            return s[k] > overflow_digits[t];
        t++;
    }
    for (; overflow_digits[t] != '\0'; t++) /* a prefix of it: smaller unless the rest is 0 */
        if (overflow_digits[t] != '0')
            return false;
    return true;
}

static int read_number(reader *r)
{
    size_t start = r->pos;
    if (peek(r) == '-')
        r->pos++;
    size_t int_start = r->pos;
    if (peek(r) == '0') {
        r->pos++;
        if (is_digit(peek(r)))
            return fail(r, "a number with a leading zero");
    } else if (!read_digits(r)) {
        return fail(r, "a malformed number");
    }
    size_t int_digits = r->pos - int_start;
    if (peek(r) == '.') {
        r->pos++;
        if (!read_digits(r))
            return fail(r, "a number needs digits after '.'");
    }
    int has_exponent = peek(r) == 'e' || peek(r) == 'E';
    if (has_exponent) {
        r->pos++;
        if (peek(r) == '+' || peek(r) == '-')
            r->pos++;
        if (!read_digits(r))
            return fail(r, "a number needs digits in its exponent");
    }
    /* Without an exponent and with fewer than 309 digits before the point it
     * is below 1e308 (cheap, and the common case). */
    if ((has_exponent || int_digits >= OVERFLOW_EXPONENT) && !r->facts->number_overflows)
        r->facts->number_overflows = number_overflows(r->s + start, r->pos - start);
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

const char *sp_json_inspect(const char *text, size_t len, size_t *at, sp_json_facts *facts)
{
    *facts = (sp_json_facts){0};
    reader r = {text, len, 0, NULL, facts};
    skip_space(&r);
    facts->top_is_object = peek(&r) == '{';
    if (read_value(&r, 1)) {
        skip_space(&r);
        if (r.pos < r.len)
            fail(&r, "text after the JSON value");
    }
    if (at != NULL)
        *at = r.pos > len ? len : r.pos;
    return r.problem;
}

const char *sp_json_problem(const char *text, size_t len, size_t *at)
{
    sp_json_facts facts;
    return sp_json_inspect(text, len, at, &facts);
}
