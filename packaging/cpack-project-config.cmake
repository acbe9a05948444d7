# Read by cpack for each generator it runs (CPACK_PROJECT_CONFIG_FILE).
# CPackDeb puts CPACK_PACKAGE_DESCRIPTION_SUMMARY in front of every component's
# description; each of our components has its own summary line, so drop it.
if(CPACK_GENERATOR STREQUAL "DEB")
  unset(CPACK_PACKAGE_DESCRIPTION_SUMMARY)
endif()
