/*
 * bindings/lua/lua_track_struct.c: tracker:track_struct_event(category,
 * action, label, property, value [, contexts [, tstamp]]) in one C call, for
 * servers that track one per request (nginx's log_by_lua: see
 * docs/performance.md). Inserted into the SWIG wrapper by lua.i after
 * lua_track.c (it uses the SWIG runtime, sp_swig_error_message and
 * sp_lua_track_event), so it does
 * not compile alone.
 *
 * Same checks, order and messages as the Lua way (src/snowplow.lua). What it
 * does not handle it leaves to the Lua way by returning false before doing
 * anything: contexts, a timestamp that is not a number below 9e15 (NaN,
 * infinities and what int64 milliseconds cannot hold get the Lua way's errors), a string with
 * a NUL byte, a tracker handle that is not one.
 */

static const char sp_lua_se_fn[] = "track_struct_event";

/* Is the argument at idx a string without NUL bytes (or nil when optional)? */
static int sp_lua_se_plain_string(lua_State *L, int idx, int optional)
{
    if (optional && lua_isnil(L, idx))
        return 1;
    if (lua_type(L, idx) != LUA_TSTRING)
        return 1; /* wrong type: raised in its turn, with the Lua way's message */
    size_t len = 0;
    const char *s = lua_tolstring(L, idx, &len);
    return strlen(s) == len;
}

/* Raise "track_struct_event: NAME: expected a TYPE, got T" unless the argument
 * at idx has that type (or is nil and optional). */
static void sp_lua_se_check(lua_State *L, int idx, int type, const char *name, int optional)
{
    if (lua_type(L, idx) == type || (optional && lua_isnil(L, idx)))
        return;
    lua_pushfstring(L, "%s: %s: expected a %s, got %s", sp_lua_se_fn, name, lua_typename(L, type),
                    luaL_typename(L, idx));
    lua_error(L);
}

/*
 * The structured event of the values at cat (category), cat+1 (action),
 * cat+2 (label), cat+3 (property), cat+4 (value) and tstamp_idx, whose types
 * were checked. Returns 0, or the library's error code (*out is then NULL).
 */
static int sp_lua_se_build(lua_State *L, int cat, int tstamp_idx, snowplow_event **out)
{
    snowplow_event *ev = NULL;
    int rc = snowplow_event_structured_new(&ev, lua_tostring(L, cat), lua_tostring(L, cat + 1),
                                           lua_tostring(L, cat + 2), lua_tostring(L, cat + 3));
    if (rc == 0 && !lua_isnil(L, cat + 4)) {
#if LUA_VERSION_NUM >= 503
        if (lua_isinteger(L, cat + 4))
            rc = snowplow_event_set_int(ev, "value", (int64_t)lua_tointeger(L, cat + 4));
        else
#endif
            rc = snowplow_event_set_double(ev, "value", (double)lua_tonumber(L, cat + 4));
    }
    if (rc == 0 && !lua_isnil(L, tstamp_idx))
        rc = snowplow_event_set_device_timestamp(
            ev, (int64_t)floor((double)lua_tonumber(L, tstamp_idx) + 0.5));
    if (rc < 0) {
        snowplow_event_free(ev);
        ev = NULL;
    }
    *out = ev;
    return rc;
}

/* The event object's way for the structured event at cat .. cat+4 and
 * tstamp_idx: its messages are the ones the Lua API has always given. */
static int sp_lua_se_track_object(lua_State *L, snowplow_tracker *tracker, int cat,
                                  int tstamp_idx, char *eid)
{
    snowplow_event *ev = NULL;
    int rc = sp_lua_se_build(L, cat, tstamp_idx, &ev);
    if (rc == 0) {
        rc = snowplow_tracker_track(eid, tracker, ev);
        snowplow_event_free(ev);
    }
    return rc;
}

/* The value of a structured event as a double that prints as the event object
 * would print it: 0 (*out set), or -1 for an integer beyond 2^53 (Lua 5.3+),
 * whose digits only the old way keeps. */
