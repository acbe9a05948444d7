# Where the language bindings install, so that the interpreters find them
# without any *PATH variable. Decided when installing, from the prefix of that
# install (`cmake --install --prefix` may differ from the configured one):
#   prefix /usr (distribution packages): the vendor folders of Debian's
#     interpreters (lib/python3/dist-packages, Ruby's vendordir/vendorarchdir,
#     lib/<multiarch>/lua/5.X + share/lua/5.X);
#   prefix /usr/local (the default): the local folders the same interpreters
#     search (lib/python3.X/dist-packages, Ruby's sitelibdir/sitearchdir,
#     lib/lua/5.X + share/lua/5.X);
#   anywhere else: the usual layout under that prefix, and the install prints
#     which variable to point there (snowplow_binding_install_hint).
# A cache variable given on the command line (e.g. SNOWPLOW_PYTHON_INSTALL_DIR)
# replaces the choice.

# snowplow_relative_to(OUT DIR BASE): DIR relative to BASE when it is inside it,
# else empty.
function(snowplow_relative_to out dir base)
  string(LENGTH "${base}/" len)
  string(LENGTH "${dir}" dlen)
  set(rel "")
  if(dlen GREATER len)
    string(SUBSTRING "${dir}" 0 ${len} head)
    if(head STREQUAL "${base}/")
      string(SUBSTRING "${dir}" ${len} -1 rel)
    endif()
  endif()
  set(${out} "${rel}" PARENT_SCOPE)
endfunction()

# snowplow_install_dir(NAME COMPONENT USR LOCAL OTHER): the variable NAME
# becomes an install DESTINATION (relative to the prefix) that is USR, LOCAL or
# OTHER as the install prefix is /usr, /usr/local or anything else, unless the
# cache variable NAME was given a value. Call it before the install() rules
# that use ${NAME}, in the same folder.
function(snowplow_install_dir name component usr local other)
  set(${name} "" CACHE STRING "Install folder of the ${component} binding (empty: chosen by the install prefix)")
  if(${name})
    return()
  endif()
  install(CODE "
    if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
      set(_snowplow_dir_${name} [[${usr}]])
    elseif(CMAKE_INSTALL_PREFIX STREQUAL \"/usr/local\")
      set(_snowplow_dir_${name} [[${local}]])
    else()
      set(_snowplow_dir_${name} [[${other}]])
    endif()
  " COMPONENT ${component})
  set(${name} "\${_snowplow_dir_${name}}" PARENT_SCOPE)
endfunction()

# snowplow_binding_install_hint(COMPONENT LANGUAGE VARIABLE DIR SEARCHED...):
# at install time, when PREFIX/DIR is none of the SEARCHED folders (those the
# interpreter looks in by itself), say which variable must point there.
function(snowplow_binding_install_hint component language variable dir)
  install(CODE "
    set(_dir \"${dir}\")
    if(NOT IS_ABSOLUTE \"\${_dir}\")
      set(_dir \"\${CMAKE_INSTALL_PREFIX}/\${_dir}\")
    endif()
    set(_searched [[${ARGN}]])
    list(FIND _searched \"\${_dir}\" _found)
    if(_found EQUAL -1)
      message(STATUS \"${language} binding installed in \${_dir}, which ${language} does not search by itself: add it to ${variable}\")
    endif()
  " COMPONENT ${component})
endfunction()
