// SPDX-License-Identifier: MIT
#include <corio/runtime/task.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

corio::task<int> answer() {
    co_return 42;
}

corio::task<int> add_one(int value) {
    co_await corio::yield_now();
    co_return value + 1;
}

corio::task<> fails() {
    co_await corio::yield_now();
    throw std::runtime_error("boom");
}

TEST(Task, RunReturnsTheValueOfTheMainTask) {
    corio_test::leak_check check;
    EXPECT_EQ(corio::run(answer()), 42);
}

TEST(Task, AwaitingANestedTaskReturnsItsValue) {
    corio_test::leak_check check;
    auto outer = []() -> corio::task<int> { co_return co_await add_one(co_await answer()); };
    EXPECT_EQ(corio::run(outer()), 43);
}

TEST(Task, ExceptionsPropagateThroughAwaitAndRun) {
    corio_test::leak_check check;
    auto outer = []() -> corio::task<> { co_await fails(); };
    EXPECT_THROW(corio::run(outer()), std::runtime_error);
}

TEST(Task, DoesNotStartUntilAwaited) {
    corio_test::leak_check check;
    bool started = false;
    auto body = [&]() -> corio::task<> {
        started = true;
        co_return;
    };
    {
        corio::task<> lazy = body();
        EXPECT_FALSE(started);
    }
    EXPECT_FALSE(started);
}

TEST(Task, SpawnedTasksRunInFifoOrder) {
    corio_test::leak_check check;
    std::vector<std::string> trace;
    auto step = [&](std::string name) -> corio::task<> {
        trace.push_back(name + "1");
        co_await corio::yield_now();
        trace.push_back(name + "2");
    };
    auto main_task = [&]() -> corio::task<> {
        auto a = corio::spawn(step("a"));
        auto b = corio::spawn(step("b"));
        co_await a;
        co_await b;
    };
    corio::run(main_task());
    EXPECT_EQ(trace, (std::vector<std::string>{"a1", "b1", "a2", "b2"}));
}

TEST(Task, SleepInVirtualTimeFinishesAtOnceInDeadlineOrder) {
    corio_test::leak_check check;
    std::vector<int> order;
    auto sleeper = [&](int id, std::chrono::milliseconds delay) -> corio::task<> {
        co_await corio::sleep_for(delay);
        order.push_back(id);
    };
    auto main_task = [&]() -> corio::task<> {
        auto start = corio::now();
        auto a = corio::spawn(sleeper(1, 3h));
        auto b = corio::spawn(sleeper(2, 1h));
        auto c = corio::spawn(sleeper(3, 2h));
        co_await a;
        co_await b;
        co_await c;
        EXPECT_GE(corio::now() - start, 3h);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(order, (std::vector<int>{2, 3, 1}));
}

} // namespace
