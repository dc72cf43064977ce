// SPDX-License-Identifier: MIT
// Suspensions tell the truth: a task parked on a primitive says what it waits on (which object),
// and an operation that completes at once records no suspension at all.
#include <corio/runtime/detail/task_state.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/run_blocking.hpp>
#include <corio/runtime/signal.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/condition_variable.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/sync/mutex.hpp>
#include <corio/runtime/sync/oneshot.hpp>
#include <corio/runtime/sync/queue.hpp>
#include <corio/runtime/sync/semaphore.hpp>
#include <corio/runtime/task_group.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"
#include "support/socket_helpers.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>

using namespace std::chrono_literals;

namespace {

using corio::wait_category;
using corio::detail::task_state;

std::string address_of(const void* object) {
    char text[32];
    std::snprintf(text, sizeof text, "0x%" PRIxPTR, reinterpret_cast<std::uintptr_t>(object));
    return text;
}

std::string described(const task_state& task) {
    std::string text;
    if (task.suspended_on() != nullptr) {
        corio::detail::describe_suspension(*task.suspended_on(), text);
    }
    return text;
}

wait_category category(const task_state& task) {
    return corio::detail::category_of(*task.suspended_on());
}

// co_await this_task{} hands back the running task's state without suspending.
struct this_task {
    const task_state* task = nullptr;
    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template <class Promise>
    bool await_suspend(std::coroutine_handle<Promise> coroutine) noexcept {
        task = &coroutine.promise().this_task();
        return false;
    }
    [[nodiscard]] const task_state& await_resume() const noexcept { return *task; }
};

// Wraps another awaiter and checks, the moment its await_suspend returns, that the task has a
// recorded suspension exactly when it really suspends.
template <class Inner>
struct checked {
    Inner inner;
    const task_state* task = nullptr;
    bool suspended = false;
    [[nodiscard]] bool await_ready() { return inner.await_ready(); }
    template <class Promise>
    bool await_suspend(std::coroutine_handle<Promise> coroutine) {
        task = &coroutine.promise().this_task();
        suspended = inner.await_suspend(coroutine);
        if (!suspended) {
            EXPECT_EQ(task->suspended_on(), nullptr) << "a wait that never happened was recorded";
        }
        return suspended;
    }
    decltype(auto) await_resume() {
        EXPECT_EQ(task->suspended_on(), nullptr);
        return inner.await_resume();
    }
};
template <class Inner>
checked<Inner> watched(Inner inner) {
    return checked<Inner>{std::move(inner)};
}

// Spawns `work`, lets it run up to its first suspension, hands its state to `inspect`, then
// cancels it and expects cancelled_error (the wait is still cancellable after being described).
template <class Inspect>
corio::task<> park_and_inspect(corio::task<> work, Inspect inspect) {
    auto handle = corio::spawn(std::move(work));
    co_await corio::yield_now();
    co_await corio::yield_now();
    const task_state& parked = *handle.state();
    EXPECT_NE(parked.suspended_on(), nullptr);
    if (parked.suspended_on() != nullptr) {
        inspect(parked);
    }
    handle.cancel();
    EXPECT_THROW(co_await handle, corio::cancelled_error);
}

TEST(Suspension, SleepSaysHowLongIsLeft) {
    corio_test::leak_check check;
    corio::event_loop loop{corio::loop_options::with_virtual_time()};
    loop.run_until_complete(park_and_inspect(
        []() -> corio::task<> { co_await corio::sleep_for(1500ms); }(),
        [](const task_state& parked) {
            EXPECT_EQ(described(parked), "sleep 1.500 s");
            EXPECT_EQ(category(parked), wait_category::timer);
            EXPECT_EQ(corio::detail::awaited_task(*parked.suspended_on()), nullptr);
        }));
    loop.run_until_complete(park_and_inspect(
        []() -> corio::task<> { co_await corio::sleep_for(250ms); }(),
        [](const task_state& parked) { EXPECT_EQ(described(parked), "sleep 250.0 ms"); }));
}

// sleep_for(0) is a real suspension: the timer fires on the next turn, so other tasks run first.
TEST(Suspension, SleepForZeroReallySuspends) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        bool other_ran = false;
        auto other = corio::spawn([](bool& ran) -> corio::task<> {
            ran = true;
            co_return;
        }(other_ran));
        auto sleep = watched(corio::sleep_for(0ms));
        co_await sleep;
        EXPECT_TRUE(sleep.suspended);
        EXPECT_TRUE(other_ran);
        co_await other;
    };
    corio::run(main_task());
}

