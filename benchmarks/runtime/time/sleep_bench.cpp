// SPDX-License-Identifier: MIT
// Timers through the event loop: N tasks, each sleeping a random 0-1000 ms, then finishing. The
// loop runs on virtual time, so its clock jumps to the next expiry and nothing really waits: what
// is measured is CPU. One item is one task, from creating its frame to joining it:
//
//   BM_SleepingTasks/N   spawn N tasks that each co_await sleep_for(random delay), join them all.
//   BM_YieldingTasks/N   the same tasks, with co_await yield_now(): all of it but the timer.
//
// Their difference is what a timer costs through the loop (arming it in the awaiter, the wheel's
// work, the wake-up and the resumption); timer_wheel_bench measures the wheel alone. For scale,
// the issue gives libuv about 2,700 ns and Boost.Asio about 1,100 ns of CPU per timer armed and
// fired through their loops, with 1M timers, on this kind of machine.
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/yield.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace {

// Drawn once per benchmark, so the generator is not measured; the same seed as timer_wheel_bench.
std::vector<std::chrono::nanoseconds> random_delays(std::size_t count) {
    std::mt19937_64 random(20240611);
    std::uniform_int_distribution<std::int64_t> delay_ns(0, 1'000'000'000);
    std::vector<std::chrono::nanoseconds> delays(count);
    for (auto& delay : delays) {
        delay = std::chrono::nanoseconds(delay_ns(random));
    }
    return delays;
}

corio::task<> sleep_once(std::chrono::nanoseconds delay) {
    co_await corio::sleep_for(delay);
}

corio::task<> yield_once() {
    co_await corio::yield_now();
}

template <bool Sleep>
corio::task<> spawn_and_join_all(benchmark::State& state, std::size_t count) {
    const std::vector<std::chrono::nanoseconds> delays = random_delays(count);
    std::vector<corio::join_handle<>> handles;
    handles.reserve(count);
    for (auto _ : state) {
        for (const std::chrono::nanoseconds delay : delays) {
            handles.push_back(corio::spawn(Sleep ? sleep_once(delay) : yield_once()));
        }
        for (corio::join_handle<>& handle : handles) {
            co_await handle;
        }
        handles.clear();
    }
}

template <bool Sleep>
void run_tasks(benchmark::State& state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    corio::run(spawn_and_join_all<Sleep>(state, count), corio::loop_options::with_virtual_time());
    const auto tasks = static_cast<double>(state.iterations()) * static_cast<double>(count);
    state.SetItemsProcessed(static_cast<std::int64_t>(tasks));
    state.counters["per_task"] =
        benchmark::Counter(tasks, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_SleepingTasks(benchmark::State& state) {
    run_tasks<true>(state);
}

void BM_YieldingTasks(benchmark::State& state) {
    run_tasks<false>(state);
}

BENCHMARK(BM_SleepingTasks)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_YieldingTasks)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);

} // namespace
