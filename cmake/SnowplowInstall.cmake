# Installed metadata for consumers: a relocatable pkg-config file and a CMake
# package exporting snowplow::snowplow. Both go in the development component.
include(CMakePackageConfigHelpers)

set(SNOWPLOW_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/snowplow)
set(SNOWPLOW_PKGCONFIG_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# snowplow.pc finds its prefix from its own location (${pcfiledir}), so an
# installed tree still works after it is moved or unpacked somewhere else.
# An absolute libdir/includedir given by the user cannot move: keep it as is.
if(IS_ABSOLUTE "${SNOWPLOW_PKGCONFIG_INSTALL_DIR}")
  set(SNOWPLOW_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _snowplow_pc_up "/root/${SNOWPLOW_PKGCONFIG_INSTALL_DIR}" "/root")
  string(REGEX REPLACE "/$" "" _snowplow_pc_up "${_snowplow_pc_up}")
  set(SNOWPLOW_PC_PREFIX "\${pcfiledir}/${_snowplow_pc_up}")
endif()
foreach(kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
    set(SNOWPLOW_PC_${kind} "${CMAKE_INSTALL_${kind}}")
  else()
    set(SNOWPLOW_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
  endif()
endforeach()
# Private dependencies: what a static link of libsnowplow would need.
set(SNOWPLOW_PC_REQUIRES_PRIVATE "libcurl libcjson hiredis")
if(SNOWPLOW_HAVE_SQLITE)
  string(APPEND SNOWPLOW_PC_REQUIRES_PRIVATE " sqlite3")
endif()
configure_file(${PROJECT_SOURCE_DIR}/packaging/snowplow.pc.in
  ${PROJECT_BINARY_DIR}/snowplow.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/snowplow.pc
  DESTINATION ${SNOWPLOW_PKGCONFIG_INSTALL_DIR}
  COMPONENT development)

# CMake package: find_package(snowplow) -> snowplow::snowplow.
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/snowplowConfig.cmake.in
  ${PROJECT_BINARY_DIR}/snowplowConfig.cmake
  INSTALL_DESTINATION ${SNOWPLOW_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/snowplowConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/snowplowConfig.cmake
  ${PROJECT_BINARY_DIR}/snowplowConfigVersion.cmake
  DESTINATION ${SNOWPLOW_CMAKE_INSTALL_DIR}
  COMPONENT development)
install(EXPORT snowplowTargets
  NAMESPACE snowplow::
  DESTINATION ${SNOWPLOW_CMAKE_INSTALL_DIR}
  COMPONENT development)
