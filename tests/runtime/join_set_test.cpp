// SPDX-License-Identifier: MIT
#include <corio/runtime/join_set.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/wait_for.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;

namespace {

corio::task<int> after(std::chrono::milliseconds delay, int value) {
    co_await corio::sleep_for(delay);
    co_return value;
}

TEST(JoinSet, HandsOverTasksInTheOrderTheyFinish) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<std::vector<int>> {
        corio::join_set<int> set;
        set.spawn(after(30ms, 3));
        set.spawn(after(10ms, 1));
        set.spawn(after(20ms, 2));
        EXPECT_EQ(set.size(), 3U);
        std::vector<int> order;
        while (auto done = co_await set.next()) {
            order.push_back(done->result());
        }
        EXPECT_TRUE(set.empty());
        co_return order;
    };
    EXPECT_EQ(corio::run(main_task(), corio::loop_options::with_virtual_time()),
              (std::vector<int>{1, 2, 3}));
}

TEST(JoinSet, AFailureIsRethrownByItsOwnHandleAndTheOthersCarryOn) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::join_set<int> set;
        set.spawn([]() -> corio::task<int> {
            co_await corio::sleep_for(5ms);
            throw std::runtime_error("broken");
        }());
        set.spawn(after(10ms, 7));
        auto first = co_await set.next();
        EXPECT_THROW(first->result(), std::runtime_error);
        auto second = co_await set.next();
        EXPECT_EQ(second->result(), 7);
        EXPECT_FALSE(co_await set.next());
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(JoinSet, DestroyingTheSetCancelsWhatStillRuns) {
    corio_test::leak_check check;
    int cancelled = 0;
    auto main_task = [&]() -> corio::task<int> {
        auto watched = [&](std::chrono::milliseconds delay) -> corio::task<int> {
            try {
                co_await corio::sleep_for(delay);
            } catch (const corio::cancelled_error&) {
                ++cancelled;
                throw;
            }
            co_return static_cast<int>(delay.count());
        };
        int first = 0;
        {
            corio::join_set<int> set;
            set.spawn(watched(1h));
            set.spawn(watched(5ms));
            set.spawn(watched(2h));
            first = (co_await set.next())->result(); // stop early: the fastest answer is enough
        }
        co_await corio::yield_now();
        co_return first;
    };
    EXPECT_EQ(corio::run(main_task(), corio::loop_options::with_virtual_time()), 5);
    EXPECT_EQ(cancelled, 2);
}

TEST(JoinSet, CancellingNextLeavesTheTasksRunningAndCancelStopsThem) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::join_set<> set;
        set.spawn([]() -> corio::task<> { co_await corio::sleep_for(1h); }());
        EXPECT_THROW(co_await corio::wait_for(set.next(), 10ms), corio::timeout_error);
        EXPECT_EQ(set.size(), 1U);
        set.cancel();
        auto done = co_await set.next();
        EXPECT_TRUE(done && done->cancelled());
        EXPECT_FALSE(co_await set.next());
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

} // namespace
