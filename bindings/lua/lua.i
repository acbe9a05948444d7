/*
 * bindings/lua/lua.i: the Lua-only part of the SWIG interface, included by
 * bindings/snowplow.i under SWIGLUA (after the generic typemaps, before the
 * public headers).
 *
 * The low-level module is built as `swig -lua -module snowplow_core
 * -nomoduleglobal` and installed as snowplow/core.so (require "snowplow.core",
 * luaopen_snowplow_core); bindings/lua/src/snowplow.lua is the API on top.
 * The same generated C compiles against Lua 5.1 to 5.4, and the module never
 * links liblua: the interpreter that loads it provides the Lua C API.
 *
 * What is here:
 *   - integers: size_t, int64_t, uint64_t and enum results come back as Lua
 *     integers on 5.3/5.4 (SWIG 4.1 would push floats); integer arguments
 *     must be whole numbers in range (SWIG would truncate 1.5 silently);
 *   - strings: an embedded NUL is an error instead of cutting the string;
 *   - next_result(emitter, timeout_ms): one delivery result as a table, for
 *     emitter:dispatch() (callbacks then run on the calling Lua thread only);
 *   - guard(handle, kind): a userdata whose __gc frees the handle, so that
 *     Lua's garbage collector (also at lua_close) releases what the Lua
 *     objects own, on Lua 5.1 (where tables have no __gc) as on 5.4;
 *   - monotonic_ns(): a precise clock, which Lua lacks.
 */

%{
#include <limits.h>
#include <math.h>
#include <time.h>
#include <cjson/cJSON.h>

/* A whole number in [lo, hi] at index idx, or an error message pushed. */
static int sp_lua_integer(lua_State *L, int idx, double lo, double hi, long long *out)
{
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx)) {
        lua_Integer v = lua_tointeger(L, idx);
        if ((double)v < lo || (double)v > hi)
            return -2;
        *out = (long long)v;
        return 0;
    }
#endif
    if (lua_type(L, idx) != LUA_TNUMBER)
        return -1;
    lua_Number d = lua_tonumber(L, idx);
    if (d != d || floor(d) != d)
        return -1;
    if (d < lo || d > hi || d >= 9223372036854775808.0)
        return -2;
    *out = (long long)d;
    return 0;
}

static int sp_lua_integer_arg(lua_State *L, int idx, const char *fn, int argnum, double lo,
                              double hi, long long *out)
{
    int rc = sp_lua_integer(L, idx, lo, hi, out);
    if (rc == -1)
        lua_pushfstring(L, "%s: argument %d: expected an integer, got %s", fn, argnum,
                        lua_type(L, idx) == LUA_TNUMBER ? "a fractional number"
                                                         : luaL_typename(L, idx));
    else if (rc == -2)
        lua_pushfstring(L, "%s: argument %d: integer out of range", fn, argnum);
    return rc;
}

/* ---- results ---------------------------------------------------------------- */

/* Push a cJSON value as a Lua value (objects and arrays as tables). */
static void sp_lua_push_json(lua_State *L, const cJSON *item)
{
    if (cJSON_IsString(item)) {
        lua_pushstring(L, item->valuestring);
    } else if (cJSON_IsNumber(item)) {
        double d = item->valuedouble;
        if (floor(d) == d && fabs(d) < 9007199254740992.0)
            lua_pushinteger(L, (lua_Integer)d);
        else
            lua_pushnumber(L, (lua_Number)d);
    } else if (cJSON_IsBool(item)) {
        lua_pushboolean(L, cJSON_IsTrue(item));
    } else if (cJSON_IsArray(item)) {
        int i = 1;
        lua_newtable(L);
        for (const cJSON *c = item->child; c; c = c->next) {
            sp_lua_push_json(L, c);
            lua_rawseti(L, -2, i++);
        }
    } else if (cJSON_IsObject(item)) {
        lua_newtable(L);
        for (const cJSON *c = item->child; c; c = c->next) {
            sp_lua_push_json(L, c);
            lua_setfield(L, -2, c->string);
        }
    } else {
        lua_pushnil(L);
    }
}

/* {sent=, status=, reason=, will_retry=, success_count=, events={...}, event_ids={...}} */
static void sp_lua_push_result(lua_State *L, const snowplow_result *r)
{
    size_t n = snowplow_result_event_count(r);
    lua_createtable(L, 0, 7);
    lua_pushboolean(L, snowplow_result_get_kind(r) == SNOWPLOW_RESULT_SENT);
    lua_setfield(L, -2, "sent");
    lua_pushinteger(L, (lua_Integer)snowplow_result_status(r));
    lua_setfield(L, -2, "status");
    lua_pushstring(L, snowplow_result_reason(r));
    lua_setfield(L, -2, "reason");
    lua_pushboolean(L, snowplow_result_will_retry(r));
    lua_setfield(L, -2, "will_retry");
    lua_pushinteger(L, (lua_Integer)snowplow_result_success_count(r));
    lua_setfield(L, -2, "success_count");
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        cJSON *event = cJSON_Parse(snowplow_result_event_json(r, i));
        if (event != NULL) {
            sp_lua_push_json(L, event);
            cJSON_Delete(event);
        } else {
            lua_newtable(L);
        }
        lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, -2, "events");
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, snowplow_result_event_id(r, i));
        lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, -2, "event_ids");
}

