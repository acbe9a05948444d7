# Binary packages with CPack: `cpack -G DEB` and `cpack -G RPM` in the build
# directory. One package per install component:
#
#   component     Debian package       RPM package          holds
#   runtime       libsnowplow0         libsnowplow0         libsnowplow.so.0*
#   development   libsnowplow-dev      libsnowplow-devel    headers, .so, .pc, CMake files
#   python        python3-snowplow     python3-snowplow     (bindings, when they install)
#   ruby          ruby-snowplow        ruby-snowplow
#   lua           lua-snowplow         lua-snowplow
#
# A binding joins by installing its files with `COMPONENT python` (ruby, lua):
# the component is packaged as soon as it has install rules. This file is
# included last from the top CMakeLists.txt, after every install() rule.

set(SNOWPLOW_PACKAGE_MAINTAINER "libsnowplow maintainers <maintainers@libsnowplow.invalid>"
  CACHE STRING "Maintainer named in the binary packages")
set(SNOWPLOW_PACKAGE_RELEASE 1 CACHE STRING "Package release (Debian revision, RPM release)")
set(SNOWPLOW_PACKAGE_FULL_VERSION ${PROJECT_VERSION}-${SNOWPLOW_PACKAGE_RELEASE})

# Debian packages carry their licence in /usr/share/doc/PACKAGE/copyright.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/libsnowplow0
  RENAME copyright COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/libsnowplow-dev
  RENAME copyright COMPONENT development)

set(CPACK_PACKAGE_NAME snowplow)
set(CPACK_PACKAGE_VENDOR "libsnowplow")
set(CPACK_PACKAGE_CONTACT "${SNOWPLOW_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Snowplow analytics event tracker in C")
set(CPACK_PACKAGE_DESCRIPTION
  "libsnowplow tracks analytics events (page views, structured and self-describing events with contexts, ecommerce) and delivers them to a Snowplow collector from background threads, with batching, retries and delivery callbacks.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB RPM)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/cpack-project-config.cmake)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "__pycache__")

# Which components become packages: the two of the C library, and each binding
# that has install rules in this configuration.
get_cmake_property(_snowplow_install_components COMPONENTS)
set(CPACK_COMPONENTS_ALL runtime development)
foreach(_binding python ruby lua)
  if(_binding IN_LIST _snowplow_install_components)
    list(APPEND CPACK_COMPONENTS_ALL ${_binding})
  endif()
endforeach()

# Component descriptions: first line is the summary, the rest the long text.
set(CPACK_COMPONENT_RUNTIME_DISPLAY_NAME "libsnowplow shared library")
set(CPACK_COMPONENT_DEVELOPMENT_DISPLAY_NAME "libsnowplow development files")
set(CPACK_COMPONENT_DEVELOPMENT_DEPENDS runtime)
set(_snowplow_summary_runtime "Snowplow analytics event tracker - shared library")
set(_snowplow_summary_development "Snowplow analytics event tracker - development files")
set(_snowplow_summary_python "Snowplow analytics event tracker - Python 3 bindings")
set(_snowplow_summary_ruby "Snowplow analytics event tracker - Ruby bindings")
set(_snowplow_summary_lua "Snowplow analytics event tracker - Lua bindings")
set(_snowplow_detail_development
  "Headers, the libsnowplow.so link, snowplow.pc for pkg-config and the CMake package exporting snowplow::snowplow.")

# ---- Debian ---------------------------------------------------------------
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SNOWPLOW_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SNOWPLOW_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps computes libc6, libcurl4, libcjson1, libhiredis0.14 from the ELF files; it
# must be told where our own not-yet-installed libsnowplow.so.0 lives.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
get_target_property(_snowplow_lib_dir snowplow LIBRARY_OUTPUT_DIRECTORY)
if(NOT _snowplow_lib_dir)
  get_target_property(_snowplow_lib_dir snowplow BINARY_DIR)
endif()
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${_snowplow_lib_dir})
# shlibs file, and postinst/postrm running ldconfig, for the runtime package.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libsnowplow0)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
  "${_snowplow_summary_runtime}\n${CPACK_PACKAGE_DESCRIPTION}")

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libsnowplow-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
# snowplow.pc names libcurl, libcjson, hiredis (and sqlite3) in Requires.private:
# pkg-config needs their .pc files even for --cflags.
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
  "libsnowplow0 (= ${SNOWPLOW_PACKAGE_FULL_VERSION}), libcurl4-openssl-dev | libcurl-dev, libcjson-dev, libhiredis-dev")
if(SNOWPLOW_HAVE_SQLITE)
  string(APPEND CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS ", libsqlite3-dev")
endif()
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION
  "${_snowplow_summary_development}\n${_snowplow_detail_development}")

