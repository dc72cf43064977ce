// SPDX-License-Identifier: MIT
// udp_socket.hpp - a UDP socket: datagrams to and from any peer, or to and from one connected peer.
//
//     auto server = corio::net::udp_socket::bind(corio::net::address::loopback_v4(9000));
//     std::array<std::byte, 1500> buffer;
//     auto got = co_await server.receive_from(buffer);        // got.size, got.truncated,
//     got.sender co_await server.send_to(std::span(buffer).first(got.size), got.sender);
//
//     auto client = corio::net::udp_socket::bind(corio::net::address::loopback_v4(0));
//     client.connect(server_address);                         // fixes the peer; sends nothing
//     co_await client.send(bytes);
//     auto reply = co_await client.receive(buffer, deadline);
//
// asyncio's DatagramTransport, as awaitable calls rather than protocol callbacks. Each call moves
// exactly one datagram. A datagram larger than the buffer is never cut silently: the result says
// `truncated`, `size` is what was copied, and the rest of that datagram is lost (the OS keeps no
// remainder). Every operation goes through the reactor (io_object), takes an optional deadline
// (timeout_error) and is cancellable. IPv4 and IPv6.
// A connected socket hears about datagrams that found no listener: the OS reports the ICMP "port
// unreachable" on a later receive or send, as ECONNREFUSED on POSIX and WSAECONNRESET on Windows;
// both throw port_unreachable_error. An unconnected socket never reports it (corio turns off
// Windows' habit of failing an unconnected socket's next receive, SIO_UDP_CONNRESET).
// Not thread-safe: use a socket from tasks of the loop that created it.
#pragma once

#include <corio/net/address.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio::net {

// A connected datagram socket's peer has no socket on that port (ICMP port unreachable). code()
// is std::errc::connection_refused on every platform.
class port_unreachable_error : public std::system_error {
public:
    explicit port_unreachable_error(const std::string& what)
        : std::system_error(std::make_error_code(std::errc::connection_refused), what) {}
};

// One datagram received: `size` bytes copied; `truncated` if it was longer than the buffer.
struct udp_received {
    std::size_t size = 0;
    bool truncated = false;
};

struct udp_received_from : udp_received {
    address sender;
};

class udp_socket {
public:
    using deadline = std::optional<event_loop::time_point>;

    udp_socket() = default;

    // A socket bound to `local` (port 0: an ephemeral port; local_address() tells which).
    // Throws std::system_error (address_in_use, ...); a Unix domain address is a usage_error.
    static udp_socket bind(const address& local);

    // Fixes the peer: send()/receive() talk to it, datagrams from anyone else are dropped by the
    // OS, and ICMP errors are reported (port_unreachable_error). Sends nothing, never waits.
    void connect(const address& peer);

    // One datagram to `peer`; returns its size. A datagram larger than the protocol allows fails
    // with std::errc::message_size. `data` must stay valid until the task is awaited.
    task<std::size_t> send_to(std::span<const std::byte> data, address peer, deadline until = {});
    task<std::size_t> send_to(std::string_view text, address peer, deadline until = {}) {
        return send_to(std::as_bytes(std::span<const char>(text.data(), text.size())),
                       std::move(peer), until);
    }
    task<udp_received_from> receive_from(std::span<std::byte> buffer, deadline until = {});

    // The connected peer only (connect() first; otherwise the OS refuses the send).
    task<std::size_t> send(std::span<const std::byte> data, deadline until = {});
    task<std::size_t> send(std::string_view text, deadline until = {}) {
        return send(std::as_bytes(std::span<const char>(text.data(), text.size())), until);
    }
    task<udp_received> receive(std::span<std::byte> buffer, deadline until = {});

    [[nodiscard]] bool is_open() const noexcept { return socket_.is_open(); }
    // Pending operations fail with std::errc::operation_canceled.
    void close() noexcept { socket_.close(); }
    [[nodiscard]] address local_address() const;
    // The connected peer; std::system_error (not_connected) before connect().
    [[nodiscard]] address peer_address() const;
    [[nodiscard]] native_handle_t native_handle() const noexcept { return socket_.native_handle(); }

private:
    explicit udp_socket(io_object socket) noexcept
        : socket_(std::move(socket)) {}
    [[noreturn]] void rethrow(const std::system_error& failure, const char* operation) const;

    io_object socket_;
    std::optional<address> peer_; // set by connect(), for error messages
};

} // namespace corio::net
CORIO_EXPORT_END
