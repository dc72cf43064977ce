// SPDX-License-Identifier: MIT
#include "../socket_ops.hpp"

#include <corio/net/resolver.hpp>
#include <corio/runtime/detail/os_error.hpp>
#include <corio/runtime/error.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <system_error>
#include <unistd.h>

namespace corio::net::detail {

using corio::detail::throw_os_error;

namespace {

raw_socket_address unix_to_raw(const address& endpoint) {
    raw_socket_address raw{};
    sockaddr_un local{};
    local.sun_family = AF_UNIX;
    const std::string_view path = endpoint.path();
    // The abstract namespace's names start with a '\0' that the address keeps out of the API.
    const std::size_t prefix = endpoint.is_abstract() ? 1 : 0;
#if !defined(__linux__)
    if (endpoint.is_abstract()) {
        throw std::system_error(std::make_error_code(std::errc::address_family_not_supported),
                                "abstract Unix socket address " + endpoint.to_string() +
                                    ": Linux only");
    }
#endif
    // A path keeps one byte for its terminating '\0' (portable readers expect one), an abstract
    // name one for its leading '\0' (its end is the address's length).
    const std::size_t room = sizeof local.sun_path - 1;
    if (path.size() > room) {
        throw std::system_error(std::make_error_code(std::errc::filename_too_long),
                                "Unix socket address longer than " + std::to_string(room) +
                                    " bytes: " + endpoint.to_string());
    }
    if (path.find('\0') != std::string_view::npos) {
        throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                                "Unix socket address with a NUL byte inside");
    }
    std::memcpy(local.sun_path + prefix, path.data(), path.size());
    const std::size_t length =
        offsetof(sockaddr_un, sun_path) + prefix + path.size() + (endpoint.is_abstract() ? 0 : 1);
    std::memcpy(raw.bytes, &local, sizeof local);
    raw.length = static_cast<std::uint32_t>(length);
    return raw;
}

address unix_from_raw(const sockaddr_un& local, std::uint32_t length) {
    const std::size_t offset = offsetof(sockaddr_un, sun_path);
    if (length <= offset) {
        return address::unix_path({}); // unnamed: a client socket that never bound
    }
    const std::size_t size = std::min<std::size_t>(length - offset, sizeof local.sun_path);
    if (local.sun_path[0] == '\0') {
#if defined(__linux__)
        if (size > 1) {
            return address::unix_abstract(std::string_view(local.sun_path + 1, size - 1));
        }
#endif
        return address::unix_path({});
    }
    // A path ends at its first '\0' (the kernel may count it, or not, in the length).
    const std::string_view bytes(local.sun_path, size);
    return address::unix_path(bytes.substr(0, bytes.find('\0')));
}

int make_socket(int domain, int type, int protocol) {
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
    const int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
        throw_os_error(errno, "socket");
    }
#else
    const int fd = ::socket(domain, type, protocol);
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

int ip_domain(address_family family, const char* what) {
    if (family == address_family::unix_domain) {
        throw usage_error(std::string(what) + " needs an IPv4 or IPv6 address, not a Unix domain "
                                              "one (use unix_stream / unix_listener)");
    }
    return family == address_family::ipv4 ? AF_INET : AF_INET6;
}

} // namespace

raw_socket_address to_raw(const address& endpoint) {
    if (endpoint.is_unix()) {
        return unix_to_raw(endpoint);
    }
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
    if (storage.ss_family == AF_UNIX) {
        sockaddr_un local{};
        std::memcpy(&local, &storage, sizeof local);
        return unix_from_raw(local, length);
    }
    throw std::system_error(std::make_error_code(std::errc::address_family_not_supported),
                            "socket address");
}

native_handle_t open_tcp_socket(address_family family) {
    return make_socket(ip_domain(family, "a TCP socket"), SOCK_STREAM, 0);
}

native_handle_t open_udp_socket(address_family family) {
    return make_socket(ip_domain(family, "a UDP socket"), SOCK_DGRAM, 0);
}

native_handle_t open_unix_stream_socket() {
    return make_socket(AF_UNIX, SOCK_STREAM, 0);
}

void bind_to(native_handle_t socket, const address& endpoint) {
    const raw_socket_address raw = to_raw(endpoint);
    if (::bind(socket, reinterpret_cast<const sockaddr*>(raw.bytes), raw.length) != 0) {
        const int error = errno;
        throw_os_error(error, ("bind to " + endpoint.to_string()).c_str());
    }
}

void listen_on(native_handle_t socket, int backlog) {
    if (::listen(socket, backlog) != 0) {
        throw_os_error(errno, "listen");
    }
}

void connect_datagram(native_handle_t socket, const address& peer) {
    const raw_socket_address raw = to_raw(peer);
    if (::connect(socket, reinterpret_cast<const sockaddr*>(raw.bytes), raw.length) != 0) {
        const int error = errno;
        throw_os_error(error, ("connect to " + peer.to_string()).c_str());
    }
}

void remove_stale_unix_socket(const std::string& path) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0 || !S_ISSOCK(status.st_mode)) {
        return; // nothing there, or not a socket: bind() reports what is wrong
    }
    // Somebody may still be serving there: ask. Refused means the file outlived its server.
    const int probe = make_socket(AF_UNIX, SOCK_STREAM, 0);
    const raw_socket_address raw = to_raw(address::unix_path(path));
    int rc = 0;
    do {
        rc = ::connect(probe, reinterpret_cast<const sockaddr*>(raw.bytes), raw.length);
    } while (rc != 0 && errno == EINTR);
    const int error = rc == 0 ? 0 : errno;
    ::close(probe);
    if (error == ECONNREFUSED) {
        ::unlink(path.c_str());
    }
}

file_identity identify_file(const std::string& path) {
    struct stat status {};
    if (::lstat(path.c_str(), &status) != 0) {
        return {};
    }
    return {static_cast<std::uint64_t>(status.st_dev), static_cast<std::uint64_t>(status.st_ino)};
}

void remove_socket_file(const std::string& path, const file_identity& created) noexcept {
    struct stat status {};
    if (::lstat(path.c_str(), &status) == 0 && S_ISSOCK(status.st_mode) &&
        static_cast<std::uint64_t>(status.st_dev) == created.device &&
        static_cast<std::uint64_t>(status.st_ino) == created.inode) {
        ::unlink(path.c_str());
    }
}

void bind_and_listen(native_handle_t socket, const address& endpoint, int backlog) {
    if (endpoint.is_unix()) {
        // SO_REUSEADDR means nothing for a socket file; a stale one is dealt with by the caller.
        bind_to(socket, endpoint);
        listen_on(socket, backlog);
        return;
    }
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
