// SPDX-License-Identifier: MIT
// Real signals: on POSIX the test sends them to itself with kill(2), which delivers one before it
// returns, so the byte is in the loop's pipe by the time the test carries on. Windows has no kill:
// there the console control handler is run on a thread of its own, as the system runs it.
#include <corio/runtime/signal.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/wait_for.hpp>
#include <corio/runtime/yield.hpp>

#include "signal/signal_hub.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <thread>
#include <vector>

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#else
#include <unistd.h>
#endif

namespace {

using namespace std::chrono_literals;

#ifdef _WIN32
// Ctrl-C and Ctrl-Break. (SIGTERM is a closing console: Windows ends the process right after.)
constexpr int first_signal = SIGINT;
constexpr int second_signal = SIGBREAK;

void send_signal(int signal) {
    const DWORD event = signal == SIGINT ? CTRL_C_EVENT : CTRL_BREAK_EVENT;
    std::thread system_thread{[event] { corio::detail::deliver_console_event(event); }};
    system_thread.join();
}
#else
constexpr int first_signal = SIGUSR1;
constexpr int second_signal = SIGUSR2;

void send_signal(int signal) {
    ASSERT_EQ(::kill(::getpid(), signal), 0);
}
#endif

// Long enough for the loop to wait on its reactor and read the pipe.
corio::task<> let_the_loop_poll() {
    co_await corio::sleep_for(5ms);
}

TEST(SignalSet, AWaitingTaskReceivesTheSignal) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<int> {
        corio::signal_set watched{first_signal};
        auto waiter = corio::spawn([](corio::signal_set& set) -> corio::task<int> {
            co_return co_await set.wait();
        }(watched));
        co_await corio::yield_now();
        EXPECT_FALSE(waiter.done());
        send_signal(first_signal);
        co_return co_await corio::wait_for(std::move(waiter), 5s);
    };
    EXPECT_EQ(corio::run(main_task()), first_signal);
}

TEST(SignalSet, ASignalThatArrivesWhileNobodyWaitsIsKeptOncePerNumberInArrivalOrder) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::signal_set watched{first_signal, second_signal};
        send_signal(second_signal);
        send_signal(first_signal);
        send_signal(second_signal); // coalesces with the one already kept
        co_await let_the_loop_poll();
        EXPECT_EQ(co_await watched.wait(), second_signal);
        EXPECT_EQ(co_await watched.wait(), first_signal);
        EXPECT_THROW(co_await corio::wait_for(watched.wait(), 20ms), corio::timeout_error);
    };
    corio::run(main_task());
}

TEST(SignalSet, EveryWaiterOfEverySetWatchingTheSignalReceivesIt) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::signal_set one{first_signal};
        corio::signal_set other{second_signal, first_signal};
        corio::signal_set unrelated{second_signal};
        auto wait_on = [](corio::signal_set& set) -> corio::task<int> {
            co_return co_await set.wait();
        };
        auto a = corio::spawn(wait_on(one));
        auto b = corio::spawn(wait_on(one));
        auto c = corio::spawn(wait_on(other));
        auto d = corio::spawn(wait_on(unrelated));
        co_await corio::yield_now();
        send_signal(first_signal);
        EXPECT_EQ(co_await corio::wait_for(std::move(a), 5s), first_signal);
        EXPECT_EQ(co_await corio::wait_for(std::move(b), 5s), first_signal);
        EXPECT_EQ(co_await corio::wait_for(std::move(c), 5s), first_signal);
        co_await let_the_loop_poll();
        EXPECT_FALSE(d.done());
        d.cancel();
        EXPECT_THROW(co_await d, corio::cancelled_error);
    };
    corio::run(main_task());
}

TEST(SignalSet, AWaitIsCancellableAndTheSetKeepsWorking) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::signal_set watched{first_signal};
        auto waiter = corio::spawn([](corio::signal_set& set) -> corio::task<int> {
            co_return co_await set.wait();
        }(watched));
        co_await corio::yield_now();
        waiter.cancel();
        EXPECT_THROW(co_await waiter, corio::cancelled_error);
        send_signal(first_signal);
        EXPECT_EQ(co_await corio::wait_for(watched.wait(), 5s), first_signal);
    };
    corio::run(main_task());
}

TEST(SignalSet, TheOneShotFormReturnsTheSignalThatArrived) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<int> {
        auto waiter = corio::spawn(corio::signal(first_signal, second_signal));
        co_await corio::yield_now();
        send_signal(second_signal);
        co_return co_await corio::wait_for(std::move(waiter), 5s);
    };
    EXPECT_EQ(corio::run(main_task()), second_signal);
}

TEST(SignalSet, RefusesWhatCannotBeWaitedFor) {
    auto main_task = []() -> corio::task<> {
        EXPECT_THROW(corio::signal_set({}), corio::usage_error);
        EXPECT_THROW(corio::signal_set({0}), corio::usage_error);
        EXPECT_THROW(corio::signal_set({1000}), corio::usage_error);
        EXPECT_THROW(corio::signal_set({-1}), corio::usage_error);
#ifdef _WIN32
        EXPECT_THROW(corio::signal_set({SIGABRT}), corio::usage_error);
#else
        EXPECT_THROW(corio::signal_set({SIGKILL}), corio::usage_error);
        EXPECT_THROW(corio::signal_set({SIGSTOP}), corio::usage_error);
        EXPECT_THROW(corio::signal_set({SIGSEGV}), corio::usage_error);
        // A refused number in a list refuses the whole set, and nothing stays watched.
        EXPECT_THROW(corio::signal_set({first_signal, SIGKILL}), corio::usage_error);
#endif
        co_return;
    };
    corio::run(main_task());
    EXPECT_THROW(corio::signal_set{first_signal}, corio::usage_error); // no loop on this thread
}