/*
 * next_result(emitter [, timeout_ms = 0]) -> result table, or nil and the
 * status (ETIMEOUT: none waiting, EWOKEN, ECLOSED: closed and drained).
 * Other errors raise.
 */
static int sp_lua_next_result(lua_State *L)
{
    snowplow_emitter *emitter = NULL;
    long long timeout = 0;
    if (!SWIG_IsOK(SWIG_ConvertPtr(L, 1, (void **)&emitter, SWIGTYPE_p_snowplow_emitter, 0)))
        return luaL_argerror(L, 1, "expected an emitter");
    if (!lua_isnoneornil(L, 2) &&
        sp_lua_integer_arg(L, 2, "next_result", 2, (double)INT_MIN, (double)INT_MAX, &timeout) != 0)
        return lua_error(L);
    snowplow_result *result = NULL;
    int rc = snowplow_emitter_next_result(&result, emitter, (int)timeout);
    if (rc == SNOWPLOW_OK && result != NULL) {
        sp_lua_push_result(L, result); /* Lua raises only on memory errors */
        snowplow_result_free(result);
        return 1;
    }
    if (rc == SNOWPLOW_OK || rc == SNOWPLOW_ETIMEOUT || rc == SNOWPLOW_EWOKEN ||
        rc == SNOWPLOW_ECLOSED) {
        lua_pushnil(L);
        lua_pushinteger(L, rc == SNOWPLOW_OK ? SNOWPLOW_EWOKEN : rc);
        return 2;
    }
    lua_pushstring(L, sp_swig_error_message(rc));
    return lua_error(L);
}

/* ---- guards: the garbage collector frees what Lua objects own ------------------ */

#define SP_LUA_GUARD_MT "snowplow.core.guard"

enum { SP_GUARD_EMITTER, SP_GUARD_TRACKER, SP_GUARD_SUBJECT, SP_GUARD_SDJSON, SP_GUARD_EVENT };

typedef struct {
    void *ptr;
    int kind;
} sp_lua_guard_t;

/* guard:release(): free now (idempotent); also the __gc. */
static int sp_lua_guard_release(lua_State *L)
{
    sp_lua_guard_t *g = (sp_lua_guard_t *)luaL_checkudata(L, 1, SP_LUA_GUARD_MT);
    void *ptr = g->ptr;
    g->ptr = NULL;
    if (ptr == NULL)
        return 0;
    switch (g->kind) {
    case SP_GUARD_EMITTER: snowplow_emitter_free((snowplow_emitter *)ptr); break;
    case SP_GUARD_TRACKER: snowplow_tracker_free((snowplow_tracker *)ptr); break;
    case SP_GUARD_SUBJECT: snowplow_subject_free((snowplow_subject *)ptr); break;
    case SP_GUARD_SDJSON: snowplow_sdjson_free((snowplow_sdjson *)ptr); break;
    case SP_GUARD_EVENT: snowplow_event_free((snowplow_event *)ptr); break;
    }
    return 0;
}

/* guard(handle, kind): kind is "emitter", "tracker", "subject", "sdjson" or "event". */
static int sp_lua_guard(lua_State *L)
{
    static const char *const kinds[] = {"emitter", "tracker", "subject", "sdjson", "event", NULL};
    int kind = luaL_checkoption(L, 2, NULL, kinds);
    swig_type_info *types[] = {SWIGTYPE_p_snowplow_emitter, SWIGTYPE_p_snowplow_tracker,
                               SWIGTYPE_p_snowplow_subject, SWIGTYPE_p_snowplow_sdjson,
                               SWIGTYPE_p_snowplow_event};
    void *ptr = NULL;
    if (!SWIG_IsOK(SWIG_ConvertPtr(L, 1, &ptr, types[kind], 0)) || ptr == NULL)
        return luaL_argerror(L, 1, "expected a handle of that kind");
    sp_lua_guard_t *g = (sp_lua_guard_t *)lua_newuserdata(L, sizeof *g);
    g->ptr = ptr;
    g->kind = kind;
    if (luaL_newmetatable(L, SP_LUA_GUARD_MT)) {
        lua_pushcfunction(L, sp_lua_guard_release);
        lua_setfield(L, -2, "__gc");
        lua_newtable(L);
        lua_pushcfunction(L, sp_lua_guard_release);
        lua_setfield(L, -2, "release");
        lua_setfield(L, -2, "__index");
    }
    lua_setmetatable(L, -2);
    return 1;
}

