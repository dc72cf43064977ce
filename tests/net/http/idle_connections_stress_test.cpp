// SPDX-License-Identifier: MIT
// Issue 14, stress (ctest label "stress"): one loop holds as many idle keep-alive connections as
// RLIMIT_NOFILE allows, up to 100,000, answers a normal request within 10 ms while holding them,
// and closing them frees everything (the connection count, the descriptors, the frames: the
// server thread checks its frames when it stops). Linux only.
//
// The clients are plain blocking sockets in a child process forked before any thread exists, so
// that both processes have the whole descriptor limit. Their source addresses are spread over
// 127.0.0.2-127.0.0.201, so that even 100,000 connections to one listener stay within the
// ephemeral port range of each source.
#include "http_server_thread.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#if defined(__linux__)
#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#endif

namespace {

#if defined(__linux__)

constexpr std::size_t wanted_connections = 100'000;
// Descriptors the test's process needs besides the connections (loops, pipes, gtest, stdio).
constexpr std::size_t spare_descriptors = 200;
// Below this many, the machine cannot tell us anything the ordinary tests do not.
constexpr std::size_t minimum_connections = 1'000;

int connect_from(std::uint16_t port, std::size_t index) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    sockaddr_in source{};
    source.sin_family = AF_INET;
    source.sin_addr.s_addr = htonl(0x7f000002U + static_cast<std::uint32_t>(index % 200));
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(port);
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool exchange_hello(int fd) {
    static constexpr std::string_view request = "GET /hello HTTP/1.1\r\nHost: test\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
        return false;
    }
    std::string received;
    char buffer[1024];
    while (!received.ends_with("\r\n\r\nhello\n")) {
        const ssize_t size = ::recv(fd, buffer, sizeof buffer, 0);
        if (size <= 0) {
            return false;
        }
        received.append(buffer, static_cast<std::size_t>(size));
    }
    return true;
}

// The child: reads "<port> <count>\n", opens that many connections with one request each,
// answers "<opened>\n", then waits for its input to end and closes them all by exiting.
[[noreturn]] void run_clients(int commands, int answers) {
    char line[64] = {};
    std::size_t used = 0;
    while (used + 1 < sizeof line && ::read(commands, line + used, 1) == 1 && line[used] != '\n') {
        ++used;
    }
    unsigned port = 0;
    std::size_t count = 0;
    std::sscanf(line, "%u %zu", &port, &count);
    std::size_t opened = 0;
    for (; opened < count; ++opened) {
        const int fd = connect_from(static_cast<std::uint16_t>(port), opened);
        if (fd < 0 || !exchange_hello(fd)) {
            std::fprintf(stderr, "client %zu: %s\n", opened, std::strerror(errno));
            break;
        }
    }
    const std::string answer = std::to_string(opened) + "\n";
    (void)!::write(answers, answer.data(), answer.size());
    char end = 0;
    while (::read(commands, &end, 1) > 0) {
    }
    std::_Exit(0);
}

// A blocking request from this process, timed.
std::chrono::microseconds timed_request(std::uint16_t port) {
    const int fd = connect_from(port, 0);
    EXPECT_GE(fd, 0);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(exchange_hello(fd));
    const auto took = std::chrono::steady_clock::now() - start;
    ::close(fd);
    return std::chrono::duration_cast<std::chrono::microseconds>(took);
}

template <class Condition>
bool eventually(Condition condition) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!condition()) {
        if (std::chrono::steady_clock::now() > until) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

TEST(IdleConnectionsStress, OneLoopHoldsThemAnswersWithin10msAndFreesThemAll) {
    // mallinfo2() reports malloc's main arena only: one arena for every thread makes it count
    // the server thread's allocations too.
    ::mallopt(M_ARENA_MAX, 1);
    rlimit limit{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0 ||
        limit.rlim_cur < minimum_connections + spare_descriptors) {
        GTEST_SKIP() << "RLIMIT_NOFILE cannot be raised to "
                     << minimum_connections + spare_descriptors << " (hard limit " << limit.rlim_max
                     << ")";
    }
    const std::size_t connections =
        std::min<std::size_t>(wanted_connections, limit.rlim_cur - spare_descriptors);
    if (connections < wanted_connections) {
        std::printf("RLIMIT_NOFILE hard limit %llu: holding %zu connections, not %zu\n",
                    static_cast<unsigned long long>(limit.rlim_max), connections,
                    wanted_connections);
    }

    int to_child[2];
    int from_child[2];
    ASSERT_EQ(::pipe2(to_child, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(from_child, O_CLOEXEC), 0);
    const pid_t child = ::fork(); // before the server thread: fork copies the calling thread only
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(to_child[1]);
        ::close(from_child[0]);
        run_clients(to_child[0], from_child[1]);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);

    {
        corio::http::server_options options;
        options.idle_timeout = std::chrono::minutes(10);
        corio_test::http_server_thread server{options};
        const std::size_t descriptors_before = corio_test::open_fd_count();
        const struct mallinfo2 heap_before = ::mallinfo2();

        const std::string command =
            std::to_string(server.port()) + " " + std::to_string(connections) + "\n";
        ASSERT_EQ(::write(to_child[1], command.data(), command.size()),
                  static_cast<ssize_t>(command.size()));
        char answer[32] = {};
        ASSERT_GT(::read(from_child[0], answer, sizeof answer - 1), 0);
        const std::size_t opened = std::strtoul(answer, nullptr, 10);
        EXPECT_EQ(opened, connections);
        EXPECT_TRUE(eventually([&] {
            return server.on_loop<std::size_t>(
                       [](corio::http::server& app) { return app.open_connections(); }) == opened;
        }));
        const struct mallinfo2 heap_held = ::mallinfo2();
        std::printf("%zu idle connections on one loop: %.0f heap bytes each\n", opened,
                    (static_cast<double>(heap_held.uordblks + heap_held.hblkhd) -
                     static_cast<double>(heap_before.uordblks + heap_before.hblkhd)) /
                        static_cast<double>(std::max<std::size_t>(opened, 1)));

        // The median of a few requests, so that one scheduling hiccup on a shared machine does
        // not decide the test.
        std::vector<std::chrono::microseconds> times;
        for (int i = 0; i < 5; ++i) {
            times.push_back(timed_request(server.port()));
        }
        std::sort(times.begin(), times.end());
        std::printf("a request while they are held: median %lld us, slowest %lld us\n",
                    static_cast<long long>(times[2].count()),
                    static_cast<long long>(times.back().count()));
        EXPECT_LT(times[2], std::chrono::milliseconds(10));

        ::close(to_child[1]); // the child exits, closing its ends
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        EXPECT_TRUE(eventually([&] {
            return server.on_loop<std::size_t>(
                       [](corio::http::server& app) { return app.open_connections(); }) == 0;
        }));
        EXPECT_TRUE(eventually([&] { return corio_test::open_fd_count() <= descriptors_before; }))
            << corio_test::open_fd_count() << " descriptors open, " << descriptors_before
            << " before";
        server.stop(); // checks the server thread's frames
    }
    ::close(from_child[0]);
}

#else

TEST(IdleConnectionsStress, OneLoopHoldsThemAnswersWithin10msAndFreesThemAll) {
    GTEST_SKIP() << "written for Linux (fork, /proc/self/fd)";
}

#endif

} // namespace
