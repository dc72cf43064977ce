# SPDX-License-Identifier: MIT
# cmake -DLIBDIR=<dir with the shared libraries> -DVERSION=<x.y.z> -P check_exports.cmake
# The shared libraries carry their SONAME (libcorio_<part>.so.<major>.<minor> while the major
# version is 0) and export the public API only: no symbol of a class that lives in src/ (the
# reactor backends, the timer wheel, the HTTP parsers and readers) appears in their dynamic symbol
# tables, while the API's own symbols do. ELF only (readelf, nm and c++filt, from binutils).
#
# The internals are looked for among corio's own symbols, not among the standard library's
# template instantiations the libraries also carry (std::get, std::make_unique, std::operator==
# on a map iterator...). clang exports those even when a template argument is an internal type:
# libstdc++ declares namespace std with explicit default visibility, and clang lets that explicit
# visibility win over the hidden visibility -fvisibility=hidden gives the argument (GCC lets the
# argument's visibility restrict the instantiation and hides them). A visibility attribute on the
# internal class does not reach every case either (an iterator of a map holding a vector of it
# stays exported). Those weak copies of std code are no corio symbol a program could call: they
# exist for public types too, with both compilers.
find_program(NM nm)
find_program(READELF readelf)
find_program(CXXFILT c++filt)
if(NOT NM OR NOT READELF OR NOT CXXFILT)
    message("nm, readelf or c++filt not found (apt-get install binutils): skipped")
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
    # Mangled names of std entities start with St (or a std abbreviation such as Sa, Ss), after
    # the prefixes of a nested name (N, cv- and ref-qualifiers) or of a vtable, typeinfo or
    # typeinfo name (TV, TI, TS). Mangled names hold no list separators, so they make a list.
    execute_process(COMMAND ${NM} -D -p --defined-only ${library} OUTPUT_VARIABLE mangled_lines
                    RESULT_VARIABLE failed)
    if(failed)
        list(APPEND failures "nm failed on ${library}")
        continue()
    endif()
    string(REGEX MATCHALL "[^ \n]+\n" mangled "${mangled_lines}")
    list(TRANSFORM mangled STRIP)
    set(own ${mangled})
    list(FILTER own EXCLUDE REGEX "^_Z(T[VIS])?N?[rVK]*[RO]?S[tabsiod]")
    list(LENGTH mangled all_count)
    list(LENGTH own own_count)
    set(own_symbols)
    if(own)
        execute_process(COMMAND ${CXXFILT} ${own} OUTPUT_VARIABLE own_symbols RESULT_VARIABLE failed)
        if(failed)
            list(APPEND failures "c++filt failed on the symbols of ${library}")
            continue()
        endif()
    endif()
    string(FIND "${own_symbols}" "${exported}" at)
    if(at EQUAL -1)
        list(APPEND failures "${library} does not export ${exported}")
    endif()
    string(REGEX MATCHALL "[^\n]*(${hidden})[^\n]*" leaked "${own_symbols}")
    if(leaked)
        list(JOIN leaked "\n    " leaked)
        list(APPEND failures "${library} exports internals:\n    ${leaked}")
    endif()
    math(EXPR std_count "${all_count} - ${own_count}")
    message(STATUS "${library}: ${all_count} exported symbols, ${std_count} of them in namespace std")
endforeach()
if(failures)
    list(JOIN failures "\n" text)
    message(FATAL_ERROR "${text}")
endif()
