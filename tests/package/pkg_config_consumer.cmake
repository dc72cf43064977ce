# SPDX-License-Identifier: MIT
# cmake -DPREFIX=<installed corio> -DLIBDIR=<lib dir under it> -DCXX=<compiler> -DSOURCE=<main.cpp>
#       -DOUTPUT=<program> [-DEXTRA_FLAGS=...] -P pkg_config_consumer.cmake
# Builds the consumer with one plain compiler call, as the README shows it:
#     c++ -std=c++20 main.cpp $(pkg-config --cflags --libs corio) -o consumer
# then runs it (a shared corio is found through LD_LIBRARY_PATH, as it would be after
# installing into a directory the dynamic linker does not search). Without pkg-config it says so
# and stops; the test counts that as skipped.
find_program(PKG_CONFIG NAMES pkg-config pkgconf)
if(NOT PKG_CONFIG)
    message("pkg-config not found (apt-get install pkg-config): skipped")
    return()
endif()
set(ENV{PKG_CONFIG_PATH} ${PREFIX}/${LIBDIR}/pkgconfig)
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs corio
                OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE failed)
if(failed)
    message(FATAL_ERROR "pkg-config --cflags --libs corio failed")
endif()
message("pkg-config --cflags --libs corio: ${flags}")
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(extra UNIX_COMMAND "${EXTRA_FLAGS}")
execute_process(COMMAND ${CXX} -std=c++20 ${extra} ${SOURCE} ${flags} -o ${OUTPUT}
                RESULT_VARIABLE failed)
if(failed)
    message(FATAL_ERROR "the compiler call failed")
endif()
set(ENV{LD_LIBRARY_PATH} ${PREFIX}/${LIBDIR})
set(ENV{DYLD_LIBRARY_PATH} ${PREFIX}/${LIBDIR})
execute_process(COMMAND ${OUTPUT} RESULT_VARIABLE failed)
if(failed)
    message(FATAL_ERROR "the consumer failed (${failed})")
endif()
