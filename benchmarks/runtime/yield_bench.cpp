// SPDX-License-Identifier: MIT
// Scheduler overhead: one yield_now() round trip, i.e. suspend, go through the ready queue, and
// be resumed by the loop. With one task, or with several taking turns (the queue is FIFO).
#include <corio/runtime/yield.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>

#include <benchmark/benchmark.h>

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
