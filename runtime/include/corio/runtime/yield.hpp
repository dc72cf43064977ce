// SPDX-License-Identifier: MIT
// yield.hpp - yield_now(): let every other ready task run once, then continue.
//
//     for (auto& item : big_batch) { process(item); co_await corio::yield_now(); }
//
// The task goes to the back of the ready queue (asyncio spells this `await asyncio.sleep(0)`).
// A pending cancellation is delivered here as cancelled_error.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/promise_base.hpp>
#include <corio/runtime/detail/waiter_core.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>

#include <coroutine>

CORIO_EXPORT_BEGIN
namespace corio {

// The task is ready, not waiting, so nothing is recorded as a suspension; the shared waiter core
// requeues it and delivers a cancellation.
class [[nodiscard]] yield_awaiter {
public:
    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template <detail::corio_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> coroutine) {
        task_ = &coroutine.promise().this_task();
        if (task_->cancel_requested()) {
            return false;
        }
        detail::waiter_core::requeue_running(*task_, coroutine);
        return true;
    }
    void await_resume() const {
        if (task_->cancel_requested()) {
            detail::waiter_core::throw_cancelled(*task_);
        }
    }

private:
    detail::task_state* task_ = nullptr;
};

[[nodiscard]] inline yield_awaiter yield_now() noexcept {
    return {};
}

} // namespace corio
CORIO_EXPORT_END
