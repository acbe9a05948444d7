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
# The system prefixes (/usr: distribution packages; /usr/local: the default)
# never move, and there a ${pcfiledir}-relative prefix only makes
# `pkg-config --cflags` print unnormalised paths such as
# -I/usr/lib/x86_64-linux-gnu/pkgconfig/../../../include. So the prefix of the
# installed file is decided when installing (`cmake --install --prefix` may
# change it): absolute for those two, relocatable anywhere else.
set(SNOWPLOW_PC_ABSOLUTE_PREFIXES "/usr;/usr/local" CACHE STRING
  "Install prefixes whose snowplow.pc names its prefix absolutely (elsewhere it is relocatable)")
set(SNOWPLOW_PC_PREFIX "@SNOWPLOW_INSTALLED_PREFIX@")
configure_file(${PROJECT_SOURCE_DIR}/packaging/snowplow.pc.in
  ${PROJECT_BINARY_DIR}/snowplow-absolute.pc.in @ONLY)
install(CODE "
  set(SNOWPLOW_PC_RELOCATABLE [[${PROJECT_BINARY_DIR}/snowplow.pc]])
  set(SNOWPLOW_PC_ABSOLUTE_TEMPLATE [[${PROJECT_BINARY_DIR}/snowplow-absolute.pc.in]])
  set(SNOWPLOW_PC_ABSOLUTE_PREFIXES [[${SNOWPLOW_PC_ABSOLUTE_PREFIXES}]])
  set(SNOWPLOW_PC_DIR [[${SNOWPLOW_PKGCONFIG_INSTALL_DIR}]])
  include([[${PROJECT_SOURCE_DIR}/cmake/SnowplowInstallPc.cmake]])
" COMPONENT development)

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
