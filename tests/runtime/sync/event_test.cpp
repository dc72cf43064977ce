// SPDX-License-Identifier: MIT
#include <corio/runtime/sync/event.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(Event, SetWakesEveryWaiterInArrivalOrder) {
    corio_test::leak_check check;
    corio::event ready;
    std::string order;
    auto waiter = [&](char name) -> corio::task<> {
        co_await ready.wait();
        order += name;
    };
    auto main_task = [&]() -> corio::task<> {
        auto a = corio::spawn(waiter('a'));
        auto b = corio::spawn(waiter('b'));
        auto c = corio::spawn(waiter('c'));
        co_await corio::yield_now();
        EXPECT_EQ(order, "");
        ready.set();
        co_await a;
        co_await b;
        co_await c;
    };
    corio::run(main_task());
    EXPECT_EQ(order, "abc");
}

TEST(Event, WaitingOnASetEventReturnsAtOnceUntilCleared) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::event flag;
        flag.set();
        EXPECT_TRUE(flag.is_set());
        co_await flag.wait();
        flag.clear();
        EXPECT_FALSE(flag.is_set());
    };
    corio::run(main_task());
}

TEST(Event, AWaitIsCancellable) {
    corio_test::leak_check check;
    corio::event never;
    auto waiter = [&]() -> corio::task<> { co_await never.wait(); };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(waiter());
        co_await corio::yield_now();
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
        never.set(); // the cancelled waiter is gone: nothing to wake, nothing dangling
    };
    corio::run(main_task());
}

} // namespace
