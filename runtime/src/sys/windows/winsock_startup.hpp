// SPDX-License-Identifier: MIT
// winsock_startup.hpp - Winsock's start-up, the one call every socket user on Windows needs first.
//
// WSAStartup must run once per process before any socket call. The IOCP backend
// (iocp_reactor.cpp) and net's socket functions (net/src/sys/windows/socket_ops.cpp) both call
// start_winsock(); it is inline and lives in this header rather than in a source file so that
// net can use it without corio_runtime exporting an internal symbol. In a shared build each
// library keeps its own once-flag and calls WSAStartup once, which is fine: WSAStartup is
// reference-counted. Never WSACleanup: other threads may still be using sockets while statics are
// destroyed, and process exit releases everything anyway.
#pragma once

#include <corio/runtime/detail/os_error.hpp>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>

namespace corio::detail {

// Throws std::system_error with WSAStartup's error, on every call if it failed.
inline void start_winsock() {
    static const int status = [] {
        WSADATA data{};
        return ::WSAStartup(MAKEWORD(2, 2), &data);
    }();
    if (status != 0) {
        throw_os_error(status, "WSAStartup");
    }
}

} // namespace corio::detail
