// SPDX-License-Identifier: MIT
// Cancellation at every kind of suspension point: each test parks a task somewhere, cancels it,
// and checks that it throws cancelled_error there, can clean up, and leaves nothing behind.
#include <corio/runtime/error.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/run_blocking.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/condition_variable.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/sync/mutex.hpp>
#include <corio/runtime/sync/queue.hpp>
#include <corio/runtime/sync/semaphore.hpp>
#include <corio/runtime/task_group.hpp>
#include <corio/runtime/wait_for.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"
#include "support/socket_helpers.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

// Runs `park` in a task, cancels it once it is parked, and checks the outcome and the loop.
void expect_cancellable(const std::function<corio::task<>()>& park, const char* expected_wait) {
    corio_test::leak_check check;
    corio::event_loop loop;
    bool cleaned_up = false;
    auto victim = [&]() -> corio::task<> {
        try {
            co_await park();
        } catch (const corio::cancelled_error&) {
            cleaned_up = true;
            throw;
        }
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(victim());
        co_await corio::sleep_for(1ms);
        co_await corio::yield_now();
        const auto* state = handle.state();
        if (handle.done() || state->suspended_on() == nullptr) {
            ADD_FAILURE() << "the task should be parked";
            co_return;
        }
        EXPECT_STREQ(state->suspended_on()->what->name, expected_wait);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
    };
    loop.run_until_complete(main_task());
    EXPECT_TRUE(cleaned_up);
    corio_test::expect_loop_is_clean(loop);
}

TEST(Cancellation, ASleepIsCancellable) {
    expect_cancellable([]() -> corio::task<> { co_await corio::sleep_for(1h); }, "sleep");
}

TEST(Cancellation, AQueueGetIsCancellable) {
    corio::queue<int> q;
    expect_cancellable([&]() -> corio::task<> { (void)co_await q.get(); }, "queue.get");
}

TEST(Cancellation, AQueuePutIsCancellable) {
    corio::queue<int> q{1};
    q.put_nowait(0);
    expect_cancellable([&]() -> corio::task<> { co_await q.put(1); }, "queue.put");
    EXPECT_EQ(q.size(), 1U);
}

TEST(Cancellation, AQueueJoinIsCancellable) {
    corio::queue<int> q;
    q.put_nowait(0);
    expect_cancellable([&]() -> corio::task<> { co_await q.join(); }, "queue.join");
}

TEST(Cancellation, AnEventWaitIsCancellable) {
    corio::event never;
    expect_cancellable([&]() -> corio::task<> { co_await never.wait(); }, "event.wait");
}

TEST(Cancellation, AMutexLockIsCancellable) {
    corio::mutex lock;
    ASSERT_TRUE(lock.try_lock());
    expect_cancellable([&]() -> corio::task<> { co_await lock.lock(); }, "mutex.lock");
}

TEST(Cancellation, ASemaphoreAcquireIsCancellable) {
    corio::semaphore none{0};
    expect_cancellable([&]() -> corio::task<> { co_await none.acquire(); }, "semaphore.acquire");
}

TEST(Cancellation, AConditionVariableWaitIsCancellable) {
    corio::mutex lock;
    corio::condition_variable never;
    expect_cancellable(
        [&]() -> corio::task<> {
            corio::mutex::guard held = co_await lock.scoped_lock();
            co_await never.wait(held);
        },
        "condition_variable.wait");
    EXPECT_FALSE(lock.locked());
}

TEST(Cancellation, AnIoReadIsCancellable) {
    expect_cancellable(
        []() -> corio::task<> {
            auto [a, b] = corio_test::stream_socket_pair();
            corio::io_object socket{a};
            corio::io_object peer{b}; // stays open, so the read really has to wait
            std::array<std::byte, 4> buffer{};
            (void)co_await socket.receive_some(buffer);
        },
        "read");
}

TEST(Cancellation, AJoinIsCancellableAndCancelsTheJoinedTask) {
    expect_cancellable(
        []() -> corio::task<> {
            auto inner = []() -> corio::task<> { co_await corio::sleep_for(1h); };
            auto handle = corio::spawn(inner());
            co_await handle;
        },
        "join");
}

TEST(Cancellation, AGatherIsCancellable) {
    expect_cancellable(
        []() -> corio::task<> {
            auto sleeper = []() -> corio::task<> { co_await corio::sleep_for(1h); };
            co_await corio::gather(sleeper(), sleeper());
        },
        "task_group.wait");
}

TEST(Cancellation, AWaitForIsCancellable) {
    expect_cancellable(
        []() -> corio::task<> {
            auto sleeper = []() -> corio::task<> { co_await corio::sleep_for(1h); };
            co_await corio::wait_for(sleeper(), 2h);
        },
        "task_group.wait");
}

TEST(Cancellation, ARunBlockingCallIsCancellable) {
    expect_cancellable(
        []() -> corio::task<> {
            co_await corio::run_blocking([] { std::this_thread::sleep_for(20ms); });
        },
        "run_blocking");
}

TEST(Cancellation, ACancellationRequestedBeforeTheTaskStartsFiresAtItsFirstSuspension) {
    corio_test::leak_check check;
    bool reached_suspension = false;
    auto victim = [&]() -> corio::task<> {
        reached_suspension = true;
        co_await corio::sleep_for(1h);
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(victim());
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_TRUE(reached_suspension);
}

TEST(Cancellation, ATaskMayCatchTheCancellationCleanUpAndReturnNormally) {
    corio_test::leak_check check;
    auto victim = []() -> corio::task<int> {
        try {
            co_await corio::sleep_for(1h);
        } catch (const corio::cancelled_error&) {
        }
        co_await corio::sleep_for(1ms); // awaiting again works: the request was delivered once
        co_return 5;
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(victim());
        co_await corio::yield_now();
        handle.cancel();
        EXPECT_EQ(co_await handle, 5);
        EXPECT_FALSE(handle.cancelled());
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

} // namespace
