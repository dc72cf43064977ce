// SPDX-License-Identifier: MIT
// Scheduler overhead: spawning a task and joining it, for a task that does nothing.
// One iteration = create the frame, spawn, run it on the next turn, resume the joiner, free it.
#include <corio/runtime/event_loop.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>

namespace {

corio::task<int> noop(int value) {
    co_return value;
}

corio::task<> spawn_and_join(benchmark::State& state) {
    int sum = 0;
    for (auto _ : state) {
        auto handle = corio::spawn(noop(1));
        sum += co_await handle;
    }
    benchmark::DoNotOptimize(sum);
}

void BM_SpawnJoinNoopTask(benchmark::State& state) {
    corio::run(spawn_and_join(state));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpawnJoinNoopTask);

// The same with the loop recording a trace: the registry entry and five events per task. The
// trace is capped at 2^20 events (and as many tasks), so most rounds measure the hooks.
void BM_SpawnJoinNoopTaskTraced(benchmark::State& state) {
    corio::loop_options options;
    options.trace = true;
    options.trace_capacity = std::size_t{1} << 20;
    corio::event_loop loop{options};
    loop.run_until_complete(spawn_and_join(state));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpawnJoinNoopTaskTraced)->Name("BM_SpawnJoinNoopTask/traced");

// The same work without a spawn: awaiting a nested task is a call, not a scheduling decision.
corio::task<> await_nested(benchmark::State& state) {
    int sum = 0;
    for (auto _ : state) {
        sum += co_await noop(1);
    }
    benchmark::DoNotOptimize(sum);
}

void BM_AwaitNestedNoopTask(benchmark::State& state) {
    corio::run(await_nested(state));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AwaitNestedNoopTask);

} // namespace
