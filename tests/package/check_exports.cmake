# SPDX-License-Identifier: MIT
# cmake -DLIBDIR=<dir with the shared libraries> -DVERSION=<x.y.z> -P check_exports.cmake
# The shared libraries carry their SONAME (libcorio_<part>.so.<major>.<minor> while the major
# version is 0) and export the public API only: no symbol of a class that lives in src/ (the
# reactor backends, the timer wheel, the HTTP parsers and readers) appears in their dynamic symbol
# tables, while the API's own symbols do. ELF only (readelf and nm, from binutils).
find_program(NM nm)
find_program(READELF readelf)
if(NOT NM OR NOT READELF)
    message("nm or readelf not found (apt-get install binutils): skipped")
    return()
endif()
string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _ "${VERSION}")
if(CMAKE_MATCH_1 EQUAL 0)
    set(abi ${CMAKE_MATCH_1}.${CMAKE_MATCH_2})
else()
    set(abi ${CMAKE_MATCH_1})
endif()

# part;a symbol the API must export;symbols of src/ that must stay hidden
set(checks
    "runtime|corio::event_loop::run_until_done|epoll_reactor|kqueue_reactor|io_uring_reactor|readiness_queues|completion_slot|timer_wheel::|blocking_pool::|loop_internals"
    "net|corio::http::client_session::|request_reader|response_reader|message_parser|chunked_decoder|connection_pool|route_table|openssl_engine")
set(failures)
foreach(check IN LISTS checks)
    string(REPLACE "|" ";" fields "${check}")
    list(POP_FRONT fields part exported)
    list(JOIN fields "|" hidden)
    set(library ${LIBDIR}/libcorio_${part}.so)
    execute_process(COMMAND ${READELF} -d ${library} OUTPUT_VARIABLE dynamic RESULT_VARIABLE failed)
    if(failed OR NOT dynamic MATCHES "Library soname: \\[libcorio_${part}\\.so\\.${abi}\\]")
        list(APPEND failures "${library}: SONAME is not libcorio_${part}.so.${abi}")
    endif()
    execute_process(COMMAND ${NM} -D -C --defined-only ${library} OUTPUT_VARIABLE symbols
                    RESULT_VARIABLE failed)
    if(failed)
        list(APPEND failures "nm failed on ${library}")
        continue()
    endif()
    string(FIND "${symbols}" "${exported}" at)
    if(at EQUAL -1)
        list(APPEND failures "${library} does not export ${exported}")
    endif()
    string(REGEX MATCHALL "[^\n]*(${hidden})[^\n]*" leaked "${symbols}")
    if(leaked)
        list(JOIN leaked "\n    " leaked)
        list(APPEND failures "${library} exports internals:\n    ${leaked}")
    endif()
    string(REGEX MATCHALL "\n" lines "${symbols}")
    list(LENGTH lines count)
    message(STATUS "${library}: ${count} exported symbols")
endforeach()
if(failures)
    list(JOIN failures "\n" text)
    message(FATAL_ERROR "${text}")
endif()
