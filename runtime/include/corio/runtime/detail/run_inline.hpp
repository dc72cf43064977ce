// SPDX-License-Identifier: MIT
// run_inline.hpp - runs a corio::task to its end on the calling thread, with no event loop, for
// tasks whose every await completes without suspending.
//
// The blocking HTTP client is the one user: its I/O blocks inside the awaits (poll(2) and a
// blocking socket) instead of parking the task, so the request policy it shares with the async
// client - written once, as coroutines - runs here from start to finish in one resume. Nested
// tasks run by symmetric transfer as usual; nothing touches a loop, and the frames come from and
// go back to this thread's frame cache. A task that does try to park (it would need a loop to
// wake it) is a bug in the caller: run_inline destroys it and throws std::logic_error.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/task.hpp>

#include <coroutine>
#include <stdexcept>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio::detail {

template <class T>
T run_inline(task<T> work) {
    const std::coroutine_handle<task_promise<T>> frame = work.release();
    if (!frame) {
        throw usage_error("run_inline on an empty corio::task");
    }
    // Not spawned, so the frame is its own task and, when it ends, transfers to its "joiner".
    frame.promise().set_joiner(std::noop_coroutine());
    frame.resume();
    const task<T> owner{frame}; // destroys the frame on the way out, result taken or not
    if (!frame.done()) {
        throw std::logic_error("run_inline: the task suspended, and there is no event loop");
    }
    return frame.promise().take_result();
}

} // namespace corio::detail
CORIO_EXPORT_END
