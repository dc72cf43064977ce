// SPDX-License-Identifier: MIT
// idle_connections_bench - what an idle keep-alive connection costs corio's HTTP server, next to
// nginx (issue 14). Linux only.
//
//   idle_connections_bench [--connections N] [--nginx-port P --nginx-worker-pid PID]
//
// A client child process (forked first, before any thread exists) opens N connections, sends one
// request on each and reads the answer, then holds them idle. The server under test is corio's,
// on a loop thread of this process: heap bytes per connection come from mallinfo2() (everything
// malloc hands out: frames, sockets, buffers), RSS from /proc/self/status VmRSS, both as the
// difference between before and after the connections. With --nginx-port, the same child then
// does the same to an nginx (started by idle_connections_bench.sh with one worker) and the
// worker's VmRSS difference is reported (nginx allocates from its own pools: no heap figure).
// RLIMIT_NOFILE is raised to its hard limit; N is capped to what it allows.
#include <corio/http/server.hpp>
#include <corio/net/address.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace {

// One command a line on the pipe to the child: "open <port> <count> <path>" or "close"; the child
// answers each with one line ("ok <opened>").
struct child_link {
    pid_t pid = -1;
    FILE* commands = nullptr;
    FILE* answers = nullptr;
};

bool exchange(int fd, const std::string& request) {
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
        return false;
    }
    std::string received;
    char buffer[4096];
    while (received.find("hello\n") == std::string::npos) {
        const ssize_t size = ::recv(fd, buffer, sizeof buffer, 0);
        if (size <= 0) {
            return false;
        }
        received.append(buffer, static_cast<std::size_t>(size));
    }
    return true;
}

// Plain blocking sockets; sources spread over 127.0.0.2-127.0.0.201 so that even 100k
// connections stay within the ephemeral port range of each source address.
int open_connection(std::uint16_t port, std::size_t index) {
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

[[noreturn]] void run_child(FILE* commands, FILE* answers) {
    std::vector<int> open;
    char line[256];
    while (std::fgets(line, sizeof line, commands) != nullptr) {
        unsigned port = 0;
        std::size_t count = 0;
        char path[128] = {};
        if (std::sscanf(line, "open %u %zu %127s", &port, &count, path) == 3) {
            const std::string request =
                std::string("GET ") + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            for (std::size_t i = 0; i < count; ++i) {
                const int fd = open_connection(static_cast<std::uint16_t>(port), i);
                if (fd < 0 || !exchange(fd, request)) {
                    std::fprintf(stderr, "connection %zu failed: %s\n", i, std::strerror(errno));
                    if (fd >= 0) {
                        ::close(fd);
                    }
                    break;
                }
                open.push_back(fd);
            }
            std::fprintf(answers, "ok %zu\n", open.size());
        } else {
            for (const int fd : open) {
                ::close(fd);
            }
            open.clear();
            std::fprintf(answers, "ok 0\n");
        }
        std::fflush(answers);
    }
    std::_Exit(0);
}

child_link start_child() {
    int to_child[2];
    int from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) {
        std::perror("pipe");
        std::exit(1);
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(to_child[1]);
        ::close(from_child[0]);
        run_child(::fdopen(to_child[0], "r"), ::fdopen(from_child[1], "w"));
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    return {pid, ::fdopen(to_child[1], "w"), ::fdopen(from_child[0], "r")};
}

std::size_t ask(child_link& child, const std::string& command) {
    std::fprintf(child.commands, "%s\n", command.c_str());
    std::fflush(child.commands);
    char line[64] = {};
    std::size_t opened = 0;
    if (std::fgets(line, sizeof line, child.answers) == nullptr ||
        std::sscanf(line, "ok %zu", &opened) != 1) {
        std::fprintf(stderr, "the client child failed\n");
        std::exit(1);
    }
    return opened;
}

long rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + (pid == 0 ? std::string("self") : std::to_string(pid)) +
                         "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("VmRSS:")) {
            return std::strtol(line.c_str() + 6, nullptr, 10);
        }
    }
    return -1;
}

std::size_t heap_bytes() {
    const struct mallinfo2 info = ::mallinfo2();
    return info.uordblks + info.hblkhd;
}

