-- The Lua binding as a rock (optional: Debian installs it with CMake,
-- component lua). Builds offline against an installed libsnowplow:
--   cd bindings/lua && luarocks make snowplow-0.1.0-1.rockspec
-- (the wrapper snowplow_lua_wrap.c is generated with swig when missing).
rockspec_format = "3.0"
package = "snowplow"
version = "0.1.0-1"
source = {
  url = "file://../..",
}
description = {
  summary = "Snowplow event tracker on libsnowplow",
  detailed = [[
    Tracks Snowplow analytics events from Lua with the official Lua tracker's
    names (snowplow.new_tracker, tracker:track_struct_event, ...) and every
    event type of libsnowplow. Batching, HTTP delivery and retries run in the
    C library's threads; callbacks run on the Lua thread that dispatches them.
  ]],
  license = "Apache-2.0",
}
dependencies = {
  "lua >= 5.1, < 5.5",
}
external_dependencies = {
  SNOWPLOW = { header = "snowplow/tracker.h", library = "snowplow" },
  CJSON = { header = "cjson/cJSON.h", library = "cjson" },
}
build = {
  type = "make",
  build_variables = {
    CFLAGS = "$(CFLAGS)",
    LIBFLAG = "$(LIBFLAG)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    SNOWPLOW_INCDIR = "$(SNOWPLOW_INCDIR)",
    SNOWPLOW_LIBDIR = "$(SNOWPLOW_LIBDIR)",
    CJSON_INCDIR = "$(CJSON_INCDIR)",
    CJSON_LIBDIR = "$(CJSON_LIBDIR)",
  },
  install_variables = {
    INST_LUADIR = "$(LUADIR)",
    INST_LIBDIR = "$(LIBDIR)",
  },
}
