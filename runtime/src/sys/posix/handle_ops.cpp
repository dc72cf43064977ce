// SPDX-License-Identifier: MIT
#include "../handle_ops.hpp"

#include <corio/runtime/detail/os_error.hpp>

#include <unistd.h>

namespace corio::detail {

void close_native_handle(native_handle_t handle) noexcept {
    // Never retry close() on EINTR: on Linux the descriptor is already released, and a retry
    // could close one that another thread has just been given (see close(2), NOTES).
    ::close(handle);
}

std::error_code os_error_code(int error) noexcept {
    return {error, std::system_category()}; // errno values already map to std::errc
}

} // namespace corio::detail