TEST(Suspension, QueueGetAndPutNameTheQueueAndItsFill) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::queue<int> items{4};
        co_await park_and_inspect(
            [](corio::queue<int>& q) -> corio::task<> { co_await q.get(); }(items),
            [&](const task_state& parked) {
                EXPECT_EQ(described(parked),
                          "queue.get (" + address_of(&items) + ", 0 of 4 items)");
                EXPECT_EQ(category(parked), wait_category::queue);
            });
        corio::queue<int> one{1};
        one.put_nowait(1);
        co_await park_and_inspect(
            [](corio::queue<int>& q) -> corio::task<> { co_await q.put(2); }(one),
            [&](const task_state& parked) {
                EXPECT_EQ(described(parked), "queue.put (" + address_of(&one) + ", 1 of 1 items)");
            });
        co_await park_and_inspect(
            [](corio::queue<int>& q) -> corio::task<> { co_await q.join(); }(one),
            [&](const task_state& parked) {
                EXPECT_EQ(described(parked), "queue.join (" + address_of(&one) + ", 1 of 1 items)");
                EXPECT_EQ(category(parked), wait_category::queue);
            });
        corio::queue<int> unbounded;
        co_await park_and_inspect(
            [](corio::queue<int>& q) -> corio::task<> { co_await q.get(); }(unbounded),
            [&](const task_state& parked) {
                EXPECT_EQ(described(parked), "queue.get (" + address_of(&unbounded) + ", 0 items)");
            });
    };
    corio::run(main_task());
}

TEST(Suspension, EventSemaphoreConditionAndOneshotNameTheirObject) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::event never;
        co_await park_and_inspect(
            [](corio::event& e) -> corio::task<> { co_await e.wait(); }(never),
            [&](const task_state& parked) {
                EXPECT_EQ(described(parked), "event.wait " + address_of(&never));
                EXPECT_EQ(category(parked), wait_category::event);
            });
        corio::semaphore none{0};
        co_await park_and_inspect(
            [](corio::semaphore& s) -> corio::task<> { co_await s.acquire(); }(none),
            [&](const task_state& parked) {
                EXPECT_EQ(described(parked), "semaphore.acquire " + address_of(&none));
                EXPECT_EQ(category(parked), wait_category::event);
            });
        corio::mutex guarded;
        corio::condition_variable changed;
        co_await park_and_inspect(
            [](corio::mutex& m, corio::condition_variable& c) -> corio::task<> {
                auto held = co_await m.scoped_lock();
                co_await c.wait(held);
            }(guarded, changed),
            [&](const task_state& parked) {
                EXPECT_EQ(described(parked), "condition_variable.wait " + address_of(&changed));
                EXPECT_EQ(category(parked), wait_category::event);
            });
        auto [sender, receiver] = corio::make_oneshot<int>();
        co_await park_and_inspect(
            [](corio::oneshot_receiver<int>& r) -> corio::task<> {
                co_await r.receive();
            }(receiver),
            [&](const task_state& parked) {
                EXPECT_EQ(described(parked).rfind("oneshot.receive 0x", 0), 0U)
                    << described(parked);
                EXPECT_EQ(category(parked), wait_category::queue);
            });
    };
    corio::run(main_task());
}

TEST(Suspension, MutexLockSaysTheMutexIsHeld) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::mutex shared;
        co_await shared.lock();
        co_await park_and_inspect(
            [](corio::mutex& m) -> corio::task<> {
                co_await m.lock();
                m.unlock();
            }(shared),
            [&](const task_state& parked) {
                EXPECT_EQ(described(parked), "mutex.lock " + address_of(&shared) + " (held)");
                EXPECT_EQ(category(parked), wait_category::lock);
            });
        shared.unlock();
    };
    corio::run(main_task());
}

