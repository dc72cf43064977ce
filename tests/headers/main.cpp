// SPDX-License-Identifier: MIT
// The program the standalone-header check links (tests/headers/CMakeLists.txt). Its other units
// each include one public header; that they compiled and linked is the test, so this only says
// how many there were.
#include <cstdio>

int main() {
    std::printf("%d public headers compile on their own\n", CORIO_HEADER_COUNT);
    return 0;
}
