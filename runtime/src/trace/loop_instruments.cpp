// SPDX-License-Identifier: MIT
// The loop's task registry, trace recorder and stall detector.
//
// Everything a trace or a dump needs about a task lives here, keyed by the task's task_state and
// by the coroutine frames it resumes at, never in the task's frame: a loop without instruments
// pays nothing per task. All of it runs on the loop's thread.
//
// How a slice is told apart: the loop calls slice_begin(coroutine) before resuming a ready
// coroutine and slice_end() after it hands control back. The registry maps the coroutine to its
// task (root frames from spawn, nested frames from task_parked / task_woken, and at slice_end the
// frame a task that yielded requeued) and so knows which task runs. At slice_end the task has
// either finished (task_finished already said so), parked (task_parked seen, or it is parked on a
// suspension right now), or stayed ready (it yielded).
#include <corio/runtime/detail/loop_instruments.hpp>

#include <corio/runtime/detail/promise_base.hpp>
#include <corio/runtime/detail/task_state.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/stall.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#endif

namespace corio::detail {

namespace {

using steady = std::chrono::steady_clock;
static_assert(std::is_same_v<event_loop::clock, steady>,
              "slice_begin/slice_end reuse the stall detector's clock reading as the loop's time");

struct task_entry {
    task_state* task = nullptr;
    task_id id = 0;
    task_id parent = 0;
    std::string name;
    std::uint64_t spawned_at_ns = 0;
    task_run_state state = task_run_state::ready;
    bool parked = false; // task_parked seen during the current slice and not woken since
    std::uint64_t waiting_since_ns = 0;
    std::vector<void*> frames; // coroutine frames registered for this task (root first)
};

// "std::runtime_error: boom" for a failed task's trace event.
std::string describe_exception(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        std::string type = typeid(e).name();
#if __has_include(<cxxabi.h>)
        int status = 0;
        char* readable = abi::__cxa_demangle(type.c_str(), nullptr, nullptr, &status);
        if (status == 0 && readable != nullptr) {
            type = readable;
        }
        std::free(readable);
#endif
        return type + ": " + e.what();
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}

std::uint64_t to_ns(std::chrono::nanoseconds duration) noexcept {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0));
}

} // namespace

struct loop_instruments::state {
    event_loop* loop = nullptr;
    bool tracing = false;
    bool detect_stalls = false;
    bool virtual_time = false;
    std::size_t capacity = 0;
    event_loop::time_point epoch;
    trace_recording recording;
    std::size_t dropped_untraced = 0; // registry failures when not tracing (nowhere to report)

    task_id next_id = 1;
    std::map<task_id, task_entry> tasks; // live tasks, in spawn order; nodes never move
    std::unordered_map<const task_state*, task_entry*> by_task;
    std::unordered_map<void*, task_entry*> by_frame;
    task_entry* current = nullptr; // the task running the current slice, if known

    // The slice being run (stall detection and its trace event).
    steady::time_point slice_started;
    std::uint64_t slice_started_ns = 0;
    std::size_t slice_event_index = 0;
    task_id slice_task = 0;

    // The reactor wait or posted callback in progress: spans are recorded when they end, placed
    // where they began so that timestamps never decrease.
    std::uint64_t span_started_ns = 0;
    std::size_t span_event_index = 0;
    std::int64_t wait_timeout_ns = -1;
    steady::time_point posted_started;