static int sp_lua_se_value(lua_State *L, int idx, double *out)
{
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx)) {
        lua_Integer i = lua_tointeger(L, idx);
        if (i > ((lua_Integer)1 << 53) || i < -((lua_Integer)1 << 53))
            return -1;
        *out = (double)i;
        return 0;
    }
#endif
    *out = (double)lua_tonumber(L, idx);
    return 0;
}

/*
 * Track the structured event at cat .. cat+4 (category .. value) and tstamp_idx,
 * whose types were checked, with snowplow_tracker_track_structured(): no event
 * object, nothing copied (docs/performance.md). An error there is tracked (and
 * so worded) the event object's way. Returns 0 or the library's error code;
 * eid (NULL or SNOWPLOW_EID_SIZE bytes) receives the event id.
 */
static int sp_lua_se_track(lua_State *L, snowplow_tracker *tracker, int cat, int tstamp_idx,
                           char *eid)
{
    double value = 0;
    int64_t dtm = 0;
    int has_value = !lua_isnil(L, cat + 4), has_dtm = !lua_isnil(L, tstamp_idx);
    int rc = -1;
    if (!has_value || sp_lua_se_value(L, cat + 4, &value) == 0) {
        if (has_dtm)
            dtm = (int64_t)floor((double)lua_tonumber(L, tstamp_idx) + 0.5);
        rc = snowplow_tracker_track_structured(eid, tracker, lua_tostring(L, cat),
                                               lua_tostring(L, cat + 1), lua_tostring(L, cat + 2),
                                               lua_tostring(L, cat + 3), has_value ? &value : NULL,
                                               has_dtm ? &dtm : NULL);
    }
    if (rc < 0 && rc != SNOWPLOW_EFULL)
        rc = sp_lua_se_track_object(L, tracker, cat, tstamp_idx, eid);
    return rc;
}

/* What the fast way cannot do alike: the Lua way's (contexts; a timestamp
 * that is not a number below 9e15, for NaN, infinities and what int64
 * milliseconds cannot hold; a string with a NUL byte). For the values at cat
 * .. cat+4 (category .. value), contexts_idx and tstamp_idx. */
static int sp_lua_se_needs_lua_way(lua_State *L, int cat, int contexts_idx, int tstamp_idx)
{
    return !lua_isnil(L, contexts_idx) ||
           !(lua_isnil(L, tstamp_idx) || lua_type(L, tstamp_idx) == LUA_TNUMBER) ||
           (lua_type(L, tstamp_idx) == LUA_TNUMBER &&
            !(fabs((double)lua_tonumber(L, tstamp_idx)) < 9.0e15)) ||
           !sp_lua_se_plain_string(L, cat, 0) || !sp_lua_se_plain_string(L, cat + 1, 0) ||
           !sp_lua_se_plain_string(L, cat + 2, 1) || !sp_lua_se_plain_string(L, cat + 3, 1);
}

/*
 * track(tracker handle, category, action, label, property, value, contexts,
 * tstamp) -> event id, nil when an emitter's queue was full, or false: "use
 * the Lua way".
 */
static int sp_lua_track_struct(lua_State *L)
{
    snowplow_tracker *tracker = NULL;
    lua_settop(L, 8);
    if (sp_lua_se_needs_lua_way(L, 2, 7, 8) ||
        !SWIG_IsOK(SWIG_ConvertPtr(L, 1, (void **)&tracker, SWIGTYPE_p_snowplow_tracker, 0)) ||
        tracker == NULL) {
        lua_pushboolean(L, 0);
        return 1;
    }
    sp_lua_se_check(L, 6, LUA_TNUMBER, "value", 1);
    sp_lua_se_check(L, 2, LUA_TSTRING, "category", 0);
    sp_lua_se_check(L, 3, LUA_TSTRING, "action", 0);
    sp_lua_se_check(L, 4, LUA_TSTRING, "label", 1);
    sp_lua_se_check(L, 5, LUA_TSTRING, "property", 1);

    char eid[SNOWPLOW_EID_SIZE];
    eid[0] = '\0';
    return sp_lua_track_answer(L, sp_lua_se_track(L, tracker, 2, 8, eid), eid);
}
