// SPDX-License-Identifier: MIT
// How a task ends (detail/promise_base.hpp, detail/task_state.hpp): its root coroutine's final
// suspend calls finish_root(), which records the end, tells the owner, frees the frame if no
// join_handle can still ask for the result, and hands control to the joiner if there is one.
#include <corio/runtime/detail/loop_instruments.hpp>
#include <corio/runtime/detail/promise_base.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>

namespace corio::detail {

bool current_exception_is_cancellation() noexcept {
    try {
        throw;
    } catch (const cancelled_error&) {
        return true;
    } catch (...) {
        return false;
    }
}

void release_finished_root(promise_base& root) noexcept {
    if (root.failed() && !root.exception_retrieved()) {
        root.loop().report_unhandled(root.exception());
    }
    root.frame().destroy();
}

std::coroutine_handle<> finish_root(promise_base& root) noexcept {
    root.mark_finished();
    root.clear_suspension();
    event_loop& loop = root.loop();
    ++loop.tasks_finished_; // loop_stats::tasks_finished; finish_root is the loop's friend
    if (loop_instruments* instruments = loop.instruments()) [[unlikely]] {
        instruments->task_finished(root);
    }
    const std::coroutine_handle<> joiner = root.joiner();
    task_owner* owner = root.owner();
    root.detach_from_owner();
    if (owner != nullptr) {
        owner->on_child_finished(root);
    }
    if (!root.handle_alive()) {
        release_finished_root(root); // nobody can ask for the result: free the frame now
    }
    if (joiner) {
        return joiner; // the joiner resumes right away, without a trip through the ready queue
    }
    return std::noop_coroutine();
}

} // namespace corio::detail
