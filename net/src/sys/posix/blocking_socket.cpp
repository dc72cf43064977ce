// SPDX-License-Identifier: MIT
#include "blocking_socket.hpp"

#include "../blocking_socket.hpp"
#include "../socket_ops.hpp"

#include <corio/runtime/detail/os_error.hpp>
#include <corio/runtime/error.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace corio::net::detail {

using corio::detail::throw_os_error;

namespace {

#if defined(MSG_NOSIGNAL)
constexpr int send_flags = MSG_NOSIGNAL; // a peer's reset must surface as EPIPE, not kill us
#else
constexpr int send_flags = 0; // macOS: open_tcp_socket sets SO_NOSIGPIPE instead
#endif

bool would_block(int error) noexcept {
    return error == EAGAIN || error == EWOULDBLOCK;
}

} // namespace

namespace posix {

readiness wait_until_ready(int fd, short events,
                           std::optional<std::chrono::steady_clock::time_point> until) {
    using std::chrono::steady_clock;
    for (;;) {
        int timeout_ms = -1;
        if (until) {
            const steady_clock::duration left = *until - steady_clock::now();
            // Rounded up: waking a little early would only mean polling again.
            const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
            timeout_ms = static_cast<int>(std::clamp<decltype(ms)>(ms, 0, INT_MAX));
        }
        pollfd entry{};
        entry.fd = fd;
        entry.events = events;
        const int ready = ::poll(&entry, 1, timeout_ms);
        if (ready > 0) {
            return readiness::ready;
        }
        if (ready == 0) {
            if (until && steady_clock::now() >= *until) {
                return readiness::timed_out;
            }
            continue;
        }
        if (errno != EINTR) {
            throw_os_error(errno, "poll");
        }
    }
}

} // namespace posix

blocking_socket blocking_socket::connect(const address& peer, deadline until) {
    blocking_socket socket{open_tcp_socket(peer.family())}; // non-blocking, close-on-exec
    const raw_socket_address raw = to_raw(peer);
    if (::connect(socket.handle_, reinterpret_cast<const sockaddr*>(raw.bytes), raw.length) != 0) {
        // Interrupted, the connection still goes ahead in the background: wait for it alike.
        if (errno != EINPROGRESS && errno != EINTR) {
            throw_os_error(errno, "connect");
        }
        if (posix::wait_until_ready(socket.handle_, POLLOUT, until) ==
            posix::readiness::timed_out) {
            throw corio::timeout_error("connect timed out");
        }
        int error = 0;
        socklen_t length = sizeof error;
        if (::getsockopt(socket.handle_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
            throw_os_error(errno, "getsockopt(SO_ERROR)");
        }
        if (error != 0) {
            throw_os_error(error, "connect");
        }
    }
    set_no_delay(socket.handle_, true);
    return socket;
}

std::size_t blocking_socket::read_some(std::span<std::byte> buffer, deadline until) {
    for (;;) {
        const ssize_t received = ::recv(handle_, buffer.data(), buffer.size(), 0);
        if (received >= 0) {
            return static_cast<std::size_t>(received);
        }
        if (errno == EINTR) {
            continue;
        }
        if (!would_block(errno)) {
            throw_os_error(errno, "recv");
        }
        if (posix::wait_until_ready(handle_, POLLIN, until) == posix::readiness::timed_out) {
            throw corio::timeout_error("read timed out");
        }
    }
}

void blocking_socket::write_all(std::span<const std::byte> data, deadline until) {
    while (!data.empty()) {
        const ssize_t written = ::send(handle_, data.data(), data.size(), send_flags);
        if (written >= 0) {
            data = data.subspan(static_cast<std::size_t>(written));
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (!would_block(errno)) {
            throw_os_error(errno, "send");
        }
        if (posix::wait_until_ready(handle_, POLLOUT, until) == posix::readiness::timed_out) {
            throw corio::timeout_error("write timed out");
        }
    }
}

void blocking_socket::close() noexcept {
    if (handle_ != invalid_native_handle) {
        ::close(handle_);
        handle_ = invalid_native_handle;
    }
}

} // namespace corio::net::detail
