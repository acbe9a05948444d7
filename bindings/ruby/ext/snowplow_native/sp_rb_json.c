/*
 * bindings/ruby/ext/snowplow_native/sp_rb_json.c: Ruby values -> the JSON text
 * JSON.generate writes for them, in a C buffer. See sp_rb_json.h for what is
 * encoded here and what is declined (and then left to JSON.generate).
 *
 * Facts about json 2.x's generator (default State) this follows, checked by
 * bindings/ruby/test/test_json_encoder.rb against JSON.generate itself:
 *   - Hash, Array and String are written directly only when their class is
 *     exactly Hash, Array or String (anything else goes through to_json);
 *     Hash pairs in the Hash's order, String keys as they are, Symbol keys by
 *     their name, other keys through to_s;
 *   - strings: '"', '\\' and the characters below 0x20 are escaped (\b \f \n
 *     \r \t, else \u00XX in lower-case hex); everything else, '/' and DEL
 *     included, is copied; text is converted to UTF-8 first and invalid
 *     UTF-8 raises;
 *   - Integers within a Fixnum in decimal; Bignums and Floats through to_s
 *     (Float#to_s: shortest round-trip digits, fixed notation from 0.0001 up
 *     to 16 integer digits, else d.ddde+XX); NaN and infinities raise;
 *   - other objects (Symbol included) through to_json, whose default is to_s
 *     written as a string.
 */
#include "sp_rb_json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <ruby/encoding.h>

static ID id_to_s;
static ID id_json_create;
static int utf8_index;

void sp_rb_json_init(void)
{
    id_to_s = rb_intern("to_s");
    id_json_create = rb_intern("json_create");
    utf8_index = rb_utf8_encindex();
}

void sp_rb_json_buf_init(sp_rb_json_buf *b)
{
    b->data = b->inline_bytes;
    b->len = 0;
    b->cap = sizeof b->inline_bytes;
    b->holder = Qnil;
    b->float_ok = -1;
    b->symbol_ok = -1;
}

void sp_rb_json_buf_done(sp_rb_json_buf *b)
{
    RB_GC_GUARD(b->holder);
}

/* Room for n more bytes plus a NUL. The bytes move into a Ruby String once
 * they outgrow inline_bytes: the GC frees it even if NoMemoryError unwinds
 * the caller. */
static int reserve(sp_rb_json_buf *b, size_t n)
{
    if (n < b->cap - b->len)
        return 0;
    if (n > (size_t)LONG_MAX / 4 - b->len)
        return -1;
    if (NIL_P(b->holder)) {
        size_t cap = b->cap * 2;
        while (cap < b->len + n + 1)
            cap *= 2;
        VALUE holder = rb_str_buf_new((long)cap);
        rb_obj_hide(holder);
        memcpy(RSTRING_PTR(holder), b->data, b->len);
        b->holder = holder;
    } else {
        rb_str_set_len(b->holder, (long)b->len);
        rb_str_modify_expand(b->holder, (long)(n + 1));
    }
    b->data = RSTRING_PTR(b->holder);
    b->cap = rb_str_capacity(b->holder);
    return 0;
}

static int put_bytes(sp_rb_json_buf *b, const char *s, size_t n)
{
    if (reserve(b, n) < 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

static int put_byte(sp_rb_json_buf *b, char c)
{
    if (reserve(b, 1) < 0)
        return -1;
    b->data[b->len++] = c;
    return 0;
}

int sp_rb_json_put_cstr(sp_rb_json_buf *b, const char *s, size_t n)
{
    if (reserve(b, n + 1) < 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len++] = '\0';
    return 0;
}

int sp_rb_json_put_nul(sp_rb_json_buf *b)
{
    return put_byte(b, '\0');
}

/* ---- strings --------------------------------------------------------------- */

/* How JSON writes the ASCII characters it escapes: the letter after the
 * backslash, 'u' for \u00XX; 0 for the characters copied as they are. */
static const char escape_letter[128] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    ['"'] = '"',
    ['\\'] = '\\',
};

/* Bytes of valid UTF-8 (or of 7-bit text, which any ASCII-compatible encoding
 * converts to unchanged): only the ASCII characters above are escaped. */
static int put_text(sp_rb_json_buf *b, const unsigned char *src, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    /* At most 6 bytes for one (\u00XX), and the quotes. */
    if (n > ((size_t)LONG_MAX / 4 - 2) / 6 || reserve(b, n * 6 + 2) < 0)
        return -1;
    char *p = b->data + b->len;
    *p++ = '"';
    size_t run = 0; /* start of the bytes not copied yet */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = src[i];
        if (c >= 0x80 || escape_letter[c] == 0)
            continue;
        memcpy(p, src + run, i - run);
        p += i - run;
        *p++ = '\\';
        *p++ = escape_letter[c];
        if (escape_letter[c] == 'u') {
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0xf];
        }
        run = i + 1;
    }
    memcpy(p, src + run, n - run);
    p += n - run;
    *p++ = '"';
    b->len = (size_t)(p - b->data);
    return 0;
}

