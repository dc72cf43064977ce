// SPDX-License-Identifier: MIT
// corio.hpp - everything corio offers, in one include: the runtime (<corio/runtime.hpp>), sockets
// and TLS (<corio/net.hpp>) and HTTP (<corio/http.hpp>).
//
//     #include <corio/corio.hpp>
//     int main() { corio::run(main_task()); }
//
// The quickest start, and right for small programs. Each library's umbrella, and each header
// under corio/runtime/, corio/net/ and corio/http/, also stands alone: a file that includes only
// what it uses compiles faster. It lives with corio::net, so link corio::net to use it (which
// brings corio::runtime along); a program that needs only the runtime includes
// <corio/runtime.hpp> and links corio::runtime.
#pragma once

#include <corio/http.hpp>
#include <corio/net.hpp>
#include <corio/runtime.hpp>
