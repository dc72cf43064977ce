# SPDX-License-Identifier: MIT
# mingw-w64.cmake - cross-compiles corio for 64-bit Windows from Linux with MinGW-w64's g++, and
# runs the results under Wine.
#
#   cmake --preset mingw && cmake --build --preset mingw && ctest --preset mingw
#   .ci/windows-cross-test          (installs the toolchain and Wine first, then all of the above)
#
# Debian's g++-mingw-w64-x86-64-posix: g++ 12 with the POSIX thread model (winpthreads), which
# std::thread, std::mutex and std::condition_variable need; the "win32" flavour lacks them.
# Everything is linked statically (libgcc, libstdc++, winpthread), so each .exe runs on Windows or
# under Wine without MinGW's DLLs next to it.
# CMAKE_CROSSCOMPILING_EMULATOR makes CMake prefix every test command, and gtest_discover_tests'
# listing of the tests, with wine-run (next to this file), which runs the program under wine and
# shields ctest from Wine's own hiccups (see its header); WINEPREFIX/WINEDEBUG come from the
# environment (the script and the test preset set them). Start a persistent Wine server first
# (`wineserver -p`), as the script does, so Wine's services start once, not in the middle of a test.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CORIO_MINGW_PREFIX "x86_64-w64-mingw32" CACHE STRING "Target triple prefix of the MinGW-w64 tools")
set(CMAKE_C_COMPILER "${CORIO_MINGW_PREFIX}-gcc-posix")
set(CMAKE_CXX_COMPILER "${CORIO_MINGW_PREFIX}-g++-posix")
set(CMAKE_RC_COMPILER "${CORIO_MINGW_PREFIX}-windres")
set(CMAKE_AR "/usr/bin/${CORIO_MINGW_PREFIX}-ar" CACHE FILEPATH "MinGW-w64 archiver")
set(CMAKE_RANLIB "/usr/bin/${CORIO_MINGW_PREFIX}-ranlib" CACHE FILEPATH "MinGW-w64 ranlib")

# -static: winpthread too (it would otherwise be a DLL even with -static-libstdc++).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

find_program(CORIO_WINE wine)
if(CORIO_WINE)
    set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/wine-run;${CORIO_WINE}")
endif()

# Only the MinGW sysroot for libraries and headers: never the build machine's libgtest, libbenchmark.
set(CMAKE_FIND_ROOT_PATH "/usr/${CORIO_MINGW_PREFIX}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
