// SPDX-License-Identifier: MIT
// tcp_listener.hpp - a listening TCP socket that hands out connected tcp_streams.
//
//     auto listener = corio::net::tcp_listener::bind(corio::net::address::loopback_v4(0));
//     std::uint16_t port = listener.local_address().port();   // the ephemeral port chosen
//     corio::net::tcp_stream client = co_await listener.accept();
//
// bind() sets the listener_options (socket_options.hpp; by default SO_REUSEADDR on POSIX, so a
// restarted server can bind while old connections linger in TIME_WAIT), binds and listens. accept()
// waits through the reactor and is cancellable (closing the listener fails pending accepts with
// operation_canceled). Not thread-safe: use a listener from tasks of the loop that created it.
#pragma once

#include <corio/net/address.hpp>
#include <corio/net/socket_options.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>

CORIO_EXPORT_BEGIN
namespace corio::net {

class tcp_listener {
public:
    tcp_listener() = default;

    // Binds to `endpoint` (port 0 picks an ephemeral port) and starts listening.
    static tcp_listener bind(const address& endpoint, int backlog = 512);
    // The same with options that must be set before binding (socket_option_error naming the
    // option if one cannot be set: reuse_port on Windows, say).
    static tcp_listener bind(const address& endpoint, const listener_options& options);

    // The next connection; `peer`, if given, receives its address.
    task<tcp_stream> accept(address* peer = nullptr);

    [[nodiscard]] address local_address() const;
    [[nodiscard]] bool is_open() const noexcept { return socket_.is_open(); }
    void close() noexcept { socket_.close(); }

    // What the socket has now (the options bind() was given, as the OS took them).
    [[nodiscard]] bool reuse_address() const;
    [[nodiscard]] bool reuse_port() const;
    [[nodiscard]] std::size_t receive_buffer_size() const;
    [[nodiscard]] std::size_t send_buffer_size() const;
    [[nodiscard]] native_handle_t native_handle() const noexcept { return socket_.native_handle(); }

private:
    explicit tcp_listener(io_object socket) noexcept
        : socket_(std::move(socket)) {}
    io_object socket_;
};

} // namespace corio::net
CORIO_EXPORT_END
