/*
 * bindings/lua/lua_track.c: tracker:track_self_describing_event(schema, data,
 * contexts) from tables in one C call. Inserted into the SWIG wrapper by lua.i
 * after lua_json.c (it uses the SWIG runtime: SWIG_ConvertPtr, the type
 * descriptors, sp_swig_error_message), so it does not compile alone.
 *
 * The Lua way (src/snowplow.lua) makes an sdjson userdata, an event userdata,
 * one more sdjson per context, JSON strings and error-name strings, each
 * through a SWIG call, under two pcalls. Here the data's JSON is written into
 * a C buffer (lua_json.c) and handed to the library directly; nothing is
 * created on the Lua side but the event id.
 *
 * Same behaviour as the Lua way, checks in the same order, same messages.
 * What this does not handle it leaves to the Lua way by returning false,
 * before doing anything: a schema that is not a string (an sdjson value, or
 * the error), a timestamp, a tracker handle that is not one, and contexts
 * whose access could run Lua code (a metatable on the list or on an entry
 * that is not a snowplow.self_describing_json value). So no Lua code runs and
 * nothing can raise while the event is held: errors free it, then raise.
 */

/* Mirrors the Lua messages: "fn: name: expected a T, got U". */
static const char sp_lua_sd_fn[] = "track_self_describing_event";

/* The library handle of a snowplow.self_describing_json value, or NULL. */
static snowplow_sdjson *sp_lua_sdjson_of(lua_State *L, int idx)
{
    snowplow_sdjson *sdj = NULL;
    lua_getfield(L, idx, "native"); /* a field of the value itself: no Lua code runs */
    if (!SWIG_IsOK(SWIG_ConvertPtr(L, -1, (void **)&sdj, SWIGTYPE_p_snowplow_sdjson, 0)))
        sdj = NULL;
    lua_pop(L, 1);
    return sdj;
}

/* Can the contexts at idx be read without running Lua code? sdjson_mt_idx: the
 * metatable of snowplow.self_describing_json values. */
static int sp_lua_contexts_plain(lua_State *L, int idx, int sdjson_mt_idx)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return 1; /* nil, or an error raised in its turn */
    if (lua_getmetatable(L, idx)) {
        lua_pop(L, 1);
        return 0;
    }
    size_t n = (size_t)lua_rawlen(L, idx);
    for (size_t i = 1; i <= n; i++) {
        int plain = 1;
        lua_rawgeti(L, idx, (int)i);
        if (lua_type(L, -1) == LUA_TTABLE && lua_getmetatable(L, -1)) {
            plain = lua_rawequal(L, -1, sdjson_mt_idx) && sp_lua_sdjson_of(L, -2) != NULL;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        if (!plain)
            return 0;
    }
    return 1;
}

/* Track ev (then free it) and push the event id; nil when an emitter's queue
 * was full (reported to on_failure and counted: not the caller's error);
 * raises the library's message on other errors. */
/* What a track method returns for the library's `rc`: the event id, nil when an
 * emitter's queue was full; other errors raise. */
static int sp_lua_track_answer(lua_State *L, int rc, const char *eid)
{
    if (rc == SNOWPLOW_EFULL) {
        lua_pushnil(L);
        return 1;
    }
    if (rc < 0) {
        lua_pushstring(L, sp_swig_error_message(rc));
        return lua_error(L);
    }
    lua_pushstring(L, eid);
    return 1;
}

static int sp_lua_track_event(lua_State *L, snowplow_tracker *tracker, snowplow_event *ev)
{
    char eid[SNOWPLOW_EID_SIZE];
    eid[0] = '\0';
    int rc = snowplow_tracker_track(eid, tracker, ev);
    snowplow_event_free(ev);
    return sp_lua_track_answer(L, rc, eid);
}

/* Raise the message on top of the stack after freeing what is held. */
static int sp_lua_sd_raise(lua_State *L, sp_jenc *e, snowplow_event *ev)
{
    if (ev != NULL)
        snowplow_event_free(ev);
    sp_jenc_free(e);
    return lua_error(L);
}

static int sp_lua_sd_library_error(lua_State *L, sp_jenc *e, snowplow_event *ev, int rc)
{
    lua_pushstring(L, sp_swig_error_message(rc));
    return sp_lua_sd_raise(L, e, ev);
}

/* JSON encoding failed: free first (the path's keys stay on the stack), then raise. */
static int sp_lua_sd_encode_error(lua_State *L, sp_jenc *e, snowplow_event *ev)
{
    char prefix[sizeof sp_lua_sd_fn + 2];
    snprintf(prefix, sizeof prefix, "%s: ", sp_lua_sd_fn);
    if (ev != NULL)
        snowplow_event_free(ev);
    sp_jenc_free(e);
    sp_jenc_push_error(e, prefix);
    return lua_error(L);
}

/* snowplow_sdjson_new(schema at schema_idx, the text in e), as the SWIG
 * wrapper would (an embedded NUL in the schema is refused, as argument 2). */
static int sp_lua_sd_new(lua_State *L, sp_jenc *e, int schema_idx, snowplow_sdjson **out)
{
    size_t len = 0;
    const char *schema = lua_tolstring(L, schema_idx, &len);
    if (strlen(schema) != len) {
        lua_pushfstring(L, "%s: argument %d contains a NUL character", "sdjson_new", 2);
        return -1;
    }
    int rc = snowplow_sdjson_new(out, schema, e->data);
    if (rc < 0) {
        lua_pushstring(L, sp_swig_error_message(rc));
        return -1;
    }
    return 0;
}

