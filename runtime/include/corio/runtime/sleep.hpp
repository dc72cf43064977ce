// SPDX-License-Identifier: MIT
// sleep.hpp - non-blocking sleeps: the task parks, the loop runs others, a timer wakes it.
//
//     co_await corio::sleep_for(250ms);     // asyncio.sleep(0.25)
//     co_await corio::sleep_until(corio::now() + 1s);
//
// Unlike std::this_thread::sleep_for, the thread is never blocked: the awaiter arms a timer on the
// loop's timer wheel (stored inside the awaiter itself, so no allocation) and suspends. A sleep
// never ends early; it may end up to one loop tick (1 ms) late. sleep_for(0) just yields.
// Cancellable: cancelling the task disarms the timer and throws cancelled_error here.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/timer_node.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/event_loop.hpp>

#include <chrono>
#include <coroutine>
#include <string>

CORIO_EXPORT_BEGIN
namespace corio {

// The current loop's time (virtual time in virtual-time mode); steady_clock::now() off-loop.
[[nodiscard]] inline event_loop::time_point now() noexcept {
    event_loop* loop = event_loop::try_current();
    return loop != nullptr ? loop->now() : event_loop::clock::now();
}

class [[nodiscard]] sleep_awaiter : private detail::waiter, private detail::timer_node {
public:
    explicit sleep_awaiter(event_loop::time_point deadline) noexcept
        : timer_node(&on_timer)
        , deadline_(deadline) {}
    sleep_awaiter(sleep_awaiter&&) noexcept = default; // before it is awaited only
    sleep_awaiter(const sleep_awaiter&) = delete;
    sleep_awaiter& operator=(const sleep_awaiter&) = delete;
    ~sleep_awaiter() = default;

    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template <detail::corio_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> coroutine) {
        if (!park(coroutine, wait_kind)) {
            return false;
        }
        loop().arm_timer(*this, deadline_);
        return suspend();
    }
    void await_resume() const { resume_or_throw(); }

private:
    static void on_timer(detail::timer_node& timer) noexcept {
        static_cast<sleep_awaiter&>(timer).wake();
    }
    static void on_cancel(detail::suspension& parked) noexcept {
        auto& self = static_cast<sleep_awaiter&>(parked);
        self.disarm();
        self.wake_cancelled();
    }
    // "sleep 1.500 s": the time left until the deadline.
    static void describe(const detail::suspension& parked, std::string& out) {
        const auto& self = static_cast<const sleep_awaiter&>(parked);
        detail::append_duration(out, std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         self.deadline_ - self.loop().now())
                                         .count());
    }
    static constexpr detail::suspension_kind wait_kind{&on_cancel, "sleep", wait_category::timer,
                                                       &describe};

    event_loop::time_point deadline_;
};

// Suspends the calling task until `deadline` (in the loop's clock).
[[nodiscard]] inline sleep_awaiter sleep_until(event_loop::time_point deadline) noexcept {
    return sleep_awaiter{deadline};
}

// Suspends the calling task for at least `delay`.
template <class Rep, class Period>
[[nodiscard]] sleep_awaiter sleep_for(std::chrono::duration<Rep, Period> delay) noexcept {
    return sleep_awaiter{now() + std::chrono::ceil<event_loop::duration>(delay)};
}

} // namespace corio
CORIO_EXPORT_END
