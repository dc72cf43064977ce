// SPDX-License-Identifier: MIT
#include "../handle_ops.hpp"

#include <corio/runtime/detail/os_error.hpp>
#include <corio/runtime/error.hpp>

#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace corio::detail {

void close_native_handle(native_handle_t handle) noexcept {
    // Never retry close() on EINTR: on Linux the descriptor is already released, and a retry
    // could close one that another thread has just been given (see close(2), NOTES).
    ::close(handle);
}

bool is_file_or_directory(native_handle_t handle) noexcept {
    struct stat status {};
    return ::fstat(handle, &status) == 0 && (S_ISREG(status.st_mode) || S_ISDIR(status.st_mode));
}

void throw_file_handed_to_reactor(const char* backend) {
    throw usage_error(std::string("a regular file or directory cannot be registered with the ") +
                      backend +
                      " reactor: it is always ready, and reading it blocks; use corio::file "
                      "(<corio/runtime/file.hpp>), which runs file I/O on the blocking pool");
}

std::error_code os_error_code(int error) noexcept {
    return {error, std::system_category()}; // errno values already map to std::errc
}

} // namespace corio::detail
