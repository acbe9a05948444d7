/*
 * bindings/lua/lua_json.c: the JSON encoder of Lua values, in C (snowplow.json
 * and the data and contexts of events). Inserted into the SWIG wrapper by
 * lua.i (%insert), so everything here is static; it needs only the Lua C API
 * and compiles alone too:
 *   gcc -std=c11 -Wall -Wextra -I/usr/include/lua5.4 -c bindings/lua/lua_json.c -o /dev/null
 *
 * Rules (docs in src/snowplow/json.lua): a table whose keys are exactly 1..n
 * (n >= 1), or whose metatable is the array marker, is an array; any other
 * table an object. The null sentinel is JSON null. Integers, and floats with
 * an integral value below 2^53, are written as integers; other numbers in the
 * shortest of %.15g, %.16g, %.17g that reads back exactly, with '.' whatever
 * the C locale. Errors name the path of the value: "data.items[2]: ...".
 *
 * Only raw accesses are made (no metamethod runs, no Lua code), so encoding
 * never raises and never re-enters: callers may hold C resources meanwhile.
 * The encoder lives on the C stack and writes into an inline buffer first:
 * small values cost no allocation at all.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#if LUA_VERSION_NUM < 502 && !defined(lua_rawlen)
#define lua_rawlen lua_objlen
#endif

#define SP_JSON_MAX_DEPTH 200
#define SP_JSON_INLINE 1024

/* Where the value being encoded is: an array index, an object key (the string
 * stays on the Lua stack while it is in use), or a number used as a key. */
typedef struct {
    int kind; /* 0: nothing (yet), 1: [index], 2: .key, 3: .number */
    long long index;
    const char *key;
    char number[32];
} sp_jpath;

typedef struct {
    lua_State *L;
    char *data; /* inline, or malloc'ed once it outgrew it */
    size_t len, cap;
    int null_idx, array_mt_idx; /* absolute stack indices */
    const char *root;
    int depth;
    int oom;
    char msg[160];
    sp_jpath path[SP_JSON_MAX_DEPTH + 1];
    const void *tables[SP_JSON_MAX_DEPTH + 1];
    char root_buf[48];
    char inline_buf[SP_JSON_INLINE];
} sp_jenc;

/* null_idx, array_mt_idx: absolute indices of the null sentinel and the array marker. */
static void sp_jenc_init(sp_jenc *e, lua_State *L, int null_idx, int array_mt_idx)
{
    e->L = L;
    e->data = e->inline_buf;
    e->len = 0;
    e->cap = sizeof e->inline_buf;
    e->null_idx = null_idx;
    e->array_mt_idx = array_mt_idx;
    e->root = "value";
    e->depth = 0;
    e->oom = 0;
    e->msg[0] = '\0';
}

/* Start another value (the buffer is kept). */
static void sp_jenc_reset(sp_jenc *e, const char *root)
{
    e->len = 0;
    e->root = root;
    e->depth = 0;
    e->oom = 0;
    e->msg[0] = '\0';
}

static void sp_jenc_free(sp_jenc *e)
{
    if (e->data != e->inline_buf)
        free(e->data);
    e->data = e->inline_buf;
    e->cap = sizeof e->inline_buf;
    e->len = 0;
}

/* Room for n more bytes and a NUL. */
static int sp_jreserve_slow(sp_jenc *e, size_t n)
{
    size_t cap = e->cap;
    while (cap < e->len + n + 1) {
        if (cap > ((size_t)-1) / 4)
            goto oom;
        cap *= 2;
    }
    char *data;
    if (e->data == e->inline_buf) {
        data = (char *)malloc(cap);
        if (data != NULL)
            memcpy(data, e->data, e->len);
    } else {
        data = (char *)realloc(e->data, cap);
    }
    if (data == NULL)
        goto oom;
    e->data = data;
    e->cap = cap;
    return 0;
oom:
    e->oom = 1;
    snprintf(e->msg, sizeof e->msg, "out of memory");
    return -1;
}

static inline int sp_jreserve(sp_jenc *e, size_t n)
{
    if (e->len + n + 1 <= e->cap)
        return 0;
    return sp_jreserve_slow(e, n);
}