TEST(SignalSet, CancelOnSignalCancelsTheMainTaskWhichMayCleanUp) {
    corio_test::leak_check check;
    corio::loop_options options;
    options.cancel_on_signal = true;
    auto main_task = []() -> corio::task<std::string> {
        try {
#ifdef _WIN32
            send_signal(SIGINT);
#else
            send_signal(SIGTERM);
#endif
            co_await corio::sleep_for(1h);
            co_return "slept";
        } catch (const corio::cancelled_error&) {
            co_return "cleaned up";
        }
    };
    EXPECT_EQ(corio::run(main_task(), options), "cleaned up");
}

#ifndef _WIN32

struct sigaction disposition_of(int signal) {
    struct sigaction current {};
    ::sigaction(signal, nullptr, &current);
    return current;
}

std::atomic<int> custom_handler_calls{0};
void custom_handler(int /*signal*/) {
    custom_handler_calls.fetch_add(1);
}

// Installs custom_handler for `signal` for the test's duration.
class custom_disposition {
public:
    explicit custom_disposition(int signal)
        : signal_(signal) {
        struct sigaction action {};
        action.sa_handler = &custom_handler;
        ::sigaction(signal_, &action, &saved_);
    }
    ~custom_disposition() { ::sigaction(signal_, &saved_, nullptr); }
    custom_disposition(const custom_disposition&) = delete;
    custom_disposition& operator=(const custom_disposition&) = delete;

private:
    int signal_;
    struct sigaction saved_ {};
};

TEST(SignalSet, ThePreviousDispositionComesBackWhenTheLastSetWatchingItGoes) {
    corio_test::leak_check check;
    custom_disposition custom{first_signal};
    auto main_task = []() -> corio::task<> {
        auto first = std::make_unique<corio::signal_set>(std::vector<int>{first_signal});
        EXPECT_NE(disposition_of(first_signal).sa_handler, &custom_handler);
        auto second = std::make_unique<corio::signal_set>(std::vector<int>{first_signal});
        first.reset();
        EXPECT_NE(disposition_of(first_signal).sa_handler, &custom_handler);
        send_signal(first_signal);
        EXPECT_EQ(co_await corio::wait_for(second->wait(), 5s), first_signal);
        second.reset();
        EXPECT_EQ(disposition_of(first_signal).sa_handler, &custom_handler);
        const int before = custom_handler_calls.load();
        send_signal(first_signal);
        EXPECT_EQ(custom_handler_calls.load(), before + 1);
    };
    corio::run(main_task());
}

TEST(SignalSet, CancelOnSignalStopsWatchingWhenTheMainTaskEnds) {
    custom_disposition custom{SIGTERM};
    corio::loop_options options;
    options.cancel_on_signal = true;
    auto main_task = []() -> corio::task<> {
        EXPECT_NE(disposition_of(SIGTERM).sa_handler, &custom_handler);
        co_return;
    };
    corio::run(main_task(), options);
    EXPECT_EQ(disposition_of(SIGTERM).sa_handler, &custom_handler);
    EXPECT_EQ(disposition_of(SIGINT).sa_handler, SIG_DFL);
}

TEST(SignalSet, SetsOnLoopsInTwoThreadsEachReceiveTheSignal) {
    corio_test::leak_check check;
    std::atomic<int> watching{0};
    std::atomic<int> received{0};
    auto loop_thread = [&] {
        auto main_task = [&]() -> corio::task<> {
            corio::signal_set watched{first_signal};
            watching.fetch_add(1);
            const int signal = co_await corio::wait_for(watched.wait(), 5s);
            received.fetch_add(signal == first_signal ? 1 : 0);
        };
        corio::run(main_task());
    };
    std::thread one{loop_thread};
    std::thread two{loop_thread};
    while (watching.load() != 2) {
        std::this_thread::sleep_for(1ms);
    }
    send_signal(first_signal);
    one.join();
    two.join();
    EXPECT_EQ(received.load(), 2);
}

TEST(SignalSetDeathTest, ASecondSignalEndsTheProcessAsTheSignalWould) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    auto run_and_be_interrupted_twice = [] {
        corio::loop_options options;
        options.cancel_on_signal = true;
        auto main_task = []() -> corio::task<> {
            try {
                send_signal(SIGINT);
                co_await corio::sleep_for(1h);
            } catch (const corio::cancelled_error&) {
            }
            // A clean-up that takes too long: the user presses Ctrl-C again.
            send_signal(SIGINT);
            co_await corio::sleep_for(1h);
        };
        corio::run(main_task(), options);
    };
    EXPECT_EXIT(run_and_be_interrupted_twice(), testing::KilledBySignal(SIGINT), "");
}

#endif

} // namespace
