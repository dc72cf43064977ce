// SPDX-License-Identifier: MIT
// nonblocking_call.hpp - the system calls behind each io_operation, for readiness backends.
//
// epoll and kqueue share these: both attempt the call, and on EAGAIN wait for the kernel to say
// the handle is ready before attempting it again. Each function retries EINTR itself.
#pragma once

#include <corio/runtime/detail/io_operation.hpp>

namespace corio::detail::posix {

enum class attempt_result : unsigned char {
    finished,    // the operation completed (successfully or with op.error set)
    would_block, // the kernel has nothing for us yet; wait for readiness and attempt again
};

// Performs (or continues) `op` on its target handle. For connect, the first attempt issues
// connect(2) and a later one collects the outcome with SO_ERROR.
attempt_result attempt(io_operation& op) noexcept;

// Whether a finished operation suggests the handle is now drained, so that the next attempt can
// skip straight to waiting (a short read on a stream socket means its buffer is empty; saving
// that doomed EAGAIN call is one system call per message).
bool looks_drained(const io_operation& op) noexcept;

// True for operations that wait for the handle to become readable; the rest wait for writable.
constexpr bool waits_for_read(io_kind kind) noexcept {
    return kind == io_kind::read || kind == io_kind::receive || kind == io_kind::peek ||
           kind == io_kind::accept || kind == io_kind::receive_from;
}

} // namespace corio::detail::posix