/* ---- JSON encoding of Lua values (snowplow.json) ------------------------------ */

/*
 * json_encode(value, name, null, array_mt) -> compact JSON text.
 * A table whose keys are exactly 1..n (n >= 1), or whose metatable is
 * array_mt, is an array; any other table an object. `null` (a sentinel
 * table) is JSON null. Integers, and floats with an integral value below
 * 2^53, are written as integers; other numbers in the shortest of %.15g,
 * %.16g, %.17g that reads back exactly, with '.' whatever the C locale.
 * Errors name the path of the value: "data.items[2]: ...".
 */
#define SP_JSON_MAX_DEPTH 200

typedef struct {
    char *data;
    size_t len, cap;
} sp_jbuf;

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
    sp_jbuf out;
    int null_idx, array_mt_idx;
    const char *root;
    int depth;
    sp_jpath path[SP_JSON_MAX_DEPTH + 1];
    const void *tables[SP_JSON_MAX_DEPTH + 1];
    char msg[160];
    int oom;
} sp_jenc;

static int sp_jbuf_add(sp_jenc *e, const char *s, size_t n)
{
    sp_jbuf *b = &e->out;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *data = (char *)realloc(b->data, cap);
        if (data == NULL) {
            e->oom = 1;
            snprintf(e->msg, sizeof e->msg, "out of memory");
            return -1;
        }
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

static int sp_jfail(sp_jenc *e, const char *fmt, const char *arg)
{
    snprintf(e->msg, sizeof e->msg, fmt, arg);
    return -1;
}

static int sp_jstring(sp_jenc *e, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0;
    if (sp_jbuf_add(e, "\"", 1) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[7];
        size_t elen = 2;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            esc[0] = '\\';
            switch (c) {
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            default:
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                elen = 6;
            }
        } else {
            continue;
        }
        if (sp_jbuf_add(e, s + start, i - start) < 0 || sp_jbuf_add(e, esc, elen) < 0)
            return -1;
        start = i + 1;
    }
    if (sp_jbuf_add(e, s + start, n - start) < 0)
        return -1;
    return sp_jbuf_add(e, "\"", 1);
}

/* The decimal separator is whatever the C locale says; JSON wants '.'. */
static void sp_jdot(char *s)
{
    for (; *s; s++)
        if (*s == ',')
            *s = '.';
}

/* Number at idx as JSON text into buf (64 bytes); -1 when not finite. */
static int sp_jnumber_text(lua_State *L, int idx, char *buf)
{
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx)) {
        snprintf(buf, 64, "%lld", (long long)lua_tointeger(L, idx));
        return 0;
    }
#endif
    double d = (double)lua_tonumber(L, idx);
    if (!isfinite(d))
        return -1;
    if (floor(d) == d && fabs(d) < 9007199254740992.0) {
        snprintf(buf, 64, "%.0f", d);
        return 0;
    }
    static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
    for (int i = 0; i < 3; i++) {
        snprintf(buf, 64, formats[i], d);
        if (i == 2 || strtod(buf, NULL) == d)
            break;
    }
    sp_jdot(buf);
    return 0;
}

static int sp_jvalue(sp_jenc *e, int idx);

/* Keys exactly 1..n (n >= 1)? *n_out gets n. */
static int sp_jis_sequence(lua_State *L, int idx, long long *n_out)
{
    long long n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER) {
            lua_pop(L, 1);
            return 0;
        }
#if LUA_VERSION_NUM >= 503
        if (!lua_isinteger(L, -1)) {
            lua_Number k = lua_tonumber(L, -1);
            if (floor(k) != k || k < 1) {
                lua_pop(L, 1);
                return 0;
            }
        } else if (lua_tointeger(L, -1) < 1) {
            lua_pop(L, 1);
            return 0;
        }
#else
        lua_Number k = lua_tonumber(L, -1);
        if (floor(k) != k || k < 1) {
            lua_pop(L, 1);
            return 0;
        }
