// SPDX-License-Identifier: MIT
// The Windows twin of sys/posix/socket_ops.cpp, on Winsock 2. Sockets are created overlapped (the
// IOCP backend needs that) and not inheritable (the equivalent of close-on-exec); there is no
// SIGPIPE to suppress. Errors are Winsock codes, wrapped by corio::detail::os_error_code so they
// compare equal to the same std::errc values as on POSIX.
#include "../socket_ops.hpp"
// The runtime's internal header (net's CMakeLists.txt puts runtime/src on the include path here).
#include "sys/windows/winsock_startup.hpp"

#include <corio/net/resolver.hpp>
#include <corio/runtime/detail/os_error.hpp>
#include <corio/runtime/error.hpp>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <mswsock.h> // SIO_UDP_CONNRESET
#include <winsock2.h>
#include <ws2tcpip.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>

namespace corio::net::detail {

using corio::detail::start_winsock; // the runtime's, shared with the IOCP backend
using corio::detail::throw_os_error;

namespace {

SOCKET as_socket(native_handle_t handle) noexcept {
    return static_cast<SOCKET>(handle);
}

// Windows 10 has AF_UNIX stream sockets, but whether AcceptEx and ConnectEx (the IOCP backend's
// accept and connect) accept them is undocumented and untested here, and Wine may lack them: a
// clear refusal rather than a half-working socket.
[[noreturn]] void refuse_unix_domain() {
    throw std::system_error(std::make_error_code(std::errc::address_family_not_supported),
                            "Unix domain sockets are not supported on Windows by corio");
}

SOCKET make_socket(int domain, int type, int protocol) {
    start_winsock();
    // WSA_FLAG_OVERLAPPED: usable with the completion port. WSA_FLAG_NO_HANDLE_INHERIT: child
    // processes do not inherit it (close-on-exec). A socket created with socket() would be
    // overlapped but inheritable.
    const SOCKET socket = ::WSASocketW(domain, type, protocol, nullptr, 0,
                                       WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (socket == INVALID_SOCKET) {
        throw_os_error(::WSAGetLastError(), "WSASocketW");
    }
    return socket;
}

int ip_domain(address_family family, const char* what) {
    if (family == address_family::unix_domain) {
        throw usage_error(std::string(what) + " needs an IPv4 or IPv6 address, not a Unix domain "
                                              "one (use unix_stream / unix_listener)");
    }
    return family == address_family::ipv4 ? AF_INET : AF_INET6;
}

// SIO_UDP_CONNRESET: whether an ICMP "port unreachable" for an earlier datagram fails the next
// receive with WSAECONNRESET. On by default on Windows, even for unconnected sockets, where one
// unreachable client would break a server's receive loop; POSIX reports it on connected sockets
// only. Best effort: a provider (or Wine) without the control keeps its default behaviour.
void report_port_unreachable(SOCKET socket, bool enabled) noexcept {
#if defined(SIO_UDP_CONNRESET)
    constexpr DWORD control = SIO_UDP_CONNRESET;
#else
    constexpr DWORD control = _WSAIOW(IOC_VENDOR, 12);
#endif
    BOOL value = enabled ? TRUE : FALSE;
    DWORD returned = 0;
    ::WSAIoctl(socket, control, &value, sizeof value, nullptr, 0, &returned, nullptr, nullptr);
}

} // namespace

raw_socket_address to_raw(const address& endpoint) {
    if (endpoint.is_unix()) {
        refuse_unix_domain();
    }
    raw_socket_address raw{};
    if (endpoint.family() == address_family::ipv4) {
        sockaddr_in v4{};
        v4.sin_family = AF_INET;
        v4.sin_port = ::htons(endpoint.port());
        std::memcpy(&v4.sin_addr, endpoint.octets().data(), 4);
        std::memcpy(raw.bytes, &v4, sizeof v4);
        raw.length = sizeof v4;
    } else {
        sockaddr_in6 v6{};
        v6.sin6_family = AF_INET6;
        v6.sin6_port = ::htons(endpoint.port());
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
        return address::ipv4(octets, ::ntohs(v4.sin_port));
    }
    if (storage.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
        sockaddr_in6 v6{};
        std::memcpy(&v6, &storage, sizeof v6);
        std::array<std::uint8_t, 16> octets{};
        std::memcpy(octets.data(), &v6.sin6_addr, 16);
        return address::ipv6(octets, ::ntohs(v6.sin6_port), v6.sin6_scope_id);
    }
    throw std::system_error(std::make_error_code(std::errc::address_family_not_supported),
                            "socket address");
}

native_handle_t open_tcp_socket(address_family family) {
    return static_cast<native_handle_t>(
        make_socket(ip_domain(family, "a TCP socket"), SOCK_STREAM, IPPROTO_TCP));
}

native_handle_t open_udp_socket(address_family family) {
    const SOCKET socket = make_socket(ip_domain(family, "a UDP socket"), SOCK_DGRAM, IPPROTO_UDP);
    report_port_unreachable(socket, false);
    return static_cast<native_handle_t>(socket);
}

native_handle_t open_unix_stream_socket() {
    refuse_unix_domain();
}

void bind_to(native_handle_t socket, const address& endpoint) {
    const raw_socket_address raw = to_raw(endpoint);
    if (::bind(as_socket(socket), reinterpret_cast<const sockaddr*>(raw.bytes),
               static_cast<int>(raw.length)) != 0) {
        const int error = ::WSAGetLastError();
        throw_os_error(error, ("bind to " + endpoint.to_string()).c_str());
    }
}

void listen_on(native_handle_t socket, int backlog) {
    if (::listen(as_socket(socket), backlog) != 0) {
        throw_os_error(::WSAGetLastError(), "listen");
    }
}

void connect_datagram(native_handle_t socket, const address& peer) {
    const raw_socket_address raw = to_raw(peer);
    if (::connect(as_socket(socket), reinterpret_cast<const sockaddr*>(raw.bytes),
                  static_cast<int>(raw.length)) != 0) {
        const int error = ::WSAGetLastError();
        throw_os_error(error, ("connect to " + peer.to_string()).c_str());
    }
    report_port_unreachable(as_socket(socket), true);
}

void remove_stale_unix_socket(const std::string& /*path*/) {
    refuse_unix_domain();
}

file_identity identify_file(const std::string& /*path*/) {
    refuse_unix_domain();
}

void remove_socket_file(const std::string& /*path*/, const file_identity& /*created*/) noexcept {}

void bind_and_listen(native_handle_t socket, const address& endpoint, int backlog) {
    // Not SO_REUSEADDR, the POSIX build's choice: on Windows it does not mean "rebind although
    // old connections linger in TIME_WAIT" but "let another socket bind this very address and
    // port", which lets any process that sets it take over our connections. SO_EXCLUSIVEADDRUSE
    // forbids that, as Microsoft advises for servers. Its price: a restarted server may have to
    // wait until the connections of its previous instance have finished closing.
    // https://learn.microsoft.com/windows/win32/winsock/using-so-reuseaddr-and-so-exclusiveaddruse
    const BOOL one = TRUE;
    if (::setsockopt(as_socket(socket), SOL_SOCKET, SO_EXCLUSIVEADDRUSE,
                     reinterpret_cast<const char*>(&one), sizeof one) != 0) {
        throw_os_error(::WSAGetLastError(), "setsockopt(SO_EXCLUSIVEADDRUSE)");
    }
    const raw_socket_address raw = to_raw(endpoint);
    if (::bind(as_socket(socket), reinterpret_cast<const sockaddr*>(raw.bytes),
               static_cast<int>(raw.length)) != 0) {
        throw_os_error(::WSAGetLastError(), "bind");
    }
    if (::listen(as_socket(socket), backlog) != 0) {
        throw_os_error(::WSAGetLastError(), "listen");
    }
}

address local_address_of(native_handle_t socket) {
    sockaddr_storage storage{};
    int length = sizeof storage;
    if (::getsockname(as_socket(socket), reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        throw_os_error(::WSAGetLastError(), "getsockname");
    }
    return from_raw(&storage, static_cast<std::uint32_t>(length));
}

address peer_address_of(native_handle_t socket) {
    sockaddr_storage storage{};
    int length = sizeof storage;
    if (::getpeername(as_socket(socket), reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        throw_os_error(::WSAGetLastError(), "getpeername");
    }
    return from_raw(&storage, static_cast<std::uint32_t>(length));
}

void shutdown_write(native_handle_t socket) {
    if (::shutdown(as_socket(socket), SD_SEND) != 0 && ::WSAGetLastError() != WSAENOTCONN) {
        throw_os_error(::WSAGetLastError(), "shutdown");
    }
}

void set_no_delay(native_handle_t socket, bool enabled) {
    const BOOL value = enabled ? TRUE : FALSE;
    if (::setsockopt(as_socket(socket), IPPROTO_TCP, TCP_NODELAY,
                     reinterpret_cast<const char*>(&value), sizeof value) != 0) {
        throw_os_error(::WSAGetLastError(), "setsockopt(TCP_NODELAY)");
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
    start_winsock();
    addrinfo hints{};
    hints.ai_family = lookup_family(request.options.family);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = lookup_flags(request.options);
    addrinfo* results = nullptr;
    const char* node = request.host.empty() ? nullptr : request.host.c_str();
    // getaddrinfo returns a Winsock error code (EAI_* are aliases of them), so the message is
    // the system's text for it; gai_strerror is not thread-safe on Windows.
    const int status = ::getaddrinfo(node, request.service.c_str(), &hints, &results);
    if (status != 0) {
        throw resolve_error(request.host, corio::detail::os_error_code(status).message());
    }
    return collect_addresses(request.host, results);
}

std::vector<address> resolve_blocking(const std::string& host, std::uint16_t port) {
    return resolve_blocking(lookup_request{host, std::to_string(port), {}});
}

} // namespace corio::net::detail