/* A String as JSON writes it, or declined: text that JSON converts to other
 * bytes, or refuses (binary or broken text, non-ASCII text in other
 * encodings). */
static int put_string(sp_rb_json_buf *b, VALUE str)
{
    int cr = rb_enc_str_coderange(str);
    if (cr != ENC_CODERANGE_7BIT &&
        !(cr == ENC_CODERANGE_VALID && ENCODING_GET(str) == utf8_index))
        return -1;
    return put_text(b, (const unsigned char *)RSTRING_PTR(str), (size_t)RSTRING_LEN(str));
}

/* ---- numbers --------------------------------------------------------------- */

static int put_long(sp_rb_json_buf *b, long x)
{
    char digits[24];
    char *end = digits + sizeof digits, *p = end;
    unsigned long u = x < 0 ? 0UL - (unsigned long)x : (unsigned long)x;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (x < 0)
        *--p = '-';
    return put_bytes(b, p, (size_t)(end - p));
}

/* Powers of ten that are exact doubles. */
static const double exact_pow10[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The digits of m (> 0) without its trailing zeros, and how many it had. */
static int integer_digits(uint64_t m, char digits[24], int *all)
{
    char tmp[24];
    int n = 0;
    while (m != 0) {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
    }
    int first = 0; /* trailing zeros come first in tmp */
    while (tmp[first] == '0')
        first++;
    for (int i = first; i < n; i++)
        digits[i - first] = tmp[n - 1 - (i - first)];
    *all = n;
    return n - first;
}

#define TWO_POW_53 9007199254740992.0
#define N_POW10 ((int)(sizeof exact_pow10 / sizeof exact_pow10[0]))

/*
 * The shortest decimal that reads back as a (> 0, finite), when it has at
 * most 15 significant digits: its digits (no trailing zeros) and decpt (a =
 * 0.DIGITS x 10^decpt). Returns the number of digits, or -1.
 *
 * Below 2^53: for k = 0, 1, ... m = rint(a * 10^k) is the k-decimal number
 * nearest to a, and m / 10^k (both exact, the quotient correctly rounded) is
 * the double that decimal reads back as: the first k that reads back gives
 * the fewest digits. Above: m = rint(a / 10^j) for j = 22, 21, ... and m * 10^j
 * read back the same way: the first j that does gives the fewest digits.
 * A decimal of at most 15 significant digits that reads back is the only one
 * of its length that does (such decimals lie further apart than two
 * doubles), so it is the one dtoa's shortest mode (Float#to_s) finds. Longer
 * ones are declined: the caller asks Float#to_s.
 */
static int shortest_digits(double a, char digits[24], int *decpt)
{
    int all, count;
    if (a < TWO_POW_53) {
        for (int k = 0; k < N_POW10; k++) {
            double scaled = a * exact_pow10[k];
            if (scaled >= TWO_POW_53) /* m would not be exact */
                return -1;
            double m = rint(scaled);
            if (m == 0 || m / exact_pow10[k] != a)
                continue;
            count = integer_digits((uint64_t)m, digits, &all);
            *decpt = all - k;
            return count <= 15 ? count : -1;
        }
        return -1;
    }
    for (int j = N_POW10 - 1; j > 0; j--) {
        double m = rint(a / exact_pow10[j]);
        if (m >= TWO_POW_53) /* smaller j only make it larger */
            return -1;
        if (m == 0 || m * exact_pow10[j] != a)
            continue;
        count = integer_digits((uint64_t)m, digits, &all);
        *decpt = all + j;
        return count <= 15 ? count : -1;
    }
    return -1;
}

int sp_rb_json_format_float(char *out, double d)
{
    char *p = out;
    if (!isfinite(d))
        return -1;
    if (signbit(d))
        *p++ = '-';
    double a = fabs(d);
    if (a == 0) {
        memcpy(p, "0.0", 3);
        return (int)(p + 3 - out);
    }
    char dig[24];
    int decpt;
    int digs = shortest_digits(a, dig, &decpt);
    if (digs < 0)
        return -1;
    /* Float#to_s's layout. */
    if (decpt > 0 && decpt < digs) { /* 19.99 */
        memcpy(p, dig, (size_t)decpt);
        p += decpt;
        *p++ = '.';
        memcpy(p, dig + decpt, (size_t)(digs - decpt));
        p += digs - decpt;
    } else if (decpt > 0 && decpt <= 15) { /* 100.0 */
        memcpy(p, dig, (size_t)digs);
        p += digs;
        memset(p, '0', (size_t)(decpt - digs));
        p += decpt - digs;
        memcpy(p, ".0", 2);
        p += 2;
    } else if (decpt <= 0 && decpt > -4) { /* 0.0001 */
        memcpy(p, "0.", 2);
        p += 2;
        memset(p, '0', (size_t)-decpt);
        p += -decpt;
        memcpy(p, dig, (size_t)digs);
        p += digs;
    } else { /* 1.0e+20, 1.5e-05 */
        *p++ = dig[0];
        *p++ = '.';
        if (digs > 1) {
            memcpy(p, dig + 1, (size_t)(digs - 1));
            p += digs - 1;
        } else {
            *p++ = '0';
        }
        p += snprintf(p, 8, "e%+03d", decpt - 1);
    }
    return (int)(p - out);
}

static int put_float(sp_rb_json_buf *b, VALUE v)
{
    double d = RFLOAT_VALUE(v);
    if (!isfinite(d))
        return -1; /* JSON raises GeneratorError */
    if (b->float_ok < 0)
        b->float_ok = rb_method_basic_definition_p(rb_cFloat, id_to_s);
    if (!b->float_ok)
        return -1;
    char text[32];
    int n = sp_rb_json_format_float(text, d);
    if (n >= 0)
        return put_bytes(b, text, (size_t)n);
    /* 16 or 17 digits: Float#to_s itself (Ruby's own, so it raises nothing). */
    VALUE s = rb_funcall(v, id_to_s, 0);
    if (!RB_TYPE_P(s, T_STRING))
        return -1;
    int rc = put_bytes(b, RSTRING_PTR(s), (size_t)RSTRING_LEN(s));
    RB_GC_GUARD(s);
    return rc;
}

/* ---- containers ------------------------------------------------------------ */

static int put_any(sp_rb_json_buf *b, VALUE v, int depth);

typedef struct {
    sp_rb_json_buf *b;
    int depth;
    int rc;
    int first;
} pair_walk;

static int put_pair(VALUE key, VALUE value, VALUE arg)
{
    pair_walk *w = (pair_walk *)arg;
    sp_rb_json_buf *b = w->b;
    if (!w->first && put_byte(b, ',') < 0)
        goto declined;
    w->first = 0;
    if (RB_TYPE_P(key, T_STRING) && RBASIC_CLASS(key) == rb_cString) {
        if (put_string(b, key) < 0)
            goto declined;
    } else if (RB_SYMBOL_P(key)) {
        if (put_string(b, rb_sym2str(key)) < 0)
            goto declined;
    } else {
        goto declined; /* JSON calls to_s */
    }
    if (put_byte(b, ':') < 0 || put_any(b, value, w->depth + 1) < 0)
        goto declined;
    return ST_CONTINUE;
declined:
    w->rc = -1;
    return ST_STOP;
}

static int put_hash(sp_rb_json_buf *b, VALUE hash, int depth)
{
    if (RHASH_SIZE(hash) == 0)
        return put_bytes(b, "{}", 2);
    if (put_byte(b, '{') < 0)
        return -1;
    pair_walk w = {b, depth, 0, 1};
    rb_hash_foreach(hash, put_pair, (VALUE)&w);
    if (w.rc < 0)
        return -1;
    return put_byte(b, '}');
}

static int put_array(sp_rb_json_buf *b, VALUE ary, int depth)
{
    long n = RARRAY_LEN(ary);
    if (n == 0)
        return put_bytes(b, "[]", 2);
    if (put_byte(b, '[') < 0)
        return -1;
    for (long i = 0; i < RARRAY_LEN(ary); i++) {
        if (i > 0 && put_byte(b, ',') < 0)
            return -1;
        if (put_any(b, RARRAY_AREF(ary, i), depth + 1) < 0)
            return -1;
    }
    return put_byte(b, ']');
}

/* Symbol values go through Symbol#to_json: by default Object#to_json, the
 * name (to_s) as a string. json/add/symbol (loaded with json/add/core)
 * replaces it and adds Symbol.json_create. */
static int symbols_are_names(sp_rb_json_buf *b)
{
    if (b->symbol_ok < 0)
        b->symbol_ok = rb_method_basic_definition_p(rb_cSymbol, id_to_s) &&
                       !rb_respond_to(rb_cSymbol, id_json_create);
    return b->symbol_ok;
}

static int put_any(sp_rb_json_buf *b, VALUE v, int depth)
{
    if (NIL_P(v))
        return put_bytes(b, "null", 4);
    if (v == Qtrue)
        return put_bytes(b, "true", 4);
    if (v == Qfalse)
        return put_bytes(b, "false", 5);
    if (RB_FIXNUM_P(v))
        return put_long(b, FIX2LONG(v));
    if (RB_FLOAT_TYPE_P(v))
        return put_float(b, v);
    if (RB_SYMBOL_P(v))
        return symbols_are_names(b) ? put_string(b, rb_sym2str(v)) : -1;
    if (RB_SPECIAL_CONST_P(v))
        return -1;
    VALUE klass = RBASIC_CLASS(v); /* a singleton class is not the class itself */
    if (klass == rb_cString)
        return put_string(b, v);
    if (depth >= SP_RB_JSON_MAX_DEPTH)
        return -1;
    if (klass == rb_cHash)
        return put_hash(b, v, depth);
    if (klass == rb_cArray)
        return put_array(b, v, depth);
    return -1; /* Bignum, subclasses, objects: to_json / to_s are Ruby's */
}

int sp_rb_json_put_value(sp_rb_json_buf *b, VALUE value)
{
    return put_any(b, value, 0);
}
