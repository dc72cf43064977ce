// SPDX-License-Identifier: MIT
// trace_timeline.hpp - the step both exports share: a trace_recording's event stream turned into
// what a picture needs, per task intervals (running, ready, waiting on what), the loop's own
// spans (reactor waits, posted callbacks, stalls), the marks (spawned, failed, cancelled, budget
// spent) and the wake-up edges from one task to another.
//
// The stream rules are in trace.hpp and docs/tracing.md. The builder trusts none of them: a
// recording cut short by loop_options::trace_capacity, or one made by a future recorder that
// says something new, still gives a model with intervals that never run backwards, so the
// exports cannot crash or write an invalid document.
#pragma once

#include <corio/runtime/trace.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace corio::detail {

// What a task is doing in one stretch of a timeline. (Not detail::task_state, the task's
// scheduler record: two entities with one name in one namespace break the one-definition rule.)
enum class timeline_state : std::uint8_t { running, ready, waiting };

// One stretch of one task in one state, [begin_ns, end_ns].
struct task_interval {
    task_id task = 0;
    std::uint64_t begin_ns = 0;
    std::uint64_t end_ns = 0;
    timeline_state state = timeline_state::ready;
    wait_category wait = wait_category::other; // waiting only
    std::string text;                          // waiting only: what on ("sleep 1.500 s")
    // The recording ended (or was cut) while the task was still in this state: end_ns is the
    // last timestamp of the recording, not a transition.
    bool unfinished = false;
};

// The loop's own spans: reactor waits, posted callbacks, stalls (of a task, or of a callback).
struct loop_span {
    trace_kind kind = trace_kind::reactor_wait;
    std::uint64_t begin_ns = 0;
    std::uint64_t end_ns = 0;
    task_id task = 0;        // stall: the task that ran too long, 0 for a posted callback
    std::int64_t value = 0;  // reactor_wait: timeout in ns, -1 forever
    std::uint32_t count = 0; // reactor_wait: events returned
};

// A point in a task's life worth a marker: task_spawned, task_failed, task_cancelled,
// task_completed, budget_exhausted.
struct task_mark {
    trace_kind kind = trace_kind::task_spawned;
    task_id task = 0;
    task_id other = 0; // task_spawned: the parent
    std::uint64_t at_ns = 0;
    std::uint32_t count = 0;
    std::string text;
};

// `waker` made `woken` ready at woken_at_ns (inside the waker's running slice, or at its very
// end for the symmetric transfer of a finishing task); `woken` ran next at resumed_at_ns.
// Wake-ups by the loop (I/O, timers, posts) have no edge.
struct wake_edge {
    task_id waker = 0;
    task_id woken = 0;
    std::uint64_t woken_at_ns = 0;
    std::uint64_t resumed_at_ns = 0;
    // Where an arrow can start inside the waker's running slice: woken_at_ns, moved 1 ns back
    // when it falls on the slice's end (a finishing task handing over to its joiner), because
    // viewers bind a flow's start to the slice that encloses it.
    std::uint64_t flow_start_ns = 0;
};

struct timeline_row {
    task_id id = 0;
    task_id parent = 0;
    std::string name;  // trace_recording::task_name(), as valid UTF-8
    std::string label; // "One (#1)", "task 7 (#7)"
};

struct timeline_model {
    std::vector<timeline_row> rows;       // tasks in spawn order, then any only the events name
    std::vector<task_interval> intervals; // sorted by begin_ns, then by task
    std::vector<loop_span> spans;         // in stream order (their begin_ns never decreases)
    std::vector<task_mark> marks;         // in stream order
    std::vector<wake_edge> wakes;         // in order of the woken task's resumption
    std::uint64_t first_ns = 0;           // earliest timestamp; 0 for an empty recording
    std::uint64_t last_ns = 0;            // latest timestamp, span ends included
    std::size_t dropped_events = 0;
    std::string backend; // valid UTF-8
};

[[nodiscard]] timeline_model build_timeline(const trace_recording& recording);

// "timer", "io", ... as the JSON `cat` and the SVG legend spell them.
[[nodiscard]] std::string_view wait_category_name(wait_category category) noexcept;

// The name of the backend's wait call: "epoll_wait", "kevent", "GetQueuedCompletionStatusEx".
[[nodiscard]] std::string reactor_call_name(std::string_view backend);

// "epoll_wait timeout=1.500 s, events=2": a reactor_wait span as both exports label it.
[[nodiscard]] std::string reactor_wait_label(std::string_view backend, const loop_span& span);

// Bytes that are not valid UTF-8 become U+FFFD, so names and texts cannot break either document.
[[nodiscard]] std::string valid_utf8(std::string_view text);

// A duration for people, 4 significant-ish digits, no locale: "1.500 s", "250.000 ms",
// "12.345 us", "87 ns".
[[nodiscard]] std::string human_duration(std::uint64_t ns);

// value / divisor with exactly `decimals` digits after the point (rounded half up), no locale.
[[nodiscard]] std::string fixed_point(std::uint64_t value, std::uint64_t divisor, int decimals);

} // namespace corio::detail
