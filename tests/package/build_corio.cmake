# SPDX-License-Identifier: MIT
# cmake -DSOURCE=<corio> -DBINARY=<dir> -DPREFIX=<dir> -DSHARED=ON|OFF -DEXAMPLES=ON|OFF
#       -DCXX=<compiler> -DGENERATOR=<generator> -P build_corio.cmake
# Configures, builds and installs corio's libraries (and with EXAMPLES=ON its examples, linked to
# those libraries) the way a user or a distribution would: a fresh build tree, no tests.
foreach(step configure build install)
    if(step STREQUAL "configure")
        set(command ${CMAKE_COMMAND} -S ${SOURCE} -B ${BINARY} -G ${GENERATOR}
            -DCMAKE_CXX_COMPILER=${CXX} -DBUILD_SHARED_LIBS=${SHARED} -DCORIO_BUILD_TESTS=OFF
            -DCORIO_BUILD_BENCHMARKS=OFF -DCORIO_BUILD_EXAMPLES=${EXAMPLES} -DCORIO_WERROR=ON)
    elseif(step STREQUAL "build")
        set(command ${CMAKE_COMMAND} --build ${BINARY})
    else()
        set(command ${CMAKE_COMMAND} --install ${BINARY} --prefix ${PREFIX})
    endif()
    execute_process(COMMAND ${command} RESULT_VARIABLE failed)
    if(failed)
        message(FATAL_ERROR "corio's ${step} step failed (${failed})")
    endif()
endforeach()
