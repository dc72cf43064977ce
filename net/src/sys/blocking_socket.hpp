// SPDX-License-Identifier: MIT
// blocking_socket.hpp - a TCP connection for code without an event loop: each call blocks the
// calling thread, at most until a deadline.
//
// The blocking HTTP client is built on it. Underneath, the socket is non-blocking and each call
// waits with the platform's readiness poll (poll(2) on POSIX, sys/posix/blocking_socket.cpp), so
// a deadline bounds a connect, a read or a write exactly and no thread or loop is involved.
// Deadlines passing throw corio::timeout_error, system failures std::system_error - the same
// exceptions tcp_stream throws. Move-only; not thread-safe.
#pragma once

#include <corio/net/address.hpp>
#include <corio/runtime/native_handle.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <utility>

namespace corio::net::detail {

class blocking_socket {
public:
    using clock = std::chrono::steady_clock;
    using deadline = std::optional<clock::time_point>;

    blocking_socket() noexcept = default;
    blocking_socket(blocking_socket&& other) noexcept
        : handle_(std::exchange(other.handle_, invalid_native_handle)) {}
    blocking_socket& operator=(blocking_socket&& other) noexcept {
        if (this != &other) {
            close();
            handle_ = std::exchange(other.handle_, invalid_native_handle);
        }
        return *this;
    }
    blocking_socket(const blocking_socket&) = delete;
    blocking_socket& operator=(const blocking_socket&) = delete;
    ~blocking_socket() { close(); }

    // Connects to `peer` with TCP_NODELAY set (request/response traffic wants each write sent at
    // once), giving up when `until` passes.
    [[nodiscard]] static blocking_socket connect(const address& peer, deadline until);

    // Waits for data: at least one byte, or 0 once the peer has finished sending.
    [[nodiscard]] std::size_t read_some(std::span<std::byte> buffer, deadline until);
    // Writes all of `data`; the deadline covers the whole of it.
    void write_all(std::span<const std::byte> data, deadline until);

    void close() noexcept;
    [[nodiscard]] bool is_open() const noexcept { return handle_ != invalid_native_handle; }
    [[nodiscard]] native_handle_t native_handle() const noexcept { return handle_; }

private:
    explicit blocking_socket(native_handle_t handle) noexcept
        : handle_(handle) {}

    native_handle_t handle_ = invalid_native_handle;
};

} // namespace corio::net::detail
