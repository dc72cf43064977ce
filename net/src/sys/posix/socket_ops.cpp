// SPDX-License-Identifier: MIT
#include "../socket_ops.hpp"

#include <corio/net/resolver.hpp>
#include <corio/runtime/detail/os_error.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace corio::net::detail {

using corio::detail::throw_os_error;

raw_socket_address to_raw(const address& endpoint) {
    raw_socket_address raw{};
    if (endpoint.family() == address_family::ipv4) {
        sockaddr_in v4{};
        v4.sin_family = AF_INET;
        v4.sin_port = htons(endpoint.port());
        std::memcpy(&v4.sin_addr, endpoint.octets().data(), 4);
        std::memcpy(raw.bytes, &v4, sizeof v4);
        raw.length = sizeof v4;
    } else {
        sockaddr_in6 v6{};
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(endpoint.port());
        v6.sin6_scope_id = endpoint.scope_id();
        std::memcpy(&v6.sin6_addr, endpoint.octets().data(), 16);
        std::memcpy(raw.bytes, &v6, sizeof v6);
        raw.length = sizeof v6;
    }
    return raw;
}

address from_raw(const void* raw, std::uint32_t length) {
    sockaddr_storage storage{};
    std::memcpy(&storage, raw, std::min<std::size_t>(length, sizeof storage));
    if (storage.ss_family == AF_INET && length >= sizeof(sockaddr_in)) {
        sockaddr_in v4{};
        std::memcpy(&v4, &storage, sizeof v4);
        std::array<std::uint8_t, 4> octets{};
        std::memcpy(octets.data(), &v4.sin_addr, 4);
        return address::ipv4(octets, ntohs(v4.sin_port));
    }
    if (storage.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        sockaddr_in6 v6{};
        std::memcpy(&v6, &storage, sizeof v6);
        std::array<std::uint8_t, 16> octets{};
        std::memcpy(octets.data(), &v6.sin6_addr, 16);
        return address::ipv6(octets, ntohs(v6.sin6_port), v6.sin6_scope_id);
    }
    throw std::system_error(std::make_error_code(std::errc::address_family_not_supported),
                            "socket address");
}

native_handle_t open_tcp_socket(address_family family) {
    const int domain = family == address_family::ipv4 ? AF_INET : AF_INET6;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
    const int fd = ::socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw_os_error(errno, "socket");
    }
#else
    const int fd = ::socket(domain, SOCK_STREAM, 0);
    if (fd < 0) {
        throw_os_error(errno, "socket");
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
#if defined(SO_NOSIGPIPE)
    // Without MSG_NOSIGNAL (macOS), a send to a reset peer would raise SIGPIPE.
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    return fd;
}

void bind_and_listen(native_handle_t socket, const address& endpoint, int backlog) {
    // SO_REUSEADDR is tcp_listener::bind's to set (listener_options::reuse_address).
    const raw_socket_address raw = to_raw(endpoint);
    if (::bind(socket, reinterpret_cast<const sockaddr*>(raw.bytes), raw.length) != 0) {
        throw_os_error(errno, "bind");
    }
    if (::listen(socket, backlog) != 0) {
        throw_os_error(errno, "listen");
    }
}

address local_address_of(native_handle_t socket) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getsockname(socket, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        throw_os_error(errno, "getsockname");
    }
    return from_raw(&storage, length);
}

address peer_address_of(native_handle_t socket) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(socket, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        throw_os_error(errno, "getpeername");
    }
    return from_raw(&storage, length);
}

void shutdown_write(native_handle_t socket) {
    if (::shutdown(socket, SHUT_WR) != 0 && errno != ENOTCONN) {
        throw_os_error(errno, "shutdown");
    }
}

void set_no_delay(native_handle_t socket, bool enabled) {
    const int value = enabled ? 1 : 0;
    if (::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &value, sizeof value) != 0) {
        throw_os_error(errno, "setsockopt(TCP_NODELAY)");
    }
}

namespace {

int lookup_family(const std::optional<address_family>& family) noexcept {
    if (!family) {
        return AF_UNSPEC;
    }
    return *family == address_family::ipv4 ? AF_INET : AF_INET6;
}

int lookup_flags(const resolve_options& options) noexcept {
    // AI_ADDRCONFIG: no IPv6 answers on a host without IPv6, and vice versa. Not for a passive
    // lookup: a listener may bind [::] on a host whose only IPv6 address is ::1.
    int flags = options.passive ? AI_PASSIVE : AI_ADDRCONFIG;
    if (options.numeric_host) {
        flags |= AI_NUMERICHOST;
    }
#if defined(AI_NUMERICSERV)
    if (options.numeric_service) {
        flags |= AI_NUMERICSERV;
    }
#endif
    return flags;
}

// Takes ownership of `results` (freed here). The IPv4 and IPv6 answers, without duplicates.
std::vector<address> collect_addresses(const std::string& host, addrinfo* results) {
    std::vector<address> addresses;
    for (const addrinfo* entry = results; entry != nullptr; entry = entry->ai_next) {
        if (entry->ai_family == AF_INET || entry->ai_family == AF_INET6) {
            address endpoint =
                from_raw(entry->ai_addr, static_cast<std::uint32_t>(entry->ai_addrlen));
            if (std::find(addresses.begin(), addresses.end(), endpoint) == addresses.end()) {
                addresses.push_back(endpoint);
            }
        }
    }
    ::freeaddrinfo(results);
    if (addresses.empty()) {
        throw resolve_error(host, "no IPv4 or IPv6 address");
    }
    return addresses;
}

} // namespace

std::vector<address> resolve_blocking(const lookup_request& request) {
    addrinfo hints{};
    hints.ai_family = lookup_family(request.options.family);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = lookup_flags(request.options);
    addrinfo* results = nullptr;
    const char* node = request.host.empty() ? nullptr : request.host.c_str();
    const int status = ::getaddrinfo(node, request.service.c_str(), &hints, &results);
    if (status != 0) {
        const std::string reason =
            status == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(status);
        throw resolve_error(request.host, reason);
    }
    return collect_addresses(request.host, results);
}

std::vector<address> resolve_blocking(const std::string& host, std::uint16_t port) {
    return resolve_blocking(lookup_request{host, std::to_string(port), {}});
}

} // namespace corio::net::detail
