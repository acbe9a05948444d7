/*
 * bindings/lua/lua_track_buffer.c: the handover of snowplow.event_buffer (src/snowplow/
 * event_buffer.lua) in one C call: the events a server stored one per request
 * are tracked here one after the other, with warm caches and without a Lua to
 * C crossing per event (docs/performance.md, "Lua in nginx"). Inserted into
 * the SWIG wrapper by lua.i after lua_track_struct.c (it uses its helpers and
 * the SWIG runtime), so it does not compile alone.
 *
 * Slots: SP_LUA_BUFFER_STRIDE per event, [1] the tracker method, [2..8] its
 * arguments after the tracker. Structured events without contexts are tracked
 * in C (sp_lua_se_build, as tracker:track_struct_event does); any other event
 * by calling method(tracker, arguments...) under lua_pcall. Nothing raises
 * for an event: its error is returned with its place.
 */

#define SP_LUA_BUFFER_STRIDE 8

/* One structured event whose 7 arguments are at base .. base+6. Returns 0 (or
 * SNOWPLOW_EFULL: dropped and reported by the library), else pushes the
 * message and returns -1. */
static int sp_lua_buffer_struct(lua_State *L, snowplow_tracker *tracker, int base)
{
    int rc = sp_lua_se_track(L, tracker, base, base + 6, NULL);
    if (rc >= 0 || rc == SNOWPLOW_EFULL)
        return 0;
    lua_pushstring(L, sp_swig_error_message(rc));
    return -1;
}

/* Can the structured event at base .. base+6 be tracked in C? (The types were
 * checked when it was stored; what the fast way leaves to the Lua way, too.) */
static int sp_lua_buffer_struct_plain(lua_State *L, int base)
{
    return lua_type(L, base) == LUA_TSTRING && lua_type(L, base + 1) == LUA_TSTRING &&
           (lua_isnil(L, base + 4) || lua_type(L, base + 4) == LUA_TNUMBER) &&
           !sp_lua_se_needs_lua_way(L, base, base + 5, base + 6);
}

/*
 * track_buffer(tracker handle, slots, n, struct method, tracker) -> the number
 * of events handed over, and nil or a list of {index (0-based), message} for
 * the events refused.
 */
static int sp_lua_track_buffer(lua_State *L)
{
    snowplow_tracker *tracker = NULL;
    if (!SWIG_IsOK(SWIG_ConvertPtr(L, 1, (void **)&tracker, SWIGTYPE_p_snowplow_tracker, 0)) ||
        tracker == NULL)
        return luaL_argerror(L, 1, "expected a tracker handle");
    luaL_checktype(L, 2, LUA_TTABLE);
    int n = (int)luaL_checkinteger(L, 3);
    lua_settop(L, 5);
    lua_pushnil(L); /* 6: the refused events, made at the first */
    int handed = 0, refused = 0;
    for (int i = 0; i < n; i++) {
        int first = i * SP_LUA_BUFFER_STRIDE;
        int method = lua_gettop(L) + 1;
        for (int k = 1; k <= SP_LUA_BUFFER_STRIDE; k++)
            lua_rawgeti(L, 2, first + k);
        int rc;
        if (lua_rawequal(L, method, 4) && sp_lua_buffer_struct_plain(L, method + 1)) {
            rc = sp_lua_buffer_struct(L, tracker, method + 1);
        } else {
            lua_pushvalue(L, 5);   /* the tracker, after the method */
            lua_insert(L, method + 1);
            rc = lua_pcall(L, SP_LUA_BUFFER_STRIDE, 0, 0) == 0 ? 0 : -1;
        }
        if (rc == 0) {
            handed++;
        } else {
            if (lua_isnil(L, 6)) {
                lua_newtable(L);
                lua_replace(L, 6);
            }
            lua_createtable(L, 2, 0);
            lua_pushinteger(L, i);
            lua_rawseti(L, -2, 1);
            lua_pushvalue(L, -2); /* the message */
            lua_rawseti(L, -2, 2);
            lua_rawseti(L, 6, ++refused);
        }
        lua_settop(L, 6);
    }
    lua_pushinteger(L, handed);
    lua_pushvalue(L, 6);
    return 2;
}
