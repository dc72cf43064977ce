// SPDX-License-Identifier: MIT
// trace.hpp - a recording of what one event loop did: which task ran, what it waited on, who
// woke it, what the reactor waited for.
//
// Turn it on with loop_options::trace (or CORIO_TRACE=1 in the environment, for every loop of a
// program); it is off by default and then costs a branch per trace point. The loop appends
// events in the order they happen; afterwards, loop.trace() hands out the recording:
//
//     corio::loop_options options;
//     options.trace = true;
//     corio::event_loop loop{options};
//     loop.run_until_complete(main_task());
//     std::ofstream{"run.json"} << corio::chrome_trace_json(*loop.trace());   // trace_export.hpp
//
// A task is named when spawned (`loop.spawn(work, "One")`); unnamed tasks are "task 7": ids are
// given 1, 2, 3... in spawn order, per loop, so two runs of the same program read the same.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio {

// 1, 2, 3... in spawn order on one loop; 0 means "no task": the loop itself (a wake-up by I/O or
// a timer, a callback posted from another thread).
using task_id = std::uint64_t;

// What a suspended task waits for, coarsely: the timeline gives each its own colour.
enum class wait_category : std::uint8_t {
    other,    // an awaiter that did not say
    timer,    // sleep, a deadline
    io,       // a socket, pipe or file operation in the reactor
    queue,    // queue.get/put/join, oneshot, join_set
    event,    // event, condition_variable, semaphore, signal
    lock,     // mutex
    task,     // joining another task or a task_group
    blocking, // run_blocking on the worker pool
};

enum class trace_kind : std::uint8_t {
    task_spawned,     // task; other = the task that spawned it (0: from outside any task)
    task_resumed,     // task starts a slice of running
    task_suspended,   // task ends its slice parked: wait, text = on what
    task_yielded,     // task ends its slice but stays ready (yield_now, a spent budget)
    task_woken,       // task made ready; other = the task that woke it (0: I/O, a timer, a post)
    task_completed,   // task returned
    task_failed,      // task ended with an exception (text = its type and message)
    task_cancelled,   // task ended with cancelled_error
    budget_exhausted, // task completed `count` operations without suspending and must yield
    timer_armed,      // value = deadline (ns on the recording's clock), level, slot
    timer_cascaded,   // level, slot: `count` timers moved one level down
    timer_fired,      // count = timers that expired in this pass
    reactor_wait,     // at_ns..at_ns+duration_ns; value = timeout ns (-1: forever), count = events
    posted_callback,  // a callback post()ed from another thread ran for duration_ns
    blocking_started, // a run_blocking job began on a worker (at_ns is when); task = its waiter
    blocking_finished,
    stall, // task (0: a posted callback) ran duration_ns without suspending
};

struct trace_event {
    std::uint64_t at_ns = 0;       // since the loop was made, on the loop's own clock
    std::uint64_t duration_ns = 0; // spans only (reactor_wait, posted_callback, stall)
    task_id task = 0;
    task_id other = 0;
    std::int64_t value = 0;
    std::uint32_t count = 0;
    std::uint16_t slot = 0;
    std::uint8_t level = 0;
    trace_kind kind = trace_kind::task_resumed;
    wait_category wait = wait_category::other;
    std::string text; // what a suspension waits on ("sleep 1.000 s"), a failure's message
};

struct traced_task {
    task_id id = 0;
    task_id parent = 0;
    std::string name; // as given to spawn(); empty if none was
    std::uint64_t spawned_at_ns = 0;
};

// Everything one loop recorded. Events are in the order they happened; tasks in spawn order.
struct trace_recording {
    std::string backend; // "epoll", "kqueue", "iocp"
    std::vector<traced_task> tasks;
    std::vector<trace_event> events;
    // Events the recording dropped after reaching loop_options::trace_capacity (0: none).
    std::size_t dropped_events = 0;

    // "One" for a named task, "task 7" otherwise, "loop" for id 0.
    [[nodiscard]] std::string task_name(task_id id) const;
};

} // namespace corio
CORIO_EXPORT_END
