// SPDX-License-Identifier: MIT
// The Windows twin of support/posix/socket_helpers.cpp. Winsock has no socketpair(): a "socket
// pair" is a connected loopback TCP pair. Sockets are overlapped (for the IOCP backend) and not
// inheritable, and stay in blocking mode, since the backend issues overlapped calls on them; the
// far-end helpers below check readiness with select() first, so they never block.
#include "support/socket_helpers.hpp"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#include <winsock2.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <system_error>

namespace corio_test {

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        throw std::system_error(::WSAGetLastError(), std::system_category(), what);
    }
}

void start_winsock() {
    static const bool started = [] {
        WSADATA data{};
        return ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
    }();
    check(started, "WSAStartup");
}

SOCKET as_socket(corio::native_handle_t handle) {
    return static_cast<SOCKET>(handle);
}

sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = ::htonl(INADDR_LOOPBACK);
    address.sin_port = ::htons(port);
    return address;
}

// Whether a select() with no timeout finds the socket readable (or writable).
bool ready(corio::native_handle_t handle, bool for_writing) {
    fd_set set{};
    set.fd_count = 1;
    set.fd_array[0] = as_socket(handle);
    timeval now{};
    return ::select(0, for_writing ? nullptr : &set, for_writing ? &set : nullptr, nullptr, &now) ==
           1;
}

} // namespace

corio::native_handle_t tcp_socket() {
    start_winsock();
    const SOCKET socket = ::WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                                       WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    check(socket != INVALID_SOCKET, "WSASocketW");
    return static_cast<corio::native_handle_t>(socket);
}

corio::native_handle_t loopback_listener(std::uint16_t& port) {
    const corio::native_handle_t listener = tcp_socket();
    sockaddr_in address = loopback(0);
    check(::bind(as_socket(listener), reinterpret_cast<const sockaddr*>(&address),
                 sizeof address) == 0,
          "bind");
    check(::listen(as_socket(listener), 128) == 0, "listen");
    int length = sizeof address;
    check(::getsockname(as_socket(listener), reinterpret_cast<sockaddr*>(&address), &length) == 0,
          "getsockname");
    port = ::ntohs(address.sin_port);
    return listener;
}

std::pair<corio::native_handle_t, corio::native_handle_t> stream_socket_pair() {
    std::uint16_t port = 0;
    const corio::native_handle_t listener = loopback_listener(port);
    const corio::native_handle_t client = tcp_socket();
    // A blocking connect to our own listener completes from the backlog, before accept().
    const sockaddr_in address = loopback(port);
    const bool connected = ::connect(as_socket(client), reinterpret_cast<const sockaddr*>(&address),
                                     sizeof address) == 0;
    const SOCKET server =
        connected ? ::accept(as_socket(listener), nullptr, nullptr) : INVALID_SOCKET;
    const int error = ::WSAGetLastError();
    ::closesocket(as_socket(listener));
    if (server == INVALID_SOCKET) {
        ::closesocket(as_socket(client));
        throw std::system_error(error, std::system_category(), "loopback socket pair");
    }
    // accept() gives the new socket the listener's attributes: overlapped, not inheritable.
    return {client, static_cast<corio::native_handle_t>(server)};
}

std::uint16_t closed_loopback_port() {
    std::uint16_t port = 0;
    close_handle(loopback_listener(port)); // nobody listens there any more: connections are refused
    return port;
}

socket_address loopback_address(std::uint16_t port) {
    socket_address result{};
    const sockaddr_in address = loopback(port);
    std::memcpy(result.bytes, &address, sizeof address);
    result.length = sizeof address;
    return result;
}

corio::native_handle_t loopback_udp_socket(socket_address& bound) {
    start_winsock();
    const SOCKET socket = ::WSASocketW(AF_INET, SOCK_DGRAM, IPPROTO_UDP, nullptr, 0,
                                       WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    check(socket != INVALID_SOCKET, "WSASocketW");
    sockaddr_in address = loopback(0);
    check(::bind(socket, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0, "bind");
    int length = sizeof address;
    check(::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) == 0,
          "getsockname");
    bound = socket_address{};
    std::memcpy(bound.bytes, &address, sizeof address);
    bound.length = sizeof address;
    return static_cast<corio::native_handle_t>(socket);
}

void connect_datagram(corio::native_handle_t handle, const socket_address& peer) {
    check(::connect(as_socket(handle), reinterpret_cast<const sockaddr*>(peer.bytes),
                    static_cast<int>(peer.length)) == 0,
          "connect");
}

std::uint16_t closed_udp_port() {
    socket_address bound{};
    const corio::native_handle_t socket = loopback_udp_socket(bound);
    close_handle(socket);
    sockaddr_in address{};
    std::memcpy(&address, bound.bytes, sizeof address);
    return ::ntohs(address.sin_port);
}

bool running_under_wine() {
    const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

void close_handle(corio::native_handle_t handle) {
    ::closesocket(as_socket(handle));
}

long write_some(corio::native_handle_t handle, const void* data, std::size_t size) {
    if (!ready(handle, true)) {
        return -1; // would block
    }
    return ::send(as_socket(handle), static_cast<const char*>(data),
                  static_cast<int>(std::min<std::size_t>(size, INT_MAX)), 0);
}

long read_some(corio::native_handle_t handle, void* data, std::size_t size) {
    if (!ready(handle, false)) {
        return -1; // would block
    }
    return ::recv(as_socket(handle), static_cast<char*>(data),
                  static_cast<int>(std::min<std::size_t>(size, INT_MAX)), 0);
}

} // namespace corio_test
