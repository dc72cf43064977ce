# SPDX-License-Identifier: MIT
# GoogleTest for corio's tests: the installed package (find_package) on a native build, or built
# from source with the project's own compiler when that package cannot be used (cross builds: the
# build machine's libgtest is compiled for the build machine, not for the target).

include_guard(GLOBAL)

option(CORIO_GTEST_FROM_SOURCE
       "Build GoogleTest from CORIO_GTEST_SOURCE_DIR instead of find_package(GTest)"
       ${CMAKE_CROSSCOMPILING})

if(CORIO_GTEST_FROM_SOURCE)
    set(CORIO_GTEST_SOURCE_DIR "/usr/src/googletest" CACHE PATH
        "GoogleTest's source tree (Debian/Ubuntu: the googletest package)")
    if(NOT EXISTS "${CORIO_GTEST_SOURCE_DIR}/CMakeLists.txt")
        message(FATAL_ERROR "No GoogleTest sources in ${CORIO_GTEST_SOURCE_DIR} (apt-get install "
                            "googletest, or set CORIO_GTEST_SOURCE_DIR)")
    endif()
    # Only gtest and gtest_main (the tests use no gmock), never installed with corio.
    set(BUILD_GMOCK OFF)
    set(INSTALL_GTEST OFF)
    # EXCLUDE_FROM_ALL: only what the tests link gets built. SYSTEM: its headers are outside our
    # -Werror. Its CMakeLists defines the GTest::gtest and GTest::gtest_main aliases we link.
    add_subdirectory("${CORIO_GTEST_SOURCE_DIR}" "${CMAKE_BINARY_DIR}/_deps/googletest"
                     EXCLUDE_FROM_ALL SYSTEM)
else()
    find_package(GTest 1.12 REQUIRED)
endif()
