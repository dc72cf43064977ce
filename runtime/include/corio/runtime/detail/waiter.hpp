// SPDX-License-Identifier: MIT
// waiter.hpp - the common core of every awaiter that parks a task until something happens.
//
// Parking follows one protocol everywhere (sleep, queue, event, lock, I/O, join...):
//   park()            first thing in await_suspend: refuses to park if a cancellation is already
//                     pending (await_suspend returns false, await_resume throws); records nothing
//                     yet, since the operation may still complete at once;
//   complete_immediately()  the operation finished without waiting: carry on, or yield to the
//                     other ready tasks once the immediate-completion budget is spent;
//   suspend()         last thing in await_suspend, once the awaiter is registered wherever it will
//                     be woken from: records the suspension on the task (so cancel() finds it and
//                     a trace or dump can say what the task waits on) and returns true;
//   wake()            the awaited thing happened: schedule the coroutine;
//   wake_cancelled()  called from the cancel hook after detaching: schedule it to throw;
//   resume_or_throw() in await_resume: throws cancelled_error if the wait was cancelled.
// So task_state::suspended_on() is non-null exactly while the task really waits: a wait that
// never happens is never recorded. Between park() and suspend() nothing can cancel the task
// (only code on this thread cancels, and this thread is inside await_suspend), and registering
// with a wait list, a timer or the reactor never wakes the awaiter synchronously.
// An operation that completed normally is always delivered, even if a cancellation arrives
// before the task runs again: the cancellation then fires at the next suspension point, so no
// item, byte or connection is lost (asyncio can drop a queue item in that case).
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/promise_base.hpp>
#include <corio/runtime/detail/task_state.hpp>
#include <corio/runtime/detail/waiter_core.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>

#include <coroutine>

CORIO_EXPORT_BEGIN
namespace corio::detail {

class waiter : protected waiter_core {
protected:
    // Returns false (do not suspend) when the task already has a cancellation pending.
    template <corio_promise Promise>
    bool park(std::coroutine_handle<Promise> coroutine, const suspension_kind& how) noexcept {
        coroutine_ = as_base_handle(coroutine);
        use_kind(how);
        if (task().cancel_requested()) {
            mark_cancelled();
            return false;
        }
        return true;
    }

    // Parks without a way to be cancelled: a cancellation stays pending and fires at the next
    // checkpoint instead. For waits that must finish (re-locking after a condition wait). `how`
    // should use ignore_cancel as its cancel function. suspend() still has to follow.
    template <corio_promise Promise>
    void park_shielded(std::coroutine_handle<Promise> coroutine,
                       const suspension_kind& how) noexcept {
        coroutine_ = as_base_handle(coroutine);
        use_kind(how);
    }
    static void ignore_cancel(suspension& /*parked*/) noexcept {}

    // After park(), once the awaiter is registered with whatever will wake it: the task really
    // suspends now. Returns true, for await_suspend to return.
    bool suspend() noexcept {
        record_suspension(task(), coroutine_);
        return true;
    }

    // For an operation that finished without waiting, after park(): returns what await_suspend
    // should return. False (carry on at once) while the task's immediate-completion budget lasts;
    // otherwise the task is rescheduled and true (suspend), so a busy task still yields sometimes.
    // Either way the task never waited, so no suspension is recorded.
    [[nodiscard]] bool complete_immediately() noexcept {
        task_state& running = task();
        event_loop& owner = running.loop();
        if (owner.try_continue_immediately()) {
            return false;
        }
        if (auto* in = owner.instruments()) [[unlikely]] {
            in->budget_exhausted(running, owner.options().immediate_completion_budget);
        }
        requeue_running(running, coroutine_);
        return true;
    }

    void wake() noexcept {
        task_state& parked = task();
        parked.clear_suspension();
        reschedule(parked, coroutine_);
    }
    void wake_cancelled() noexcept {
        mark_cancelled();
        reschedule(task(), coroutine_);
    }
    void resume_or_throw() const {
        if (was_cancelled()) {
            throw_cancelled(task());
        }
    }

    [[nodiscard]] event_loop& loop() const noexcept { return task().loop(); }
    // A cancelled wait is one that was bound to a task (park) and then lost its kind: `what` is
    // read only while the task is parked on this awaiter, and a cancellation unparks it first
    // (task_state::request_cancel), so the kind is free to double as the flag. A bool of its own
    // would cost a padded word in every parked task's frame.
    [[nodiscard]] bool was_cancelled() const noexcept { return coroutine_ && what == nullptr; }
    // The task that parked here (null before park()).
    [[nodiscard]] task_state* parked_task() const noexcept {
        return coroutine_ ? &task() : nullptr;
    }
    [[nodiscard]] std::coroutine_handle<> coroutine() const noexcept { return coroutine_; }

private:
    void mark_cancelled() noexcept { what = nullptr; }
    // The task is found through the parked coroutine's promise rather than kept in a pointer of
    // its own: one word less in every parked task's frame, for one or two loads when it wakes.
    [[nodiscard]] task_state& task() const noexcept { return coroutine_.promise().this_task(); }

    std::coroutine_handle<promise_base> coroutine_;
};

} // namespace corio::detail
CORIO_EXPORT_END
