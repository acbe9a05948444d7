/*
 * bindings/python/src/py_json.c: Python values -> compact JSON text in a C
 * buffer, and the self-describing JSON (or event field) made from it.
 * See py_json.h for what is encoded here and what is left to json.
 *
 * The encoder never runs Python code (no __repr__, items(), default, ...) and
 * never raises: it either writes the whole text or declines, and the caller
 * then asks the fallback (json) for the text. So json's answer, results and
 * errors alike, stands for every value encoded here too; the tests compare the
 * two on many values.
 */
#include "py_json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deeper nesting is left to json, which bounds it by the recursion limit. */
#define SP_PY_JSON_MAX_DEPTH 64
/* Typical event data fits here: no allocation at all. */
#define SP_PY_JSON_INLINE 1024

typedef struct {
    char *data;
    size_t len;
    size_t cap;
    char inline_bytes[SP_PY_JSON_INLINE];
} sp_py_buf;

static void buf_init(sp_py_buf *b)
{
    b->data = b->inline_bytes;
    b->len = 0;
    b->cap = sizeof b->inline_bytes;
}

static void buf_release(sp_py_buf *b)
{
    if (b->data != b->inline_bytes)
        free(b->data);
}

/* Room for n more bytes plus a terminating NUL. */
static int buf_reserve(sp_py_buf *b, size_t n)
{
    if (n < b->cap - b->len)
        return 0;
    if (n > SIZE_MAX / 4 - b->len)
        return -1;
    size_t cap = b->cap * 2;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *data;
    if (b->data == b->inline_bytes) {
        data = malloc(cap);
        if (data != NULL)
            memcpy(data, b->data, b->len);
    } else {
        data = realloc(b->data, cap);
    }
    if (data == NULL)
        return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

static int put_bytes(sp_py_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

static int put_byte(sp_py_buf *b, char c)
{
    if (buf_reserve(b, 1) < 0)
        return -1;
    b->data[b->len++] = c;
    return 0;
}

/* ---- strings ------------------------------------------------------------- */

/* How json writes the ASCII characters it escapes: the letter after the
 * backslash, 'u' for \u00XX; 0 for the characters written as they are. */
static const char escape_letter[128] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    ['"'] = '"',
    ['\\'] = '\\',
};

static char *put_escape(char *p, unsigned c)
{
    static const char hex[] = "0123456789abcdef";
    char letter = escape_letter[c];
    *p++ = '\\';
    *p++ = letter;
    if (letter == 'u') {
        *p++ = '0';
        *p++ = '0';
        *p++ = hex[c >> 4];
        *p++ = hex[c & 0xf];
    }
    return p;
}

/* A JSON string in UTF-8 (ensure_ascii off). Lone surrogates cannot be UTF-8:
 * declined, so that json's text meets the same UnicodeEncodeError as before. */
static int put_str(sp_py_buf *b, PyObject *s)
{
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(s) < 0) {
        PyErr_Clear();
        return -1;
    }
#endif
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    /* At most 6 bytes a character (\u00XX; UTF-8 needs at most 4), and quotes. */
    if ((size_t)n > (SIZE_MAX / 4 - 2) / 6 || buf_reserve(b, (size_t)n * 6 + 2) < 0)
        return -1;
    char *p = b->data + b->len;
    *p++ = '"';
    if (PyUnicode_IS_ASCII(s)) {
        const unsigned char *src = PyUnicode_1BYTE_DATA(s);
        Py_ssize_t run = 0; /* start of the characters not copied yet */
        for (Py_ssize_t i = 0; i < n; i++) {
            if (escape_letter[src[i]] == 0)
                continue;
            memcpy(p, src + run, (size_t)(i - run));
            p += i - run;
            p = put_escape(p, src[i]);
            run = i + 1;
        }
        memcpy(p, src + run, (size_t)(n - run));
        p += n - run;
    } else {
        int kind = PyUnicode_KIND(s);
        const void *data = PyUnicode_DATA(s);
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c < 0x80) {
                if (escape_letter[c] != 0)
                    p = put_escape(p, c);
                else
                    *p++ = (char)c;
            } else if (c < 0x800) {
                *p++ = (char)(0xc0 | (c >> 6));
                *p++ = (char)(0x80 | (c & 0x3f));
            } else if (c < 0x10000) {
                if (c >= 0xd800 && c <= 0xdfff)
                    return -1;
                *p++ = (char)(0xe0 | (c >> 12));
                *p++ = (char)(0x80 | ((c >> 6) & 0x3f));
                *p++ = (char)(0x80 | (c & 0x3f));
            } else {
                *p++ = (char)(0xf0 | (c >> 18));
                *p++ = (char)(0x80 | ((c >> 12) & 0x3f));
                *p++ = (char)(0x80 | ((c >> 6) & 0x3f));
                *p++ = (char)(0x80 | (c & 0x3f));
            }
        }
    }
    *p++ = '"';
    b->len = (size_t)(p - b->data);
    return 0;
}

