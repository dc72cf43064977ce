# SPDX-License-Identifier: MIT
# Helpers that make every corio target look alike, so each CMakeLists.txt reads as a list of units.

include_guard(GLOBAL)
# Libraries name their install include dir (CMAKE_INSTALL_INCLUDEDIR) when they are created.
include(GNUInstallDirs)

# Warnings are applied per target (PRIVATE), never directory-wide, so consumers of the installed
# package do not inherit them.
function(corio_set_warnings target)
    if(MSVC)
        target_compile_options(${target} PRIVATE /W4 /permissive-)
        if(CORIO_WERROR)
            target_compile_options(${target} PRIVATE /WX)
        endif()
    else()
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                                 -Wnon-virtual-dtor -Wold-style-cast
                                                 -Wcast-align -Woverloaded-virtual
                                                 -Wimplicit-fallthrough)
        if(CORIO_WERROR)
            target_compile_options(${target} PRIVATE -Werror)
        endif()
    endif()
endfunction()

# corio_add_library(<component> SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
# Creates corio_<component> with the alias corio::<component> and exports it as corio::<component>:
# a static library, or a shared one when BUILD_SHARED_LIBS is ON.
#
# The sources are compiled once, into the object library corio_<component>_objects, with hidden
# visibility: a shared library exports only what the public headers declare (see
# <corio/runtime/detail/export.hpp>). corio::<component>_internals is the same code with all of
# its symbols reachable, for the test suites and benchmarks that reach into src/: the library
# itself in a static build, and a static archive of the same objects in a shared one (nothing is
# compiled twice). Whatever links corio::net_internals must not also link corio::net, or a program
# would hold two copies of corio.
function(corio_add_library component)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
    set(target corio_${component})
    set(objects ${target}_objects)

    add_library(${objects} OBJECT ${ARG_SOURCES})
    set_target_properties(${objects} PROPERTIES
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON
        POSITION_INDEPENDENT_CODE ${BUILD_SHARED_LIBS})
    target_compile_features(${objects} PUBLIC cxx_std_20)
    target_include_directories(${objects}
        PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
        PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    # For their include directories and definitions only: the libraries below do the linking.
    target_link_libraries(${objects} PRIVATE ${ARG_DEPS} ${ARG_PRIVATE_DEPS})
    corio_set_warnings(${objects})

    # _internals links the _internals of the corio libraries it depends on.
    set(internal_deps)
    foreach(dep IN LISTS ARG_DEPS)
        if(dep MATCHES "^corio::(.+)$")
            list(APPEND internal_deps corio::${CMAKE_MATCH_1}_internals)
        else()
            list(APPEND internal_deps ${dep})
        endif()
    endforeach()

    add_library(${target} $<TARGET_OBJECTS:${objects}>)
    add_library(corio::${component} ALIAS ${target})
    set(libraries ${target})
    if(BUILD_SHARED_LIBS)
        # libcorio_<component>.so.0.1.0, SONAME libcorio_<component>.so.0.1: while the major
        # version is 0, every minor version may break the ABI (see <corio/runtime/version.hpp>).
        if(PROJECT_VERSION_MAJOR EQUAL 0)
            set(abi_version ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
        else()
            set(abi_version ${PROJECT_VERSION_MAJOR})
        endif()
        set_target_properties(${target} PROPERTIES
            VERSION ${PROJECT_VERSION}
            SOVERSION ${abi_version}
            WINDOWS_EXPORT_ALL_SYMBOLS ON)
        add_library(${target}_internals STATIC $<TARGET_OBJECTS:${objects}>)
        list(APPEND libraries ${target}_internals)
        target_link_libraries(${target}_internals PUBLIC ${internal_deps}
                                                  PRIVATE ${ARG_PRIVATE_DEPS})
        target_include_directories(${target}_internals PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
        add_library(corio::${component}_internals ALIAS ${target}_internals)
    else()
        add_library(corio::${component}_internals ALIAS ${target})
    endif()
    set_target_properties(${target} PROPERTIES EXPORT_NAME ${component}
                                               OUTPUT_NAME corio_${component})
    target_include_directories(${target}
        PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
               $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
    foreach(library IN LISTS libraries)
        target_compile_features(${library} PUBLIC cxx_std_20)
    endforeach()
    set_property(GLOBAL APPEND PROPERTY CORIO_EXPORTED_TARGETS ${target})
endfunction()

# corio_add_test(<name> SOURCES ... [DEPS ...] [LABELS ...] [TIMEOUT seconds])
# One GoogleTest executable; gtest_discover_tests gives one ctest entry per TEST, each with
# TIMEOUT (default corio_test_timeout).
#
# With CORIO_TEST_BUNDLES on (the mingw and macos-cross presets), a test without LABELS or
# TIMEOUT is compiled into an object library named <name> instead, and every such test of a
# directory is linked into one executable, <directory>_tests, once the directory's CMakeLists.txt
# is done. ctest still sees one entry per TEST, under the same names. Why: each test executable
# links libstdc++, GoogleTest and corio statically, and MinGW's GNU ld spends about 4.4 s on every
# such link (a native link takes a tenth of that); 50 test executables were about half of the
# Windows cross build. The target commands a directory applies to <name> afterwards (include
# directories, definitions, link libraries, dependencies) work on the object library the same way.
set(corio_test_timeout 120)
function(corio_add_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
    if(CORIO_TEST_BUNDLES AND NOT ARG_LABELS AND NOT ARG_TIMEOUT)
        add_library(${name} OBJECT ${ARG_SOURCES})
        target_link_libraries(${name} PRIVATE ${ARG_DEPS} corio_test_support GTest::gtest)
        corio_use_test_pch(${name})
        corio_set_warnings(${name})
        get_directory_property(members CORIO_TEST_BUNDLE_MEMBERS)
        if(NOT members)
            cmake_language(DEFER CALL corio_add_test_bundle)
        endif()
        set_property(DIRECTORY APPEND PROPERTY CORIO_TEST_BUNDLE_MEMBERS ${name})
        return()
    endif()
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT ${corio_test_timeout})
    endif()
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} corio_test_support GTest::gtest GTest::gtest_main)
    corio_use_test_pch(${name})
    corio_set_warnings(${name})
    corio_discover_tests(${name} ${ARG_TIMEOUT} "${ARG_LABELS}")
endfunction()

# Runs (deferred) at the end of a directory that bundled tests: one executable links them all.
function(corio_add_test_bundle)
    get_directory_property(members CORIO_TEST_BUNDLE_MEMBERS)
    get_filename_component(directory ${CMAKE_CURRENT_SOURCE_DIR} NAME)
    set(bundle ${directory}_tests)
    add_executable(${bundle})
    target_link_libraries(${bundle} PRIVATE ${members} GTest::gtest_main)
    corio_set_warnings(${bundle})
    corio_discover_tests(${bundle} ${corio_test_timeout} "")
endfunction()

function(corio_use_test_pch target)
    if(CORIO_TEST_PCH)
        target_precompile_headers(${target} REUSE_FROM corio_test_support)
    endif()
endfunction()

function(corio_discover_tests target timeout labels)
    # Discovery runs the executable to list its tests: right after building it natively, but only
    # when ctest runs for a cross build (on the target machine, or under the toolchain's
    # CMAKE_CROSSCOMPILING_EMULATOR with the test preset's environment).
    if(CMAKE_CROSSCOMPILING)
        set(discovery_mode PRE_TEST)
    else()
        set(discovery_mode POST_BUILD)
    endif()
    gtest_discover_tests(${target}
        DISCOVERY_MODE ${discovery_mode}
        DISCOVERY_TIMEOUT 60
        PROPERTIES TIMEOUT ${timeout} LABELS "${labels}")
endfunction()

# corio_add_benchmark(<name> SOURCES ... [DEPS ...])
function(corio_add_benchmark name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark benchmark::benchmark_main)
    corio_set_warnings(${name})
endfunction()

# corio_add_example(<name> SOURCES ... [DEPS ...])
function(corio_add_example name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_compile_features(${name} PRIVATE cxx_std_20)
    target_link_libraries(${name} PRIVATE ${ARG_DEPS})
    corio_set_warnings(${name})
endfunction()
