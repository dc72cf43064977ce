// SPDX-License-Identifier: MIT
#include <corio/runtime/interval.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/wait_for.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

using namespace std::chrono_literals;

namespace {

using duration = corio::event_loop::duration;

TEST(Interval, TicksStayOnTheGridWhateverTheWorkBetweenThemTakes) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<std::vector<duration>> {
        const auto start = corio::now();
        corio::interval every{100ms};
        std::vector<duration> ticks;
        for (int i = 0; i < 5; ++i) {
            co_await every.tick();
            ticks.push_back(corio::now() - start);
            co_await corio::sleep_for(30ms); // the work: sleep_for(100ms) here would drift by it
        }
        EXPECT_EQ(every.missed(), 0U);
        co_return ticks;
    };
    const std::vector<duration> expected{100ms, 200ms, 300ms, 400ms, 500ms};
    EXPECT_EQ(corio::run(main_task(), corio::loop_options::with_virtual_time()), expected);
}

TEST(Interval, TicksThatPassedWhileTheTaskWasBusyAreSkippedNotBurst) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        const auto start = corio::now();
        corio::interval every{100ms};
        co_await every.tick();
        EXPECT_EQ(corio::now() - start, 100ms);
        co_await corio::sleep_for(250ms); // now at 350 ms: the ticks at 200 and 300 are gone
        co_await every.tick();
        EXPECT_EQ(corio::now() - start, 400ms);
        EXPECT_EQ(every.missed(), 2U);
        co_await corio::sleep_for(100ms); // exactly on the 500 ms tick: it is not missed
        co_await every.tick();
        EXPECT_EQ(corio::now() - start, 500ms);
        EXPECT_EQ(every.missed(), 2U);
        EXPECT_EQ(every.next_tick() - start, 600ms);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(Interval, AnExplicitFirstTickAndCancellation) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        const auto start = corio::now();
        corio::interval every{1s, start + 10ms};
        co_await every.tick();
        EXPECT_EQ(corio::now() - start, 10ms);
        EXPECT_THROW(co_await corio::wait_for(every.tick(), 500ms), corio::timeout_error);
        co_await every.tick(); // the cancelled tick at 1010 ms was used up
        EXPECT_EQ(corio::now() - start, 2010ms);
        EXPECT_THROW(corio::interval(0s), corio::usage_error);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

} // namespace
