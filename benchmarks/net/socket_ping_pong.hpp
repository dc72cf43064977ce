// SPDX-License-Identifier: MIT
// socket_ping_pong.hpp - a ping-pong (1 byte unless told otherwise, at most max_message_size)
// between two connected sockets on one thread, written
// with corio tasks and as a hand-written epoll loop (libuv_ping_pong.hpp adds libuv), shared by
// the benchmarks and by socket_ping_pong_count, which runs an exact number of round trips so that
// strace can count the system calls per round trip.
//
// One round trip: side A writes one byte, side B reads it and writes it back, A reads it. Both
// sides share one thread and one event loop, so each message goes through the loop's wait: the
// floor is epoll_wait + read + write per side, 6 system calls per round trip. Every variant reads
// into a buffer larger than any message (read_buffer_size), so every read is short and tells a
// loop the socket is drained (see docs/design.md, section 5), and gets the same sockets from
// make_connected_pair(). benchmarks/compare runs the 1-byte and 64-byte messages.
//
// The loops take `keep_going`, a callable returning false when enough round trips were made:
// benchmark::State::KeepRunning in the benchmarks, a countdown in the counting tool.
// Linux only (epoll, accept4, SOCK_NONBLOCK).
#pragma once

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/task.hpp>

#include <array>
#include <cerrno>
#include <cstddef>
#include <fcntl.h>
#include <initializer_list>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <span>
#include <stdexcept>
#include <string_view>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace corio_bench {

enum class transport { socketpair, tcp };

// Two connected, non-blocking stream sockets. Whoever runs the ping-pong owns (and closes) them.
struct connected_pair {
    int a = -1;
    int b = -1;
};

inline constexpr std::size_t max_message_size = 64;
inline constexpr std::size_t read_buffer_size = 2 * max_message_size;

[[noreturn]] inline void throw_errno(const char* what) {
    throw std::system_error(errno, std::system_category(), what);
}

inline int checked(int result, const char* what) {
    if (result < 0) {
        throw_errno(what);
    }
    return result;
}

inline void set_no_delay(int fd) {
    const int one = 1;
    checked(::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), "setsockopt");
}

// An AF_UNIX socketpair, or a TCP connection over 127.0.0.1 with Nagle's algorithm off on both
// ends (as corio::net::tcp_stream::connect and libuv servers set it), made with blocking calls
// before any loop sees the sockets.
inline connected_pair make_connected_pair(transport kind) {
    constexpr int flags = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
    if (kind == transport::socketpair) {
        std::array<int, 2> fds{};
        checked(::socketpair(AF_UNIX, flags, 0, fds.data()), "socketpair");
        return {fds[0], fds[1]};
    }
    const int listener = checked(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket");
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    try {
        checked(client, "socket");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        // The sockaddr casts are the sockets API's own idiom.
        auto* generic = reinterpret_cast<sockaddr*>(&address);
        checked(::bind(listener, generic, length), "bind");
        checked(::listen(listener, 1), "listen");
        checked(::getsockname(listener, generic, &length), "getsockname");
        checked(::connect(client, generic, length), "connect");
        const int server =
            checked(::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC), "accept4");
        ::close(listener);
        checked(::fcntl(client, F_SETFL, ::fcntl(client, F_GETFL) | O_NONBLOCK), "fcntl");
        set_no_delay(client);
        set_no_delay(server);
        return {client, server};
    } catch (...) {
        ::close(listener);
        if (client >= 0) {
            ::close(client);
        }
        throw;
    }
}

inline std::string_view transport_name(transport kind) {
    return kind == transport::socketpair ? "socketpair" : "tcp";
}

// ---- corio: two tasks on one loop, through io_object (as tcp_stream reads and writes) ----

// The message's bytes; a ping of n bytes sends the first n.
inline const std::array<char, max_message_size> ping_bytes = [] {
    std::array<char, max_message_size> bytes{};
    bytes.fill('p');
    return bytes;
}();

inline void check_message_size(std::size_t message_size) {
    if (message_size == 0 || message_size > max_message_size) {
        throw std::invalid_argument("ping-pong: the message size must be 1 to 64 bytes");
    }
}

template <class KeepGoing>
corio::task<> corio_ping(corio::io_object& socket, KeepGoing& keep_going,
                         std::size_t message_size) {
    const auto message = std::as_bytes(std::span(ping_bytes)).first(message_size);
    std::array<std::byte, read_buffer_size> buffer{};
    while (keep_going()) {
        // A send of at most 64 bytes into an empty socket buffer is never short.
        co_await socket.send_some(message);
        // The reply may arrive in pieces over TCP (it never has on loopback, but may).
        for (std::size_t received = 0; received < message_size;) {
            const std::size_t piece = co_await socket.receive_some(buffer);
            if (piece == 0) {
                throw std::runtime_error("ping-pong: the reply did not come back");
            }
            received += piece;
        }
    }
}

// Echoes until end of stream.
inline corio::task<> corio_pong(corio::io_object& socket) {
    std::array<std::byte, read_buffer_size> buffer{};
    for (;;) {
        const std::size_t received = co_await socket.receive_some(buffer);
        if (received == 0) {
            co_return;
        }
        co_await socket.send_some(std::span(buffer.data(), received));
    }
}

template <class KeepGoing>
corio::task<> corio_ping_pong(connected_pair pair, KeepGoing& keep_going,
                              std::size_t message_size = 1) {
    check_message_size(message_size);
    corio::io_object a{pair.a};
    corio::io_object b{pair.b};
    corio::join_handle<> pong = corio::spawn(corio_pong(b));
    co_await corio_ping(a, keep_going, message_size);
    a.close(); // B reads end of stream and finishes
    co_await pong;
}

// ---- The floor: the same ping-pong written directly against epoll, no runtime ----

template <class KeepGoing>
void raw_ping_pong(connected_pair pair, KeepGoing& keep_going, std::size_t message_size = 1) {
    check_message_size(message_size);
    const int epoll_fd = checked(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
    struct closer {
        std::array<int, 3> fds;
        ~closer() {
            for (const int fd : fds) {
                ::close(fd);
            }
        }
    } close_all{{epoll_fd, pair.a, pair.b}};
    // Level-triggered and only for reading: nothing is ever written into a full buffer here, so
    // each side costs exactly epoll_wait + read + write.
    for (const int fd : {pair.a, pair.b}) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = fd;
        checked(::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event), "epoll_ctl");
    }
    std::array<char, read_buffer_size> buffer{};
    std::array<epoll_event, 2> events{};
    const auto message_length = static_cast<ssize_t>(message_size);
    while (keep_going()) {
        if (::write(pair.a, ping_bytes.data(), message_size) != message_length) {
            throw_errno("write");
        }
        ssize_t replied = 0; // bytes of the reply read so far
        while (replied < message_length) {
            const int count =
                ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), -1);
            if (count < 0 && errno != EINTR) {
                throw_errno("epoll_wait");
            }
            for (int i = 0; i < count; ++i) {
                const int fd = events[static_cast<std::size_t>(i)].data.fd;
                const ssize_t received = ::read(fd, buffer.data(), buffer.size());
                if (received <= 0) {
                    throw std::runtime_error("ping-pong: read failed or the peer closed");
                }
                if (fd == pair.a) {
                    replied += received;
                } else if (::write(pair.b, buffer.data(), static_cast<std::size_t>(received)) !=
                           received) {
                    throw_errno("write");
                }
            }
        }
    }
}

} // namespace corio_bench