static inline int sp_jbuf_add(sp_jenc *e, const char *s, size_t n)
{
    if (sp_jreserve(e, n) < 0)
        return -1;
    memcpy(e->data + e->len, s, n);
    e->len += n;
    return 0;
}

static inline int sp_jbuf_char(sp_jenc *e, char c)
{
    if (sp_jreserve(e, 1) < 0)
        return -1;
    e->data[e->len++] = c;
    return 0;
}

static int sp_jfail(sp_jenc *e, const char *fmt, const char *arg)
{
    snprintf(e->msg, sizeof e->msg, fmt, arg);
    return -1;
}

/* Bytes written escaped: '"', '\\', control characters and DEL. */
static const unsigned char sp_jneeds_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
};

/* A JSON string. Room is made for the plain case; each escape makes room for
 * itself and the rest, so a long string costs no six-fold reservation. */
static int sp_jstring(sp_jenc *e, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (sp_jreserve(e, n + 2) < 0)
        return -1;
    char *out = e->data + e->len;
    *out++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!sp_jneeds_escape[c]) {
            *out++ = (char)c;
            continue;
        }
        e->len = (size_t)(out - e->data);
        if (sp_jreserve(e, 6 + (n - i)) < 0) /* this escape, the rest, the quote */
            return -1;
        out = e->data + e->len;
        *out++ = '\\';
        switch (c) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '\b': *out++ = 'b'; break;
        case '\f': *out++ = 'f'; break;
        case '\n': *out++ = 'n'; break;
        case '\r': *out++ = 'r'; break;
        case '\t': *out++ = 't'; break;
        default:
            memcpy(out, "u00", 3);
            out[3] = hex[c >> 4];
            out[4] = hex[c & 15];
            out += 5;
        }
    }
    *out++ = '"';
    e->len = (size_t)(out - e->data);
    return 0;
}

/* Decimal digits of v into buf; returns the length (no NUL). */
static size_t sp_juint(char *buf, unsigned long long v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

static size_t sp_jint(char *buf, long long v)
{
    if (v < 0) {
        buf[0] = '-';
        return 1 + sp_juint(buf + 1, (unsigned long long)0 - (unsigned long long)v);
    }
    return sp_juint(buf, (unsigned long long)v);
}

static const double sp_jpow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
                                   1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};

/*
 * What %.15g writes for d, when d is the double nearest to a decimal of at
 * most 15 significant digits between 1e-4 and 1e14 that is not an integer
 * (19.99, 0.1, -2.5): then that decimal is the only such one reading back as
 * d, %.15g rounds d to it, and %g writes it in plain notation. Found as the
 * smallest k for which m = round(|d| * 10^k) < 10^15 gives m / 10^k == |d|
 * (both exact doubles, the division correctly rounded, as strtod is).
 * Returns the length written, or 0 when d is not such a number.
 */
static size_t sp_jshort_decimal(double d, char *buf)
{
    double mag = fabs(d);
    if (!(mag >= 1e-4 && mag < 1e14))
        return 0;
    for (int k = 1; k < (int)(sizeof sp_jpow10 / sizeof sp_jpow10[0]); k++) {
        double scaled = mag * sp_jpow10[k];
        if (scaled >= 1e15)
            return 0;
        double m = floor(scaled + 0.5);
        if (m / sp_jpow10[k] != mag)
            continue;
        unsigned long long um = (unsigned long long)m, unit = 1;
        for (int i = 0; i < k; i++)
            unit *= 10;
        size_t n = 0;
        if (d < 0)
            buf[n++] = '-';
        n += sp_juint(buf + n, um / unit);
        buf[n++] = '.';
        unsigned long long frac = um % unit;
        for (int i = k - 1; i >= 0; i--, frac /= 10)
            buf[n + (size_t)i] = (char)('0' + frac % 10);
        n += (size_t)k;
        while (buf[n - 1] == '0')
            n--;
        return n;
    }
    return 0;
}

/* Number at idx as JSON text into buf (32 bytes, NUL-ended); -1 when not finite. */
static int sp_jnumber_text(lua_State *L, int idx, char *buf, size_t *len_out)
{
    size_t n;
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx)) {
        n = sp_jint(buf, (long long)lua_tointeger(L, idx));
        buf[n] = '\0';
        *len_out = n;
        return 0;
    }
