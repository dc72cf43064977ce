// SPDX-License-Identifier: MIT
// event_loop::post from another thread: a producer thread posts callbacks while the loop, parked
// in the reactor, is woken to run them. Reports the cost per posted callback end to end.
#include <corio/runtime/event_loop.hpp>

#include <corio/runtime/sync/event.hpp>

#include <benchmark/benchmark.h>

#include <thread>

namespace {

corio::task<> receive_posts(benchmark::State& state, std::int64_t per_iteration) {
    corio::event_loop& loop = corio::event_loop::current();
    for (auto _ : state) {
        corio::event all_done;
        std::int64_t received = 0;
        std::thread producer([&] {
            for (std::int64_t i = 0; i < per_iteration; ++i) {
                loop.post([&] {
                    if (++received == per_iteration) {
                        all_done.set();
                    }
                });
            }
        });
        co_await all_done.wait();
        producer.join();
    }
}

void BM_PostFromAnotherThread(benchmark::State& state) {
    const std::int64_t per_iteration = state.range(0);
    corio::run(receive_posts(state, per_iteration));
    state.SetItemsProcessed(state.iterations() * per_iteration);
}
BENCHMARK(BM_PostFromAnotherThread)->Arg(1)->Arg(10000)->UseRealTime();

} // namespace
