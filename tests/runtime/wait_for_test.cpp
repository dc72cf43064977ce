// SPDX-License-Identifier: MIT
#include <corio/runtime/wait_for.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/queue.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

namespace {

corio::task<int> slow_value(std::chrono::milliseconds delay, bool* cancelled = nullptr) {
    try {
        co_await corio::sleep_for(delay);
    } catch (const corio::cancelled_error&) {
        if (cancelled != nullptr) {
            *cancelled = true;
        }
        throw;
    }
    co_return 7;
}

TEST(WaitFor, ReturnsTheResultWhenItArrivesInTime) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        EXPECT_EQ(co_await corio::wait_for(slow_value(10ms), 20ms), 7);
        EXPECT_EQ(corio::event_loop::current().stats().armed_timers, 0U); // the timer was cancelled
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(WaitFor, ThrowsTimeoutErrorAfterCancellingTheWork) {
    corio_test::leak_check check;
    bool cancelled = false;
    auto main_task = [&]() -> corio::task<> {
        const auto start = corio::now();
        EXPECT_THROW(co_await corio::wait_for(slow_value(1h, &cancelled), 50ms),
                     corio::timeout_error);
        EXPECT_EQ(corio::now() - start, 50ms);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_TRUE(cancelled);
}

TEST(WaitUntil, StepsSharingOneDeadlineDoNotAddUpTheirTimeouts) {
    corio_test::leak_check check;
    bool cancelled = false;
    auto main_task = [&]() -> corio::task<> {
        const auto start = corio::now();
        const auto deadline = start + 100ms;
        EXPECT_EQ(co_await corio::wait_until(slow_value(60ms), deadline), 7);
        EXPECT_EQ(corio::now() - start, 60ms);
        // 60 ms would fit in a fresh 100 ms timeout; only 40 ms of the deadline are left.
        EXPECT_THROW(co_await corio::wait_until(slow_value(60ms, &cancelled), deadline),
                     corio::timeout_error);
        EXPECT_EQ(corio::now() - start, 100ms);
        // A deadline already past still lets work that needs no wait finish.
        auto ready = []() -> corio::task<int> { co_return 3; };
        EXPECT_EQ(co_await corio::wait_until(ready(), deadline), 3);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_TRUE(cancelled);
}

TEST(WaitFor, ATimedOutQueueGetLeavesTheItemForTheNextGetter) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::queue<int> items;
        EXPECT_THROW(co_await corio::wait_for(items.get(), 10ms), corio::timeout_error);
        items.put_nowait(3); // no stale getter may swallow it
        EXPECT_EQ(co_await corio::wait_for(items.get(), 10ms), 3);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(WaitFor, CancellingTheCallerThrowsCancelledNotTimeout) {
    corio_test::leak_check check;
    bool work_cancelled = false;
    auto caller = [&]() -> corio::task<> {
        co_await corio::wait_for(slow_value(1h, &work_cancelled), 1h);
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(caller());
        co_await corio::sleep_for(1ms);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_TRUE(work_cancelled);
}

TEST(WaitFor, WorkThatFinishesWithoutSuspendingBeatsAZeroTimeout) {
    corio_test::leak_check check;
    auto immediate = []() -> corio::task<int> { co_return 1; };
    auto main_task = [&]() -> corio::task<> {
        EXPECT_EQ(co_await corio::wait_for(immediate(), 0ms), 1);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

} // namespace
