// SPDX-License-Identifier: MIT
// loop_instruments.hpp - the loop's observer: task registry, trace recorder, stall detector.
//
// It exists only when loop_options asks for one of them (trace, track_tasks, stall_threshold);
// otherwise event_loop::instruments() is null and every trace point in the runtime is one
// predictable branch. Task ids, names and trace state live here, keyed by task, never in the
// task's frame: a parked task costs the same bytes with tracing compiled in.
// Every hook runs on the loop's thread and never throws: when memory runs out, the event is
// counted as dropped instead.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/task_dump.hpp>
#include <corio/runtime/trace.hpp>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

CORIO_EXPORT_BEGIN
namespace corio {
class event_loop;
}

namespace corio::detail {

class task_state;
struct blocking_job;

class loop_instruments {
public:
    explicit loop_instruments(event_loop& loop);
    ~loop_instruments();
    loop_instruments(const loop_instruments&) = delete;
    loop_instruments& operator=(const loop_instruments&) = delete;

    // ---- Task life (event_loop::spawn, finish_root, waiter) ----
    // A task was spawned by whichever task is running now (none: from outside any task).
    void task_spawned(task_state& task, std::coroutine_handle<> frame,
                      std::string_view name) noexcept;
    // The task's root coroutine finished: completed, failed or cancelled (read from `task`).
    void task_finished(task_state& task) noexcept;
    // The task really suspended at `coroutine` (after every check that might have let it carry
    // on); task.suspended_on() says on what.
    void task_parked(task_state& task, std::coroutine_handle<> coroutine) noexcept;
    // The task was made ready to resume at `coroutine`, by the running task or by the loop.
    void task_woken(task_state& task, std::coroutine_handle<> coroutine) noexcept;
    // The task completed `completed` operations in a row without suspending and must yield.
    void budget_exhausted(task_state& task, unsigned completed) noexcept;

    // ---- The loop turn (event_loop.cpp) ----
    void slice_begin(std::coroutine_handle<> next) noexcept; // before resuming a ready coroutine
    // When it handed control back; `newest_ready` is the back of the ready queue (null if it is
    // empty): where a task that requeued itself (a yield) will be resumed.
    void slice_end(std::coroutine_handle<> newest_ready) noexcept;
    void reactor_wait_begin(std::optional<std::chrono::nanoseconds> timeout) noexcept;
    void reactor_wait_end(std::size_t events) noexcept;
    void posted_begin() noexcept; // around each callback post()ed from another thread
    void posted_end() noexcept;

    // ---- Timers (time/timer_wheel.cpp) ----
    void timer_armed(std::uint64_t deadline_ns, unsigned level, unsigned slot) noexcept;
    void timer_cascaded(unsigned level, unsigned slot, std::size_t moved) noexcept;
    void timers_fired(std::size_t count) noexcept;

    // ---- Blocking pool: a job's start and end times, reported when it comes back ----
    // The task running the current slice (the one submitting a job), if it is tracked.
    [[nodiscard]] const task_state* running_task() const noexcept;
    void blocking_finished(const task_state* waiter, std::chrono::steady_clock::time_point started,
                           std::chrono::steady_clock::time_point finished) noexcept;

    // ---- Reading it ----
    [[nodiscard]] const trace_recording* recording() const noexcept; // null unless tracing
    [[nodiscard]] task_dump dump() const;
    [[nodiscard]] task_id id_of(const task_state& task) const noexcept; // 0 if untracked

private:
    struct state;
    std::unique_ptr<state> state_;
};

} // namespace corio::detail
CORIO_EXPORT_END
