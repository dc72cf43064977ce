// SPDX-License-Identifier: MIT
#include "support/socket_helpers.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace corio_test {

namespace {

void check(int rc, const char* what) {
    if (rc < 0) {
        throw std::system_error(errno, std::system_category(), what);
    }
}

int make_nonblocking(int fd) {
    check(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK), "fcntl");
    check(::fcntl(fd, F_SETFD, FD_CLOEXEC), "fcntl");
    return fd;
}

} // namespace

std::pair<corio::native_handle_t, corio::native_handle_t> stream_socket_pair() {
    int fds[2];
    check(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), "socketpair");
    return {make_nonblocking(fds[0]), make_nonblocking(fds[1])};
}

corio::native_handle_t tcp_socket() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    check(fd, "socket");
    return make_nonblocking(fd);
}

corio::native_handle_t loopback_listener(std::uint16_t& port) {
    const int fd = tcp_socket();
    const int one = 1;
    check(::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), "setsockopt");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    check(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), "bind");
    check(::listen(fd, 128), "listen");
    socklen_t length = sizeof address;
    check(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), "getsockname");
    port = ntohs(address.sin_port);
    return fd;
}

std::uint16_t closed_loopback_port() {
    std::uint16_t port = 0;
    const int fd = loopback_listener(port);
    ::close(fd); // nobody listens there any more; the kernel refuses connections at once
    return port;
}

socket_address loopback_address(std::uint16_t port) {
    socket_address result{};
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    std::memcpy(result.bytes, &address, sizeof address);
    result.length = sizeof address;
    return result;
}

corio::native_handle_t loopback_udp_socket(socket_address& bound) {
    const int fd = make_nonblocking(::socket(AF_INET, SOCK_DGRAM, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    check(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), "bind");
    socklen_t length = sizeof address;
    check(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), "getsockname");
    bound = socket_address{};
    std::memcpy(bound.bytes, &address, sizeof address);
    bound.length = sizeof address;
    return fd;
}

void connect_datagram(corio::native_handle_t handle, const socket_address& peer) {
    check(::connect(handle, reinterpret_cast<const sockaddr*>(peer.bytes), peer.length), "connect");
}

std::uint16_t closed_udp_port() {
    socket_address bound{};
    const int fd = loopback_udp_socket(bound);
    ::close(fd);
    sockaddr_in address{};
    std::memcpy(&address, bound.bytes, sizeof address);
    return ntohs(address.sin_port);
}

bool running_under_wine() {
    return false;
}

void close_handle(corio::native_handle_t handle) {
    ::close(handle);
}

long write_some(corio::native_handle_t handle, const void* data, std::size_t size) {
    return ::send(handle, data, size, MSG_NOSIGNAL);
}

long read_some(corio::native_handle_t handle, void* data, std::size_t size) {
    return ::recv(handle, data, size, 0);
}

} // namespace corio_test