#endif
    double d = (double)lua_tonumber(L, idx);
    if (!isfinite(d))
        return -1;
    if (floor(d) == d && fabs(d) < 9007199254740992.0) {
        if (d == 0) {
            n = signbit(d) ? 2 : 1; /* what %.0f writes */
            memcpy(buf, "-0", 2);
            if (n == 1)
                buf[0] = '0';
        } else {
            n = sp_jint(buf, (long long)d);
        }
        buf[n] = '\0';
        *len_out = n;
        return 0;
    }
    n = sp_jshort_decimal(d, buf);
    if (n > 0) {
        buf[n] = '\0';
        *len_out = n;
        return 0;
    }
    static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
    for (int i = 0; i < 3; i++) {
        snprintf(buf, 32, formats[i], d);
        if (i == 2 || strtod(buf, NULL) == d)
            break;
    }
    /* The decimal separator is whatever the C locale says; JSON wants '.'. */
    for (char *s = buf; *s; s++)
        if (*s == ',')
            *s = '.';
    *len_out = strlen(buf);
    return 0;
}

static int sp_jvalue(sp_jenc *e, int idx);

/* A key that may belong to the sequence 1..n? */
static int sp_jkey_in_range(lua_State *L, int idx, size_t n)
{
    if (lua_type(L, idx) != LUA_TNUMBER)
        return 0;
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx)) {
        lua_Integer k = lua_tointeger(L, idx);
        return k >= 1 && (unsigned long long)k <= (unsigned long long)n;
    }
#endif
    lua_Number k = lua_tonumber(L, idx);
    return floor(k) == k && k >= 1 && k <= (lua_Number)n;
}

/*
 * Keys exactly 1..n (n >= 1)? *n_out gets n. The length operator gives a
 * border n (t[n] set, t[n+1] not); keys exactly 1..c have the one border c.
 * So: n keys, each a whole number in [1, n] (distinct, hence all of them).
 */
static int sp_jis_sequence(lua_State *L, int idx, long long *n_out)
{
    size_t n = (size_t)lua_rawlen(L, idx);
    if (n == 0)
        return 0;
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        if (!sp_jkey_in_range(L, -1, n) || ++count > n) {
            lua_pop(L, 1);
            return 0;
        }
    }
    if (count != n)
        return 0;
    *n_out = (long long)n;
    return 1;
}

/* On error the function returns -1 at once, leaving the Lua stack and the path
 * as they are: the message is built from them before anything is popped. */
static int sp_jtable(sp_jenc *e, int idx)
{
    lua_State *L = e->L;
    const void *self = lua_topointer(L, idx);
    for (int i = 0; i < e->depth; i++)
        if (e->tables[i] == self)
            return sp_jfail(e, "%stable refers to itself (cycle)", "");
    if (e->depth >= SP_JSON_MAX_DEPTH)
        return sp_jfail(e, "%snested too deeply", "");
    if (!lua_checkstack(L, 4))
        return sp_jfail(e, "%snested too deeply (Lua stack)", "");
    int level = e->depth++;
    e->tables[level] = self;
    e->path[level].kind = 0;

    int is_array = 0;
    long long n = 0;
    if (lua_getmetatable(L, idx)) {
        is_array = lua_rawequal(L, -1, e->array_mt_idx);
        lua_pop(L, 1);
        if (is_array)
            n = (long long)lua_rawlen(L, idx);
    }
    if (!is_array)
        is_array = sp_jis_sequence(L, idx, &n);

    if (is_array) {
        if (sp_jbuf_char(e, '[') < 0)
            return -1;
        for (long long i = 1; i <= n; i++) {
            if (i > 1 && sp_jbuf_char(e, ',') < 0)
                return -1;
            e->path[level].kind = 1;
            e->path[level].index = i;
            lua_rawgeti(L, idx, (int)i);
            if (sp_jvalue(e, lua_gettop(L)) < 0)
                return -1;
            lua_pop(L, 1);
        }
        if (sp_jbuf_char(e, ']') < 0)
            return -1;
    } else {
        int first = 1;
        if (sp_jbuf_char(e, '{') < 0)
            return -1;
        lua_pushnil(L);
        while (lua_next(L, idx) != 0) {
            const char *key;
            size_t keylen;
            int kt = lua_type(L, -2);
            e->path[level].kind = 0;
            if (kt == LUA_TSTRING) {
                key = lua_tolstring(L, -2, &keylen);
                e->path[level].kind = 2;
                e->path[level].key = key;
            } else if (kt == LUA_TNUMBER) {
                /* formatted here: lua_tolstring would change the key under lua_next */
                if (sp_jnumber_text(L, -2, e->path[level].number, &keylen) < 0)
                    return sp_jfail(e, "%sa JSON object key must be a finite number", "");
                e->path[level].kind = 3;
                key = e->path[level].number;
            } else {
                return sp_jfail(e, "a JSON object key must be a string, got %s", lua_typename(L, kt));
            }
            if ((!first && sp_jbuf_char(e, ',') < 0) || sp_jstring(e, key, keylen) < 0 ||
                sp_jbuf_char(e, ':') < 0)
                return -1;
            first = 0;
            if (sp_jvalue(e, lua_gettop(L)) < 0)
                return -1;
            lua_pop(L, 1);
        }
        if (sp_jbuf_char(e, '}') < 0)
            return -1;
    }
    e->depth--;
    return 0;
}

