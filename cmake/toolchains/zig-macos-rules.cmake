# SPDX-License-Identifier: MIT
# zig-macos-rules.cmake - loaded by zig-macos.cmake through CMAKE_USER_MAKE_RULES_OVERRIDE, i.e.
# after CMake's Apple-Clang platform rules, to undo the one of them Zig's linker rejects.
#
# CMake probes an Apple compiler's defaults by linking with `-v -Wl,-v`; Zig's Mach-O linker has no
# verbose flag ("unsupported linker arg: -v"), which would fail that probe and leave the pointer
# size and implicit directories unknown. `-v` alone still shows the compiler's own search paths.
foreach(lang C CXX)
    set(CMAKE_${lang}_VERBOSE_FLAG "-v")
endforeach()

# Precompiled headers: CMake's Clang rule compiles the header with `-x c++-header`, which `zig c++`
# rejects ("language 'h' is unsupported"). Without it clang compiles CMake's generated
# cmake_pch.hxx.cxx as C++ and `-Xclang -emit-pch` still writes the PCH that the test units load.
foreach(lang C CXX)
    set(CMAKE_${lang}_COMPILE_OPTIONS_CREATE_PCH -Xclang -emit-pch -Xclang -include -Xclang <PCH_HEADER>)
endforeach()
