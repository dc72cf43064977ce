// SPDX-License-Identifier: MIT
// socket_ops.hpp - the socket system calls corio::net needs besides I/O, declared once and
// implemented per platform (sys/posix/socket_ops.cpp; Windows gets its own file).
//
// Reads, writes, accepts and connects go through the reactor (corio::io_object); what is here
// creates and configures sockets. Every function throws std::system_error on failure.
#pragma once

#include <corio/net/address.hpp>
#include <corio/net/resolver.hpp>
#include <corio/runtime/native_handle.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace corio::net::detail {

// Storage big enough for any socket address the OS uses (sockaddr_storage is 128 bytes).
struct raw_socket_address {
    alignas(8) unsigned char bytes[128];
    std::uint32_t length = 0;
};

raw_socket_address to_raw(const address& endpoint);
address from_raw(const void* raw, std::uint32_t length);

// A TCP socket in the mode the reactor needs (non-blocking, close-on-exec, no SIGPIPE).
native_handle_t open_tcp_socket(address_family family);
void bind_and_listen(native_handle_t socket, const address& endpoint, int backlog);
address local_address_of(native_handle_t socket);
address peer_address_of(native_handle_t socket);
void shutdown_write(native_handle_t socket);
void set_no_delay(native_handle_t socket, bool enabled);

// What getaddrinfo() is asked: an empty host is a null node (the wildcard or the loopback
// addresses, by options.passive). options.timeout is the caller's business, not the lookup's.
struct lookup_request {
    std::string host;
    std::string service;
    resolve_options options;
};

// getaddrinfo(), blocking: call it from run_blocking. Throws resolve_error.
std::vector<address> resolve_blocking(const lookup_request& request);
std::vector<address> resolve_blocking(const std::string& host, std::uint16_t port);

} // namespace corio::net::detail
