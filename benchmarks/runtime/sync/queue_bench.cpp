// SPDX-License-Identifier: MIT
// corio::queue hand-off: two tasks play ping-pong through two one-slot queues. Every put wakes
// the task parked in get(), so one round trip is two hand-offs, each a park plus a wake-up.
#include <corio/runtime/sync/queue.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>

#include <benchmark/benchmark.h>

namespace {

corio::task<> ping(benchmark::State& state, corio::queue<int>& to_pong,
                   corio::queue<int>& to_ping) {
    for (auto _ : state) {
        co_await to_pong.put(1);
        benchmark::DoNotOptimize(co_await to_ping.get());
    }
    co_await to_pong.put(-1);
}

corio::task<> pong(corio::queue<int>& to_pong, corio::queue<int>& to_ping) {
    for (;;) {
        const int value = co_await to_pong.get();
        if (value < 0) {
            co_return;
        }
        co_await to_ping.put(value);
    }
}

corio::task<> ping_pong(benchmark::State& state) {
    corio::queue<int> to_pong{1};
    corio::queue<int> to_ping{1};
    co_await corio::gather(ping(state, to_pong, to_ping), pong(to_pong, to_ping));
}

void BM_QueueHandOff(benchmark::State& state) {
    corio::run(ping_pong(state));
    state.SetItemsProcessed(state.iterations() * 2); // two hand-offs per round trip
}
BENCHMARK(BM_QueueHandOff);

corio::task<> fill_and_drain(benchmark::State& state) {
    corio::queue<int> items;
    for (auto _ : state) {
        for (int i = 0; i < 1000; ++i) {
            items.put_nowait(i);
        }
        for (int i = 0; i < 1000; ++i) {
            benchmark::DoNotOptimize(co_await items.get());
        }
    }
}

// Items already there: get() completes without suspending (within the fairness budget).
void BM_QueueGetWithoutWaiting(benchmark::State& state) {
    corio::run(fill_and_drain(state));
    state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_QueueGetWithoutWaiting);

} // namespace
