// SPDX-License-Identifier: MIT
// The shared first step of both exports: the event stream replayed as a state machine per task.
//
// Each task is in at most one state at a time. A transition event closes the open interval at its
// timestamp and opens the next one, whatever the previous state was: a stream that skips a step
// (events lost at the capacity limit, a recorder bug) still gives contiguous, non-overlapping
// intervals per task instead of an error, because a picture of a partial run is still worth
// having. Whatever is open at the end runs to the recording's last timestamp, marked unfinished.
#include "trace/trace_timeline.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace corio::detail {

namespace {

struct open_interval {
    timeline_state state = timeline_state::ready;
    std::uint64_t since_ns = 0;
    wait_category wait = wait_category::other;
    std::string text;
};

struct task_replay {
    std::optional<open_interval> open; // empty: not yet seen, or ended
    std::optional<wake_edge> pending_wake;
};

} // namespace

timeline_model build_timeline(const trace_recording& recording) {
    timeline_model model;
    model.dropped_events = recording.dropped_events;
    model.backend = valid_utf8(recording.backend);

    std::set<task_id> listed;
    for (const traced_task& task : recording.tasks) {
        if (!listed.insert(task.id).second) {
            continue; // listed twice: one row is enough
        }
        timeline_row row;
        row.id = task.id;
        row.parent = task.parent;
        model.rows.push_back(std::move(row));
    }
    // Tasks the events name but the list does not (a recorder that forgot one): rows after the
    // listed ones, by id, so every interval has a row to sit on.
    std::set<task_id> unlisted;
    for (const trace_event& event : recording.events) {
        if (event.task != 0 && !listed.contains(event.task) && event.kind != trace_kind::stall) {
            unlisted.insert(event.task);
        }
    }
    for (task_id id : unlisted) {
        timeline_row row;
        row.id = id;
        model.rows.push_back(std::move(row));
    }
    for (timeline_row& row : model.rows) {
        row.name = valid_utf8(recording.task_name(row.id));
        row.label = row.name + " (#" + std::to_string(row.id) + ")";
    }

    bool any = false;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    for (const trace_event& event : recording.events) {
        const std::uint64_t end = event.at_ns + event.duration_ns;
        first = any ? std::min(first, event.at_ns) : event.at_ns;
        last = any ? std::max(last, std::max(end, event.at_ns)) : std::max(end, event.at_ns);
        any = true;
    }
    model.first_ns = first;
    model.last_ns = last;

    std::map<task_id, task_replay> replay;
    auto close = [&](task_id id, task_replay& task, std::uint64_t at, bool unfinished) {
        if (!task.open) {
            return;
        }
        open_interval& open = *task.open;
        task_interval interval;
        interval.task = id;
        interval.begin_ns = open.since_ns;
        interval.end_ns = std::max(at, open.since_ns); // never backwards, whatever the stream says
        interval.state = open.state;
        interval.wait = open.wait;
        interval.text = std::move(open.text);
        interval.unfinished = unfinished;
        model.intervals.push_back(std::move(interval));
        task.open.reset();
    };
    auto open = [](task_replay& task, timeline_state state, std::uint64_t at,
                   wait_category wait = wait_category::other, std::string text = {}) {
        task.open = open_interval{state, at, wait, std::move(text)};
    };

    for (const trace_event& event : recording.events) {
        const std::uint64_t at = event.at_ns;
        switch (event.kind) {
        case trace_kind::task_spawned: {
            task_replay& task = replay[event.task];
            close(event.task, task, at, false);
            open(task, timeline_state::ready, at);
            model.marks.push_back({event.kind, event.task, event.other, at, 0, {}});
            break;
        }
        case trace_kind::task_resumed: {
            task_replay& task = replay[event.task];
            close(event.task, task, at, false);
            open(task, timeline_state::running, at);
            if (task.pending_wake) {
                task.pending_wake->resumed_at_ns = at;
                model.wakes.push_back(*task.pending_wake);
                task.pending_wake.reset();
            }
            break;
        }
        case trace_kind::task_suspended: {
            task_replay& task = replay[event.task];
            close(event.task, task, at, false);
            open(task, timeline_state::waiting, at, event.wait, valid_utf8(event.text));
            break;
        }
        case trace_kind::task_yielded:
        case trace_kind::task_woken: {
            task_replay& task = replay[event.task];
            close(event.task, task, at, false);
            open(task, timeline_state::ready, at);
            if (event.kind == trace_kind::task_woken && event.other != 0) {
                task.pending_wake = wake_edge{event.other, event.task, at, at};
            } else {
                task.pending_wake.reset();
            }
            break;
        }
        case trace_kind::task_completed:
        case trace_kind::task_failed:
        case trace_kind::task_cancelled: {
            task_replay& task = replay[event.task];
            close(event.task, task, at, false);
            task.pending_wake.reset();
            model.marks.push_back(
                {event.kind, event.task, event.other, at, 0, valid_utf8(event.text)});
            break;
        }
        case trace_kind::budget_exhausted:
            model.marks.push_back({event.kind, event.task, 0, at, event.count, {}});
            break;
        case trace_kind::reactor_wait:
        case trace_kind::posted_callback:
        case trace_kind::stall:
            model.spans.push_back(
                {event.kind, at, at + event.duration_ns, event.task, event.value, event.count});
            break;
        case trace_kind::timer_armed:
        case trace_kind::timer_cascaded:
        case trace_kind::timer_fired:
        case trace_kind::blocking_started:
        case trace_kind::blocking_finished:
            break; // the timer wheel's and the pool's own story: not drawn
        }
    }
    for (auto& [id, task] : replay) {
        close(id, task, last, true);
    }
    // Each task's running slices, in order (they are closed in order), to find the waker's.
    std::map<task_id, std::vector<std::pair<std::uint64_t, std::uint64_t>>> running;
    for (const task_interval& interval : model.intervals) {
        if (interval.state == timeline_state::running) {
            running[interval.task].emplace_back(interval.begin_ns, interval.end_ns);
        }
    }
    for (auto& entry : running) {
        // Already in order, unless the stream ran backwards.
        std::sort(entry.second.begin(), entry.second.end());
    }
    for (wake_edge& wake : model.wakes) {
        wake.flow_start_ns = wake.woken_at_ns;
        const auto slices = running.find(wake.waker);
        if (slices == running.end()) {
            continue;
        }
        // The last slice that began at or before the wake-up.
        const auto after =
            std::upper_bound(slices->second.begin(), slices->second.end(), wake.woken_at_ns,
                             [](std::uint64_t at, const auto& slice) { return at < slice.first; });
        if (after != slices->second.begin()) {
            const auto& [begin, end] = *std::prev(after);
            if (begin < end && wake.woken_at_ns == end) {
                wake.flow_start_ns = end - 1;
            }
        }
    }
    std::stable_sort(model.intervals.begin(), model.intervals.end(),
                     [](const task_interval& a, const task_interval& b) {
                         return a.begin_ns != b.begin_ns ? a.begin_ns < b.begin_ns
                                                         : a.task < b.task;
                     });
    return model;
}

