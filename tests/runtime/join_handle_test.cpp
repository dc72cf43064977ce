// SPDX-License-Identifier: MIT
#include <corio/runtime/join_handle.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

using namespace std::chrono_literals;

namespace {

corio::task<std::unique_ptr<int>> make_value(int value) {
    co_await corio::sleep_for(1ms);
    co_return std::make_unique<int>(value);
}

TEST(JoinHandle, AwaitingReturnsTheTasksValue) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto handle = corio::spawn(make_value(9));
        EXPECT_FALSE(handle.done());
        std::unique_ptr<int> value = co_await handle;
        EXPECT_EQ(*value, 9);
        EXPECT_TRUE(handle.done());
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(JoinHandle, SpawnedTaskStartsOnALaterTurnNotImmediately) {
    corio_test::leak_check check;
    bool ran = false;
    auto body = [&]() -> corio::task<> {
        ran = true;
        co_return;
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(body());
        EXPECT_FALSE(ran);
        co_await corio::yield_now();
        EXPECT_TRUE(ran);
        co_await handle;
    };
    corio::run(main_task());
}

TEST(JoinHandle, ResultAfterDoneReturnsTheValueAndBeforeIsAUsageError) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto handle = corio::spawn(make_value(3));
        EXPECT_THROW((void)handle.result(), corio::usage_error);
        co_await corio::sleep_for(5ms);
        EXPECT_TRUE(handle.done());
        EXPECT_EQ(*handle.result(), 3);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(JoinHandle, TheTasksExceptionIsRethrownToTheAwaiter) {
    corio_test::leak_check check;
    auto failing = []() -> corio::task<int> {
        co_await corio::yield_now();
        throw std::out_of_range("nope");
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(failing());
        EXPECT_THROW(co_await handle, std::out_of_range);
    };
    corio::run(main_task());
}

TEST(JoinHandle, CancelEndsTheTaskWithCancelledError) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto handle = corio::spawn(make_value(1));
        EXPECT_TRUE(handle.cancel());
        EXPECT_THROW(co_await handle, corio::cancelled_error);
        EXPECT_TRUE(handle.cancelled());
        EXPECT_FALSE(handle.cancel()); // already finished
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(JoinHandle, DroppingTheHandleDetachesAndTheTaskStillRuns) {
    corio_test::leak_check check;
    bool finished = false;
    auto body = [&]() -> corio::task<> {
        co_await corio::sleep_for(1ms);
        finished = true;
    };
    auto main_task = [&]() -> corio::task<> {
        { auto handle = corio::spawn(body()); }
        co_await corio::sleep_for(5ms);
        EXPECT_TRUE(finished);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(JoinHandle, TwoTasksAwaitingOneHandleIsAUsageError) {
    corio_test::leak_check check;
    auto first_awaiter = [](corio::join_handle<std::unique_ptr<int>>& handle) -> corio::task<> {
        (void)co_await handle;
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(make_value(1));
        auto first = corio::spawn(first_awaiter(handle));
        co_await corio::yield_now();
        EXPECT_THROW((void)co_await handle, corio::usage_error);
        co_await first;
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(JoinHandle, CancellingTheAwaiterCancelsTheAwaitedTaskAndWaitsForIt) {
    corio_test::leak_check check;
    bool inner_unwound = false;
    auto inner = [&]() -> corio::task<> {
        bool cancelled = false;
        try {
            co_await corio::sleep_for(1h);
        } catch (const corio::cancelled_error&) {
            cancelled = true;
        }
        EXPECT_TRUE(cancelled);
        co_await corio::sleep_for(5ms); // cleanup that takes time (C++ cannot co_await in catch)
        inner_unwound = true;
        throw corio::cancelled_error();
    };
    auto outer = [&]() -> corio::task<> {
        auto handle = corio::spawn(inner());
        co_await handle;
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(outer());
        co_await corio::sleep_for(1ms);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
        EXPECT_TRUE(inner_unwound); // outer did not finish before inner had cleaned up
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(JoinHandle, AwaitingWithACancellationAlreadyPendingStillCancelsAndWaitsForTheTask) {
    corio_test::leak_check check;
    bool inner_finished = false;
    auto inner = [&]() -> corio::task<> {
        try {
            co_await corio::sleep_for(1h);
        } catch (const corio::cancelled_error&) {
        }
        inner_finished = true;
    };
    auto outer = [&]() -> corio::task<> {
        auto handle = corio::spawn(inner());
        co_await handle; // reached with the cancellation already requested
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(outer());
        handle.cancel(); // before outer even starts
        EXPECT_THROW(co_await handle, corio::cancelled_error);
        EXPECT_TRUE(inner_finished); // the awaited task did not outlive its awaiter
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

} // namespace
