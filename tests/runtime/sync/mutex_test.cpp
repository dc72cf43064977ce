// SPDX-License-Identifier: MIT
#include <corio/runtime/sync/mutex.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace std::chrono_literals;

namespace {

TEST(Mutex, KeepsAMultiStepUpdateAtomicAcrossSuspensions) {
    corio_test::leak_check check;
    corio::mutex lock;
    std::string log;
    auto writer = [&](char name) -> corio::task<> {
        corio::mutex::guard held = co_await lock.scoped_lock();
        log += name;
        co_await corio::sleep_for(1ms);
        log += name;
    };
    auto main_task = [&]() -> corio::task<> {
        co_await corio::gather(writer('a'), writer('b'), writer('c'));
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(log, "aabbcc");
}

TEST(Mutex, UnlockHandsOwnershipToTheFirstWaiterSoNobodyBargesIn) {
    corio_test::leak_check check;
    corio::mutex lock;
    std::string order;
    auto waiter = [&](char name) -> corio::task<> {
        co_await lock.lock();
        order += name;
        lock.unlock();
    };
    auto main_task = [&]() -> corio::task<> {
        co_await lock.lock();
        auto a = corio::spawn(waiter('a'));
        co_await corio::yield_now();
        lock.unlock();
        EXPECT_TRUE(lock.locked()); // already a's, although a has not run yet
        EXPECT_FALSE(lock.try_lock());
        co_await a;
        EXPECT_FALSE(lock.locked());
    };
    corio::run(main_task());
    EXPECT_EQ(order, "a");
}

TEST(Mutex, UnlockingAnUnlockedMutexIsAUsageError) {
    corio::mutex lock;
    EXPECT_THROW(lock.unlock(), corio::usage_error);
}

TEST(Mutex, ACancelledWaiterDoesNotReceiveTheLock) {
    corio_test::leak_check check;
    corio::mutex lock;
    auto waiter = [&]() -> corio::task<> { co_await lock.lock(); };
    auto main_task = [&]() -> corio::task<> {
        co_await lock.lock();
        auto handle = corio::spawn(waiter());
        co_await corio::yield_now();
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
        lock.unlock();
        EXPECT_FALSE(lock.locked());
    };
    corio::run(main_task());
}

TEST(Mutex, GuardsReleaseOnDestructionAndMoveOwnership) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::mutex lock;
        {
            corio::mutex::guard first = co_await lock.scoped_lock();
            corio::mutex::guard second = std::move(first);
            EXPECT_FALSE(first.owns_lock());
            EXPECT_TRUE(second.owns_lock());
            EXPECT_TRUE(lock.locked());
        }
        EXPECT_FALSE(lock.locked());
    };
    corio::run(main_task());
}

} // namespace
