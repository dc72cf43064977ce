// SPDX-License-Identifier: MIT
// Memory per suspended task: spawn many tasks that park (on an event, or in a sleep) and count
// the heap bytes they hold, including the frame, the awaiter inside it and allocator overhead.
// Reported as the counter bytes_per_task; the time column is the cost of spawning and parking.
#include <corio/runtime/event_loop.hpp>

#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/yield.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <vector>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

std::size_t heap_in_use() {
#if defined(__GLIBC__)
    return mallinfo2().uordblks;
#else
    return 0;
#endif
}

corio::task<> wait_on(corio::event& ready) {
    co_await ready.wait();
}

corio::task<> sleep_a_while() {
    co_await corio::sleep_for(std::chrono::hours(1));
}

template <bool Sleep>
corio::task<> park_many(benchmark::State& state, std::int64_t count) {
    corio::event ready;
    double bytes_per_task = 0;
    for (auto _ : state) {
        const std::size_t before = heap_in_use();
        {
            std::vector<corio::join_handle<>> handles;
            handles.reserve(static_cast<std::size_t>(count));
            const std::size_t after_reserve = heap_in_use();
            for (std::int64_t i = 0; i < count; ++i) {
                handles.push_back(corio::spawn(Sleep ? sleep_a_while() : wait_on(ready)));
            }
            co_await corio::yield_now(); // every task runs to its suspension point
            co_await corio::yield_now();
            state.PauseTiming();
            bytes_per_task =
                static_cast<double>(heap_in_use() - after_reserve) / static_cast<double>(count);
            (void)before;
            for (auto& handle : handles) {
                handle.cancel();
            }
            for (auto& handle : handles) {
                try {
                    co_await handle;
                } catch (const corio::cancelled_error&) {
                }
            }
            state.ResumeTiming();
        }
    }
    state.counters["bytes_per_task"] = bytes_per_task;
}

void BM_SuspendedTaskOnEvent(benchmark::State& state) {
    corio::run(park_many<false>(state, state.range(0)));
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SuspendedTaskOnEvent)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_SuspendedTaskInSleep(benchmark::State& state) {
    corio::run(park_many<true>(state, state.range(0)));
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SuspendedTaskInSleep)->Arg(100000)->Unit(benchmark::kMillisecond);

} // namespace
