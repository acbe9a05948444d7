# `cmake --build BUILD --target dist`: the release tarball libsnowplow-VERSION.tar.gz
# (with the generated Lua wrapper), the rockspec pointing at it and the .src.rock,
# in BUILD/dist (see packaging/make-dist.sh). The RPM spec and the rock build from it.
find_program(SNOWPLOW_SWIG NAMES swig swig4.0 DOC "SWIG, for the wrappers a release tarball carries")
set(SNOWPLOW_DIST_DIR ${PROJECT_BINARY_DIR}/dist)
if(SNOWPLOW_SWIG)
  add_custom_target(dist
    COMMAND bash ${PROJECT_SOURCE_DIR}/packaging/make-dist.sh
            ${PROJECT_SOURCE_DIR} ${SNOWPLOW_DIST_DIR} ${PROJECT_VERSION} ${SNOWPLOW_SWIG}
    COMMENT "Release tarball and rock in ${SNOWPLOW_DIST_DIR}"
    VERBATIM)
endif()
