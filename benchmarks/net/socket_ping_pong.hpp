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
// The _connections variants run that ping-pong on many TCP connections at once
// (make_tcp_connections), one message in flight on each, on one loop: the cost of a round trip as
// the number of connections grows, where one wait can return many ready sockets.
//
// The loops take `keep_going`, a callable returning false when enough round trips were made:
// benchmark::State::KeepRunning in the benchmarks, a countdown in the counting tool.
// Linux only (epoll, accept4, SOCK_NONBLOCK).
#pragma once

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/task.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
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
#include <vector>

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

inline void close_all(std::span<const connected_pair> pairs) {
    for (const connected_pair& pair : pairs) {
        ::close(pair.a);
        ::close(pair.b);
    }
}

// A listening TCP socket on 127.0.0.1, an ephemeral port, with room for `backlog` connections.
struct loopback_listener {
    int fd = -1;
    sockaddr_in address{};

    explicit loopback_listener(int backlog) {
        fd = checked(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket");
        try {
            address.sin_family = AF_INET;
            address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            socklen_t length = sizeof address;
            // The sockaddr casts are the sockets API's own idiom.
            auto* generic = reinterpret_cast<sockaddr*>(&address);
            checked(::bind(fd, generic, length), "bind");
            checked(::listen(fd, backlog), "listen");
            checked(::getsockname(fd, generic, &length), "getsockname");
        } catch (...) {
            ::close(fd);
            throw;
        }
    }
    loopback_listener(const loopback_listener&) = delete;
    loopback_listener& operator=(const loopback_listener&) = delete;
    ~loopback_listener() { ::close(fd); }

    // One connection to this listener, made with a blocking connect and accepted at once: both
    // ends non-blocking, with Nagle's algorithm off (as corio::net::tcp_stream::connect and libuv
    // servers set it). Returns {connecting end, accepted end}.
    [[nodiscard]] connected_pair connect_one() const {
        const int client = checked(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket");
        try {
            checked(::connect(client, reinterpret_cast<const sockaddr*>(&address), sizeof address),
                    "connect");
            const int server =
                checked(::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC), "accept4");
            const connected_pair pair{client, server};
            try {
                checked(::fcntl(client, F_SETFL, ::fcntl(client, F_GETFL) | O_NONBLOCK), "fcntl");
                set_no_delay(client);
                set_no_delay(server);
            } catch (...) {
                ::close(server);
                throw;
            }
            return pair;
        } catch (...) {
            ::close(client);
            throw;
        }
    }
};

// An AF_UNIX socketpair, or a TCP connection over 127.0.0.1 (loopback_listener::connect_one),
// made with blocking calls before any loop sees the sockets.
inline connected_pair make_connected_pair(transport kind) {
    if (kind == transport::socketpair) {
        std::array<int, 2> fds{};
        checked(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()),
                "socketpair");
        return {fds[0], fds[1]};
    }
    return loopback_listener{1}.connect_one();
}

// `count` TCP connections over 127.0.0.1 to one listener, for the many-connection ping-pong
// (ping_pong_connections). Side a is the accepted end and side b the connecting one: a pings and
// closes first, so each connection's TIME_WAIT holds the listener's port and not one of `count`
// ephemeral ports, which repeated runs of a thousand connections could otherwise run short of.
// Needs 2 * count descriptors (the driver raises RLIMIT_NOFILE to its hard limit).
inline std::vector<connected_pair> make_tcp_connections(std::size_t count) {
    std::vector<connected_pair> pairs;
    pairs.reserve(count);
    try {
        const loopback_listener listener{static_cast<int>(std::min<std::size_t>(count, SOMAXCONN))};
        for (std::size_t i = 0; i < count; ++i) {
            const connected_pair made = listener.connect_one();
            pairs.push_back({made.b, made.a});
        }
    } catch (...) {
        close_all(pairs);
        throw;
    }
    return pairs;
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

// The ping-pong on every connection at once, on one loop: a pinging task on each a end and an
// echoing one on each b end. The pingers share `keep_going`, so the round trips add up to exactly
// what it allows, however they fall across connections.
template <class KeepGoing>
corio::task<> corio_ping_pong_connections(std::span<const connected_pair> pairs,
                                          KeepGoing& keep_going, std::size_t message_size = 1) {
    check_message_size(message_size);
    std::vector<corio::io_object> pinging;
    std::vector<corio::io_object> echoing;
    pinging.reserve(pairs.size()); // the tasks hold references: no reallocation after this
    echoing.reserve(pairs.size());
    for (const connected_pair& pair : pairs) {
        pinging.emplace_back(pair.a);
        echoing.emplace_back(pair.b);
    }
    std::vector<corio::join_handle<>> pongs;
    std::vector<corio::join_handle<>> pings;
    pongs.reserve(pairs.size());
    pings.reserve(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        pongs.push_back(corio::spawn(corio_pong(echoing[i])));
        pings.push_back(corio::spawn(corio_ping(pinging[i], keep_going, message_size)));
    }
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        co_await pings[i];
        pinging[i].close(); // its pong reads end of stream and finishes
    }
    for (corio::join_handle<>& pong : pongs) {
        co_await pong;
    }
}

