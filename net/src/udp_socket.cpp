// SPDX-License-Identifier: MIT
#include <corio/net/udp_socket.hpp>

#include "sys/socket_ops.hpp"

#include <string>
#include <utility>

namespace corio::net {

udp_socket udp_socket::bind(const address& local) {
    io_object socket{detail::open_udp_socket(local.family())};
    detail::bind_to(socket.native_handle(), local);
    return udp_socket{std::move(socket)};
}

void udp_socket::connect(const address& peer) {
    detail::connect_datagram(socket_.native_handle(), peer);
    peer_ = peer;
}

void udp_socket::rethrow(const std::system_error& failure, const char* operation) const {
    // ECONNREFUSED (POSIX) and WSAECONNRESET (Windows) are the same event on a datagram socket:
    // an ICMP "port unreachable" for something sent earlier. One type, whatever the platform.
    if (failure.code() == std::errc::connection_refused ||
        failure.code() == std::errc::connection_reset) {
        throw port_unreachable_error(std::string(operation) + ": nothing listens at " +
                                     (peer_ ? peer_->to_string() : std::string("the peer")) +
                                     " (ICMP port unreachable)");
    }
    throw; // NOLINT(misc-throw-by-value-catch-by-reference): the caught exception, unchanged
}

task<std::size_t> udp_socket::send_to(std::span<const std::byte> data, address peer,
                                      deadline until) {
    const detail::raw_socket_address raw = detail::to_raw(peer); // lives in this frame
    try {
        co_return co_await socket_.send_to(data, raw.bytes, raw.length, until);
    } catch (const std::system_error& failure) {
        rethrow(failure, ("send to " + peer.to_string()).c_str());
    }
}

task<udp_received_from> udp_socket::receive_from(std::span<std::byte> buffer, deadline until) {
    detail::raw_socket_address raw{};
    try {
        const received_datagram got =
            co_await socket_.receive_from(buffer, raw.bytes, sizeof raw.bytes, until);
        udp_received_from result;
        result.size = got.size;
        result.truncated = got.truncated;
        result.sender = detail::from_raw(raw.bytes, got.address_length);
        co_return result;
    } catch (const std::system_error& failure) {
        rethrow(failure, "receive");
    }
}

task<std::size_t> udp_socket::send(std::span<const std::byte> data, deadline until) {
    try {
        co_return co_await socket_.send_to(data, nullptr, 0, until);
    } catch (const std::system_error& failure) {
        rethrow(failure, "send");
    }
}

task<udp_received> udp_socket::receive(std::span<std::byte> buffer, deadline until) {
    try {
        // receive_from with no address, not a plain recv: it is the call that reports truncation.
        const received_datagram got = co_await socket_.receive_from(buffer, nullptr, 0, until);
        co_return udp_received{got.size, got.truncated};
    } catch (const std::system_error& failure) {
        rethrow(failure, "receive");
    }
}

address udp_socket::local_address() const {
    return detail::local_address_of(socket_.native_handle());
}

address udp_socket::peer_address() const {
    return detail::peer_address_of(socket_.native_handle());
}

} // namespace corio::net
