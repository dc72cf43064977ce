// SPDX-License-Identifier: MIT
// 1,000,000 live timers on one loop's wheel with random deadlines, a random half cancelled: every
// remaining one fires exactly once, never early, and in deadline order (within the wheel's tick);
// alongside, sleeping tasks (sleep_for) of which a random half is cancelled. Two rounds in one
// process: no frame, fd or timer left behind, and heap in use after round 2 within 10% of round 1.
//
// CORIO_STRESS_TIMERS (1,000,000), CORIO_STRESS_SLEEPERS (100,000), CORIO_STRESS_TIMER_SPREAD_MS
// (deadlines spread over 0..this, 2000), CORIO_STRESS_SEED.
#include <corio/runtime/detail/timer_node.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/task.hpp>

#include "stress_support.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using corio::event_loop;

namespace {

// One timer armed straight on the wheel (what sleep_for and every I/O deadline use underneath).
struct probe : corio::detail::timer_node {
    event_loop::time_point deadline{};
    int fired = 0;
    bool cancelled = false;
};

struct round_state {
    event_loop::time_point last_fired_deadline{};
    std::size_t fired = 0;
    std::size_t early = 0;
    std::size_t out_of_order = 0;
    event_loop::duration tick{};
};
round_state* current_round = nullptr;

void on_probe_expired(corio::detail::timer_node& node) noexcept {
    auto& fired = static_cast<probe&>(node);
    round_state& round = *current_round;
    ++fired.fired;
    ++round.fired;
    if (event_loop::clock::now() < fired.deadline) {
        ++round.early;
    }
    // Deadlines are rounded up to a tick, so two timers within one tick may fire either way.
    if (fired.deadline + round.tick < round.last_fired_deadline) {
        ++round.out_of_order;
    }
    round.last_fired_deadline = std::max(round.last_fired_deadline, fired.deadline);
}

corio::task<event_loop::duration> sleeper(event_loop::duration delay) {
    const event_loop::time_point start = event_loop::clock::now();
    co_await corio::sleep_for(delay);
    co_return event_loop::clock::now() - start;
}

void run_round(std::uint64_t seed, int round_number) {
    const std::size_t timer_count =
        corio_stress::environment_number("CORIO_STRESS_TIMERS", 1'000'000);
    const std::size_t sleeper_count =
        corio_stress::environment_number("CORIO_STRESS_SLEEPERS", 100'000);
    const auto spread = std::chrono::milliseconds(
        corio_stress::environment_number("CORIO_STRESS_TIMER_SPREAD_MS", 2000));
    std::mt19937_64 random(seed + static_cast<std::uint64_t>(round_number));
    std::uniform_int_distribution<std::int64_t> delay_ns(0,
                                                         std::chrono::nanoseconds(spread).count());

    const auto started = std::chrono::steady_clock::now();
    event_loop loop;
    round_state round;
    round.tick = loop.options().tick;
    current_round = &round;
    std::vector<probe> probes(timer_count);
    std::size_t expected_fired = 0;
    std::size_t sleepers_cancelled = 0;
    std::size_t sleepers_finished = 0;

    loop.run_until_complete([&]() -> corio::task<> {
        event_loop& here = event_loop::current();
        event_loop::time_point latest = here.now();
        for (probe& timer : probes) {
            timer.set_callback(&on_probe_expired);
            timer.deadline = here.now() + std::chrono::nanoseconds(delay_ns(random));
            latest = std::max(latest, timer.deadline);
            here.arm_timer(timer, timer.deadline);
        }
        std::vector<corio::join_handle<event_loop::duration>> sleepers;
        std::vector<event_loop::duration> delays;
        sleepers.reserve(sleeper_count);
        for (std::size_t i = 0; i < sleeper_count; ++i) {
            delays.emplace_back(std::chrono::nanoseconds(delay_ns(random)));
            sleepers.push_back(corio::spawn(sleeper(delays.back())));
        }
        EXPECT_GE(here.stats().armed_timers, timer_count);
        // Cancel a random half of each, in random order.
        for (probe& timer : probes) {
            if ((random() & 1U) != 0) {
                timer.cancelled = true;
                timer.disarm();
            } else {
                ++expected_fired;
            }
        }
        std::vector<bool> cancel_sleeper(sleeper_count);
        for (std::size_t i = 0; i < sleeper_count; ++i) {
            cancel_sleeper[i] = (random() & 1U) != 0;
        }
        co_await corio::sleep_for(1ms); // let the sleepers arm their timers first
        for (std::size_t i = 0; i < sleeper_count; ++i) {
            if (cancel_sleeper[i]) {
                sleepers[i].cancel();
            }
        }
        for (std::size_t i = 0; i < sleeper_count; ++i) {
            try {
                const event_loop::duration slept = co_await sleepers[i];
                ++sleepers_finished;
                EXPECT_GE(slept, delays[i]) << "sleep_for ended early";
            } catch (const corio::cancelled_error&) {
                ++sleepers_cancelled;
                EXPECT_TRUE(cancel_sleeper[i]) << "a sleeper nobody cancelled was cancelled";
            }
        }
        co_await corio::sleep_until(latest + 2 * round.tick);
        EXPECT_EQ(here.stats().armed_timers, 0U);
    }());

    std::size_t fired_twice = 0;
    std::size_t cancelled_fired = 0;
    std::size_t never_fired = 0;
    for (const probe& timer : probes) {
        if (timer.cancelled) {
            cancelled_fired += timer.fired != 0 ? 1 : 0;
        } else if (timer.fired == 0) {
            ++never_fired;
        } else if (timer.fired > 1) {
            ++fired_twice;
        }
    }
    EXPECT_EQ(round.fired, expected_fired);
    EXPECT_EQ(never_fired, 0U);
    EXPECT_EQ(fired_twice, 0U);
    EXPECT_EQ(cancelled_fired, 0U);
    EXPECT_EQ(round.early, 0U) << "timers fired before their deadline";
    EXPECT_EQ(round.out_of_order, 0U) << "timers fired out of deadline order";
    EXPECT_EQ(sleepers_cancelled + sleepers_finished, sleeper_count);
    corio_test::expect_loop_is_clean(loop);
    current_round = nullptr;
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    corio_stress::report(
        "timers round " + std::to_string(round_number) + ": " + std::to_string(timer_count) +
        " timers (" + std::to_string(expected_fired) + " fired, the rest cancelled), " +
        std::to_string(sleeper_count) + " sleeping tasks (" + std::to_string(sleepers_cancelled) +
        " cancelled), " + std::to_string(took.count()) + " ms");
}

TEST(StressTimers, MillionTimersRandomlyCancelledFireOnceInOrderTwice) {
    corio_test::leak_check leaks;
    corio_stress::run_two_rounds(corio_stress::seed_from_environment(), run_round);
}

} // namespace