// One connection: corio_ping_pong_connections over a single pair.
template <class KeepGoing>
corio::task<> corio_ping_pong(connected_pair pair, KeepGoing& keep_going,
                              std::size_t message_size = 1) {
    co_await corio_ping_pong_connections(std::span(&pair, 1), keep_going, message_size);
}

// ---- The floor: the same ping-pong written directly against epoll, no runtime ----

// Every connection's ping-pong in one epoll loop, the pings sharing `keep_going` as the corio
// tasks do. Only for reading, since nothing is ever written into a full buffer here, so each side
// costs exactly epoll_wait + read + write, and the epoll_wait is shared by all the connections
// that are ready at once. Edge-triggered, as corio's reactor registers: one read drains a socket
// (a message is at most 64 bytes, one in flight, read into 128), and the next message is a new
// edge. Level-triggered was the floor until the connection curve showed corio ahead of it: the
// kernel then polls every reported socket again on the next epoll_wait, 1-9% of a round trip
// (docs/performance.md, "Side by side: timers and sockets").
template <class KeepGoing>
void raw_ping_pong_connections(std::span<const connected_pair> pairs, KeepGoing& keep_going,
                               std::size_t message_size = 1) {
    struct closer {
        std::span<const connected_pair> pairs;
        int epoll_fd = -1;
        ~closer() {
            close_all(pairs);
            if (epoll_fd >= 0) {
                ::close(epoll_fd);
            }
        }
    } owner{pairs};
    check_message_size(message_size);
    owner.epoll_fd = checked(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
    // Event data: the connection's index times two, plus one for its b end.
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        for (const std::uint64_t end : {0U, 1U}) {
            epoll_event event{};
            event.events = EPOLLIN | EPOLLET;
            event.data.u64 = 2 * i + end;
            const int fd = end == 0 ? pairs[i].a : pairs[i].b;
            checked(::epoll_ctl(owner.epoll_fd, EPOLL_CTL_ADD, fd, &event), "epoll_ctl");
        }
    }
    const auto message_length = static_cast<ssize_t>(message_size);
    std::vector<ssize_t> replied(pairs.size()); // bytes of each connection's reply read so far
    std::size_t in_flight = 0;
    const auto ping = [&](std::size_t i) {
        if (!keep_going()) {
            return;
        }
        if (::write(pairs[i].a, ping_bytes.data(), message_size) != message_length) {
            throw_errno("write");
        }
        replied[i] = 0;
        ++in_flight;
    };
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        ping(i);
    }
    std::array<char, read_buffer_size> buffer{};
    std::array<epoll_event, 256> events{};
    while (in_flight > 0) {
        const int count =
            ::epoll_wait(owner.epoll_fd, events.data(), static_cast<int>(events.size()), -1);
        if (count < 0 && errno != EINTR) {
            throw_errno("epoll_wait");
        }
        for (int e = 0; e < count; ++e) {
            const std::uint64_t tag = events[static_cast<std::size_t>(e)].data.u64;
            const std::size_t i = tag / 2;
            const bool echo_end = tag % 2 == 1;
            const int fd = echo_end ? pairs[i].b : pairs[i].a;
            const ssize_t received = ::read(fd, buffer.data(), buffer.size());
            if (received <= 0) {
                throw std::runtime_error("ping-pong: read failed or the peer closed");
            }
            if (echo_end) {
                if (::write(fd, buffer.data(), static_cast<std::size_t>(received)) != received) {
                    throw_errno("write");
                }
            } else if ((replied[i] += received) >= message_length) {
                --in_flight;
                ping(i);
            }
        }
    }
}

// One connection: raw_ping_pong_connections over a single pair.
template <class KeepGoing>
void raw_ping_pong(connected_pair pair, KeepGoing& keep_going, std::size_t message_size = 1) {
    raw_ping_pong_connections(std::span(&pair, 1), keep_going, message_size);
}

} // namespace corio_bench