corio::task<corio::http::server_response> hello(corio::http::server_request& /*request*/) {
    co_return corio::http::server_response::text(200, "hello\n");
}

corio::task<> serve(corio::http::server& app, std::promise<std::uint16_t>& listening) {
    app.listen(corio::net::address::loopback_v4(0), 4096);
    listening.set_value(app.local_address().port());
    co_await app.serve();
}

void settle() {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

} // namespace

int main(int argc, char** argv) {
    std::size_t connections = 10'000;
    unsigned nginx_port = 0;
    long nginx_worker = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        if (option == "--connections") {
            connections = std::strtoul(argv[i + 1], nullptr, 10);
        } else if (option == "--nginx-port") {
            nginx_port = static_cast<unsigned>(std::strtoul(argv[i + 1], nullptr, 10));
        } else if (option == "--nginx-worker-pid") {
            nginx_worker = std::strtol(argv[i + 1], nullptr, 10);
        } else {
            std::fprintf(stderr, "unknown option %s\n", option.c_str());
            return 2;
        }
    }
    // mallinfo2() reports malloc's main arena only: one arena for every thread makes it count
    // the server thread's allocations too.
    ::mallopt(M_ARENA_MAX, 1);
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    if (connections + 100 > limit.rlim_cur) {
        connections = limit.rlim_cur - 100;
        std::printf("RLIMIT_NOFILE hard limit %llu: measuring %zu connections\n",
                    static_cast<unsigned long long>(limit.rlim_max), connections);
    }
    child_link child = start_child(); // before the server thread: fork copies one thread only

    corio::http::server_options options;
    options.idle_timeout = std::chrono::minutes(10);
    std::promise<std::uint16_t> listening;
    std::future<std::uint16_t> port = listening.get_future();
    corio::event_loop* server_loop = nullptr;
    corio::http::server* server = nullptr;
    std::thread server_thread([&] {
        corio::event_loop loop;
        corio::http::server app{options};
        app.route("GET", "/hello", hello);
        server_loop = &loop;
        server = &app;
        loop.run_until_complete(serve(app, listening));
    });
    const std::uint16_t corio_port = port.get();

    // One connection first: the loop's scratch buffer, the frame cache and malloc's arenas for
    // the server thread exist before the baseline is taken.
    ask(child, "open " + std::to_string(corio_port) + " 1 /hello");
    ask(child, "close");
    settle();
    const std::size_t heap_before = heap_bytes();
    const long rss_before = rss_kib(0);
    const std::size_t opened = ask(child, "open " + std::to_string(corio_port) + " " +
                                              std::to_string(connections) + " /hello");
    settle();
    const std::size_t heap_after = heap_bytes();
    const long rss_after = rss_kib(0);
    ask(child, "close");
    const double heap_per = (static_cast<double>(heap_after) - static_cast<double>(heap_before)) /
                            static_cast<double>(opened);
    const double rss_per =
        static_cast<double>(rss_after - rss_before) * 1024.0 / static_cast<double>(opened);
    std::printf("corio:  %zu idle connections: heap %.0f bytes/connection, RSS %.0f "
                "bytes/connection\n",
                opened, heap_per, rss_per);

    if (nginx_port != 0) {
        const long nginx_before = rss_kib(static_cast<pid_t>(nginx_worker));
        const std::size_t nginx_opened = ask(child, "open " + std::to_string(nginx_port) + " " +
                                                        std::to_string(connections) + " /hello");
        settle();
        const long nginx_after = rss_kib(static_cast<pid_t>(nginx_worker));
        ask(child, "close");
        const double nginx_rss_per = static_cast<double>(nginx_after - nginx_before) * 1024.0 /
                                     static_cast<double>(nginx_opened);
        std::printf("nginx:  %zu idle connections: RSS %.0f bytes/connection (worker pid %ld)\n",
                    nginx_opened, nginx_rss_per, nginx_worker);
        std::printf("ratio (corio RSS / nginx RSS): %.2f\n", rss_per / nginx_rss_per);
    }

    server_loop->post([&] { server->stop(); });
    server_thread.join();
    std::fclose(child.commands);
    ::waitpid(child.pid, nullptr, 0);
    return 0;
}