TEST(Suspension, JoinNamesTheJoinedTaskAndLeadsToIt) {
    corio_test::leak_check check;
    for (const bool tracked : {false, true}) {
        corio::loop_options options;
        options.track_tasks = tracked;
        corio::event_loop loop{options};
        auto main_task = [&]() -> corio::task<> {
            corio::event never;
            auto joined =
                corio::spawn([](corio::event& e) -> corio::task<> { co_await e.wait(); }(never));
            const task_state* joined_state = joined.state();
            co_await park_and_inspect(
                [](corio::join_handle<void>& j) -> corio::task<> { co_await j; }(joined),
                [&](const task_state& parked) {
                    const corio::task_id id = loop.instruments() != nullptr
                                                  ? loop.instruments()->id_of(*joined_state)
                                                  : 0;
                    EXPECT_EQ(described(parked), id != 0 ? "join task #" + std::to_string(id)
                                                         : "join task " + address_of(joined_state));
                    EXPECT_EQ(category(parked), wait_category::task);
                    EXPECT_EQ(corio::detail::awaited_task(*parked.suspended_on()), joined_state);
                });
            // Cancelling the joiner cancelled the joined task too (as before).
            EXPECT_TRUE(joined.done());
            EXPECT_THROW(joined.result(), corio::cancelled_error);
        };
        loop.run_until_complete(main_task());
    }
}

TEST(Suspension, TaskGroupWaitCountsTheChildren) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        co_await park_and_inspect(
            []() -> corio::task<> {
                corio::task_group group;
                corio::event never;
                for (int i = 0; i < 3; ++i) {
                    group.spawn([](corio::event& e) -> corio::task<> { co_await e.wait(); }(never));
                }
                co_await group.wait();
            }(),
            [](const task_state& parked) {
                EXPECT_EQ(described(parked), "task_group.wait (3 children)");
                EXPECT_EQ(category(parked), wait_category::task);
            });
    };
    corio::run(main_task());
}

TEST(Suspension, RunBlockingIsABlockingWait) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        std::atomic<bool> release{false};
        auto handle = corio::spawn([](std::atomic<bool>& go) -> corio::task<> {
            co_await corio::run_blocking([&go] {
                while (!go.load()) {
                    std::this_thread::sleep_for(1ms);
                }
            });
        }(release));
        co_await corio::yield_now();
        const task_state& parked = *handle.state();
        EXPECT_NE(parked.suspended_on(), nullptr);
        if (parked.suspended_on() != nullptr) {
            EXPECT_EQ(described(parked), "run_blocking");
            EXPECT_EQ(category(parked), wait_category::blocking);
        }
        release = true;
        co_await handle;
    };
    corio::run(main_task());
}

#if defined(_WIN32)
constexpr const char* handle_word = " handle ";
#else
constexpr const char* handle_word = " fd ";
#endif

TEST(Suspension, IoNamesTheOperationAndTheHandle) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto [x, y] = corio_test::stream_socket_pair();
        corio::io_object a{x};
        corio::io_object b{y};
        std::array<std::byte, 16> buffer{};
        co_await park_and_inspect(
            [](corio::io_object& in, std::array<std::byte, 16>& into) -> corio::task<> {
                co_await in.receive_some(into);
            }(b, buffer),
            [&](const task_state& parked) {
                EXPECT_EQ(described(parked),
                          "read" + std::string(handle_word) + std::to_string(b.native_handle()));
                EXPECT_EQ(category(parked), wait_category::io);
            });
        std::uint16_t port = 0;
        corio::io_object listener{corio_test::loopback_listener(port)};
        std::array<std::byte, 128> peer{};
        co_await park_and_inspect(
            [](corio::io_object& from, std::array<std::byte, 128>& address) -> corio::task<> {
                auto accepted = co_await from.accept(address.data(),
                                                     static_cast<std::uint32_t>(address.size()));
                corio_test::close_handle(accepted.handle);
            }(listener, peer),
            [&](const task_state& parked) {
                EXPECT_EQ(described(parked), "accept" + std::string(handle_word) +
                                                 std::to_string(listener.native_handle()));
            });
    };
    corio::run(main_task());
}

