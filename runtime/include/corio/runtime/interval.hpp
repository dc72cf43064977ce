// SPDX-License-Identifier: MIT
// interval.hpp - a periodic timer that keeps to its schedule (tokio's interval, Go's Ticker).
//
//     corio::interval every_second{1s};
//     for (;;) {
//         co_await every_second.tick();   // at start+1s, start+2s, start+3s, ...
//         report();
//     }
//
// `co_await sleep_for(1s)` in a loop drifts: each turn waits one second *after* the work, so the
// work's own time (and the loop's lateness) adds up, turn after turn. An interval computes each
// deadline from the first one, so the ticks stay on their grid however long the work takes. If
// the task comes back so late that ticks have already passed, they are skipped, not delivered in
// a burst: the next tick is the next point of the grid still ahead (missed() counts the skipped
// ones). Waiting is cancellable, like any sleep.
// Not thread-safe: use an interval from one task at a time.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>

#include <chrono>
#include <cstdint>

CORIO_EXPORT_BEGIN
namespace corio {

class interval {
public:
    // The first tick is one period from now; usage_error unless the period is positive.
    template <class Rep, class Period>
    explicit interval(std::chrono::duration<Rep, Period> period)
        : interval(std::chrono::ceil<event_loop::duration>(period),
                   now() + std::chrono::ceil<event_loop::duration>(period)) {}
    interval(event_loop::duration period, event_loop::time_point first_tick)
        : period_(period)
        , next_(first_tick) {
        if (period_ <= event_loop::duration::zero()) {
            throw usage_error("corio::interval needs a positive period");
        }
    }

    // Waits for the next tick of the grid that has not passed yet.
    [[nodiscard]] sleep_awaiter tick() noexcept {
        const event_loop::time_point current = now();
        if (next_ < current) {
            // Late by one or more whole periods: skip them, stay on the grid.
            const auto behind = static_cast<std::uint64_t>((current - next_) / period_);
            missed_ += behind;
            next_ += period_ * static_cast<event_loop::duration::rep>(behind);
            if (next_ < current) {
                ++missed_;
                next_ += period_;
            }
        }
        const event_loop::time_point deadline = next_;
        next_ += period_;
        return sleep_until(deadline);
    }

    [[nodiscard]] event_loop::duration period() const noexcept { return period_; }
    // The deadline the next tick() will wait for, unless it comes too late for it.
    [[nodiscard]] event_loop::time_point next_tick() const noexcept { return next_; }
    // Ticks skipped because tick() was called after they had passed.
    [[nodiscard]] std::uint64_t missed() const noexcept { return missed_; }

private:
    event_loop::duration period_;
    event_loop::time_point next_;
    std::uint64_t missed_ = 0;
};

} // namespace corio
CORIO_EXPORT_END
