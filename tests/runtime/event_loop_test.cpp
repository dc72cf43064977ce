// SPDX-License-Identifier: MIT
#include <corio/runtime/event_loop.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

TEST(EventLoop, OnlyOneLoopMayOwnAThread) {
    corio::event_loop loop;
    EXPECT_EQ(&corio::event_loop::current(), &loop);
    EXPECT_THROW(corio::event_loop second, corio::usage_error);
}

TEST(EventLoop, SpawnWithoutALoopIsAUsageError) {
    auto body = []() -> corio::task<> { co_return; };
    EXPECT_EQ(corio::event_loop::try_current(), nullptr);
    EXPECT_THROW((void)corio::spawn(body()), corio::usage_error);
}

TEST(EventLoop, ReportsTheEpollBackendOnLinux) {
    corio::event_loop loop;
#if defined(__linux__)
    // Unless CORIO_BACKEND names another (the dev-io-uring test preset runs everything on
    // io_uring).
    const char* named = std::getenv("CORIO_BACKEND");
    const bool other = named != nullptr && *named != '\0' && std::string_view(named) != "auto";
    EXPECT_EQ(loop.backend_name(), other ? std::string_view(named) : "epoll");
#endif
    std::printf("active reactor backend: %.*s\n", static_cast<int>(loop.backend_name().size()),
                loop.backend_name().data());
}

TEST(EventLoop, ReadyTasksRunInFifoOrderAndNewlyReadyOnesWaitForTheNextTurn) {
    corio_test::leak_check check;
    std::string trace;
    auto worker = [&](char name, int steps) -> corio::task<> {
        for (int i = 0; i < steps; ++i) {
            trace += name;
            co_await corio::yield_now();
        }
    };
    auto main_task = [&]() -> corio::task<> {
        auto a = corio::spawn(worker('a', 3));
        auto b = corio::spawn(worker('b', 3));
        auto c = corio::spawn(worker('c', 1));
        co_await a;
        co_await b;
        co_await c;
    };
    corio::run(main_task());
    EXPECT_EQ(trace, "abcabab");
}

TEST(EventLoop, RunUntilCompleteCannotNest) {
    corio::event_loop loop;
    auto inner = []() -> corio::task<> { co_return; };
    auto outer = [&]() -> corio::task<> {
        EXPECT_THROW(loop.run_until_complete(inner()), corio::usage_error);
        co_return;
    };
    loop.run_until_complete(outer());
}

TEST(EventLoop, RunLeavesOtherTasksRunningButTheLoopDestructorCancelsThem) {
    corio_test::leak_check check;
    bool background_cancelled = false;
    auto background = [&]() -> corio::task<> {
        try {
            co_await corio::sleep_for(1h);
        } catch (const corio::cancelled_error&) {
            background_cancelled = true;
            throw;
        }
    };
    {
        corio::event_loop loop;
        auto main_task = [&]() -> corio::task<int> {
            corio::spawn(background()).detach();
            co_await corio::yield_now();
            co_return 5;
        };
        EXPECT_EQ(loop.run_until_complete(main_task()), 5);
        EXPECT_EQ(loop.stats().live_tasks, 1U);
        EXPECT_FALSE(background_cancelled);
    }
    EXPECT_TRUE(background_cancelled);
}

TEST(EventLoop, ATaskThatSwallowsCancellationForeverIsDestroyedAtShutdown) {
    corio_test::leak_check check;
    corio::event never_set;
    int cancellations = 0;
    auto stubborn = [&]() -> corio::task<> {
        for (;;) {
            try {
                co_await never_set.wait();
            } catch (const corio::cancelled_error&) {
                ++cancellations;
            }
        }
    };
    auto main_task = [&]() -> corio::task<> {
        corio::spawn(stubborn()).detach();
        co_await corio::yield_now();
    };
    testing::internal::CaptureStderr();
    corio::run(main_task());
    const std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(cancellations, 1);
    EXPECT_NE(log.find("destroying a task still pending"), std::string::npos) << log;
}

TEST(EventLoop, ExceptionFromADetachedTaskIsReportedNotSwallowed) {
    corio_test::leak_check check;
    std::vector<std::string> reported;
    corio::loop_options options;
    options.unhandled_exception_handler = [&](std::exception_ptr error) {
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            reported.emplace_back(e.what());
        }
    };
    auto failing = []() -> corio::task<> {
        co_await corio::yield_now();
        throw std::runtime_error("lost in the background");
    };
    auto main_task = [&]() -> corio::task<> {
        corio::spawn(failing()).detach();
        co_await corio::sleep_for(1ms);
    };
    corio::run(main_task(), options);
    EXPECT_EQ(reported, (std::vector<std::string>{"lost in the background"}));
}

TEST(EventLoop, TheDefaultReporterPrintsTheExceptionToStderr) {
    auto failing = []() -> corio::task<> {
        co_await corio::yield_now();
        throw std::runtime_error("visible failure");
    };
    auto main_task = [&]() -> corio::task<> {
        corio::spawn(failing()).detach();
        co_await corio::sleep_for(1ms);
    };
    testing::internal::CaptureStderr();
    corio::run(main_task());
    EXPECT_NE(testing::internal::GetCapturedStderr().find("visible failure"), std::string::npos);
}

