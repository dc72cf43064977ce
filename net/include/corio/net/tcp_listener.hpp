// SPDX-License-Identifier: MIT
// tcp_listener.hpp - a listening TCP socket that hands out connected tcp_streams.
//
//     auto listener = corio::net::tcp_listener::bind(corio::net::address::loopback_v4(0));
//     std::uint16_t port = listener.local_address().port();   // the ephemeral port chosen
//     corio::net::tcp_stream client = co_await listener.accept();
//
// bind() sets SO_REUSEADDR, binds and listens. accept() waits through the reactor and is
// cancellable (closing the listener fails pending accepts with operation_canceled).
// Not thread-safe: use a listener from tasks of the loop that created it.
#pragma once

#include <corio/net/address.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/task.hpp>

CORIO_EXPORT_BEGIN
namespace corio::net {

class tcp_listener {
public:
    tcp_listener() = default;

    // Binds to `endpoint` (port 0 picks an ephemeral port) and starts listening.
    static tcp_listener bind(const address& endpoint, int backlog = 512);

    // The next connection; `peer`, if given, receives its address.
    task<tcp_stream> accept(address* peer = nullptr);

    [[nodiscard]] address local_address() const;
    [[nodiscard]] bool is_open() const noexcept { return socket_.is_open(); }
    void close() noexcept { socket_.close(); }

private:
    explicit tcp_listener(io_object socket) noexcept
        : socket_(std::move(socket)) {}
    io_object socket_;
};

} // namespace corio::net
CORIO_EXPORT_END
