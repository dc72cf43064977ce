// SPDX-License-Identifier: MIT
// posix/blocking_socket.hpp - the wait under blocking_socket on POSIX: poll(2) for one
// descriptor, until a deadline.
//
// blocking_socket keeps its descriptor non-blocking and calls this whenever an operation would
// block, so a deadline bounds every wait exactly; EINTR restarts the wait with the time left.
// Plain functions; the caller owns the descriptor.
#pragma once

#include <chrono>
#include <optional>

namespace corio::net::detail::posix {

enum class readiness : unsigned char { ready, timed_out };

// Waits until `fd` is ready for `events` (POLLIN or POLLOUT) or `until` passes; no deadline
// waits as long as it takes. An error or hang-up on the descriptor counts as ready, so the call
// that follows reports it. Throws std::system_error if poll itself fails.
readiness wait_until_ready(int fd, short events,
                           std::optional<std::chrono::steady_clock::time_point> until);

} // namespace corio::net::detail::posix
