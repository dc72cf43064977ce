// SPDX-License-Identifier: MIT
// os_error.hpp - an operating-system error number as a std::error_code.
//
// io_operation::error and the socket functions carry the OS's own numbers: errno values on POSIX,
// Win32 and Winsock (WSA) codes on Windows. On POSIX this is std::system_category(), which already
// knows that ECONNREFUSED means std::errc::connection_refused. On Windows the code goes into a
// category that prints like std::system_category() (FormatMessage) but also maps the socket codes
// to std::errc; MinGW's libstdc++ maps only a few Win32 codes and no WSA code at all, so without
// it `code == std::errc::connection_refused` would be false for WSAECONNREFUSED.
// Implemented per platform (runtime/src/sys/<platform>/handle_ops.cpp).
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <system_error>

CORIO_EXPORT_BEGIN
namespace corio::detail {

[[nodiscard]] std::error_code os_error_code(int error) noexcept;

// The one way corio reports a failed system call: a std::system_error naming the call, e.g.
// throw_os_error(errno, "epoll_wait") or throw_os_error(::WSAGetLastError(), "connect").
[[noreturn]] inline void throw_os_error(int error, const char* call) {
    throw std::system_error(os_error_code(error), call);
}

} // namespace corio::detail
CORIO_EXPORT_END
