// SPDX-License-Identifier: MIT
#include <corio/runtime/when_any.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/queue.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

namespace {

corio::task<std::string> after(std::chrono::milliseconds delay, std::string value, int* cancelled) {
    try {
        co_await corio::sleep_for(delay);
    } catch (const corio::cancelled_error&) {
        ++*cancelled;
        throw;
    }
    co_return value;
}

TEST(WhenAny, TheFirstToFinishWinsAndTheOthersAreCancelled) {
    corio_test::leak_check check;
    int cancelled = 0;
    auto main_task = [&]() -> corio::task<> {
        const auto start = corio::now();
        auto first = co_await corio::when_any(after(30ms, "slow", &cancelled),
                                              after(10ms, "fast", &cancelled),
                                              after(20ms, "middle", &cancelled));
        EXPECT_EQ(first.index, 1U);
        EXPECT_EQ(std::get<1>(first.value), "fast");
        EXPECT_EQ(corio::now() - start, 10ms);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(cancelled, 2);
}

TEST(WhenAny, AWinnerThatThrowsPropagatesItsException) {
    corio_test::leak_check check;
    int cancelled = 0;
    auto failing = []() -> corio::task<int> {
        co_await corio::sleep_for(1ms);
        throw std::invalid_argument("winner failed");
    };
    auto main_task = [&]() -> corio::task<> {
        EXPECT_THROW(co_await corio::when_any(failing(), after(1h, "x", &cancelled)),
                     std::invalid_argument);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(cancelled, 1);
}

TEST(WhenAny, WorksWithOtherAwaitablesSuchAsQueueGets) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::queue<int> empty_one;
        corio::queue<int> full_one;
        full_one.put_nowait(5);
        auto first = co_await corio::when_any(empty_one.get(), full_one.get());
        EXPECT_EQ(first.index, 1U);
        EXPECT_EQ(std::get<1>(first.value), 5);
    };
    corio::run(main_task());
}

} // namespace
