# Runs at install time (from SnowplowInstall.cmake's install(CODE)): installs
# snowplow.pc with an absolute prefix when the install prefix is one of
# SNOWPLOW_PC_ABSOLUTE_PREFIXES (/usr, /usr/local), so that pkg-config prints
# plain paths there, and the ${pcfiledir}-relative one anywhere else.
# In: SNOWPLOW_PC_RELOCATABLE, SNOWPLOW_PC_ABSOLUTE_TEMPLATE,
#     SNOWPLOW_PC_ABSOLUTE_PREFIXES, SNOWPLOW_PC_DIR (relative or absolute).
set(_pc "${SNOWPLOW_PC_RELOCATABLE}")
# (list(FIND), not IN_LIST: install scripts run without the project's policies)
list(FIND SNOWPLOW_PC_ABSOLUTE_PREFIXES "${CMAKE_INSTALL_PREFIX}" _absolute)
if(NOT _absolute EQUAL -1)
  set(SNOWPLOW_INSTALLED_PREFIX "${CMAKE_INSTALL_PREFIX}")
  string(REGEX REPLACE "\\.in$" "" _pc "${SNOWPLOW_PC_ABSOLUTE_TEMPLATE}")
  configure_file("${SNOWPLOW_PC_ABSOLUTE_TEMPLATE}" "${_pc}" @ONLY)
endif()
if(IS_ABSOLUTE "${SNOWPLOW_PC_DIR}")
  set(_dir "${SNOWPLOW_PC_DIR}")
else()
  set(_dir "${CMAKE_INSTALL_PREFIX}/${SNOWPLOW_PC_DIR}")
endif()
file(INSTALL DESTINATION "${_dir}" TYPE FILE RENAME snowplow.pc FILES "${_pc}")