TEST(Suspension, SignalWaitNamesTheSignals) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::signal_set stop{SIGINT, SIGTERM};
        co_await park_and_inspect(
            [](corio::signal_set& s) -> corio::task<> { co_await s.wait(); }(stop),
            [](const task_state& parked) {
                EXPECT_EQ(described(parked), "signal_set.wait SIGINT,SIGTERM");
                EXPECT_EQ(category(parked), wait_category::event);
            });
    };
    corio::run(main_task());
}

// Operations that complete at once never record a suspension, before, during or after.
TEST(Suspension, ImmediateCompletionsRecordNoSuspension) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        const task_state& me = co_await this_task{};
        corio::queue<int> items;
        items.put_nowait(7);
        auto get = watched(items.get());
        EXPECT_EQ(co_await get, 7);
        EXPECT_FALSE(get.suspended);
        auto put = watched(items.put(8));
        co_await put;
        EXPECT_FALSE(put.suspended);
        corio::event ready;
        ready.set();
        auto wait = watched(ready.wait());
        co_await wait;
        EXPECT_FALSE(wait.suspended);
        corio::mutex free;
        auto lock = watched(free.lock());
        co_await lock;
        EXPECT_FALSE(lock.suspended);
        free.unlock();
        corio::semaphore one{1};
        auto acquire = watched(one.acquire());
        co_await acquire;
        EXPECT_FALSE(acquire.suspended);
        one.release();
        corio::task_group empty;
        auto group = checked<corio::task_group::wait_awaiter>{empty.wait()};
        co_await group;
        EXPECT_FALSE(group.suspended);
        EXPECT_EQ(me.suspended_on(), nullptr);
    };
    corio::run(main_task());
}

// Once the immediate-completion budget is spent the task yields, but it never waited: while it
// sits in the ready queue it has no suspension.
TEST(Suspension, ASpentBudgetYieldsWithoutRecordingAWait) {
    corio_test::leak_check check;
    corio::loop_options options;
    options.immediate_completion_budget = 2;
    corio::event_loop loop{options};
    auto main_task = []() -> corio::task<> {
        corio::event ready;
        ready.set();
        const task_state* busy_state = nullptr;
        bool busy_yielded_once = false;
        auto busy = corio::spawn([](corio::event& e, bool& yielded) -> corio::task<> {
            for (int i = 0; i < 4; ++i) {
                auto wait = watched(e.wait());
                co_await wait;
                yielded = yielded || wait.suspended;
            }
        }(ready, busy_yielded_once));
        busy_state = busy.state();
        co_await corio::yield_now(); // busy runs two waits at once, then yields on the third
        EXPECT_FALSE(busy.done());
        EXPECT_EQ(busy_state->suspended_on(), nullptr);
        co_await busy;
        EXPECT_TRUE(busy_yielded_once);
    };
    loop.run_until_complete(main_task());
}

TEST(Suspension, AYieldingTaskIsReadyNotWaitingAndStillCancellable) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        int rounds = 0;
        auto spinner = corio::spawn([](int& count) -> corio::task<> {
            for (;;) {
                ++count;
                co_await corio::yield_now();
            }
        }(rounds));
        co_await corio::yield_now();
        co_await corio::yield_now();
        EXPECT_GT(rounds, 0);
        EXPECT_EQ(spinner.state()->suspended_on(), nullptr);
        spinner.cancel();
        EXPECT_THROW(co_await spinner, corio::cancelled_error);
        // A cancellation already pending is delivered at the yield itself.
        auto doomed = corio::spawn([]() -> corio::task<> {
            co_await corio::yield_now();
            ADD_FAILURE() << "the yield should have thrown";
        }());
        doomed.cancel(); // before it ever ran: the yield finds the cancellation pending
        EXPECT_THROW(co_await doomed, corio::cancelled_error);
    };
    corio::run(main_task());
}

} // namespace