    // The loop's time for a steady_clock reading just taken (the loop's own clock, or its
    // virtual time, which stands still while tasks run).
    [[nodiscard]] std::uint64_t loop_ns(steady::time_point real) const noexcept {
        return virtual_time ? now_ns() : to_ns(real - epoch);
    }
    [[nodiscard]] std::uint64_t now_ns() const noexcept {
        return to_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(loop->now() - epoch));
    }

    void count_dropped() noexcept {
        if (tracing) {
            ++recording.dropped_events;
        } else {
            ++dropped_untraced;
        }
    }

    // Inserts at `index` (events after it are no earlier), or appends when index is past the end.
    // A `backdated` event (a blocking job's times, learnt later) may land before the start of a
    // span still open: that span's place moves one down.
    void record_at(std::size_t index, trace_event event, bool backdated = false) noexcept {
        if (!tracing) {
            return;
        }
        if (recording.events.size() >= capacity) {
            ++recording.dropped_events;
            return;
        }
        try {
            if (index >= recording.events.size()) {
                recording.events.push_back(std::move(event));
            } else {
                recording.events.insert(recording.events.begin() +
                                            static_cast<std::ptrdiff_t>(index),
                                        std::move(event));
            }
        } catch (
            ...) { // bad_alloc: the trace says it lost an event instead of taking the loop down
            ++recording.dropped_events;
            return;
        }
        if (backdated) {
            if (span_event_index >= index) {
                ++span_event_index;
            }
            if (slice_event_index >= index) {
                ++slice_event_index;
            }
        }
    }
    void record(trace_event event) noexcept {
        record_at(recording.events.size(), std::move(event));
    }

    void record_task_event(trace_kind kind, task_id task, task_id other,
                           std::uint64_t at) noexcept {
        if (!tracing) {
            return;
        }
        trace_event event;
        event.at_ns = at;
        event.task = task;
        event.other = other;
        event.kind = kind;
        record(std::move(event));
    }

    [[nodiscard]] task_entry* find(const task_state& task) const noexcept {
        const auto found = by_task.find(&task);
        return found != by_task.end() ? found->second : nullptr;
    }

    void register_frame(task_entry& entry, std::coroutine_handle<> coroutine) noexcept {
        if (!coroutine) {
            return;
        }
        try {
            task_entry*& owner = by_frame[coroutine.address()];
            if (owner != &entry) {
                owner = &entry;
                entry.frames.push_back(coroutine.address());
            }
        } catch (...) {
            count_dropped();
        }
    }

    [[nodiscard]] task_entry* entry_of_frame(std::coroutine_handle<> coroutine) const noexcept {
        if (!coroutine) {
            return nullptr;
        }
        const auto found = by_frame.find(coroutine.address());
        return found != by_frame.end() ? found->second : nullptr;
    }

    void forget(task_entry& entry) noexcept {
        for (void* frame : entry.frames) {
            const auto found = by_frame.find(frame);
            if (found != by_frame.end() && found->second == &entry) {
                by_frame.erase(found);
            }
        }
        by_task.erase(entry.task);
        if (current == &entry) {
            current = nullptr;
        }
        tasks.erase(entry.id);
    }

    [[nodiscard]] std::string display_name(const task_entry& entry) const {
        return entry.name.empty() ? "task " + std::to_string(entry.id) : entry.name;
    }

    // A slice (of `entry`, or a posted callback when null) that ran `ran`: reported if too long.
    void check_stall(const task_entry* entry, task_id id, std::chrono::nanoseconds ran,
                     std::uint64_t at_ns, std::size_t event_index) noexcept {
        const std::chrono::nanoseconds threshold = loop->options().stall_threshold;
        if (ran <= threshold) {
            return;
        }
        trace_event event;
        event.at_ns = at_ns;
        event.duration_ns = to_ns(ran);
        event.task = id;
        event.kind = trace_kind::stall;
        record_at(event_index, std::move(event));
        try {
            stall_report report;
            report.task = id;
            report.name = id == 0            ? std::string("posted callback")
                          : entry != nullptr ? display_name(*entry)
                                             : "task " + std::to_string(id);
            report.ran = ran;
            report.threshold = threshold;
            if (const auto& sink = loop->options().stall_sink) {
                sink(report);
            } else {
                const std::string line = format_stall_report(report);
                std::fprintf(stderr, "%s\n", line.c_str());
            }
        } catch (...) { // a failing sink (or no memory for the report) must not stop the loop
        }
    }

    // Ends the stall clock of the slice running now and starts a new one (symmetric transfer).
    void end_stall_slice(const task_entry* entry) noexcept {
        const steady::time_point now = steady::now();
        check_stall(entry, slice_task, now - slice_started, slice_started_ns, slice_event_index);
        slice_started = now;
    }
};

