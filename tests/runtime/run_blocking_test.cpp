// SPDX-License-Identifier: MIT
#include <corio/runtime/run_blocking.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

TEST(RunBlocking, ReturnsTheFunctionsValueComputedOnAnotherThread) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        const auto loop_thread = std::this_thread::get_id();
        auto [value, worker_thread] = co_await corio::run_blocking([] {
            return std::pair{std::string("computed"), std::this_thread::get_id()};
        });
        EXPECT_EQ(value, "computed");
        EXPECT_NE(worker_thread, loop_thread);
    };
    corio::run(main_task());
}

TEST(RunBlocking, RethrowsTheFunctionsException) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        EXPECT_THROW(
            co_await corio::run_blocking([]() -> int { throw std::domain_error("worker failed"); }),
            std::domain_error);
    };
    corio::run(main_task());
}

TEST(RunBlocking, TheLoopKeepsRunningOtherTasksWhileAFunctionBlocks) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        std::atomic<bool> release{false};
        int ticks = 0;
        auto blocker = [&]() -> corio::task<> {
            co_await corio::run_blocking([&] {
                while (!release.load()) {
                    std::this_thread::sleep_for(1ms);
                }
            });
        };
        auto ticker = [&]() -> corio::task<> {
            for (; ticks < 5; ++ticks) {
                co_await corio::sleep_for(1ms);
            }
            release = true;
        };
        co_await corio::gather(blocker(), ticker());
        EXPECT_EQ(ticks, 5);
    };
    corio::run(main_task());
}

// The form the g++ 12 diagnostic recommends, written inside co_await as people write it: under
// ASan (the asan preset) a double destruction of the state would fail this test.
TEST(RunBlocking, OwnedStatePassedAsArgumentsIsMovedInAndDestroyedOnce) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto owned = std::make_unique<int>(6);
        EXPECT_EQ(co_await corio::run_blocking(
                      [](std::unique_ptr<int> value, int factor) { return *value * factor; },
                      std::move(owned), 2),
                  12);
        EXPECT_EQ(owned, nullptr);
        std::unique_ptr<int> back = co_await corio::run_blocking(
            [](std::unique_ptr<int> value) { return value; }, std::make_unique<int>(4));
        EXPECT_EQ(*back, 4);
        const std::string copied = "copied";
        EXPECT_EQ(co_await corio::run_blocking([](const std::string& text) { return text + "!"; },
                                               copied),
                  "copied!");
    };
    corio::run(main_task());
}

#if !defined(__GNUC__) || defined(__clang__) || __GNUC__ != 12
// Where the compiler is sound, the natural form works too (g++ 12 refuses it at compile time;
// tests/runtime/gcc12_owning_closure.cpp shows the message).
TEST(RunBlocking, AnOwningLambdaWrittenInsideCoAwaitIsDestroyedOnce) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto owned = std::make_unique<int>(5);
        const int value = co_await corio::run_blocking([p = std::move(owned)] { return *p; });
        EXPECT_EQ(value, 5);
    };
    corio::run(main_task());
}
#endif

TEST(RunBlocking, ManyCallsShareTheSmallPool) {
    corio_test::leak_check check;
    corio::loop_options options;
    options.blocking_threads = 2;
    auto main_task = []() -> corio::task<> {
        std::vector<corio::task<int>> calls;
        auto call = [](int i) -> corio::task<int> {
            co_return co_await corio::run_blocking([i] { return i * i; });
        };
        calls.reserve(50);
        for (int i = 0; i < 50; ++i) {
            calls.push_back(call(i));
        }
        std::vector<int> squares = co_await corio::gather(std::move(calls));
        for (int i = 0; i < 50; ++i) {
            EXPECT_EQ(squares[static_cast<std::size_t>(i)], i * i);
        }
    };
    corio::run(main_task(), options);
}

TEST(RunBlocking, CancellingARunningCallWaitsForItThenThrowsCancelled) {
    corio_test::leak_check check;
    std::atomic<bool> started{false};
    std::atomic<bool> finished{false};
    auto caller = [&]() -> corio::task<> {
        co_await corio::run_blocking([&] {
            started = true;
            std::this_thread::sleep_for(30ms);
            finished = true;
        });
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(caller());
        while (!started.load()) { // a worker has picked it up: it can no longer be withdrawn
            co_await corio::sleep_for(1ms);
        }
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
        EXPECT_TRUE(finished.load()); // the call ran to completion before the task resumed
    };
    corio::run(main_task());
}

TEST(RunBlocking, CancellingACallNoWorkerHasStartedWithdrawsIt) {
    corio_test::leak_check check;
    corio::loop_options options;
    options.blocking_threads = 1;
    std::atomic<bool> release{false};
    std::atomic<bool> second_ran{false};
    auto occupy = [&]() -> corio::task<> {
        co_await corio::run_blocking([&] {
            while (!release.load()) {
                std::this_thread::sleep_for(1ms);
            }
        });
    };
    auto queued = [&]() -> corio::task<> {
        co_await corio::run_blocking([&] { second_ran = true; });
    };
    auto main_task = [&]() -> corio::task<> {
        auto busy = corio::spawn(occupy());
        co_await corio::sleep_for(5ms);
        auto waiting = corio::spawn(queued());
        co_await corio::yield_now();
        waiting.cancel();
        EXPECT_THROW(co_await waiting,
                     corio::cancelled_error); // resumed without waiting for `busy`
        release = true;
        co_await busy;
    };
    corio::run(main_task(), options);
    EXPECT_FALSE(second_ran.load());
}

} // namespace
