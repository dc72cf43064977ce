// SPDX-License-Identifier: MIT
// socket_ping_pong_count.cpp - runs exactly N round trips of the socket ping-pong, so that
// `strace -f -c` can count the system calls one round trip costs. A benchmark cannot do this: it
// chooses its own iteration counts. Run it with N = 0 and with a large N and divide the difference
// by N; everything else (loop and socket setup, teardown) is the same in both runs.
//
//     socket_ping_pong_count corio|raw|libuv|raw_io_uring socketpair|tcp N
//
// corio runs on the backend CORIO_BACKEND names (epoll when unset), e.g.
// `CORIO_BACKEND=io_uring socket_ping_pong_count corio tcp 100000`; raw is the epoll floor and
// raw_io_uring the io_uring floor (raw_io_uring_ping_pong.hpp).
// libuv is available when the benchmarks were configured with libuv found.
#include "raw_io_uring_ping_pong.hpp"
#include "socket_ping_pong.hpp"
#if defined(CORIO_BENCH_WITH_LIBUV)
#include "libuv_ping_pong.hpp"
#endif

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

namespace {

int usage() {
    std::fprintf(stderr, "usage: socket_ping_pong_count corio|raw|raw_io_uring"
#if defined(CORIO_BENCH_WITH_LIBUV)
                         "|libuv"
#endif
                         " socketpair|tcp ROUND_TRIPS\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        return usage();
    }
    const std::string_view runtime = argv[1];
    const std::string_view transport_arg = argv[2];
    if (transport_arg != "socketpair" && transport_arg != "tcp") {
        return usage();
    }
    const auto kind =
        transport_arg == "tcp" ? corio_bench::transport::tcp : corio_bench::transport::socketpair;
    char* end = nullptr;
    const long long round_trips = std::strtoll(argv[3], &end, 10);
    if (end == argv[3] || *end != '\0' || round_trips < 0) {
        return usage();
    }
    long long left = round_trips;
    auto keep_going = [&left] { return left-- > 0; };
    try {
        const auto start = std::chrono::steady_clock::now();
        if (runtime == "corio") {
            corio::run(
                corio_bench::corio_ping_pong(corio_bench::make_connected_pair(kind), keep_going));
        } else if (runtime == "raw") {
            corio_bench::raw_ping_pong(corio_bench::make_connected_pair(kind), keep_going);
        } else if (runtime == "raw_io_uring") {
            corio_bench::raw_io_uring_ping_pong(corio_bench::make_connected_pair(kind), keep_going);
#if defined(CORIO_BENCH_WITH_LIBUV)
        } else if (runtime == "libuv") {
            corio_bench::libuv_ping_pong(corio_bench::make_connected_pair(kind), kind, keep_going);
#endif
        } else {
            return usage();
        }
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
        std::printf("%s over %s: %lld round trips in %.3f s\n", argv[1], argv[2], round_trips,
                    elapsed.count());
    } catch (const std::exception& failure) {
        std::fprintf(stderr, "socket_ping_pong_count: %s\n", failure.what());
        return 1;
    }
    return 0;
}
