// SPDX-License-Identifier: MIT
// handle_ops.hpp - closing an OS handle, declared once and implemented per platform
// (sys/posix/handle_ops.cpp, sys/windows/handle_ops.cpp).
#pragma once

#include <corio/runtime/native_handle.hpp>

namespace corio::detail {

void close_native_handle(native_handle_t handle) noexcept;

} // namespace corio::detail
