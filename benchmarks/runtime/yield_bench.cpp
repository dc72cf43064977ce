// SPDX-License-Identifier: MIT
// Scheduler overhead: one yield_now() round trip, i.e. suspend, go through the ready queue, and
// be resumed by the loop. With one task, or with several taking turns (the queue is FIFO).
#include <corio/runtime/yield.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <vector>

namespace {

corio::task<> yield_loop(benchmark::State& state) {
    for (auto _ : state) {
        co_await corio::yield_now();
    }
}

void BM_YieldRoundTrip(benchmark::State& state) {
    corio::run(yield_loop(state));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_YieldRoundTrip);

// The same with the loop recording a trace (loop_options::trace), and with only stall detection
// on (two steady_clock reads per slice): what seeing the loop costs per round trip. The trace is
// capped at 2^20 events, so most rounds measure the recorder's hooks, not vector growth.
void BM_YieldRoundTripTraced(benchmark::State& state) {
    corio::loop_options options;
    options.trace = true;
    options.trace_capacity = std::size_t{1} << 20;
    corio::event_loop loop{options};
    loop.run_until_complete(yield_loop(state));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_YieldRoundTripTraced)->Name("BM_YieldRoundTrip/traced");

void BM_YieldRoundTripStallDetection(benchmark::State& state) {
    corio::loop_options options;
    options.stall_threshold = std::chrono::milliseconds(100);
    corio::event_loop loop{options};
    loop.run_until_complete(yield_loop(state));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_YieldRoundTripStallDetection)->Name("BM_YieldRoundTrip/stall_detection");

corio::task<> yield_times(std::int64_t times) {
    for (std::int64_t i = 0; i < times; ++i) {
        co_await corio::yield_now();
    }
}

corio::task<> many_tasks_yielding(benchmark::State& state, int tasks) {
    for (auto _ : state) {
        std::vector<corio::task<>> work;
        work.reserve(static_cast<std::size_t>(tasks));
        for (int i = 0; i < tasks; ++i) {
            work.push_back(yield_times(1000));
        }
        co_await corio::gather(std::move(work));
    }
}

void BM_YieldRoundTripAmongTasks(benchmark::State& state) {
    const int tasks = static_cast<int>(state.range(0));
    corio::run(many_tasks_yielding(state, tasks));
    state.SetItemsProcessed(state.iterations() * tasks * 1000);
}
BENCHMARK(BM_YieldRoundTripAmongTasks)->Arg(2)->Arg(64)->Arg(4096);

} // namespace