TEST(EventLoop, TheDefaultReporterNamesTheExceptionTypeAsTheSourceSpellsIt) {
    auto failing = []() -> corio::task<> {
        co_await corio::yield_now();
        throw corio::timeout_error("slow background work");
    };
    auto also_failing = []() -> corio::task<> {
        co_await corio::yield_now();
        throw std::runtime_error("plain failure");
    };
    auto main_task = [&]() -> corio::task<> {
        corio::spawn(failing()).detach();
        corio::spawn(also_failing()).detach();
        co_await corio::sleep_for(1ms);
    };
    testing::internal::CaptureStderr();
    corio::run(main_task());
    const std::string log = testing::internal::GetCapturedStderr();
    // Demangled on g++ and clang; MSVC spells it "class corio::timeout_error".
    EXPECT_NE(log.find("corio::timeout_error: slow background work"), std::string::npos) << log;
    EXPECT_NE(log.find("std::runtime_error: plain failure"), std::string::npos) << log;
}

TEST(EventLoop, PostFromManyThreadsRunsEveryCallbackOnTheLoopThread) {
    corio_test::leak_check check;
    constexpr int threads = 4;
    constexpr int posts_per_thread = 2000;
    auto main_task = [&]() -> corio::task<int> {
        corio::event_loop& loop = corio::event_loop::current();
        const std::thread::id loop_thread = std::this_thread::get_id();
        int received = 0; // only touched on the loop thread: TSan proves it
        bool wrong_thread = false;
        corio::event all_received;
        std::vector<std::thread> posters;
        for (int t = 0; t < threads; ++t) {
            posters.emplace_back([&] {
                for (int i = 0; i < posts_per_thread; ++i) {
                    loop.post([&] {
                        wrong_thread = wrong_thread || std::this_thread::get_id() != loop_thread;
                        if (++received == threads * posts_per_thread) {
                            all_received.set();
                        }
                    });
                }
            });
        }
        co_await all_received.wait();
        for (std::thread& poster : posters) {
            poster.join();
        }
        EXPECT_FALSE(wrong_thread);
        co_return received;
    };
    EXPECT_EQ(corio::run(main_task()), threads * posts_per_thread);
}

TEST(EventLoop, PostWakesALoopBlockedWithNothingElseToDo) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::event_loop& loop = corio::event_loop::current();
        corio::event woken;
        std::thread poster([&] {
            std::this_thread::sleep_for(20ms);
            loop.post([&] { woken.set(); });
        });
        co_await woken.wait(); // no timers, no I/O: only the post can wake the loop
        poster.join();
    };
    corio::run(main_task());
}

TEST(EventLoop, AnImmediatelyCompletingAwaitYieldsAfterTheBudget) {
    corio_test::leak_check check;
    corio::loop_options options;
    options.immediate_completion_budget = 8;
    int other_ran_after = -1;
    int spins = 0;
    auto other_body = [&]() -> corio::task<> {
        other_ran_after = spins;
        co_return;
    };
    auto main_task = [&]() -> corio::task<> {
        corio::event always_set;
        always_set.set();
        auto other = corio::spawn(other_body());
        // Never suspends on its own: only the budget lets `other` in.
        while (other_ran_after < 0) {
            co_await always_set.wait();
            ++spins;
        }
        co_await other;
    };
    corio::run(main_task(), options);
    EXPECT_EQ(other_ran_after, 8);
}

TEST(EventLoop, VirtualTimeJumpsOverAnHourInstantly) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        const auto start = corio::now();
        co_await corio::sleep_for(1h);
        EXPECT_EQ(corio::now() - start, 1h);
    };
    const auto wall_start = std::chrono::steady_clock::now();
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_LT(std::chrono::steady_clock::now() - wall_start, 10s);
}

TEST(EventLoop, StatsCountLiveTasksAndArmedTimers) {
    corio_test::leak_check check;
    auto sleep_a_second = []() -> corio::task<> { co_await corio::sleep_for(1s); };
    auto main_task = [&]() -> corio::task<> {
        corio::event_loop& loop = corio::event_loop::current();
        auto sleeper = corio::spawn(sleep_a_second());
        co_await corio::yield_now();
        EXPECT_EQ(loop.stats().live_tasks, 2U); // main and the sleeper
        EXPECT_EQ(loop.stats().armed_timers, 1U);
        co_await sleeper;
        EXPECT_EQ(loop.stats().live_tasks, 1U);
        EXPECT_EQ(loop.stats().armed_timers, 0U);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

} // namespace

namespace {

TEST(EventLoop, AnIdleLoopSleepsUntilItsTimerInsteadOfPolling) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        const std::uint64_t before = corio::event_loop::current().stats().waits;
        co_await corio::sleep_for(200ms); // real time: a busy or periodic loop would wait often
        const std::uint64_t waits = corio::event_loop::current().stats().waits - before;
        EXPECT_GE(waits, 1U); // it did wait (the counter works)
        EXPECT_LE(waits, 4U) << "the loop woke up " << waits << " times during one 200 ms sleep";
    };
    corio::run(main_task());
}

TEST(EventLoop, ALongTimerCostsOnlyAFewCascadeWakeUps) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        const std::uint64_t before = corio::event_loop::current().stats().waits;
        co_await corio::sleep_for(10h); // cascades through the wheel's levels on its way down
        const std::uint64_t waits = corio::event_loop::current().stats().waits - before;
        EXPECT_GE(waits, 1U);
        EXPECT_LE(waits, 8U) << "a 10 h sleep took " << waits << " reactor waits";
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

} // namespace
