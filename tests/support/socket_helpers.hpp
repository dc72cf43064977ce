// SPDX-License-Identifier: MIT
// socket_helpers.hpp - raw sockets for tests that exercise the reactor below corio::net.
//
// Every handle returned is ready for the platform's reactor (non-blocking and close-on-exec on
// POSIX; overlapped and not inheritable on Windows) and owned by the caller (close it with
// close_handle or hand it to an io_object).
#pragma once

#include <corio/runtime/native_handle.hpp>

#include <cstdint>
#include <utility>

namespace corio_test {

// Two connected stream sockets.
std::pair<corio::native_handle_t, corio::native_handle_t> stream_socket_pair();

// A TCP socket listening on 127.0.0.1 at an ephemeral port, written to `port`.
corio::native_handle_t loopback_listener(std::uint16_t& port);

// A fresh, unconnected TCP/IPv4 socket.
corio::native_handle_t tcp_socket();

// A loopback port that nobody listens on (connections to it are refused).
std::uint16_t closed_loopback_port();

// sockaddr for 127.0.0.1:port, as bytes the reactor's connect accepts.
struct socket_address {
    alignas(8) unsigned char bytes[128];
    std::uint32_t length;
};
socket_address loopback_address(std::uint16_t port);

// A UDP/IPv4 socket bound to 127.0.0.1 at an ephemeral port; its address goes to `bound`.
corio::native_handle_t loopback_udp_socket(socket_address& bound);
// connect(2) on a datagram socket: fixes its peer; never blocks.
void connect_datagram(corio::native_handle_t handle, const socket_address& peer);
// A loopback UDP port with no socket behind it (datagrams to it draw ICMP port unreachable).
std::uint16_t closed_udp_port();

// True when this Windows program runs under Wine (ntdll exports wine_get_version), whose sockets
// sit on Linux's and differ from Windows where a test must say so; false on POSIX.
bool running_under_wine();

void close_handle(corio::native_handle_t handle);

// Blocking-free helpers for the far end of a pair.
long write_some(corio::native_handle_t handle, const void* data, std::size_t size);
long read_some(corio::native_handle_t handle, void* data, std::size_t size);

} // namespace corio_test