loop_instruments::loop_instruments(event_loop& loop)
    : state_(std::make_unique<state>()) {
    state_->loop = &loop;
    state_->tracing = loop.options().trace;
    state_->detect_stalls = loop.options().stall_threshold.count() > 0;
    state_->virtual_time = loop.options().virtual_time;
    state_->capacity = loop.options().trace_capacity;
    state_->epoch = loop.now();
    state_->recording.backend = std::string(loop.backend_name());
}

loop_instruments::~loop_instruments() = default;

// ---- Task life ----

void loop_instruments::task_spawned(task_state& task, std::coroutine_handle<> frame,
                                    std::string_view name) noexcept {
    state& s = *state_;
    if (task_entry* stale = s.find(task)) {
        // A frame destroyed unfinished (loop shutdown destroys stuck tasks) never reported its
        // end; its memory now holds this new task.
        s.forget(*stale);
    }
    const task_id id = s.next_id++;
    const task_id parent = s.current != nullptr ? s.current->id : 0;
    const std::uint64_t at = s.now_ns();
    try {
        task_entry& entry = s.tasks[id];
        entry.task = &task;
        entry.id = id;
        entry.parent = parent;
        entry.name = name;
        entry.spawned_at_ns = at;
        try {
            s.by_task[&task] = &entry;
        } catch (...) {
            s.tasks.erase(id);
            throw;
        }
        s.register_frame(entry, frame);
    } catch (...) {
        s.count_dropped(); // the task runs untracked
        return;
    }
    if (s.tracing) {
        if (s.recording.tasks.size() < s.capacity) {
            try {
                s.recording.tasks.push_back(traced_task{id, parent, std::string(name), at});
            } catch (...) {
                ++s.recording.dropped_events;
            }
        } else {
            ++s.recording.dropped_events;
        }
        s.record_task_event(trace_kind::task_spawned, id, parent, at);
    }
}

void loop_instruments::task_finished(task_state& task) noexcept {
    state& s = *state_;
    task_entry* entry = s.find(task);
    if (entry == nullptr) {
        return;
    }
    const task_id id = entry->id;
    const std::uint64_t at = s.now_ns();
    if (s.tracing) {
        trace_event event;
        event.at_ns = at;
        event.task = id;
        if (task.exception() == nullptr) {
            event.kind = trace_kind::task_completed;
        } else if (task.ended_by_cancel()) {
            event.kind = trace_kind::task_cancelled;
        } else {
            event.kind = trace_kind::task_failed;
            try {
                event.text = describe_exception(task.exception());
            } catch (...) { // the event is still worth having without its text
            }
        }
        s.record(std::move(event));
    }
    const bool was_running = s.current == entry;
    if (was_running && s.detect_stalls) {
        s.end_stall_slice(entry);
    }
    s.forget(*entry); // clears current if it was this task

    // The joiner's wake-up is reported here, not by the join awaiter, so that a join costs no
    // trace-point check while the loop has no instruments. Root tasks are always promise_base
    // (task_state's only root kind); the joiner's frame was registered when it parked.
    const std::coroutine_handle<> joiner = static_cast<promise_base&>(task).joiner();
    task_entry* next = joiner ? s.entry_of_frame(joiner) : nullptr;
    if (next == nullptr) {
        return;
    }
    if (!was_running) {
        // Finished outside its own slice (cancelled at shutdown, say): the joiner is made ready
        // by whoever runs now.
        if (next->state == task_run_state::waiting) {
            next->state = task_run_state::ready;
            s.record_task_event(trace_kind::task_woken, next->id,
                                s.current != nullptr ? s.current->id : 0, at);
        }
        next->parked = false;
        return;
    }
    // Symmetric transfer: finish_root() hands control straight to the joiner, which continues in
    // this same slice.
    next->state = task_run_state::running;
    next->parked = false;
    s.current = next;
    s.slice_task = next->id;
    s.record_task_event(trace_kind::task_woken, next->id, id, at);
    s.record_task_event(trace_kind::task_resumed, next->id, 0, at);
    if (s.tracing) {
        s.slice_started_ns = at;
        s.slice_event_index = s.recording.events.size();
    }
}

void loop_instruments::task_parked(task_state& task, std::coroutine_handle<> coroutine) noexcept {
    state& s = *state_;
    if (task_entry* entry = s.find(task)) {
        s.register_frame(*entry, coroutine);
        entry->parked = true;
    }
}

