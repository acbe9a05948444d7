-- The Lua binding as a rock. Builds offline against an installed libsnowplow
-- (libsnowplow-dev, or SNOWPLOW_DIR=PREFIX):
--   from a checkout:        cd bindings/lua && luarocks make snowplow-0.1.0-1.rockspec
--   from a release:         cmake --build build --target dist, then
--                           luarocks build build/dist/snowplow-0.1.0-1.src.rock
-- source.url names the release tarball that the dist target makes
-- (libsnowplow-0.1.0.tar.gz, which carries the generated SWIG wrapper); the
-- dist target writes a copy of this file whose url is that local tarball.
-- Each Lua version builds in its own folder (see Makefile): run luarocks once
-- per version (--lua-version 5.1, 5.4).
rockspec_format = "3.0"
package = "snowplow"
version = "0.1.0-1"
source = {
  url = "https://libsnowplow.invalid/releases/libsnowplow-0.1.0.tar.gz",
  dir = "libsnowplow-0.1.0/bindings/lua",
}
description = {
  summary = "Snowplow event tracker on libsnowplow",
  detailed = [[
    Tracks Snowplow analytics events from Lua with the official Lua tracker's
    names (snowplow.new_tracker, tracker:track_struct_event, ...) and every
    event type of libsnowplow. Batching, HTTP delivery and retries run in the
    C library's threads; callbacks run on the Lua thread that dispatches them.
  ]],
  homepage = "https://libsnowplow.invalid/",
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
    LUA_INCDIR = "$(LUA_INCDIR)",
    INST_LUADIR = "$(LUADIR)",
    INST_LIBDIR = "$(LIBDIR)",
  },
}
