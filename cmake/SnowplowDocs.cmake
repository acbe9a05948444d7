# The API reference: Doxygen over the public headers, warnings as errors.
#   cmake --build build --target docs   ->  build/docs/api/html/index.html
# Installed (component doc) to share/doc/libsnowplow-doc/html when built, with the
# guides (docs/*.md) in share/doc/libsnowplow-doc/guides. CTest's
# docs_reference runs the same Doxygen configuration, so a public function
# without a doc comment fails the test suite.
find_package(Doxygen QUIET)
if(NOT DOXYGEN_FOUND)
  message(STATUS "libsnowplow: doxygen not found, no docs target")
  return()
endif()
option(SNOWPLOW_BUILD_DOCS "Build the API reference with the default target" OFF)

set(SNOWPLOW_DOCS_OUTPUT ${PROJECT_BINARY_DIR}/docs/api)
configure_file(${PROJECT_SOURCE_DIR}/docs/api/Doxyfile.in ${SNOWPLOW_DOCS_OUTPUT}/Doxyfile @ONLY)
file(GLOB SNOWPLOW_PUBLIC_HEADERS CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/core/include/snowplow.h ${PROJECT_SOURCE_DIR}/core/include/snowplow/*.h)

set(_sp_docs_all)
if(SNOWPLOW_BUILD_DOCS)
  set(_sp_docs_all ALL)
endif()
add_custom_command(
  OUTPUT ${SNOWPLOW_DOCS_OUTPUT}/html/index.html
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${SNOWPLOW_DOCS_OUTPUT}/html
  COMMAND Doxygen::doxygen ${SNOWPLOW_DOCS_OUTPUT}/Doxyfile
  DEPENDS ${SNOWPLOW_PUBLIC_HEADERS} ${PROJECT_SOURCE_DIR}/docs/api/mainpage.md
          ${SNOWPLOW_DOCS_OUTPUT}/Doxyfile
  WORKING_DIRECTORY ${SNOWPLOW_DOCS_OUTPUT}
  COMMENT "Doxygen: API reference in ${SNOWPLOW_DOCS_OUTPUT}/html"
  VERBATIM)
add_custom_target(docs ${_sp_docs_all} DEPENDS ${SNOWPLOW_DOCS_OUTPUT}/html/index.html)

# OPTIONAL: an install without the docs target built installs no reference.
install(DIRECTORY ${SNOWPLOW_DOCS_OUTPUT}/html/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/libsnowplow-doc/html
  COMPONENT doc OPTIONAL)

# The guides (Markdown) next to it, for the same package.
file(GLOB SNOWPLOW_GUIDES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${SNOWPLOW_GUIDES}
  DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/libsnowplow-doc/guides COMPONENT doc)

if(SNOWPLOW_BUILD_TESTS)
  # Into a folder of its own, so that the test does not race the docs target.
  set(_sp_test_out ${PROJECT_BINARY_DIR}/docs/api-test)
  set(SNOWPLOW_DOCS_OUTPUT ${_sp_test_out})
  configure_file(${PROJECT_SOURCE_DIR}/docs/api/Doxyfile.in ${_sp_test_out}/Doxyfile @ONLY)
  add_test(NAME docs_reference COMMAND Doxygen::doxygen ${_sp_test_out}/Doxyfile
    WORKING_DIRECTORY ${_sp_test_out})
  set_tests_properties(docs_reference PROPERTIES LABELS docs TIMEOUT 300)
endif()