void loop_instruments::task_woken(task_state& task, std::coroutine_handle<> coroutine) noexcept {
    state& s = *state_;
    task_entry* entry = s.find(task);
    if (entry == nullptr) {
        return;
    }
    s.register_frame(*entry, coroutine);
    entry->parked = false;
    if (entry->state != task_run_state::waiting) {
        return; // woken while it still runs (a spent budget, a wake-up of itself): nothing to say
    }
    entry->state = task_run_state::ready;
    s.record_task_event(trace_kind::task_woken, entry->id, s.current != nullptr ? s.current->id : 0,
                        s.now_ns());
}

void loop_instruments::budget_exhausted(task_state& task, unsigned completed) noexcept {
    state& s = *state_;
    if (!s.tracing) {
        return;
    }
    if (task_entry* entry = s.find(task)) {
        trace_event event;
        event.at_ns = s.now_ns();
        event.task = entry->id;
        event.count = completed;
        event.kind = trace_kind::budget_exhausted;
        s.record(std::move(event));
    }
}

// ---- The loop turn ----

// With stall detection on, the steady_clock reading it takes doubles as the loop's time (the
// loop's clock is steady_clock unless virtual), so a slice costs two clock reads, not four.
void loop_instruments::slice_begin(std::coroutine_handle<> next) noexcept {
    state& s = *state_;
    steady::time_point real{};
    if (s.detect_stalls) {
        real = steady::now(); // real time, also under virtual time
        s.slice_started = real;
    }
    task_entry* entry = s.entry_of_frame(next);
    s.current = entry;
    s.slice_task = entry != nullptr ? entry->id : 0;
    if (entry == nullptr) {
        return;
    }
    if (s.tracing) {
        const std::uint64_t at = s.detect_stalls ? s.loop_ns(real) : s.now_ns();
        if (entry->state == task_run_state::waiting) {
            // Made ready by a path that did not report the wake-up: say the loop did it, so the
            // task's story still reads waiting -> ready -> running.
            s.record_task_event(trace_kind::task_woken, entry->id, 0, at);
        }
        s.record_task_event(trace_kind::task_resumed, entry->id, 0, at);
        s.slice_started_ns = at;
        s.slice_event_index = s.recording.events.size();
    }
    entry->state = task_run_state::running;
    entry->parked = false;
}

void loop_instruments::slice_end(std::coroutine_handle<> newest_ready) noexcept {
    state& s = *state_;
    task_entry* entry = s.current;
    s.current = nullptr;
    if (entry == nullptr) {
        return; // the task finished in this slice (already recorded), or it is not tracked
    }
    steady::time_point real{};
    if (s.detect_stalls) {
        real = steady::now();
        s.check_stall(entry, entry->id, real - s.slice_started, s.slice_started_ns,
                      s.slice_event_index);
    }
    auto now = [&] { return s.detect_stalls ? s.loop_ns(real) : s.now_ns(); };
    const suspension* parked_on = entry->task->suspended_on();
    if (parked_on != nullptr) {
        // A join reports no task_parked (join_handle.hpp): its frame is the joined task's joiner.
        if (const task_state* joined = awaited_task(*parked_on)) {
            s.register_frame(*entry, static_cast<const promise_base*>(joined)->joiner());
        }
    }
    if (entry->parked || parked_on != nullptr) {
        const std::uint64_t at = now();
        entry->state = task_run_state::waiting;
        entry->waiting_since_ns = at;
        if (s.tracing) {
            trace_event event;
            event.at_ns = at;
            event.task = entry->id;
            event.kind = trace_kind::task_suspended;
            if (parked_on != nullptr) {
                event.wait = category_of(*parked_on);
                try {
                    describe_suspension(*parked_on, event.text);
                } catch (...) { // keep the event, without its description
                }
            }
            s.record(std::move(event));
        }
    } else {
        // It stayed ready: it requeued itself (waiter_core::requeue_running) as its last act, so
        // the newest ready coroutine is where it resumes; that frame may be new (a yield inside a
        // nested coroutine). A frame that belongs to another task is left alone: this task then
        // suspended through an awaiter corio does not know, and is told apart when it resumes.
        if (newest_ready) {
            const task_entry* owner = s.entry_of_frame(newest_ready);
            if (owner == nullptr) {
                s.register_frame(*entry, newest_ready);
            }
        }
        entry->state = task_run_state::ready;
        if (s.tracing) {
            s.record_task_event(trace_kind::task_yielded, entry->id, 0, now());
        }
    }
    entry->parked = false;
}

