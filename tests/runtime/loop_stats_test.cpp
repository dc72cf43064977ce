// SPDX-License-Identifier: MIT
// loop.stats()'s counters of what the loop did (issue 15 part 8): exact for known programs, and
// busy vs idle time measured against real sleeping and spinning.
#include <corio/runtime/event_loop.hpp>

#include <corio/runtime/gather.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"
#include "support/socket_helpers.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

// Three children sleep 10, 20 and 30 ms (virtual time) and main joins them in order. Turn by
// turn: 1 runs main (it spawns three and parks on the first join); 2 runs the three children
// (each parks on a timer), then the clock jumps to 10 ms and the first timer fires; 3 runs child
// one, whose end hands control straight to main (no trip through the ready queue), main parks on
// the second join, the clock jumps to 20 ms; 4 the same for child two; 5 child three ends and
// main finishes, so the loop stops after phase 1.
TEST(LoopStats, CountTurnsWaitsTimersAndTasksOfAKnownProgramExactly) {
    corio_test::leak_check check;
    corio::event_loop loop{corio::loop_options::with_virtual_time()};
    auto main_task = []() -> corio::task<> {
        auto child = [](std::chrono::milliseconds delay) -> corio::task<> {
            co_await corio::sleep_for(delay);
        };
        auto one = corio::spawn(child(10ms));
        auto two = corio::spawn(child(20ms));
        auto three = corio::spawn(child(30ms));
        co_await one;
        co_await two;
        co_await three;
    };
    loop.run_until_complete(main_task());
    const corio::loop_stats stats = loop.stats();
    EXPECT_EQ(stats.turns, 5U);
    EXPECT_EQ(stats.waits, 3U);
    EXPECT_EQ(stats.timers_fired, 3U);
    EXPECT_EQ(stats.events, 0U);
    EXPECT_EQ(stats.tasks_spawned, 4U);
    EXPECT_EQ(stats.tasks_finished, 4U);
    EXPECT_EQ(stats.max_ready_tasks, 3U); // the three children, ready together on turn 2
    EXPECT_EQ(stats.live_tasks, 0U);
}

TEST(LoopStats, TheLongestReadyQueueIsTheLargestBatchATurnBeganWith) {
    corio::event_loop loop{corio::loop_options::with_virtual_time()};
    auto main_task = []() -> corio::task<> {
        auto yielder = []() -> corio::task<> { co_await corio::yield_now(); };
        std::vector<corio::join_handle<void>> children;
        for (int i = 0; i < 100; ++i) {
            children.push_back(corio::spawn(yielder()));
        }
        for (auto& child : children) {
            co_await child;
        }
    };
    loop.run_until_complete(main_task());
    EXPECT_EQ(loop.stats().max_ready_tasks, 100U);
    EXPECT_EQ(loop.stats().tasks_spawned, 101U);
    EXPECT_EQ(loop.stats().tasks_finished, 101U);
}

TEST(LoopStats, AReceiveThatSuspendedIsOneEventFromTheReactor) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        auto [x, y] = corio_test::stream_socket_pair();
        corio::io_object a{x};
        corio::io_object b{y};
        std::array<std::byte, 16> buffer{};
        auto reader = [&]() -> corio::task<std::size_t> {
            co_return co_await b.receive_some(buffer); // nothing there yet: suspends
        };
        auto writer = [&]() -> corio::task<std::size_t> {
            co_await corio::sleep_for(5ms);
            const std::string ping = "ping";
            co_return co_await a.send_some(std::as_bytes(std::span{ping}));
        };
        co_await corio::gather(reader(), writer());
    };
    loop.run_until_complete(main_task());
    const corio::loop_stats stats = loop.stats();
    if (loop.backend_name() == "iocp" || loop.backend_name() == "io_uring") {
        // The send may complete through the port as well (always, on io_uring).
        EXPECT_GE(stats.events, 1U);
    } else {
        EXPECT_EQ(stats.events, 1U); // a readiness backend completes the send at once
    }
    EXPECT_EQ(stats.timers_fired, 1U);
}

TEST(LoopStats, SleepingIsIdleTime) {
    corio::event_loop loop;
    loop.run_until_complete([]() -> corio::task<> { co_await corio::sleep_for(50ms); }());
    const corio::loop_stats stats = loop.stats();
    EXPECT_GE(stats.idle_time, 40ms); // the timer may fire up to a tick early on a coarse clock
    EXPECT_LT(stats.busy_time, stats.idle_time);
}

TEST(LoopStats, SpinningIsBusyTimeAndIsSeenWhileTheLoopRuns) {
    corio::event_loop loop;
    const corio::loop_stats seen_inside =
        loop.run_until_complete([]() -> corio::task<corio::loop_stats> {
            const auto until = std::chrono::steady_clock::now() + 50ms;
            while (std::chrono::steady_clock::now() < until) {
            }
            co_return corio::event_loop::current().stats();
        }());
    EXPECT_GE(seen_inside.busy_time, 50ms);
    const corio::loop_stats after = loop.stats();
    EXPECT_GE(after.busy_time, seen_inside.busy_time);
    EXPECT_LT(after.idle_time, 10ms);
    EXPECT_EQ(after.waits, 0U); // the main task finished in phase 1 of the first turn
}

TEST(LoopStats, VirtualTimeJumpsAreNotIdleTime) {
    corio::event_loop loop{corio::loop_options::with_virtual_time()};
    loop.run_until_complete([]() -> corio::task<> { co_await corio::sleep_for(1h); }());
    EXPECT_LT(loop.stats().idle_time, 100ms);
    EXPECT_GE(loop.stats().timers_fired, 1U);
}

} // namespace
