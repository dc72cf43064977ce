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

// Sockets in the mode the reactor needs (non-blocking, close-on-exec, no SIGPIPE; overlapped
// and not inheritable on Windows). A TCP socket refuses a Unix domain family (usage_error);
// the Unix stream socket throws address_family_not_supported where corio has no AF_UNIX.
native_handle_t open_tcp_socket(address_family family);
native_handle_t open_udp_socket(address_family family);
native_handle_t open_unix_stream_socket();
void bind_and_listen(native_handle_t socket, const address& endpoint, int backlog);
void bind_to(native_handle_t socket, const address& endpoint);
void listen_on(native_handle_t socket, int backlog);
// connect(2) on a datagram socket: only records the peer, never waits. On Windows it also turns
// on the reporting of ICMP "port unreachable" (SIO_UDP_CONNRESET), which open_udp_socket turns
// off, so that both systems report it on connected sockets only.
void connect_datagram(native_handle_t socket, const address& peer);

// Unix domain socket files (POSIX only; the Windows build never creates one).
// Before binding `path`: if a socket file is there and nobody accepts connections on it (a
// server that died without cleaning up), removes it. Leaves anything else alone (bind then
// reports address_in_use).
void remove_stale_unix_socket(const std::string& path);
// Which file a bound socket created, so that the listener removes that file and not a newer one
// someone else bound at the same path since.
struct file_identity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
};
file_identity identify_file(const std::string& path);
void remove_socket_file(const std::string& path, const file_identity& created) noexcept;
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
