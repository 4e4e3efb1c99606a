# ivs_static_bootstrap(EXE_TARGET ARCH OUTPUT FILE): builds EXE_TARGET again
# as one static musl executable for ARCH (x86_64, or aarch64 cross-compiled)
# at FILE (the Lambda package's `bootstrap`), with libcurl, OpenSSL and cJSON
# from Debian's sources built by scripts/static-deps.sh. The host build
# (glibc, the system's libraries) stays as it is for the unit tests, valgrind
# and the sanitizers.
#
# What gets compiled is read from the targets, not listed again: EXE_TARGET's
# sources and those of every static library of this project it links,
# transitively (imported targets such as PkgConfig::CURL are replaced by the
# static archives). The walk runs deferred, at the end of the top-level
# CMakeLists, so libraries defined after lambda/ are seen too.
#
# The target that builds FILE is ivsvc_bootstrap_<ARCH>; the static libraries
# and their licences are in ${IVSVC_STATIC_DEPS_CACHE}/<ARCH>
# (ivs_static_deps_dir). ivs_static_cross_compiler(VAR) finds the aarch64 musl
# compiler (scripts/deps.d/arm64.sh installs it), VAR-NOTFOUND without it.
include(ExternalProject)

# Building OpenSSL and curl takes minutes, so every build tree of the user
# (build/, build-asan/, ...) shares one cache by default; CI may point it into
# its build tree or a cached folder. scripts/static-deps.sh keys it by the
# Debian source versions and locks it while building.
if(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_ivs_cache "$ENV{XDG_CACHE_HOME}")
elseif(DEFINED ENV{HOME} AND NOT "$ENV{HOME}" STREQUAL "")
  set(_ivs_cache "$ENV{HOME}/.cache")
else()
  set(_ivs_cache "${CMAKE_BINARY_DIR}")
endif()
set(IVSVC_STATIC_DEPS_CACHE "${_ivs_cache}/ivsvc/static-deps" CACHE PATH
    "Where scripts/static-deps.sh builds and caches the handler's static libraries (shared by build trees)")
find_program(IVSVC_MUSL_GCC musl-gcc)
if(NOT IVSVC_MUSL_GCC)
  message(FATAL_ERROR "musl-gcc not found: the Lambda bootstrap is a static musl executable. "
                      "Run scripts/deps.sh (it installs musl-tools and the other build tools).")
endif()
find_program(IVSVC_AARCH64_MUSL_GCC aarch64-linux-musl-gcc)
find_program(IVSVC_AARCH64_GCC aarch64-linux-gnu-gcc)

function(ivs_static_deps_dir arch var)
  set(${var} "${IVSVC_STATIC_DEPS_CACHE}/${arch}" PARENT_SCOPE)
endfunction()

# aarch64-linux-musl-gcc is only a wrapper that runs aarch64-linux-gnu-gcc
# with musl's specs: both must be there.
function(ivs_static_cross_compiler var)
  if(IVSVC_AARCH64_MUSL_GCC AND IVSVC_AARCH64_GCC)
    set(${var} "${IVSVC_AARCH64_MUSL_GCC}" PARENT_SCOPE)
  else()
    set(${var} "${var}-NOTFOUND" PARENT_SCOPE)
  endif()
endfunction()

function(ivs_static_bootstrap exe arch output)
  ivs_static_deps_dir(${arch} deps)
  if(arch STREQUAL CMAKE_SYSTEM_PROCESSOR)
    set(cc "${IVSVC_MUSL_GCC}")
  else()
    ivs_static_cross_compiler(cc)
  endif()
  # A deferred call's arguments are expanded when it runs: pass values.
  cmake_language(EVAL CODE "cmake_language(DEFER DIRECTORY [[${CMAKE_SOURCE_DIR}]]
                 CALL _ivs_static_bootstrap_now [[${exe}]] [[${arch}]] [[${output}]] [[${deps}]] [[${cc}]])")
endfunction()

