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
 *   - monotonic_ns(): a precise clock, which Lua lacks;
 *   - json_encode(value, name, null, array_mt): Lua values as JSON text, in C
 *     (lua_json.c);
 *   - track_self_describing_function(null, array_mt, sdjson_mt): a function
 *     tracking a self-describing event from tables in one C call
 *     (lua_track.c), used by Tracker:track_self_describing_event.
 *   - track_struct(tracker, category, action, label, property, value, contexts,
 *     tstamp): a structured event in one C call (lua_track_struct.c), used by
 *     Tracker:track_struct_event.
 *   - track_buffer(tracker, slots, n, struct method, tracker object): the
 *     handover of snowplow.event_buffer in one C call (lua_track_buffer.c).
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

/* {sent=, status=, reason=, will_retry=, success_count=, count=, events={...},
 * event_ids={...}}; without `events` and `event_ids` for a sent result unless
 * sent_events (decoding each event's JSON is most of the cost). */
static void sp_lua_push_result(lua_State *L, const snowplow_result *r, int sent_events)
{
    size_t n = snowplow_result_event_count(r);
    int sent = snowplow_result_get_kind(r) == SNOWPLOW_RESULT_SENT;
    lua_createtable(L, 0, 8);
    /* a success queued without its events still has its count */
    lua_pushinteger(L, (lua_Integer)(sent ? snowplow_result_success_count(r) : n));
    lua_setfield(L, -2, "count");
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
    if (!sent_events && snowplow_result_get_kind(r) == SNOWPLOW_RESULT_SENT)
        return;
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
 * next_result(emitter [, timeout_ms = 0 [, sent_events = true]]) -> result
 * table, or nil and the status (ETIMEOUT: none waiting, EWOKEN, ECLOSED:
 * closed and drained). Other errors raise.
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
        /* Lua raises only on memory errors */
        sp_lua_push_result(L, result, lua_isnoneornil(L, 3) || lua_toboolean(L, 3));
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

/* The JSON encoder (json_encode, and the data and contexts of events) and
 * track_self_describing_event in one C call: in their own files. */
%insert("header") "lua/lua_json.c"
%insert("header") "lua/lua_track.c"
%insert("header") "lua/lua_track_struct.c"
%insert("header") "lua/lua_track_buffer.c"

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
%native(track_self_describing_function) int sp_lua_track_self_describing_function(lua_State *L);
%native(track_struct) int sp_lua_track_struct(lua_State *L);
%native(track_buffer) int sp_lua_track_buffer(lua_State *L);
