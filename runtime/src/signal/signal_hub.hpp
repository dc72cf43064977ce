// SPDX-License-Identifier: MIT
// signal_hub.hpp - one loop's share of the process's signals: the sets waiting on this loop, fed
// by a platform source (sys/posix/signal_source.cpp, sys/windows/signal_source.cpp).
//
// Signals belong to the process, loops to threads. The platform source is the only part that
// touches the process: it installs the handler for a signal when the first hub in the process
// wants it and restores the previous disposition when the last one lets go, and it brings each
// arrival to every interested hub's loop thread. The hub itself is ordinary loop-thread code: it
// counts how many of its sets watch each signal and hands an arrival to them.
#pragma once

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/signal.hpp>

#include <memory>
#include <vector>

namespace corio::detail {

class signal_hub : public std::enable_shared_from_this<signal_hub> {
public:
    // The calling thread's hub for `loop`, made on first use and shared by the thread's sets.
    static std::shared_ptr<signal_hub> of(event_loop& loop);

    explicit signal_hub(event_loop& loop) noexcept
        : loop_(loop) {}
    virtual ~signal_hub() = default;
    signal_hub(const signal_hub&) = delete;
    signal_hub& operator=(const signal_hub&) = delete;

    [[nodiscard]] event_loop& loop() const noexcept { return loop_; }
    // Watches the set's signals (the first set to want one makes the source watch it); on
    // failure nothing stays watched.
    void attach(signal_set& set);
    void detach(signal_set& set) noexcept;
    // On the loop thread: a signal arrived; every set watching it receives it.
    void deliver(int signal) noexcept;

protected:
    // The platform's side. watch() throws if the signal cannot be watched; unwatch() undoes it.
    virtual void watch(int signal) = 0;
    virtual void unwatch(int signal) noexcept = 0;
    // The last set left: stop feeding this hub. It may live on a little (until a reader task
    // that holds it has ended) but receives nothing more.
    virtual void retire() noexcept = 0;

private:
    [[nodiscard]] std::size_t& watchers(int signal);

    event_loop& loop_;
    std::vector<signal_set*> sets_;
    std::vector<std::size_t> watchers_; // per signal number: how many of sets_ watch it
    bool retired_ = false;

    // Made per platform.
    static std::shared_ptr<signal_hub> make(event_loop& loop);
};

// loop_options::cancel_on_signal: watches SIGINT and SIGTERM from now on; the first cancels
// `main`, the second ends the process. Cancel the returned task to stop watching.
join_handle<void> cancel_on_signal(event_loop& loop, task_state& main);

// Per platform: usage_error unless `signal` is a number this platform can watch.
void check_watchable_signal(int signal);
// Per platform: ends the process now as `signal` would by default (the second Ctrl-C).
[[noreturn]] void end_process_by_signal(int signal) noexcept;

#ifdef _WIN32
// Runs the console control handler for `event` (CTRL_C_EVENT, ...) as the system would, on the
// calling thread; true if a set took it. For tests: Wine cannot send console events.
bool deliver_console_event(unsigned long event);
#endif

} // namespace corio::detail
