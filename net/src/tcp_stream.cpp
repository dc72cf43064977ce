// SPDX-License-Identifier: MIT
#include <corio/net/tcp_stream.hpp>

#include <corio/net/resolver.hpp>
#include <corio/runtime/error.hpp>

#include "connect_race.hpp"
#include "sys/socket_ops.hpp"

#include <exception>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

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
    // `timeout` bounds the whole call: the lookup, and every attempt, which gets what is left of
    // it when it starts (so a late attempt cannot run past the deadline).
    std::optional<event_loop::time_point> give_up_at;
    resolve_options lookup;
    if (timeout) {
        give_up_at = event_loop::current().now() + *timeout;
        lookup.timeout = *timeout;
    }
    std::vector<address> candidates =
        detail::interleave_families(co_await resolve(host, port, lookup));
    std::vector<detail::attempt_failure> failures;
    const detail::attempt_function<tcp_stream> attempt = [give_up_at](address peer) {
        std::optional<event_loop::duration> left;
        if (give_up_at) {
            left =
                std::max(event_loop::duration::zero(), *give_up_at - event_loop::current().now());
        }
        return connect(peer, left);
    };
    std::optional<detail::race_winner<tcp_stream>> winner =
        co_await detail::race_connections(std::move(candidates), attempt, failures);
    if (!winner) {
        detail::throw_connect_failures(host, failures);
    }
    co_return std::move(winner->connection);
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
    socket_options::set_no_delay(socket_.native_handle(), enabled);
}

bool tcp_stream::no_delay() const {
    return socket_options::no_delay(socket_.native_handle());
}

void tcp_stream::set_keep_alive(const keep_alive_options& options) {
    socket_options::set_keep_alive(socket_.native_handle(), options);
}

keep_alive_options tcp_stream::keep_alive() const {
    return socket_options::keep_alive(socket_.native_handle());
}

void tcp_stream::set_receive_buffer_size(std::size_t bytes) {
    socket_options::set_receive_buffer_size(socket_.native_handle(), bytes);
}

std::size_t tcp_stream::receive_buffer_size() const {
    return socket_options::receive_buffer_size(socket_.native_handle());
}

void tcp_stream::set_send_buffer_size(std::size_t bytes) {
    socket_options::set_send_buffer_size(socket_.native_handle(), bytes);
}

std::size_t tcp_stream::send_buffer_size() const {
    return socket_options::send_buffer_size(socket_.native_handle());
}

void tcp_stream::set_linger(std::optional<std::chrono::seconds> timeout) {
    socket_options::set_linger(socket_.native_handle(), timeout);
}

std::optional<std::chrono::seconds> tcp_stream::linger() const {
    return socket_options::linger(socket_.native_handle());
}

} // namespace corio::net
