// SPDX-License-Identifier: MIT
#include <corio/runtime/generator.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

corio::generator<int> count_to(int n) {
    for (int i = 1; i <= n; ++i) {
        co_yield i;
    }
}

TEST(Generator, YieldsValuesToARangeFor) {
    std::vector<int> seen;
    for (int value : count_to(4)) {
        seen.push_back(value);
    }
    EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 4}));
}

TEST(Generator, DoesNothingUntilTheFirstNext) {
    bool started = false;
    auto body = [&]() -> corio::generator<> {
        started = true;
        co_yield {};
    };
    auto gen = body();
    EXPECT_FALSE(started);
    EXPECT_TRUE(gen.next());
    EXPECT_TRUE(started);
}

TEST(Generator, NextReturnsFalseOnceFinishedLikeStopIteration) {
    std::string trace;
    auto steps = [&]() -> corio::generator<> {
        trace += 'a';
        co_yield {};
        trace += 'b';
    };
    auto gen = steps();
    EXPECT_TRUE(gen.next());
    EXPECT_EQ(trace, "a");
    EXPECT_FALSE(gen.next());
    EXPECT_EQ(trace, "ab");
    EXPECT_TRUE(gen.done());
    EXPECT_FALSE(gen.next());
}

TEST(Generator, RoundRobinInterleavesTwoGenerators) {
    std::string trace;
    auto worker = [&](char name, int steps) -> corio::generator<> {
        for (int i = 0; i < steps; ++i) {
            trace += name;
            co_yield {};
        }
    };
    std::vector<corio::generator<>> tasks;
    tasks.push_back(worker('a', 3));
    tasks.push_back(worker('b', 1));
    while (!tasks.empty()) {
        for (std::size_t i = 0; i < tasks.size();) {
            if (tasks[i].next()) {
                ++i;
            } else {
                tasks.erase(tasks.begin() + static_cast<std::ptrdiff_t>(i));
            }
        }
    }
    EXPECT_EQ(trace, "abaa");
}

TEST(Generator, ExceptionsPropagateOutOfNext) {
    auto failing = []() -> corio::generator<int> {
        co_yield 1;
        throw std::runtime_error("generator failed");
    };
    auto gen = failing();
    EXPECT_TRUE(gen.next());
    EXPECT_EQ(gen.value(), 1);
    EXPECT_THROW(gen.next(), std::runtime_error);
}

TEST(Generator, DestroyingAnUnfinishedGeneratorRunsItsDestructors) {
    int destroyed = 0;
    struct guard {
        int* counter;
        ~guard() { ++*counter; }
    };
    auto body = [&]() -> corio::generator<int> {
        guard g{&destroyed};
        co_yield 1;
        co_yield 2;
    };
    {
        auto gen = body();
        EXPECT_TRUE(gen.next());
    }
    EXPECT_EQ(destroyed, 1);
}

} // namespace
