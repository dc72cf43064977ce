// SPDX-License-Identifier: MIT
#include <corio/runtime/sync/condition_variable.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <deque>
#include <gtest/gtest.h>
#include <vector>

using namespace std::chrono_literals;

namespace {

TEST(ConditionVariable, AConsumerWaitsForAPredicateWhileTheMutexIsReleased) {
    corio_test::leak_check check;
    corio::mutex lock;
    corio::condition_variable ready;
    std::deque<int> jobs;
    std::vector<int> consumed;
    auto consumer = [&]() -> corio::task<> {
        for (int i = 0; i < 3; ++i) {
            corio::mutex::guard held = co_await lock.scoped_lock();
            co_await ready.wait(held, [&] { return !jobs.empty(); });
            EXPECT_TRUE(held.owns_lock());
            EXPECT_TRUE(lock.locked());
            consumed.push_back(jobs.front());
            jobs.pop_front();
        }
    };
    auto producer = [&]() -> corio::task<> {
        for (int i = 1; i <= 3; ++i) {
            co_await corio::sleep_for(1ms);
            corio::mutex::guard held = co_await lock.scoped_lock();
            jobs.push_back(i);
            ready.notify_one();
        }
    };
    auto main_task = [&]() -> corio::task<> { co_await corio::gather(consumer(), producer()); };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(consumed, (std::vector<int>{1, 2, 3}));
}

TEST(ConditionVariable, NotifyAllWakesEveryWaiter) {
    corio_test::leak_check check;
    corio::mutex lock;
    corio::condition_variable go;
    bool started = false;
    int woken = 0;
    auto waiter = [&]() -> corio::task<> {
        corio::mutex::guard held = co_await lock.scoped_lock();
        co_await go.wait(held, [&] { return started; });
        ++woken;
    };
    auto main_task = [&]() -> corio::task<> {
        auto a = corio::spawn(waiter());
        auto b = corio::spawn(waiter());
        co_await corio::yield_now();
        co_await corio::yield_now();
        {
            corio::mutex::guard held = co_await lock.scoped_lock();
            started = true;
            go.notify_all();
        }
        co_await a;
        co_await b;
    };
    corio::run(main_task());
    EXPECT_EQ(woken, 2);
}

TEST(ConditionVariable, ACancelledWaitReacquiresTheMutexBeforeThrowing) {
    corio_test::leak_check check;
    corio::mutex lock;
    corio::condition_variable never;
    bool held_when_cancelled = false;
    auto waiter = [&]() -> corio::task<> {
        corio::mutex::guard held = co_await lock.scoped_lock();
        try {
            co_await never.wait(held);
        } catch (const corio::cancelled_error&) {
            held_when_cancelled = held.owns_lock() && lock.locked();
            throw;
        }
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(waiter());
        co_await corio::yield_now();
        // While it waits, the mutex is free: take it, so the re-acquire has to wait for us.
        corio::mutex::guard mine = co_await lock.scoped_lock();
        handle.cancel();
        co_await corio::yield_now();
        EXPECT_FALSE(handle.done()); // blocked re-acquiring, even though cancelled
        mine.unlock();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
        EXPECT_FALSE(lock.locked());
    };
    corio::run(main_task());
    EXPECT_TRUE(held_when_cancelled);
}

TEST(ConditionVariable, WaitWithoutHoldingTheMutexIsAUsageError) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::condition_variable cv;
        corio::mutex::guard empty;
        EXPECT_THROW(co_await cv.wait(empty), corio::usage_error);
    };
    corio::run(main_task());
}

} // namespace