std::string_view wait_category_name(wait_category category) noexcept {
    switch (category) {
    case wait_category::other:
        return "other";
    case wait_category::timer:
        return "timer";
    case wait_category::io:
        return "io";
    case wait_category::queue:
        return "queue";
    case wait_category::event:
        return "event";
    case wait_category::lock:
        return "lock";
    case wait_category::task:
        return "task";
    case wait_category::blocking:
        return "blocking";
    }
    return "other";
}

std::string reactor_wait_label(std::string_view backend, const loop_span& span) {
    const std::string timeout = span.value < 0
                                    ? std::string{"forever"}
                                    : human_duration(static_cast<std::uint64_t>(span.value));
    return reactor_call_name(backend) + " timeout=" + timeout +
           ", events=" + std::to_string(span.count);
}

std::string reactor_call_name(std::string_view backend) {
    if (backend == "epoll") {
        return "epoll_wait";
    }
    if (backend == "kqueue") {
        return "kevent";
    }
    if (backend == "iocp") {
        return "GetQueuedCompletionStatusEx";
    }
    if (backend.empty()) {
        return "reactor wait";
    }
    return valid_utf8(backend) + " wait";
}

std::string valid_utf8(std::string_view text) {
    static constexpr std::string_view replacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t code = 0;
        std::uint32_t minimum = 0;
        if (lead < 0x80) {
            out.push_back(text[i]);
            ++i;
            continue;
        }
        if ((lead & 0xE0) == 0xC0) {
            length = 2, code = lead & 0x1F, minimum = 0x80;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3, code = lead & 0x0F, minimum = 0x800;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4, code = lead & 0x07, minimum = 0x10000;
        }
        bool valid = length != 0 && i + length <= text.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            valid = (next & 0xC0) == 0x80;
            code = (code << 6) | (next & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8 either.
        valid = valid && code >= minimum && code <= 0x10FFFF && (code < 0xD800 || code > 0xDFFF);
        if (valid) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out.append(replacement);
            ++i;
        }
    }
    return out;
}

std::string fixed_point(std::uint64_t value, std::uint64_t divisor, int decimals) {
    std::uint64_t scale = 1;
    for (int k = 0; k < decimals; ++k) {
        scale *= 10;
    }
    // value * scale / divisor, rounded, without overflowing for timestamps of a few centuries.
    const std::uint64_t whole = value / divisor;
    const std::uint64_t rest = value % divisor;
    std::uint64_t fraction = (rest * scale + divisor / 2) / divisor;
    std::uint64_t integer = whole;
    if (fraction >= scale) {
        integer += 1;
        fraction -= scale;
    }
    std::string out = std::to_string(integer);
    if (decimals > 0) {
        std::string digits = std::to_string(fraction);
        out += '.';
        out.append(static_cast<std::size_t>(decimals) - digits.size(), '0');
        out += digits;
    }
    return out;
}

std::string human_duration(std::uint64_t ns) {
    if (ns >= 1'000'000'000) {
        return fixed_point(ns, 1'000'000'000, 3) + " s";
    }
    if (ns >= 1'000'000) {
        return fixed_point(ns, 1'000'000, 3) + " ms";
    }
    if (ns >= 1'000) {
        return fixed_point(ns, 1'000, 3) + " us";
    }
    return std::to_string(ns) + " ns";
}

} // namespace corio::detail