#endif
        n++;
    }
    if (n == 0)
        return 0;
    for (long long i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, (int)i);
        int missing = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (missing)
            return 0;
    }
    *n_out = n;
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
        if (sp_jbuf_add(e, "[", 1) < 0)
            return -1;
        for (long long i = 1; i <= n; i++) {
            if (i > 1 && sp_jbuf_add(e, ",", 1) < 0)
                return -1;
            e->path[level].kind = 1;
            e->path[level].index = i;
            lua_rawgeti(L, idx, (int)i);
            if (sp_jvalue(e, lua_gettop(L)) < 0)
                return -1;
            lua_pop(L, 1);
        }
        if (sp_jbuf_add(e, "]", 1) < 0)
            return -1;
    } else {
        int first = 1;
        if (sp_jbuf_add(e, "{", 1) < 0)
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
                if (sp_jnumber_text(L, -2, e->path[level].number) < 0)
                    return sp_jfail(e, "%sa JSON object key must be a finite number", "");
                e->path[level].kind = 3;
                key = e->path[level].number;
                keylen = strlen(key);
            } else {
                return sp_jfail(e, "a JSON object key must be a string, got %s", lua_typename(L, kt));
            }
            if ((!first && sp_jbuf_add(e, ",", 1) < 0) || sp_jstring(e, key, keylen) < 0 ||
                sp_jbuf_add(e, ":", 1) < 0)
                return -1;
            first = 0;
            if (sp_jvalue(e, lua_gettop(L)) < 0)
                return -1;
            lua_pop(L, 1);
        }
        if (sp_jbuf_add(e, "}", 1) < 0)
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
        char buf[64];
        if (sp_jnumber_text(L, idx, buf) < 0) {
            double d = (double)lua_tonumber(L, idx);
            return sp_jfail(e, "%s is not a finite number", d != d ? "nan" : d > 0 ? "inf" : "-inf");
        }
        return sp_jbuf_add(e, buf, strlen(buf));
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

static int sp_lua_json_encode(lua_State *L)
{
    sp_jenc *e = (sp_jenc *)calloc(1, sizeof *e);
    if (e == NULL)
        return luaL_error(L, "json_encode: out of memory");
    lua_settop(L, 4);
    e->L = L;
    e->root = lua_isstring(L, 2) ? lua_tostring(L, 2) : "value";
    e->null_idx = 3;
    e->array_mt_idx = 4;
    int rc = sp_jvalue(e, 1);
    if (rc == 0) {
        lua_pushlstring(L, e->out.data ? e->out.data : "", e->out.len);
        free(e->out.data);
        free(e);
        return 1;
    }
    /* "root.key[2].key: message": the levels still open, built while the
     * keys they point to are still on the stack. */
    luaL_Buffer b;
    char num[40];
    free(e->out.data);
    e->out.data = NULL;
    luaL_buffinit(L, &b);
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
    free(e);
    luaL_pushresult(&b);
    return lua_error(L);
}

/* monotonic_ns(): the monotonic clock in nanoseconds (Lua has no precise clock;
 * the benchmarks and bounded waits in Lua code use this). */
static int sp_lua_monotonic_ns(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
#if LUA_VERSION_NUM >= 503
    lua_pushinteger(L, (lua_Integer)ts.tv_sec * 1000000000 + (lua_Integer)ts.tv_nsec);
#else
    lua_pushnumber(L, (lua_Number)ts.tv_sec * 1e9 + (lua_Number)ts.tv_nsec);
#endif
    return 1;
}
%}

/* ---- integers ----------------------------------------------------------------- */

%typemap(out) size_t, int64_t, uint64_t, long, unsigned long, long long, unsigned long long,
              unsigned int
%{ lua_pushinteger(L, (lua_Integer)$1); SWIG_arg++; %}

%typemap(out) enum SWIGTYPE
%{ lua_pushinteger(L, (lua_Integer)(int)$1); SWIG_arg++; %}

%typemap(in, checkfn="lua_isnumber") int (long long v)
%{ if (sp_lua_integer_arg(L, $input, "$symname", $argnum, (double)INT_MIN, (double)INT_MAX, &v) != 0)
     SWIG_fail;
   $1 = ($1_ltype)v; %}

%typemap(in, checkfn="lua_isnumber") int64_t (long long v)
%{ if (sp_lua_integer_arg(L, $input, "$symname", $argnum, -9223372036854775808.0, 9223372036854775807.0, &v) != 0)
     SWIG_fail;
   $1 = ($1_ltype)v; %}

%typemap(in, checkfn="lua_isnumber") size_t (long long v)
%{ if (sp_lua_integer_arg(L, $input, "$symname", $argnum, 0.0, 9223372036854775807.0, &v) != 0)
     SWIG_fail;
   $1 = ($1_ltype)v; %}

/* ---- strings -------------------------------------------------------------------- */

%typemap(in, checkfn="SWIG_lua_isnilstring") const char * (size_t len = 0)
%{ $1 = ($1_ltype)lua_tolstring(L, $input, &len);
   if ($1 != NULL && strlen($1) != len) {
     lua_pushfstring(L, "%s: argument %d contains a NUL character", "$symname", $argnum);
     SWIG_fail;
   } %}

/* ---- native functions ----------------------------------------------------------- */

%native(next_result) int sp_lua_next_result(lua_State *L);
%native(guard) int sp_lua_guard(lua_State *L);
%native(monotonic_ns) int sp_lua_monotonic_ns(lua_State *L);
%native(json_encode) int sp_lua_json_encode(lua_State *L);