set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-snowplow)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_RUBY_PACKAGE_NAME ruby-snowplow)
set(CPACK_DEBIAN_RUBY_PACKAGE_SECTION ruby)
set(CPACK_DEBIAN_LUA_PACKAGE_NAME lua-snowplow)
set(CPACK_DEBIAN_LUA_PACKAGE_SECTION interpreters)
# The interpreter each binding runs in: shlibdeps cannot see it, since the
# modules deliberately do not link the interpreters' libraries.
# The Python extension is built for one minor version; its folder says which.
get_property(_snowplow_interpreter_deb_PYTHON GLOBAL PROPERTY SNOWPLOW_PYTHON_DEB_DEPENDS)
if(NOT _snowplow_interpreter_deb_PYTHON)
  set(_snowplow_interpreter_deb_PYTHON "python3")
endif()
set(_snowplow_interpreter_deb_RUBY "ruby")
set(_snowplow_interpreter_deb_LUA "lua5.4 | lua5.1")
set(_snowplow_interpreter_rpm_PYTHON "python3")
set(_snowplow_interpreter_rpm_RUBY "ruby")
set(_snowplow_interpreter_rpm_LUA "lua")
foreach(_binding PYTHON RUBY LUA)
  string(TOLOWER ${_binding} _lower)
  set(CPACK_DEBIAN_${_binding}_PACKAGE_DEPENDS
    "libsnowplow0 (= ${SNOWPLOW_PACKAGE_FULL_VERSION}), ${_snowplow_interpreter_deb_${_binding}}")
  set(CPACK_DEBIAN_${_binding}_DESCRIPTION
    "${_snowplow_summary_${_lower}}\n${CPACK_PACKAGE_DESCRIPTION}")
endforeach()

# ---- RPM ------------------------------------------------------------------
set(CPACK_RPM_COMPONENT_INSTALL ON)
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_RELEASE ${SNOWPLOW_PACKAGE_RELEASE})
set(CPACK_RPM_PACKAGE_LICENSE "Apache-2.0")
set(CPACK_RPM_PACKAGE_GROUP "Development/Libraries")
# Directories the system owns: the packages must not claim them.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
  /usr/${CMAKE_INSTALL_LIBDIR}
  /usr/${CMAKE_INSTALL_LIBDIR}/pkgconfig
  /usr/${CMAKE_INSTALL_LIBDIR}/cmake
  /usr/${CMAKE_INSTALL_INCLUDEDIR}
  /usr/${CMAKE_INSTALL_DATAROOTDIR}/doc)
set(CPACK_RPM_RUNTIME_PACKAGE_NAME libsnowplow0)
set(CPACK_RPM_RUNTIME_PACKAGE_SUMMARY "${_snowplow_summary_runtime}")
set(CPACK_RPM_RUNTIME_PACKAGE_GROUP "System Environment/Libraries")
set(CPACK_RPM_RUNTIME_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_RPM_RUNTIME_POST_INSTALL_SCRIPT_FILE ${PROJECT_SOURCE_DIR}/packaging/rpm-ldconfig.sh)
set(CPACK_RPM_RUNTIME_POST_UNINSTALL_SCRIPT_FILE ${PROJECT_SOURCE_DIR}/packaging/rpm-ldconfig.sh)
set(CPACK_RPM_DEVELOPMENT_PACKAGE_NAME libsnowplow-devel)
set(CPACK_RPM_DEVELOPMENT_PACKAGE_SUMMARY "${_snowplow_summary_development}")
set(CPACK_RPM_DEVELOPMENT_PACKAGE_DESCRIPTION "${_snowplow_detail_development}")
# rpm does not derive this one: the -devel package needs the exact runtime.
set(CPACK_RPM_DEVELOPMENT_PACKAGE_REQUIRES
  "libsnowplow0 = ${SNOWPLOW_PACKAGE_FULL_VERSION}, pkgconfig(libcurl), pkgconfig(libcjson), pkgconfig(hiredis)")
if(SNOWPLOW_HAVE_SQLITE)
  string(APPEND CPACK_RPM_DEVELOPMENT_PACKAGE_REQUIRES ", pkgconfig(sqlite3)")
endif()
set(CPACK_RPM_PYTHON_PACKAGE_NAME python3-snowplow)
set(CPACK_RPM_RUBY_PACKAGE_NAME ruby-snowplow)
set(CPACK_RPM_LUA_PACKAGE_NAME lua-snowplow)
foreach(_binding PYTHON RUBY LUA)
  string(TOLOWER ${_binding} _lower)
  set(CPACK_RPM_${_binding}_PACKAGE_REQUIRES
    "libsnowplow0 = ${SNOWPLOW_PACKAGE_FULL_VERSION}, ${_snowplow_interpreter_rpm_${_binding}}")
  set(CPACK_RPM_${_binding}_PACKAGE_SUMMARY "${_snowplow_summary_${_lower}}")
endforeach()

include(CPack)
