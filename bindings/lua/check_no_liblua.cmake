# cmake -DMODULE=path/to/core.so -P check_no_liblua.cmake
# A Lua C module must not link liblua: the interpreter that loads it (or the
# program embedding Lua) provides the C API, and a second copy breaks it.
find_program(READELF readelf REQUIRED)
execute_process(COMMAND ${READELF} -d ${MODULE} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf -d ${MODULE} failed")
endif()
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*" needed "${dyn}")
message(STATUS "${MODULE}:\n${needed}")
if(needed MATCHES "liblua")
  message(FATAL_ERROR "${MODULE} links liblua")
endif()
if(NOT needed MATCHES "libsnowplow")
  message(FATAL_ERROR "${MODULE} does not link libsnowplow")
endif()
