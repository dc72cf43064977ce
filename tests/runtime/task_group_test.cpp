// SPDX-License-Identifier: MIT
#include <corio/runtime/task_group.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct trace {
    std::vector<std::string> events;
    corio::task<> sleeper(std::string name, std::chrono::milliseconds delay) {
        try {
            co_await corio::sleep_for(delay);
        } catch (const corio::cancelled_error&) {
            events.push_back(name + " cancelled");
            throw;
        }
        events.push_back(name + " done");
    }
    corio::task<> failer(std::string name, std::chrono::milliseconds delay) {
        co_await corio::sleep_for(delay);
        events.push_back(name + " failed");
        throw std::runtime_error(name);
    }
};

TEST(TaskGroup, WaitJoinsEveryChild) {
    corio_test::leak_check check;
    trace log;
    auto main_task = [&]() -> corio::task<> {
        corio::task_group group;
        group.spawn(log.sleeper("a", 20ms));
        group.spawn(log.sleeper("b", 10ms));
        EXPECT_EQ(group.size(), 2U);
        co_await group.wait();
        EXPECT_EQ(group.size(), 0U);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(log.events, (std::vector<std::string>{"b done", "a done"}));
}

TEST(TaskGroup, WaitOnAnEmptyGroupReturnsAtOnce) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::task_group group;
        co_await group.wait();
    };
    corio::run(main_task());
}

TEST(TaskGroup, FirstFailureCancelsSiblingsAndIsRethrownAfterAllFinish) {
    corio_test::leak_check check;
    trace log;
    auto main_task = [&]() -> corio::task<> {
        corio::task_group group;
        group.spawn(log.sleeper("slow", 1h));
        group.spawn(log.failer("first", 5ms));
        group.spawn(log.failer("second", 10ms));
        try {
            co_await group.wait();
            ADD_FAILURE() << "wait() should have thrown";
        } catch (const std::runtime_error& error) {
            EXPECT_STREQ(error.what(), "first");
        }
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    // "second" was cancelled in its sleep, so it never reached its own failure.
    EXPECT_EQ(log.events, (std::vector<std::string>{"first failed", "slow cancelled"}));
}

TEST(TaskGroup, CancellingTheWaitingTaskCancelsTheChildren) {
    corio_test::leak_check check;
    trace log;
    auto owner = [&]() -> corio::task<> {
        corio::task_group group;
        group.spawn(log.sleeper("a", 1h));
        group.spawn(log.sleeper("b", 1h));
        co_await group.wait();
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(owner());
        co_await corio::sleep_for(1ms);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(log.events, (std::vector<std::string>{"a cancelled", "b cancelled"}));
}

TEST(TaskGroup, WaitingWithACancellationAlreadyPendingStillWaitsForTheChildren) {
    corio_test::leak_check check;
    trace log;
    auto owner = [&]() -> corio::task<> {
        corio::task_group group;
        group.spawn(log.sleeper("child", 1h));
        // Spin without suspending so the cancellation arrives before wait() parks.
        corio::event_loop::current().schedule(std::noop_coroutine());
        co_await group.wait();
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(owner());
        handle.cancel(); // before the owner even started
        EXPECT_THROW(co_await handle, corio::cancelled_error);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(log.events, (std::vector<std::string>{"child cancelled"}));
}

TEST(TaskGroup, AGroupDestroyedWithRunningChildrenCancelsThemInsteadOfLeaking) {
    corio_test::leak_check check;
    trace log;
    auto owner = [&]() -> corio::task<> {
        corio::task_group group;
        group.spawn(log.sleeper("orphan", 1h));
        co_await corio::yield_now();
        throw std::logic_error("left the scope early");
    };
    auto main_task = [&]() -> corio::task<> {
        EXPECT_THROW(co_await owner(), std::logic_error);
        co_await corio::sleep_for(1ms); // the orphan unwinds on the loop
        EXPECT_EQ(corio::event_loop::current().stats().live_tasks, 1U);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(log.events, (std::vector<std::string>{"orphan cancelled"}));
}

TEST(TaskGroup, AFailureNobodyWaitedForIsReported) {
    corio_test::leak_check check;
    trace log;
    std::vector<std::string> reported;
    corio::loop_options options = corio::loop_options::with_virtual_time();
    options.unhandled_exception_handler = [&](std::exception_ptr error) {
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            reported.emplace_back(e.what());
        }
    };
    auto owner = [&]() -> corio::task<> {
        corio::task_group group;
        group.spawn(log.failer("unseen", 1ms));
        co_await corio::sleep_for(5ms); // the child fails meanwhile; nobody calls wait()
    };
    corio::run(owner(), options);
    EXPECT_EQ(reported, (std::vector<std::string>{"unseen"}));
}

TEST(TaskGroup, HandlesFromSpawnGiveEachChildsResult) {
    corio_test::leak_check check;
    auto value_after = [](int value, std::chrono::milliseconds delay) -> corio::task<int> {
        co_await corio::sleep_for(delay);
        co_return value;
    };
    auto main_task = [&]() -> corio::task<> {
        corio::task_group group;
        auto a = group.spawn(value_after(1, 3ms));
        auto b = group.spawn(value_after(2, 1ms));
        co_await group.wait();
        EXPECT_EQ(a.result() + b.result(), 3);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

} // namespace
