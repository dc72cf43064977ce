// SPDX-License-Identifier: MIT
// native_handle.hpp - the operating system's handle type, without the operating system's headers.
//
// A socket or pipe is an `int` file descriptor on POSIX systems and a SOCKET/HANDLE (a pointer-
// sized integer) on Windows. This is the only public header that knows which platform it is on;
// everything else uses native_handle_t and stays portable.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <cstdint>

CORIO_EXPORT_BEGIN
namespace corio {

#if defined(_WIN32)
using native_handle_t = std::uintptr_t;
inline constexpr native_handle_t invalid_native_handle = ~std::uintptr_t{0};
#else
using native_handle_t = int;
inline constexpr native_handle_t invalid_native_handle = -1;
#endif

} // namespace corio
CORIO_EXPORT_END
