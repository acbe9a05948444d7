# store_bench: throughput of the persistent event store (core/src/store/store.h), as the
# emitter drives it. It calls the internal API, so it links snowplow_internal, and
# it exists only in builds with SQLite (SNOWPLOW_HAVE_SQLITE, set by core/).
# Included from bench/CMakeLists.txt.
if(SNOWPLOW_HAVE_SQLITE)
  add_executable(store_bench ${CMAKE_CURRENT_LIST_DIR}/store_bench.c)
  target_link_libraries(store_bench PRIVATE snowplow_internal)
  target_compile_options(store_bench PRIVATE -Wall -Wextra)
  target_compile_definitions(store_bench PRIVATE _GNU_SOURCE)
endif()
