// SPDX-License-Identifier: MIT
#include "../handle_ops.hpp"

#include <unistd.h>

namespace corio::detail {

void close_native_handle(native_handle_t handle) noexcept {
    // Never retry close() on EINTR: on Linux the descriptor is already released, and a retry
    // could close one that another thread has just been given (see close(2), NOTES).
    ::close(handle);
}

} // namespace corio::detail
