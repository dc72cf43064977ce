// SPDX-License-Identifier: MIT
// signal.hpp - waiting for signals (Ctrl-C, `kill`) in a task, like asyncio's add_signal_handler,
// tokio::signal or asio::signal_set.
//
//     corio::signal_set stop{SIGINT, SIGTERM};
//     int which = co_await stop.wait();        // parks until one of them arrives
//
//     int which = co_await corio::signal(SIGINT, SIGTERM);   // the one-shot form
//
// A signal handler may do almost nothing (no locks, no allocation, no resuming coroutines), so
// the handler corio installs only records the signal, and the loop wakes the waiting tasks on an
// ordinary turn. On Linux and macOS the handler writes the signal number into a pipe the loop's
// reactor watches (the "self-pipe trick"); on Windows the console control handler (Ctrl-C,
// Ctrl-Break, closing the console) posts to the loop. Windows has no `kill`: there, SIGINT is
// Ctrl-C, SIGBREAK is Ctrl-Break and SIGTERM is the console closing, logoff or shutdown.
//
// While a set exists, its signals no longer do what they did before (by default, end the
// process): they are delivered to the set. A signal that arrives while no task waits is kept,
// once per signal number (as the OS keeps pending signals), and the next wait() returns it at
// once; every task waiting on the set when it arrives is woken with it. When the last set
// watching a signal goes, the signal's previous disposition is restored.
// Any number of sets, on any number of loops (one per thread), may watch the same signal; each
// receives it. Waiting is cancellable.
// Not thread-safe: use a set on the thread of the loop it was made on.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/wait_list.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/task.hpp>

#include <coroutine>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio {

namespace detail {
class signal_hub;
// " SIGINT,SIGTERM" for a parked wait's description (suspension.cpp); unnamed ones by number.
void describe_signals(const std::vector<int>& signals, std::string& out);
} // namespace detail

class signal_set {
public:
    // Starts watching `signals` on the calling thread's loop. Throws usage_error for a number the
    // platform cannot watch (SIGKILL, SIGSTOP, 0, a number out of range; on Windows anything but
    // SIGINT, SIGBREAK and SIGTERM), and std::system_error if the OS refuses.
    signal_set(std::initializer_list<int> signals)
        : signal_set(std::vector<int>(signals)) {}
    explicit signal_set(std::vector<int> signals);
    ~signal_set();
    // Registered by address with the loop's signal hub.
    signal_set(const signal_set&) = delete;
    signal_set& operator=(const signal_set&) = delete;

    [[nodiscard]] const std::vector<int>& signals() const noexcept { return signals_; }
    [[nodiscard]] bool watches(int signal) const noexcept;

    class [[nodiscard]] wait_awaiter : private detail::waiter,
                                       public detail::wait_list_hook<wait_awaiter> {
    public:
        explicit wait_awaiter(signal_set& owner) noexcept
            : set_(owner) {}
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> coroutine) {
            if (!park(coroutine, wait_kind)) {
                return false;
            }
            if (!set_.pending_.empty()) {
                received_ = set_.take_pending();
                return complete_immediately();
            }
            set_.waiters_.push_back(*this);
            return suspend();
        }
        // The signal that arrived.
        int await_resume() const {
            resume_or_throw();
            return received_;
        }

    private:
        friend class signal_set;
        static void on_cancel(detail::suspension& parked) noexcept {
            auto& self = static_cast<wait_awaiter&>(parked);
            self.unlink();
            self.wake_cancelled();
        }
        // "signal_set.wait SIGINT,SIGTERM"
        static void describe(const detail::suspension& parked, std::string& out) {
            detail::describe_signals(static_cast<const wait_awaiter&>(parked).set_.signals(), out);
        }
        static constexpr detail::suspension_kind wait_kind{&on_cancel, "signal_set.wait",
                                                           wait_category::event, &describe};
        signal_set& set_;
        int received_ = 0;
    };

    // Parks until one of the set's signals arrives (or returns at once with one that is pending).
    [[nodiscard]] wait_awaiter wait() noexcept { return wait_awaiter{*this}; }

private:
    friend class detail::signal_hub;
    // On the loop thread, from the hub: wakes every waiter, or keeps the signal for the next one.
    void deliver(int signal) noexcept;
    int take_pending() noexcept;

    std::vector<int> signals_;
    std::vector<int> pending_; // arrived while nobody waited: distinct numbers, oldest first
    detail::wait_list<wait_awaiter> waiters_;
    std::shared_ptr<detail::signal_hub> hub_;
};

// The one-shot form: watches `signals` only while it waits, and returns the one that arrived.
// A signal that arrives between two calls does what it did before (to miss none, keep a
// signal_set alive across the waits instead).
// (A vector, not an initializer_list: the task runs later, after a list's array is gone.)
task<int> signal(std::vector<int> signals);

template <class... Signals>
task<int> signal(int first, Signals... others) {
    return signal(std::vector<int>{first, static_cast<int>(others)...});
}

} // namespace corio
CORIO_EXPORT_END
