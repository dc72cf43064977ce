// SPDX-License-Identifier: MIT
// handle_ops.hpp - closing an OS handle, declared once and implemented per platform
// (sys/posix/handle_ops.cpp, sys/windows/handle_ops.cpp).
#pragma once

#include <corio/runtime/native_handle.hpp>

namespace corio::detail {

void close_native_handle(native_handle_t handle) noexcept;

#ifndef _WIN32
// A regular file or a directory: always "ready", so epoll refuses to watch one (EPERM) and kqueue
// would report it ready forever while reads block. corio::file is the way to use them.
[[nodiscard]] bool is_file_or_directory(native_handle_t handle) noexcept;
// The usage_error a reactor throws when handed such a handle: it names corio::file.
[[noreturn]] void throw_file_handed_to_reactor(const char* backend);
#endif

} // namespace corio::detail
