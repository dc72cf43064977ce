// SPDX-License-Identifier: MIT
#include <corio/net/tcp_stream.hpp>

#include <corio/net/resolver.hpp>
#include <corio/runtime/error.hpp>

#include "sys/socket_ops.hpp"

#include <exception>
#include <system_error>

namespace corio::net {

task<tcp_stream> tcp_stream::connect(address peer, std::optional<event_loop::duration> timeout) {
    io_object socket{detail::open_tcp_socket(peer.family())};
    const detail::raw_socket_address raw = detail::to_raw(peer);
    deadline until;
    if (timeout) {
        until = event_loop::current().now() + *timeout;
    }
    // The reactor's errors say "connect: Connection refused"; a program trying several addresses
    // (or several hosts) needs to know which one refused, so the message names it.
    try {
        co_await socket.connect(raw.bytes, raw.length, until);
    } catch (const std::system_error& failure) {
        throw std::system_error(failure.code(), "connect to " + peer.to_string());
    } catch (const timeout_error&) {
        throw timeout_error("connect to " + peer.to_string() + " timed out");
    }
    tcp_stream stream{std::move(socket)};
    // Request/response protocols want each write on the wire at once.
    stream.set_no_delay(true);
    co_return stream;
}

task<tcp_stream> tcp_stream::connect(std::string host, std::uint16_t port,
                                     std::optional<event_loop::duration> timeout) {
    const std::vector<address> candidates = co_await resolve(host, port);
    std::exception_ptr last_error;
    for (const address& candidate : candidates) {
        try {
            co_return co_await connect(candidate, timeout);
        } catch (const cancelled_error&) {
            throw;
        } catch (...) {
            last_error =
                std::current_exception(); // try the next address, as getaddrinfo(3) advises
        }
    }
    std::rethrow_exception(last_error);
}

task<> tcp_stream::write_all(std::span<const std::byte> data, deadline until) {
    while (!data.empty()) {
        const std::size_t written = co_await socket_.send_some(data, until);
        data = data.subspan(written);
    }
}

void tcp_stream::shutdown_write() {
    detail::shutdown_write(socket_.native_handle());
}

address tcp_stream::local_address() const {
    return detail::local_address_of(socket_.native_handle());
}

address tcp_stream::peer_address() const {
    return detail::peer_address_of(socket_.native_handle());
}

void tcp_stream::set_no_delay(bool enabled) {
    detail::set_no_delay(socket_.native_handle(), enabled);
}

} // namespace corio::net
