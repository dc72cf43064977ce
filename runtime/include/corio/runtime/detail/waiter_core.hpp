// SPDX-License-Identifier: MIT
// waiter_core.hpp - the part of detail::waiter (waiter.hpp, which explains the protocol) that
// remembers neither the parked coroutine nor its task.
//
// join_handle's awaiter uses it directly (it keeps the joining task, and the joined task's
// promise already holds its joiner), and yield_now uses its static helpers (it reschedules at
// once), so their frames stay as small as before while their trace points and cancellation
// delivery are the shared ones. It does not include event_loop.hpp, which includes
// join_handle.hpp.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/loop_instruments.hpp>
#include <corio/runtime/detail/task_state.hpp>
#include <corio/runtime/error.hpp>

#include <coroutine>

CORIO_EXPORT_BEGIN
namespace corio {
class event_loop;
}

namespace corio::detail {

class waiter_core : protected suspension {
public:
    // Trace points shared by every wait. Each costs one branch while the loop has no instruments.
    // (Templates only so that event_loop needs to be complete where they are used, not here.)
    template <class Loop = event_loop>
    static void note_parked(task_state& task, std::coroutine_handle<> coroutine) noexcept {
        if (auto* in = static_cast<Loop&>(task.loop()).instruments()) [[unlikely]] {
            in->task_parked(task, coroutine);
        }
    }
    template <class Loop = event_loop>
    static void note_woken(task_state& task, std::coroutine_handle<> coroutine) noexcept {
        if (auto* in = static_cast<Loop&>(task.loop()).instruments()) [[unlikely]] {
            in->task_woken(task, coroutine);
        }
    }
    // Makes a parked task ready: it goes to the back of the ready queue, and instruments see
    // the wake-up (by whichever task runs now).
    template <class Loop = event_loop>
    static void reschedule(task_state& task, std::coroutine_handle<> coroutine) noexcept {
        note_woken<Loop>(task, coroutine);
        static_cast<Loop&>(task.loop()).schedule(coroutine);
    }
    // Puts the *running* task, which stays ready (it yields, or spent its budget), at the back
    // of the ready queue. It never waited, so nothing is recorded, and no trace point is checked:
    // the instruments see at the slice's end that the task neither finished nor parked, and take
    // the frame it resumes at from the back of the ready queue (loop_instruments::slice_end).
    template <class Loop = event_loop>
    static void requeue_running(task_state& task, std::coroutine_handle<> coroutine) noexcept {
        static_cast<Loop&>(task.loop()).schedule(coroutine);
    }
    // The cancellation is delivered: the request is acknowledged and cancelled_error thrown.
    [[noreturn]] static void throw_cancelled(task_state& task) {
        task.acknowledge_cancel();
        throw cancelled_error();
    }

protected:
    void use_kind(const suspension_kind& how) noexcept { what = &how; }
    // Records the suspension: from now on cancel() reaches `what`, and dumps can describe it.
    template <class Loop = event_loop>
    void record_suspension(task_state& task, std::coroutine_handle<> coroutine) noexcept {
        task.suspend_on(*this);
        note_parked<Loop>(task, coroutine);
    }
};

} // namespace corio::detail
CORIO_EXPORT_END