void loop_instruments::reactor_wait_begin(
    std::optional<std::chrono::nanoseconds> timeout) noexcept {
    state& s = *state_;
    if (!s.tracing) {
        return;
    }
    s.span_started_ns = s.now_ns();
    s.span_event_index = s.recording.events.size();
    s.wait_timeout_ns = timeout ? timeout->count() : -1;
}

void loop_instruments::reactor_wait_end(std::size_t events) noexcept {
    state& s = *state_;
    if (!s.tracing) {
        return;
    }
    trace_event event;
    event.at_ns = s.span_started_ns;
    event.duration_ns = s.now_ns() - s.span_started_ns;
    event.value = s.wait_timeout_ns;
    event.count = static_cast<std::uint32_t>(std::min<std::size_t>(events, UINT32_MAX));
    event.kind = trace_kind::reactor_wait;
    s.record_at(s.span_event_index, std::move(event));
}

void loop_instruments::posted_begin() noexcept {
    state& s = *state_;
    s.current = nullptr; // a posted callback runs on behalf of the loop
    if (s.tracing) {
        s.span_started_ns = s.now_ns();
        s.span_event_index = s.recording.events.size();
    }
    if (s.detect_stalls) {
        s.posted_started = steady::now();
    }
}

void loop_instruments::posted_end() noexcept {
    state& s = *state_;
    if (s.tracing) {
        trace_event event;
        event.at_ns = s.span_started_ns;
        event.duration_ns = s.now_ns() - s.span_started_ns;
        event.kind = trace_kind::posted_callback;
        s.record_at(s.span_event_index, std::move(event));
    }
    if (s.detect_stalls) {
        s.check_stall(nullptr, 0, steady::now() - s.posted_started, s.span_started_ns,
                      s.span_event_index);
    }
}

// ---- Timers ----

void loop_instruments::timer_armed(std::uint64_t deadline_ns, unsigned level,
                                   unsigned slot) noexcept {
    state& s = *state_;
    if (!s.tracing) {
        return;
    }
    trace_event event;
    event.at_ns = s.now_ns();
    event.task = s.current != nullptr ? s.current->id : 0;
    event.value = static_cast<std::int64_t>(std::min<std::uint64_t>(deadline_ns, INT64_MAX));
    event.level = static_cast<std::uint8_t>(level);
    event.slot = static_cast<std::uint16_t>(slot);
    event.kind = trace_kind::timer_armed;
    s.record(std::move(event));
}

void loop_instruments::timer_cascaded(unsigned level, unsigned slot, std::size_t moved) noexcept {
    state& s = *state_;
    if (!s.tracing) {
        return;
    }
    trace_event event;
    event.at_ns = s.now_ns();
    event.level = static_cast<std::uint8_t>(level);
    event.slot = static_cast<std::uint16_t>(slot);
    event.count = static_cast<std::uint32_t>(std::min<std::size_t>(moved, UINT32_MAX));
    event.kind = trace_kind::timer_cascaded;
    s.record(std::move(event));
}

void loop_instruments::timers_fired(std::size_t count) noexcept {
    state& s = *state_;
    if (!s.tracing) {
        return;
    }
    trace_event event;
    event.at_ns = s.now_ns();
    event.count = static_cast<std::uint32_t>(std::min<std::size_t>(count, UINT32_MAX));
    event.kind = trace_kind::timer_fired;
    s.record(std::move(event));
}

// ---- Blocking pool ----

const task_state* loop_instruments::running_task() const noexcept {
    return state_->current != nullptr ? state_->current->task : nullptr;
}

