# Where the Python packages go (SNOWPLOW_PYTHON_INSTALL_DIR: chosen by the install
# prefix, see cmake/SnowplowBindingPaths.cmake), and the snowplow-VERSION.dist-info that lets pip and
# importlib.metadata see the distribution `snowplow`. Included by CMakeLists.txt
# after the extension target exists.
#   prefix /usr        lib/python3/dist-packages        (Debian's vendor folder)
#   prefix /usr/local  lib/python3.X/dist-packages      (searched by Debian's python3)
#   elsewhere          lib/python3.X/site-packages      (the install says: set PYTHONPATH)
# (-DSNOWPLOW_PYTHON_INSTALL_DIR=DIR chooses one folder for every prefix.)
set(_py_mm ${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR})
# The folders the interpreter searches by itself (-E -s: no PYTHONPATH, no user site).
execute_process(COMMAND ${Python3_EXECUTABLE} -E -s -c
  "import sys; print(';'.join(p for p in sys.path if p.startswith('/')))"
  OUTPUT_VARIABLE _py_searched OUTPUT_STRIP_TRAILING_WHITESPACE)
if("/usr/local/lib/python${_py_mm}/dist-packages" IN_LIST _py_searched)
  set(_py_local lib/python${_py_mm}/dist-packages)       # Debian's python3
else()
  set(_py_local lib/python${_py_mm}/site-packages)
endif()
snowplow_install_dir(SNOWPLOW_PYTHON_INSTALL_DIR python
  lib/python3/dist-packages ${_py_local} lib/python${_py_mm}/site-packages)
snowplow_binding_install_hint(python Python PYTHONPATH "${SNOWPLOW_PYTHON_INSTALL_DIR}" ${_py_searched})

# Top-level packages of the distribution: every folder here with an __init__.py.
file(GLOB _py_inits RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*/__init__.py)
set(SNOWPLOW_PYTHON_TOP_LEVEL "")
foreach(init ${_py_inits})
  get_filename_component(pkg ${init} DIRECTORY)
  if(NOT pkg STREQUAL "tests")
    string(APPEND SNOWPLOW_PYTHON_TOP_LEVEL "${pkg}\n")
  endif()
endforeach()
set(SNOWPLOW_PYTHON_DIST_INFO ${CMAKE_CURRENT_BINARY_DIR}/dist-info/snowplow-${PROJECT_VERSION}.dist-info)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/METADATA.in ${SNOWPLOW_PYTHON_DIST_INFO}/METADATA @ONLY)
file(WRITE ${SNOWPLOW_PYTHON_DIST_INFO}/top_level.txt "${SNOWPLOW_PYTHON_TOP_LEVEL}")
file(WRITE ${SNOWPLOW_PYTHON_DIST_INFO}/INSTALLER "cmake\n")
install(DIRECTORY ${SNOWPLOW_PYTHON_DIST_INFO} DESTINATION ${SNOWPLOW_PYTHON_INSTALL_DIR} COMPONENT python)
