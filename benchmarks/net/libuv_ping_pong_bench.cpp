// SPDX-License-Identifier: MIT
// libuv_ping_pong_bench.cpp - the ping-pong of socket_ping_pong_bench written with libuv
// (libuv_ping_pong.hpp), over the same socketpair and TCP loopback connections: the libuv figure
// the issue compares corio with, measured on the same machine in the same session. Built only
// when pkg-config finds libuv; run it right after socket_ping_pong_bench.
#include "libuv_ping_pong.hpp"

#include <benchmark/benchmark.h>

namespace {

using corio_bench::transport;

void libuv_callbacks(benchmark::State& state, transport kind) {
    auto keep_going = [&state] { return state.KeepRunning(); };
    corio_bench::libuv_ping_pong(corio_bench::make_connected_pair(kind), kind, keep_going);
    state.counters["round_trips_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(libuv_callbacks, socketpair, transport::socketpair)->UseRealTime();
BENCHMARK_CAPTURE(libuv_callbacks, tcp, transport::tcp)->UseRealTime();

} // namespace
