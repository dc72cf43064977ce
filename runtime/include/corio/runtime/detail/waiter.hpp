// SPDX-License-Identifier: MIT
// waiter.hpp - the common core of every awaiter that parks a task until something happens.
//
// Parking follows one protocol everywhere (sleep, queue, event, lock, I/O, join...):
//   park()            in await_suspend: refuses to park if a cancellation is already pending,
//                     else records the suspension on the task so cancel() can find it;
//   wake()            the awaited thing happened: schedule the coroutine;
//   wake_cancelled()  called from the cancel hook after detaching: schedule it to throw;
//   resume_or_throw() in await_resume: throws cancelled_error if the wait was cancelled.
// An operation that completed normally is always delivered, even if a cancellation arrives
// before the task runs again: the cancellation then fires at the next suspension point, so no
// item, byte or connection is lost (asyncio can drop a queue item in that case).
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/promise_base.hpp>
#include <corio/runtime/detail/task_state.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>

#include <coroutine>

CORIO_EXPORT_BEGIN
namespace corio::detail {

class waiter : protected suspension {
protected:
    // Returns false (do not suspend) when the task already has a cancellation pending.
    template <corio_promise Promise>
    bool park(std::coroutine_handle<Promise> coroutine, const suspension_kind& how) noexcept {
        task_ = &coroutine.promise().this_task();
        if (task_->cancel_requested()) {
            cancelled_ = true;
            return false;
        }
        coroutine_ = coroutine;
        what = &how;
        task_->suspend_on(*this);
        return true;
    }

    // Parks without a way to be cancelled: a cancellation stays pending and fires at the next
    // checkpoint instead. For waits that must finish (re-locking after a condition wait). `how`
    // should use ignore_cancel as its cancel function.
    template <corio_promise Promise>
    void park_shielded(std::coroutine_handle<Promise> coroutine,
                       const suspension_kind& how) noexcept {
        task_ = &coroutine.promise().this_task();
        coroutine_ = coroutine;
        what = &how;
        task_->suspend_on(*this);
    }
    static void ignore_cancel(suspension& /*parked*/) noexcept {}

    // For an operation that finished without waiting, after park(): returns what await_suspend
    // should return. False (carry on at once) while the task's immediate-completion budget lasts;
    // otherwise the task is rescheduled and true (suspend), so a busy task still yields sometimes.
    [[nodiscard]] bool complete_immediately() noexcept {
        if (task_->loop().try_continue_immediately()) {
            task_->clear_suspension();
            return false;
        }
        wake();
        return true;
    }

    void wake() noexcept {
        task_->clear_suspension();
        task_->loop().schedule(coroutine_);
    }
    void wake_cancelled() noexcept {
        cancelled_ = true;
        task_->loop().schedule(coroutine_);
    }
    void resume_or_throw() const {
        if (cancelled_) {
            task_->acknowledge_cancel();
            throw cancelled_error();
        }
    }

    [[nodiscard]] event_loop& loop() const noexcept { return task_->loop(); }
    [[nodiscard]] bool was_cancelled() const noexcept { return cancelled_; }
    [[nodiscard]] task_state* parked_task() const noexcept { return task_; }
    [[nodiscard]] std::coroutine_handle<> coroutine() const noexcept { return coroutine_; }

private:
    task_state* task_ = nullptr;
    std::coroutine_handle<> coroutine_;
    bool cancelled_ = false;
};

} // namespace corio::detail
CORIO_EXPORT_END