/* Add the contexts at idx (nil, or a list) to ev, in order. Raises (freeing ev
 * and e) on the first bad one. */
static int sp_lua_sd_add_contexts(lua_State *L, sp_jenc *e, snowplow_event *ev, int idx,
                                  int sdjson_mt_idx)
{
    if (lua_isnil(L, idx))
        return 0;
    if (lua_type(L, idx) != LUA_TTABLE) {
        lua_pushfstring(L, "%s: contexts: expected a table, got %s", sp_lua_sd_fn, luaL_typename(L, idx));
        return sp_lua_sd_raise(L, e, ev);
    }
    int n = (int)lua_rawlen(L, idx);
    for (int i = 1; i <= n; i++) {
        int top = lua_gettop(L);
        lua_rawgeti(L, idx, i);
        int c = top + 1;
        if (lua_type(L, c) != LUA_TTABLE) {
            lua_pushfstring(L, "%s: contexts[%d]: expected a table, got %s", sp_lua_sd_fn, i,
                            luaL_typename(L, c));
            return sp_lua_sd_raise(L, e, ev);
        }
        snowplow_sdjson *sdj = NULL;
        int rc;
        if (lua_getmetatable(L, c)) { /* only sdjson values get here (see sp_lua_contexts_plain) */
            lua_pop(L, 1);
            rc = snowplow_event_add_context(ev, sp_lua_sdjson_of(L, c));
            if (rc < 0)
                return sp_lua_sd_library_error(L, e, ev, rc);
            lua_settop(L, top);
            continue;
        }
        lua_getfield(L, c, "schema"); /* raw: no metatable */
        lua_getfield(L, c, "data");
        if (lua_type(L, c + 1) != LUA_TSTRING) {
            lua_pushfstring(L, "%s: contexts[%d].schema: expected a string, got %s", sp_lua_sd_fn, i,
                            luaL_typename(L, c + 1));
            return sp_lua_sd_raise(L, e, ev);
        }
        if (lua_type(L, c + 2) != LUA_TTABLE) {
            lua_pushfstring(L, "%s: contexts[%d].data: expected a table, got %s", sp_lua_sd_fn, i,
                            luaL_typename(L, c + 2));
            return sp_lua_sd_raise(L, e, ev);
        }
        snprintf(e->root_buf, sizeof e->root_buf, "contexts[%d].data", i);
        sp_jenc_reset(e, e->root_buf);
        if (sp_jenc_encode(e, c + 2) < 0)
            return sp_lua_sd_encode_error(L, e, ev);
        if (sp_lua_sd_new(L, e, c + 1, &sdj) < 0)
            return sp_lua_sd_raise(L, e, ev);
        rc = snowplow_event_add_context(ev, sdj);
        snowplow_sdjson_free(sdj); /* the event keeps its own reference */
        if (rc < 0)
            return sp_lua_sd_library_error(L, e, ev, rc);
        lua_settop(L, top);
    }
    return 0;
}

/*
 * track(tracker handle, schema, data [, contexts [, tstamp]]) -> event id, nil
 * when an emitter's queue was full, or false: "use the Lua way". Upvalues:
 * json.null, the array marker, the metatable of self-describing JSON values.
 */
static int sp_lua_track_self_describing(lua_State *L)
{
    snowplow_tracker *tracker = NULL;
    lua_settop(L, 5);
    lua_pushvalue(L, lua_upvalueindex(1)); /* 6: null */
    lua_pushvalue(L, lua_upvalueindex(2)); /* 7: array marker */
    lua_pushvalue(L, lua_upvalueindex(3)); /* 8: sdjson metatable */
    if (lua_type(L, 2) != LUA_TSTRING || !lua_isnil(L, 5) ||
        !SWIG_IsOK(SWIG_ConvertPtr(L, 1, (void **)&tracker, SWIGTYPE_p_snowplow_tracker, 0)) ||
        tracker == NULL || !sp_lua_contexts_plain(L, 4, 8)) {
        lua_pushboolean(L, 0);
        return 1;
    }
    if (lua_type(L, 3) != LUA_TTABLE) { /* (luaL_error would add the caller's position) */
        lua_pushfstring(L, "%s: data: expected a table, got %s", sp_lua_sd_fn, luaL_typename(L, 3));
        return lua_error(L);
    }

    sp_jenc e;
    sp_jenc_init(&e, L, 6, 7);
    sp_jenc_reset(&e, "data");
    if (sp_jenc_encode(&e, 3) < 0)
        return sp_lua_sd_encode_error(L, &e, NULL);
    snowplow_sdjson *sdj = NULL;
    if (sp_lua_sd_new(L, &e, 2, &sdj) < 0)
        return sp_lua_sd_raise(L, &e, NULL);
    snowplow_event *ev = NULL;
    int rc = snowplow_event_self_describing_new(&ev, sdj);
    snowplow_sdjson_free(sdj); /* the event keeps its own reference */
    if (rc < 0)
        return sp_lua_sd_library_error(L, &e, NULL, rc);

    sp_lua_sd_add_contexts(L, &e, ev, 4, 8);
    sp_jenc_free(&e);
    return sp_lua_track_event(L, tracker, ev);
}

/* track_self_describing_function(null, array_mt, sdjson_mt) -> the function above. */
static int sp_lua_track_self_describing_function(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    lua_pushcclosure(L, sp_lua_track_self_describing, 3);
    return 1;
}
