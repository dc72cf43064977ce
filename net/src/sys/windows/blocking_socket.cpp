// SPDX-License-Identifier: MIT
// The Windows twin of sys/posix/blocking_socket.cpp: a non-blocking socket (FIONBIO) and, when a
// call would block, select() on that one socket until the deadline.
#include "../blocking_socket.hpp"
#include "../socket_ops.hpp"

#include <corio/runtime/detail/os_error.hpp>
#include <corio/runtime/error.hpp>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>

#include <algorithm>
#include <climits>
#include <system_error>

namespace corio::net::detail {

using corio::detail::throw_os_error;

namespace {

enum class readiness : unsigned char { ready, timed_out };
enum class wait_kind : unsigned char { readable, writable, connected };

// select() rather than WSAPoll, the closer twin of poll(2): before Windows 10 version 2004,
// WSAPoll never reported a refused connect (it waited out the whole timeout). select() reports a
// failed connect through its exception set, a successful one through the write set.
readiness wait_until_ready(SOCKET socket, wait_kind what, blocking_socket::deadline until) {
    using clock = blocking_socket::clock;
    for (;;) {
        timeval limit{};
        timeval* timeout = nullptr;
        if (until) {
            // Rounded up: waking a little early would only mean waiting again.
            const auto left = std::chrono::ceil<std::chrono::microseconds>(*until - clock::now());
            const long long micros = std::clamp<long long>(left.count(), 0, LONG_MAX * 1'000'000LL);
            limit.tv_sec = static_cast<long>(micros / 1'000'000);
            limit.tv_usec = static_cast<long>(micros % 1'000'000);
            timeout = &limit;
        }
        // fd_set by hand: one socket needs no FD_SET macro (full of C casts).
        fd_set readable{};
        fd_set writable{};
        fd_set failed{};
        for (fd_set* set : {&readable, &writable, &failed}) {
            set->fd_count = 1;
            set->fd_array[0] = socket;
        }
        const int ready = ::select(0, what == wait_kind::readable ? &readable : nullptr,
                                   what == wait_kind::readable ? nullptr : &writable,
                                   what == wait_kind::connected ? &failed : nullptr, timeout);
        if (ready > 0) {
            return readiness::ready;
        }
        if (ready == 0) {
            if (until && clock::now() >= *until) {
                return readiness::timed_out;
            }
            continue;
        }
        throw_os_error(::WSAGetLastError(), "select");
    }
}

int clamp_length(std::size_t size) noexcept {
    return static_cast<int>(std::min<std::size_t>(size, INT_MAX)); // a shorter transfer is fine
}

} // namespace

blocking_socket blocking_socket::connect(const address& peer, deadline until) {
    blocking_socket socket{open_tcp_socket(peer.family())}; // overlapped, not inheritable
    const auto handle = static_cast<SOCKET>(socket.handle_);
    u_long non_blocking = 1;
    if (::ioctlsocket(handle, FIONBIO, &non_blocking) != 0) {
        throw_os_error(::WSAGetLastError(), "ioctlsocket(FIONBIO)");
    }
    const raw_socket_address raw = to_raw(peer);
    if (::connect(handle, reinterpret_cast<const sockaddr*>(raw.bytes),
                  static_cast<int>(raw.length)) != 0) {
        if (::WSAGetLastError() != WSAEWOULDBLOCK) { // Winsock's EINPROGRESS
            throw_os_error(::WSAGetLastError(), "connect");
        }
        if (wait_until_ready(handle, wait_kind::connected, until) == readiness::timed_out) {
            throw corio::timeout_error("connect timed out");
        }
        int error = 0;
        int length = sizeof error;
        if (::getsockopt(handle, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&error), &length) !=
            0) {
            throw_os_error(::WSAGetLastError(), "getsockopt(SO_ERROR)");
        }
        if (error != 0) {
            throw_os_error(error, "connect");
        }
    }
    set_no_delay(socket.handle_, true);
    return socket;
}

std::size_t blocking_socket::read_some(std::span<std::byte> buffer, deadline until) {
    const auto handle = static_cast<SOCKET>(handle_);
    for (;;) {
        const int received =
            ::recv(handle, reinterpret_cast<char*>(buffer.data()), clamp_length(buffer.size()), 0);
        if (received >= 0) {
            return static_cast<std::size_t>(received);
        }
        if (::WSAGetLastError() != WSAEWOULDBLOCK) {
            throw_os_error(::WSAGetLastError(), "recv");
        }
        if (wait_until_ready(handle, wait_kind::readable, until) == readiness::timed_out) {
            throw corio::timeout_error("read timed out");
        }
    }
}

void blocking_socket::write_all(std::span<const std::byte> data, deadline until) {
    const auto handle = static_cast<SOCKET>(handle_);
    while (!data.empty()) {
        // No SIGPIPE on Windows: a reset peer is just an error here.
        const int written = ::send(handle, reinterpret_cast<const char*>(data.data()),
                                   clamp_length(data.size()), 0);
        if (written >= 0) {
            data = data.subspan(static_cast<std::size_t>(written));
            continue;
        }
        if (::WSAGetLastError() != WSAEWOULDBLOCK) {
            throw_os_error(::WSAGetLastError(), "send");
        }
        if (wait_until_ready(handle, wait_kind::writable, until) == readiness::timed_out) {
            throw corio::timeout_error("write timed out");
        }
    }
}

void blocking_socket::close() noexcept {
    if (handle_ != invalid_native_handle) {
        ::closesocket(static_cast<SOCKET>(handle_));
        handle_ = invalid_native_handle;
    }
}

} // namespace corio::net::detail
