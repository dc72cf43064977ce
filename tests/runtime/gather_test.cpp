// SPDX-License-Identifier: MIT
#include <corio/runtime/gather.hpp>

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

corio::task<int> after(std::chrono::milliseconds delay, int value,
                       std::vector<int>* finished = nullptr) {
    co_await corio::sleep_for(delay);
    if (finished != nullptr) {
        finished->push_back(value);
    }
    co_return value;
}

corio::task<> fail_after(std::chrono::milliseconds delay) {
    co_await corio::sleep_for(delay);
    throw std::runtime_error("child failed");
}

corio::event_loop::duration elapsed_since(corio::event_loop::time_point start) {
    return corio::now() - start;
}

TEST(Gather, ReturnsResultsInArgumentOrderAndRunsConcurrently) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        const auto start = corio::now();
        std::vector<int> finished;
        auto [a, b, c] = co_await corio::gather(
            after(30ms, 1, &finished), after(10ms, 2, &finished), after(20ms, 3, &finished));
        EXPECT_EQ(a, 1);
        EXPECT_EQ(b, 2);
        EXPECT_EQ(c, 3);
        EXPECT_EQ(finished, (std::vector<int>{2, 3, 1}));
        EXPECT_EQ(elapsed_since(start), 30ms); // the longest child, not the sum (virtual time)
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(Gather, VoidResultsBecomeMonostate) {
    corio_test::leak_check check;
    auto nothing = []() -> corio::task<> { co_await corio::yield_now(); };
    auto main_task = [&]() -> corio::task<> {
        auto [x, y] = co_await corio::gather(nothing(), after(1ms, 7));
        static_assert(std::is_same_v<decltype(x), std::monostate>);
        EXPECT_EQ(y, 7);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(Gather, AcceptsJoinHandlesLikeAsyncioCreateTask) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto [a, b] =
            co_await corio::gather(corio::spawn(after(5ms, 10)), corio::spawn(after(1ms, 20)));
        EXPECT_EQ(a + b, 30);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(Gather, RangeVersionReturnsAVectorInOrder) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        std::vector<corio::task<int>> work;
        for (int i = 0; i < 5; ++i) {
            work.push_back(after(std::chrono::milliseconds(10 - i), i));
        }
        std::vector<int> results = co_await corio::gather(std::move(work));
        EXPECT_EQ(results, (std::vector<int>{0, 1, 2, 3, 4}));
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(Gather, FirstExceptionPropagatesAfterSiblingsAreCancelled) {
    corio_test::leak_check check;
    bool sibling_cancelled = false;
    auto long_sibling = [&]() -> corio::task<int> {
        try {
            co_await corio::sleep_for(1h);
        } catch (const corio::cancelled_error&) {
            sibling_cancelled = true;
            throw;
        }
        co_return 0;
    };
    auto main_task = [&]() -> corio::task<> {
        const auto start = corio::now();
        EXPECT_THROW(co_await corio::gather(long_sibling(), fail_after(5ms)), std::runtime_error);
        EXPECT_TRUE(sibling_cancelled);
        EXPECT_EQ(elapsed_since(start), 5ms);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

TEST(Gather, CancellingTheGatheringTaskCancelsEveryChild) {
    corio_test::leak_check check;
    int cancelled_children = 0;
    auto child = [&]() -> corio::task<> {
        try {
            co_await corio::sleep_for(1h);
        } catch (const corio::cancelled_error&) {
            ++cancelled_children;
            throw;
        }
    };
    auto gathering = [&]() -> corio::task<> { co_await corio::gather(child(), child(), child()); };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(gathering());
        co_await corio::sleep_for(10ms);
        EXPECT_TRUE(handle.cancel());
        EXPECT_THROW(co_await handle, corio::cancelled_error);
        EXPECT_EQ(cancelled_children, 3);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

} // namespace