void loop_instruments::blocking_finished(const task_state* waiter,
                                         std::chrono::steady_clock::time_point started,
                                         std::chrono::steady_clock::time_point finished) noexcept {
    state& s = *state_;
    if (!s.tracing) {
        return;
    }
    task_id id = 0;
    if (waiter != nullptr) {
        if (const task_entry* entry = s.find(*waiter)) {
            id = entry->id;
        }
    }
    // The worker's times are on the steady clock; place them on the loop's clock by how long ago
    // they were (under virtual time they land just before now), in time order among the events.
    const std::uint64_t now = s.now_ns();
    const steady::time_point real_now = steady::now();
    auto placed = [&](steady::time_point when) {
        return now - std::min(now, to_ns(real_now - when));
    };
    auto insert_sorted = [&](trace_kind kind, std::uint64_t at) {
        const auto position = std::upper_bound(
            s.recording.events.begin(), s.recording.events.end(), at,
            [](std::uint64_t value, const trace_event& event) { return value < event.at_ns; });
        trace_event event;
        event.at_ns = at;
        event.task = id;
        event.kind = kind;
        s.record_at(static_cast<std::size_t>(position - s.recording.events.begin()),
                    std::move(event), true);
    };
    const std::uint64_t started_at = placed(started);
    const std::uint64_t finished_at = std::max(started_at, placed(finished));
    insert_sorted(trace_kind::blocking_started, started_at);
    insert_sorted(trace_kind::blocking_finished, finished_at);
}

// ---- Reading it ----

const trace_recording* loop_instruments::recording() const noexcept {
    return state_->tracing ? &state_->recording : nullptr;
}

task_dump loop_instruments::dump() const {
    const state& s = *state_;
    task_dump result;
    result.tracking = true;
    result.tasks.reserve(s.tasks.size());
    const std::uint64_t now = s.now_ns();

    // Who joins whom: a waiting task's suspension names the task it joins (awaited_task); a
    // join_handle's awaiter is also the finishing task's joiner coroutine.
    std::multimap<task_id, task_id> joined_by; // joined task -> a task joining it
    for (const auto& [id, entry] : s.tasks) {
        if (const suspension* parked = entry.task->suspended_on()) {
            if (const task_state* awaited = awaited_task(*parked)) {
                if (const task_entry* target = s.find(*awaited)) {
                    joined_by.emplace(target->id, id);
                }
            }
        }
        const std::coroutine_handle<> joiner =
            static_cast<const promise_base*>(entry.task)->joiner();
        if (const task_entry* joining = s.entry_of_frame(joiner);
            joining != nullptr && joining != &entry) {
            bool known = false;
            for (auto [it, end] = joined_by.equal_range(id); it != end; ++it) {
                known = known || it->second == joining->id;
            }
            if (!known) {
                joined_by.emplace(id, joining->id);
            }
        }
    }

    for (const auto& [id, entry] : s.tasks) {
        task_snapshot snapshot;
        snapshot.id = id;
        snapshot.name = entry.name;
        snapshot.parent = entry.parent;
        snapshot.state = entry.state;
        if (entry.state == task_run_state::waiting) {
            if (const suspension* parked = entry.task->suspended_on()) {
                snapshot.wait = category_of(*parked);
                describe_suspension(*parked, snapshot.waiting_on);
            }
            snapshot.waiting_for =
                std::chrono::nanoseconds(static_cast<std::int64_t>(now - entry.waiting_since_ns));
        }
        // Breadth first, nearest joiners first; each task once (a cycle cannot hang the dump).
        std::vector<task_id> frontier{id};
        while (!frontier.empty()) {
            std::vector<task_id> next;
            for (const task_id joined : frontier) {
                for (auto [it, end] = joined_by.equal_range(joined); it != end; ++it) {
                    const task_id joiner = it->second;
                    if (joiner != id &&
                        std::find(snapshot.awaited_by.begin(), snapshot.awaited_by.end(), joiner) ==
                            snapshot.awaited_by.end()) {
                        snapshot.awaited_by.push_back(joiner);
                        next.push_back(joiner);
                    }
                }
            }
            frontier = std::move(next);
        }
        result.tasks.push_back(std::move(snapshot));
    }
    return result;
}

task_id loop_instruments::id_of(const task_state& task) const noexcept {
    const task_entry* entry = state_->find(task);
    return entry != nullptr ? entry->id : 0;
}

} // namespace corio::detail