/* ---- numbers --------------------------------------------------------------- */

/* int.__repr__ of any int (subclasses too, as json does). */
static int put_int(sp_py_buf *b, PyObject *v)
{
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow == 0) {
        if (x == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            return -1;
        }
        char digits[24];
        char *end = digits + sizeof digits, *p = end;
        unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u != 0);
        if (x < 0)
            *--p = '-';
        return put_bytes(b, p, (size_t)(end - p));
    }
    /* Beyond 64 bits: Python's own digits (past its digit limit it raises,
     * and json then raises the same). */
    PyObject *text = PyLong_Type.tp_repr(v);
    if (text == NULL) {
        PyErr_Clear();
        return -1;
    }
    Py_ssize_t n = 0;
    const char *s = PyUnicode_AsUTF8AndSize(text, &n);
    int rc = s != NULL ? put_bytes(b, s, (size_t)n) : -1;
    if (s == NULL)
        PyErr_Clear();
    Py_DECREF(text);
    return rc;
}

/* float.__repr__ (subclasses too); NaN and infinities are json's to refuse. */
static int put_float(sp_py_buf *b, PyObject *v)
{
    double d = PyFloat_AS_DOUBLE(v);
    if (!isfinite(d))
        return -1;
    char *s = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (s == NULL) {
        PyErr_Clear();
        return -1;
    }
    int rc = put_bytes(b, s, strlen(s));
    PyMem_Free(s);
    return rc;
}

/* ---- containers ------------------------------------------------------------ */

static int put_value(sp_py_buf *b, PyObject *v, int depth);

/* Plain lists and tuples. (json iterates over subclasses, which may define
 * __iter__: those are left to it.) */
static int put_sequence(sp_py_buf *b, PyObject *seq, int depth)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    if (n == 0)
        return put_bytes(b, "[]", 2);
    if (put_byte(b, '[') < 0)
        return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i > 0 && put_byte(b, ',') < 0)
            return -1;
        if (put_value(b, items[i], depth + 1) < 0)
            return -1;
    }
    return put_byte(b, ']');
}

/* Plain dicts with str keys, in their order. (json turns int, float, bool and
 * None keys into strings: those dicts are left to it, being rare.) */
static int put_dict(sp_py_buf *b, PyObject *dict, int depth)
{
    if (PyDict_GET_SIZE(dict) == 0)
        return put_bytes(b, "{}", 2);
    if (put_byte(b, '{') < 0)
        return -1;
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    int first = 1;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        if (!PyUnicode_Check(key))
            return -1;
        if (!first && put_byte(b, ',') < 0)
            return -1;
        first = 0;
        if (put_str(b, key) < 0 || put_byte(b, ':') < 0 || put_value(b, value, depth + 1) < 0)
            return -1;
    }
    return put_byte(b, '}');
}