# Appends to the caller's srcs/incs/defs what target t contributes.
function(_ivs_collect t)
  get_property(seen GLOBAL PROPERTY _ivs_bootstrap_seen)
  if(t IN_LIST seen)
    return()
  endif()
  set_property(GLOBAL APPEND PROPERTY _ivs_bootstrap_seen ${t})
  get_target_property(dir ${t} SOURCE_DIR)
  get_target_property(type ${t} TYPE)
  set(props SOURCES INCLUDE_DIRECTORIES COMPILE_DEFINITIONS LINK_LIBRARIES)
  if(type STREQUAL "INTERFACE_LIBRARY")
    set(props INTERFACE_INCLUDE_DIRECTORIES INTERFACE_COMPILE_DEFINITIONS INTERFACE_LINK_LIBRARIES)
  endif()
  foreach(p IN LISTS props)
    get_target_property(v ${t} ${p})
    if(NOT v)
      continue()
    endif()
    foreach(item IN LISTS v)
      if(item MATCHES "^\\$<")
        message(FATAL_ERROR "static bootstrap: ${t}'s ${p} has a generator expression (${item}), "
                            "which cmake/static-bootstrap.cmake cannot carry to the musl build")
      endif()
      if(p STREQUAL "SOURCES")
        if(item MATCHES "\\.c$")
          get_filename_component(item "${item}" ABSOLUTE BASE_DIR "${dir}")
          set_property(GLOBAL APPEND PROPERTY _ivs_bootstrap_srcs "${item}")
        endif()
      elseif(p MATCHES "INCLUDE_DIRECTORIES$")
        set_property(GLOBAL APPEND PROPERTY _ivs_bootstrap_incs "${item}")
      elseif(p MATCHES "COMPILE_DEFINITIONS$")
        set_property(GLOBAL APPEND PROPERTY _ivs_bootstrap_defs "${item}")
      elseif(TARGET ${item})
        get_target_property(imported ${item} IMPORTED)
        if(NOT imported)
          _ivs_collect(${item})
        endif()
      endif()
    endforeach()
  endforeach()
endfunction()

# Runs in the top-level directory, which does not see the caller's variables.
function(_ivs_static_bootstrap_now exe arch output deps cc)
  _ivs_collect(${exe})
  foreach(kind srcs incs defs)
    get_property(${kind} GLOBAL PROPERTY _ivs_bootstrap_${kind})
    list(REMOVE_DUPLICATES ${kind})
  endforeach()
  set(list_file "${CMAKE_BINARY_DIR}/bootstrap-static/sources.cmake")
  file(CONFIGURE OUTPUT "${list_file}" CONTENT
"# generated by cmake/static-bootstrap.cmake from the target ${exe}
set(IVS_SOURCES [==[@srcs@]==])
set(IVS_INCLUDES [==[@incs@]==])
set(IVS_DEFINES [==[@defs@]==])
" @ONLY)

  add_custom_command(
    OUTPUT "${deps}/.stamp"
    COMMAND "${CMAKE_SOURCE_DIR}/scripts/static-deps.sh" "${deps}" "${arch}"
    DEPENDS "${CMAKE_SOURCE_DIR}/scripts/static-deps.sh"
    COMMENT "Static libcurl, OpenSSL and cJSON for musl (${arch}) from Debian's sources (once, then cached)"
    USES_TERMINAL VERBATIM)
  add_custom_target(ivsvc_static_deps_${arch} DEPENDS "${deps}/.stamp")
  # One architecture after the other: they download the same Debian sources
  # into one folder (OUTDIR/../sources), and each build wants both cores.
  if(NOT arch STREQUAL CMAKE_SYSTEM_PROCESSOR)
    add_dependencies(ivsvc_static_deps_${arch} ivsvc_static_deps_${CMAKE_SYSTEM_PROCESSOR})
  endif()

  # The host's sub-build keeps its old name (bootstrap-static); another
  # architecture is a cross build, which CMake must be told about.
  set(bin "${CMAKE_BINARY_DIR}/bootstrap-static")
  set(cross)
  if(NOT arch STREQUAL CMAKE_SYSTEM_PROCESSOR)
    set(bin "${bin}-${arch}")
    set(cross -DCMAKE_SYSTEM_NAME=Linux "-DCMAKE_SYSTEM_PROCESSOR=${arch}")
  endif()
  ExternalProject_Add(ivsvc_bootstrap_${arch}
    SOURCE_DIR "${CMAKE_SOURCE_DIR}/cmake/bootstrap"
    BINARY_DIR "${bin}"
    CMAKE_ARGS
      "-DCMAKE_C_COMPILER=${cc}" ${cross}
      -DCMAKE_BUILD_TYPE=Release
      "-DIVS_SOURCE_ROOT=${CMAKE_SOURCE_DIR}"
      "-DIVS_LIST_FILE=${list_file}"
      "-DIVS_STATIC_DEPS=${deps}"
      "-DIVS_OUTPUT=${output}"
      "-DIVS_WERROR=${IVSVC_WERROR}"
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON
    BUILD_BYPRODUCTS "${output}" "${output}.versions"
    DEPENDS ivsvc_static_deps_${arch})
endfunction()