static int sp_jvalue(sp_jenc *e, int idx)
{
    lua_State *L = e->L;
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        return sp_jstring(e, s, n);
    }
    case LUA_TNUMBER: {
        char buf[32];
        size_t n;
        if (sp_jnumber_text(L, idx, buf, &n) < 0) {
            double d = (double)lua_tonumber(L, idx);
            return sp_jfail(e, "%s is not a finite number", d != d ? "nan" : d > 0 ? "inf" : "-inf");
        }
        return sp_jbuf_add(e, buf, n);
    }
    case LUA_TBOOLEAN:
        return lua_toboolean(L, idx) ? sp_jbuf_add(e, "true", 4) : sp_jbuf_add(e, "false", 5);
    case LUA_TTABLE:
        if (lua_rawequal(L, idx, e->null_idx))
            return sp_jbuf_add(e, "null", 4);
        return sp_jtable(e, idx);
    default:
        return sp_jfail(e, "cannot encode a %s as JSON", lua_typename(L, lua_type(L, idx)));
    }
}

/* Encode the value at idx (absolute); on success e->data holds the NUL-ended
 * text (e->len bytes). On failure the path and message are kept for
 * sp_jenc_push_error(), which must run before the stack is changed. */
static int sp_jenc_encode(sp_jenc *e, int idx)
{
    if (sp_jvalue(e, idx) < 0)
        return -1;
    e->data[e->len] = '\0'; /* every reservation kept room for it */
    return 0;
}

/* Push "<prefix><root><path>: <message>" ("track_x: data.items[2]: ..."). The
 * output buffer may already be freed; the keys are still on the stack. */
static void sp_jenc_push_error(sp_jenc *e, const char *prefix)
{
    lua_State *L = e->L;
    luaL_Buffer b;
    char num[40];
    luaL_buffinit(L, &b);
    luaL_addstring(&b, prefix);
    luaL_addstring(&b, e->root);
    for (int i = 0; i < e->depth; i++) {
        switch (e->path[i].kind) {
        case 1:
            snprintf(num, sizeof num, "[%lld]", e->path[i].index);
            luaL_addstring(&b, num);
            break;
        case 2:
            luaL_addchar(&b, '.');
            luaL_addstring(&b, e->path[i].key);
            break;
        case 3:
            luaL_addchar(&b, '.');
            luaL_addstring(&b, e->path[i].number);
            break;
        }
    }
    luaL_addstring(&b, ": ");
    luaL_addstring(&b, e->msg);
    luaL_pushresult(&b);
}

/* json_encode(value, name, null, array_mt) -> compact JSON text; raises
 * "name.path: message". */
static int sp_lua_json_encode(lua_State *L)
{
    sp_jenc e;
    lua_settop(L, 4);
    sp_jenc_init(&e, L, 3, 4);
    e.root = lua_isstring(L, 2) ? lua_tostring(L, 2) : "value";
    if (sp_jenc_encode(&e, 1) == 0) {
        lua_pushlstring(L, e.data, e.len);
        sp_jenc_free(&e);
        return 1;
    }
    sp_jenc_free(&e);
    sp_jenc_push_error(&e, "");
    return lua_error(L);
}
