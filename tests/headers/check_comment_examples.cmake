# SPDX-License-Identifier: MIT
# cmake -DROOTS="<include dir>;..." -DEXAMPLES=<comment_examples.cpp> -P check_comment_examples.cmake
# Every code line of every example in a public header's comments must appear in
# comment_examples.cpp, which the build compiles: so an example cannot call a function that does
# not exist, or drift from the API, without failing the tests. An example is a run of comment
# lines indented by four spaces past "// " ("//     code"; deeper lines continue it); a prose
# list or a wrapped sentence is indented less, or does not start such a run. Lines are compared
# with their runs of spaces made one.
file(READ ${EXAMPLES} mirror)
string(REGEX REPLACE "[ \t\r\n]+" " " mirror "${mirror}")
set(missing)
set(checked 0)
foreach(root IN LISTS ROOTS)
    file(GLOB_RECURSE headers RELATIVE ${root} ${root}/corio/*.hpp)
    foreach(header IN LISTS headers)
        file(READ ${root}/${header} text)
        # Lines as a CMake list: the characters lists treat specially go out of the way first.
        string(REPLACE ";" "<semicolon>" text "${text}")
        string(REPLACE "[" "<open>" text "${text}")
        string(REPLACE "]" "<close>" text "${text}")
        string(REPLACE "\\" "<backslash>" text "${text}")
        string(REPLACE "\n" ";" lines "${text}")
        set(in_example FALSE)
        foreach(line IN LISTS lines)
            if(line MATCHES "^ *//     ([^ ].*)$")
                set(in_example TRUE)
            elseif(NOT (in_example AND line MATCHES "^ *//      +([^ ].*)$"))
                set(in_example FALSE)
                continue()
            endif()
            set(code "${CMAKE_MATCH_1}")
            string(REGEX REPLACE "[ \t]+" " " code "${code}")
            string(STRIP "${code}" code)
            string(REPLACE "<semicolon>" ";" code "${code}")
            string(REPLACE "<open>" "[" code "${code}")
            string(REPLACE "<close>" "]" code "${code}")
            string(REPLACE "<backslash>" "\\" code "${code}")
            math(EXPR checked "${checked} + 1")
            string(FIND "${mirror}" "${code}" at)
            if(at EQUAL -1)
                string(REPLACE ";" "\\;" shown "<${header}>: ${code}")
                list(APPEND missing "${shown}")
            endif()
        endforeach()
    endforeach()
endforeach()
if(missing)
    list(JOIN missing "\n  " text)
    message(FATAL_ERROR "header examples missing from ${EXAMPLES} (copy them there, in a context "
                        "that compiles, or fix the example):\n  ${text}")
endif()
message(STATUS "${checked} lines of header examples, all in comment_examples.cpp (compiled)")