/* In json's order of checks (True and False before int). */
static int put_value(sp_py_buf *b, PyObject *v, int depth)
{
    if (v == Py_None)
        return put_bytes(b, "null", 4);
    if (v == Py_True)
        return put_bytes(b, "true", 4);
    if (v == Py_False)
        return put_bytes(b, "false", 5);
    if (PyUnicode_Check(v))
        return put_str(b, v);
    if (PyLong_Check(v))
        return put_int(b, v);
    if (PyFloat_Check(v))
        return put_float(b, v);
    if (depth >= SP_PY_JSON_MAX_DEPTH)
        return -1;
    if (PyList_CheckExact(v) || PyTuple_CheckExact(v))
        return put_sequence(b, v, depth);
    if (PyDict_CheckExact(v))
        return put_dict(b, v, depth);
    return -1; /* subclasses of dict, list, tuple; values for `default` */
}

/* ---- entry points ---------------------------------------------------------- */

/* The NUL-terminated JSON text of value in *json: in b, or else from
 * fallback(value) in *keep (a str holding the text; the caller releases it). */
static int encode(sp_py_buf *b, PyObject *value, PyObject *fallback, const char **json,
                  PyObject **keep)
{
    *keep = NULL;
    if (put_value(b, value, 0) == 0) {
        b->data[b->len] = '\0'; /* buf_reserve always leaves room */
        *json = b->data;
        return 0;
    }
    if (fallback == NULL || !PyCallable_Check(fallback)) {
        PyErr_SetString(PyExc_TypeError, "json fallback must be callable");
        return SP_PY_EPYTHON;
    }
    PyObject *text = PyObject_CallFunctionObjArgs(fallback, value, NULL);
    if (text == NULL)
        return SP_PY_EPYTHON;
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "json fallback returned %.100s, not str",
                     Py_TYPE(text)->tp_name);
        Py_DECREF(text);
        return SP_PY_EPYTHON;
    }
    Py_ssize_t n = 0;
    const char *s = PyUnicode_AsUTF8AndSize(text, &n); /* lone surrogates raise here */
    if (s == NULL) {
        Py_DECREF(text);
        return SP_PY_EPYTHON;
    }
    if (strlen(s) != (size_t)n) { /* json escapes NUL: only a broken fallback gets here */
        PyErr_SetString(PyExc_ValueError, "JSON text contains a NUL character");
        Py_DECREF(text);
        return SP_PY_EPYTHON;
    }
    *json = s;
    *keep = text;
    return 0;
}

int sp_py_sdjson_new_from_object(snowplow_sdjson **out, const char *schema, PyObject *data,
                                 PyObject *fallback)
{
    sp_py_buf b;
    const char *json = NULL;
    PyObject *keep = NULL;
    buf_init(&b);
    int rc = encode(&b, data, fallback, &json, &keep);
    if (rc == 0)
        rc = snowplow_sdjson_new(out, schema, json);
    Py_XDECREF(keep);
    buf_release(&b);
    return rc;
}

int sp_py_event_self_describing_new_from_object(snowplow_event **out, const char *schema,
                                                PyObject *data, PyObject *fallback)
{
    snowplow_sdjson *sdj = NULL;
    int rc = sp_py_sdjson_new_from_object(&sdj, schema, data, fallback);
    if (rc == 0) {
        rc = snowplow_event_self_describing_new(out, sdj);
        snowplow_sdjson_free(sdj);
    }
    return rc;
}

int sp_py_event_add_context_object(snowplow_event *event, const char *schema, PyObject *data,
                                   PyObject *fallback)
{
    snowplow_sdjson *sdj = NULL;
    int rc = sp_py_sdjson_new_from_object(&sdj, schema, data, fallback);
    if (rc == 0) {
        rc = snowplow_event_add_context(event, sdj);
        snowplow_sdjson_free(sdj);
    }
    return rc;
}

PyObject *sp_py_json_encode_c(PyObject *value)
{
    sp_py_buf b;
    buf_init(&b);
    PyObject *result;
    if (put_value(&b, value, 0) == 0) {
        result = PyUnicode_DecodeUTF8(b.data, (Py_ssize_t)b.len, "strict");
    } else {
        result = Py_None;
        Py_INCREF(result);
    }
    buf_release(&b);
    return result;
}
