// SPDX-License-Identifier: MIT
// socket_ping_pong_bench.cpp - round trips per second of a 1-byte ping-pong between two corio
// tasks on one loop, over an AF_UNIX socketpair and over TCP on 127.0.0.1, next to the floor: the
// same ping-pong hand-written against epoll, with no runtime (socket_ping_pong.hpp), and against
// io_uring (raw_io_uring_ping_pong.hpp). corio runs once per Linux backend in the same process
// (loop_options::backend), so the ratios between backends and floors are same-run ratios; where
// io_uring cannot be set up, its variants are skipped with the reason.
//
// A round trip is two messages, each costing a wake-up through the loop's epoll_wait and a read
// and a write, so this is the runtime's per-message I/O overhead, not a bandwidth figure: corio
// must stay close to the floor, and to the 6 system calls per round trip the floor makes
// (socket_ping_pong_count counts them, see docs/performance.md). Times are wall-clock (the
// kernel's share of the work is the point); run these in the same process for a fair comparison.
#include "raw_io_uring_ping_pong.hpp"
#include "socket_ping_pong.hpp"

#include <benchmark/benchmark.h>

#include <exception>
#include <stdexcept>
#include <string>

namespace {

using corio_bench::transport;

void report_round_trips(benchmark::State& state) {
    state.counters["round_trips_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Runs `ping_pong` (which consumes the benchmark's iterations) and reports the rate; a failure
// (io_uring refused by the kernel, say) becomes SkipWithError with the reason, not a crash.
template <class PingPong>
void measure(benchmark::State& state, PingPong ping_pong) {
    try {
        ping_pong();
    } catch (const std::exception& failure) {
        state.SkipWithError(failure.what());
        return;
    }
    report_round_trips(state);
}

void corio_tasks(benchmark::State& state, transport kind, corio::io_backend backend) {
    measure(state, [&] {
        corio::loop_options options;
        options.backend = backend;
        corio::event_loop loop{options};
        // CORIO_BACKEND overrides loop_options::backend for every loop: a run under it would
        // measure the same backend twice under two names.
        if (loop.backend_name() != corio::to_string(backend)) {
            throw std::runtime_error("CORIO_BACKEND=" + std::string(loop.backend_name()) +
                                     " overrides the backend this variant measures; unset it");
        }
        auto keep_going = [&state] { return state.KeepRunning(); };
        loop.run_until_complete(
            corio_bench::corio_ping_pong(corio_bench::make_connected_pair(kind), keep_going));
    });
}

// Named explicitly: BENCHMARK_CAPTURE would stringize "socketpair/epoll" as "socketpair / epoll".
BENCHMARK_CAPTURE(corio_tasks, socketpair_epoll, transport::socketpair, corio::io_backend::epoll)
    ->Name("corio_tasks/socketpair/epoll")
    ->UseRealTime();
BENCHMARK_CAPTURE(corio_tasks, socketpair_io_uring, transport::socketpair,
                  corio::io_backend::io_uring)
    ->Name("corio_tasks/socketpair/io_uring")
    ->UseRealTime();
BENCHMARK_CAPTURE(corio_tasks, tcp_epoll, transport::tcp, corio::io_backend::epoll)
    ->Name("corio_tasks/tcp/epoll")
    ->UseRealTime();
BENCHMARK_CAPTURE(corio_tasks, tcp_io_uring, transport::tcp, corio::io_backend::io_uring)
    ->Name("corio_tasks/tcp/io_uring")
    ->UseRealTime();

void raw_epoll_floor(benchmark::State& state, transport kind) {
    auto keep_going = [&state] { return state.KeepRunning(); };
    corio_bench::raw_ping_pong(corio_bench::make_connected_pair(kind), keep_going);
    report_round_trips(state);
}
BENCHMARK_CAPTURE(raw_epoll_floor, socketpair, transport::socketpair)->UseRealTime();
BENCHMARK_CAPTURE(raw_epoll_floor, tcp, transport::tcp)->UseRealTime();

void raw_io_uring_floor(benchmark::State& state, transport kind) {
    measure(state, [&] {
        auto keep_going = [&state] { return state.KeepRunning(); };
        corio_bench::raw_io_uring_ping_pong(corio_bench::make_connected_pair(kind), keep_going);
    });
}
BENCHMARK_CAPTURE(raw_io_uring_floor, socketpair, transport::socketpair)->UseRealTime();
BENCHMARK_CAPTURE(raw_io_uring_floor, tcp, transport::tcp)->UseRealTime();

} // namespace
