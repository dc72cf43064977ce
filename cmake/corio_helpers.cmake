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
# Creates corio_<component> with the alias corio::<component> and exports it as corio::<component>.
function(corio_add_library component)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
    set(target corio_${component})
    add_library(${target} ${ARG_SOURCES})
    add_library(corio::${component} ALIAS ${target})
    set_target_properties(${target} PROPERTIES EXPORT_NAME ${component}
                                               OUTPUT_NAME corio_${component})
    target_compile_features(${target} PUBLIC cxx_std_20)
    target_include_directories(${target}
        PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
               $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
        PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
    corio_set_warnings(${target})
    set_property(GLOBAL APPEND PROPERTY CORIO_EXPORTED_TARGETS ${target})
endfunction()

# corio_add_test(<name> SOURCES ... [DEPS ...])
# One GoogleTest executable; gtest_discover_tests gives one ctest entry per TEST.
function(corio_add_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 120)
    endif()
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} corio_test_support GTest::gtest GTest::gtest_main)
    corio_set_warnings(${name})
    # Discovery runs the executable to list its tests: right after building it natively, but only
    # when ctest runs for a cross build (on the target machine, or under the toolchain's
    # CMAKE_CROSSCOMPILING_EMULATOR with the test preset's environment).
    if(CMAKE_CROSSCOMPILING)
        set(discovery_mode PRE_TEST)
    else()
        set(discovery_mode POST_BUILD)
    endif()
    gtest_discover_tests(${name}
        DISCOVERY_MODE ${discovery_mode}
        DISCOVERY_TIMEOUT 60
        PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
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
