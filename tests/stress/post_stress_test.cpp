// SPDX-License-Identifier: MIT
// event_loop::post from 8 threads at once into one loop: every posted callback runs exactly once,
// on the loop's thread. Run under ThreadSanitizer in CI (the tsan-stress test preset). Two rounds
// in one process: no frame or fd left behind, and heap in use after round 2 within 10% of round 1.
//
// CORIO_STRESS_POST_THREADS (8), CORIO_STRESS_POSTS_PER_THREAD (500,000 optimised, 250,000 in
// unoptimised builds: 2 million posts a round), CORIO_STRESS_SEED (how the threads pace their
// bursts).
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/task.hpp>

#include "stress_support.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

void run_round(std::uint64_t seed, int round_number) {
    const std::size_t thread_count =
        corio_stress::environment_number("CORIO_STRESS_POST_THREADS", 8);
    const std::size_t per_thread = corio_stress::environment_number(
        "CORIO_STRESS_POSTS_PER_THREAD", corio_stress::unoptimised_build() ? 250'000 : 500'000);
    const std::size_t total = thread_count * per_thread;
    const auto started = std::chrono::steady_clock::now();

    // Touched on the loop's thread only: a callback that ran twice, or on another thread, shows
    // up as a count of 2 or as a data race under TSan.
    std::vector<std::uint8_t> runs(total, 0);
    std::size_t ran = 0;
    std::size_t wrong_thread = 0;
    corio::event_loop loop;
    loop.run_until_complete([&]() -> corio::task<> {
        corio::event all_ran;
        const std::thread::id loop_thread = std::this_thread::get_id();
        std::vector<std::thread> posters;
        for (std::size_t t = 0; t < thread_count; ++t) {
            posters.emplace_back([&, t] {
                std::mt19937_64 random(seed + round_number * 1000 + t);
                for (std::size_t i = 0; i < per_thread; ++i) {
                    const std::size_t index = t * per_thread + i;
                    loop.post([&, index] {
                        if (std::this_thread::get_id() != loop_thread) {
                            ++wrong_thread;
                        }
                        ++runs[index];
                        if (++ran == total) {
                            all_ran.set();
                        }
                    });
                    // Bursts of random length, then a yield, so that the threads interleave
                    // differently from run to run.
                    if (random() % 64 == 0) {
                        std::this_thread::yield();
                    }
                }
            });
        }
        co_await all_ran.wait();
        for (std::thread& poster : posters) {
            poster.join();
        }
    }());

    std::size_t never = 0;
    std::size_t twice = 0;
    for (const std::uint8_t count : runs) {
        never += count == 0 ? 1 : 0;
        twice += count > 1 ? 1 : 0;
    }
    EXPECT_EQ(ran, total);
    EXPECT_EQ(never, 0U) << "posted callbacks that never ran";
    EXPECT_EQ(twice, 0U) << "posted callbacks that ran more than once";
    EXPECT_EQ(wrong_thread, 0U) << "callbacks run on another thread than the loop's";
    corio_test::expect_loop_is_clean(loop);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    corio_stress::report("post round " + std::to_string(round_number) + ": " +
                         std::to_string(thread_count) + " threads x " + std::to_string(per_thread) +
                         " posts, " + std::to_string(took.count()) + " ms");
}

TEST(StressPost, EightThreadsPostIntoOneLoopEveryCallbackRunsOnceTwice) {
    corio_test::leak_check leaks;
    corio_stress::run_two_rounds(corio_stress::seed_from_environment(), run_round);
}

} // namespace
