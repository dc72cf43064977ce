// SPDX-License-Identifier: MIT
// chrome_trace_json(): a trace_recording in Chrome's Trace Event format ("JSON Object Format"),
// which both https://ui.perfetto.dev and chrome://tracing open.
//
// The choices, and why:
// - One process (pid 1) for the loop, one thread track per task (tid = the task id) and one
//   track for the loop itself (the next tid after the tasks', "loop (epoll)"): a task is the unit a
//   reader thinks in, and the trace viewers draw a thread track as a row, so each task gets the row
//   the SVG gives it. Tracks are named with metadata events (thread_name "One (#1)", "task 7 (#7)")
//   and ordered by thread_sort_index in spawn order, the loop's track last.
// - Complete events (ph "X") for everything with a length: "run" for each slice a task ran, one
//   "wait: <what>" span per suspension (cat = the wait category, so a viewer can filter timers
//   from I/O), the reactor waits ("epoll_wait timeout=10.000 ms, events=1"), posted callbacks
//   and stalls. Ready time is the gap between a wait and the next run: drawing it too would
//   bury the run slices. ts and dur are microseconds, the format's unit, written with three
//   decimals from integer nanoseconds (no floating point, no locale): exact and deterministic.
// - Instant events (ph "i", thread scope) for spawned / failed / cancelled / budget spent, one
//   global instant when the recording dropped events.
// - Flow events (ph "s" on the waker's track at the wake-up, 1 ns earlier when that is the very
//   end of the waker's slice so that the viewer finds the slice, ph "f" with bp "e" on the woken
//   task's track at its next resumption, the same id) for wake-ups by another task: the viewers
//   draw them as arrows between the two slices. Ids count from 1 in order of resumption.
// - Events sorted by timestamp (stable, so equal timestamps keep the stream's order); one event
//   per line, so a diff of two traces reads.
// - Strings are valid UTF-8 (invalid bytes became U+FFFD in build_timeline) and escaped per
//   RFC 8259: quote, backslash and every control character; other characters stay as they are.
#include <corio/runtime/trace_export.hpp>

#include "trace/trace_timeline.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace corio {

namespace {

constexpr int loop_pid = 1;

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (byte < 0x20) {
                out += "\\u00";
                out += hex[byte >> 4];
                out += hex[byte & 0xF];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

std::string json_string(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

// Nanoseconds as the format's microseconds, exactly: 1500 ns -> 1.500.
std::string micros(std::uint64_t ns) {
    return detail::fixed_point(ns, 1000, 3);
}

// One event under construction: `"key":value` pairs in the order added.
class json_event {
public:
    json_event& field(std::string_view key, std::string_view raw_value) {
        if (!body_.empty()) {
            body_ += ',';
        }
        append_json_string(body_, key);
        body_ += ':';
        body_ += raw_value;
        return *this;
    }
    json_event& text(std::string_view key, std::string_view value) {
        return field(key, json_string(value));
    }
    json_event& number(std::string_view key, std::int64_t value) {
        return field(key, std::to_string(value));
    }
    [[nodiscard]] std::string str() const { return "{" + body_ + "}"; }

private:
    std::string body_;
};

json_event base(std::string_view ph, std::string_view name, task_id tid) {
    json_event event;
    event.text("name", name).text("ph", ph).number("pid", loop_pid);
    event.number("tid", static_cast<std::int64_t>(tid));
    return event;
}

struct timed_event {
    std::uint64_t at_ns;
    std::string json;
};

std::string_view mark_name(trace_kind kind) {
    switch (kind) {
    case trace_kind::task_spawned:
        return "spawned";
    case trace_kind::task_failed:
        return "failed";
    case trace_kind::task_cancelled:
        return "cancelled";
    case trace_kind::task_completed:
        return "completed";
    case trace_kind::budget_exhausted:
        return "budget spent";
    default:
        return "mark";
    }
}

} // namespace

std::string chrome_trace_json(const trace_recording& recording) {
    const detail::timeline_model model = detail::build_timeline(recording);
    const std::string loop_label =
        "loop (" + (model.backend.empty() ? std::string{"reactor"} : model.backend) + ")";

    // The loop's track: the first tid after every task's. Not 0, which Perfetto keeps for the
    // idle ("swapper") thread of a system trace.
    task_id loop_tid = 1;
    for (const detail::timeline_row& row : model.rows) {
        loop_tid = std::max(loop_tid, row.id + 1);
    }
    auto track_of = [&](task_id id) { return id == 0 ? loop_tid : id; };

    std::vector<std::string> metadata;
    metadata.push_back(base("M", "process_name", loop_tid)
                           .field("args", "{\"name\":" + json_string("corio " + loop_label) + "}")
                           .str());
    std::int64_t sort_index = 0;
    for (const detail::timeline_row& row : model.rows) {
        metadata.push_back(base("M", "thread_name", row.id)
                               .field("args", "{\"name\":" + json_string(row.label) + "}")
                               .str());
        metadata.push_back(
            base("M", "thread_sort_index", row.id)
                .field("args", "{\"sort_index\":" + std::to_string(++sort_index) + "}")
                .str());
    }
    metadata.push_back(base("M", "thread_name", loop_tid)
                           .field("args", "{\"name\":" + json_string(loop_label) + "}")
                           .str());
    metadata.push_back(base("M", "thread_sort_index", loop_tid)
                           .field("args", "{\"sort_index\":" + std::to_string(++sort_index) + "}")
                           .str());

    std::vector<timed_event> timed;
    auto complete = [&](std::string_view name, std::string_view category, task_id tid,
                        std::uint64_t begin, std::uint64_t end, std::string args) {
        json_event event = base("X", name, tid);
        event.text("cat", category).field("ts", micros(begin)).field("dur", micros(end - begin));
        if (!args.empty()) {
            event.field("args", "{" + args + "}");
        }
        timed.push_back({begin, event.str()});
    };

    for (const detail::task_interval& interval : model.intervals) {
        if (interval.state == detail::timeline_state::running) {
            complete("run", "run", interval.task, interval.begin_ns, interval.end_ns,
                     interval.unfinished ? "\"unfinished\":true" : "");
        } else if (interval.state == detail::timeline_state::waiting) {
            const std::string_view category = detail::wait_category_name(interval.wait);
            const std::string on = interval.text.empty() ? std::string{category} : interval.text;
            std::string args = "\"on\":" + json_string(on);
            if (interval.unfinished) {
                args += ",\"unfinished\":true";
            }
            complete("wait: " + on, category, interval.task, interval.begin_ns, interval.end_ns,
                     std::move(args));
        }
    }
    for (const detail::loop_span& span : model.spans) {
        if (span.kind == trace_kind::reactor_wait) {
            complete(detail::reactor_wait_label(model.backend, span), "reactor", loop_tid,
                     span.begin_ns, span.end_ns,
                     "\"timeout_ns\":" + std::to_string(span.value) +
                         ",\"events\":" + std::to_string(span.count));
        } else if (span.kind == trace_kind::posted_callback) {
            complete("posted callback", "posted", loop_tid, span.begin_ns, span.end_ns, "");
        } else {
            const std::string name = "stall: ran " +
                                     detail::human_duration(span.end_ns - span.begin_ns) +
                                     " without suspending";
            complete(name, "stall", track_of(span.task), span.begin_ns, span.end_ns, "");
        }
    }
    for (const detail::task_mark& mark : model.marks) {
        if (mark.kind == trace_kind::task_completed) {
            continue; // the end of the last run slice says it
        }
        json_event event = base("i", mark_name(mark.kind), track_of(mark.task));
        event.text("cat", "task").text("s", "t").field("ts", micros(mark.at_ns));
        if (mark.kind == trace_kind::task_spawned) {
            const std::string parent = mark.other == 0
                                           ? std::string{"none"}
                                           : detail::valid_utf8(recording.task_name(mark.other)) +
                                                 " (#" + std::to_string(mark.other) + ")";
            event.field("args", "{\"parent\":" + json_string(parent) + "}");
        } else if (mark.kind == trace_kind::budget_exhausted) {
            event.field("args", "{\"operations\":" + std::to_string(mark.count) + "}");
        } else if (!mark.text.empty()) {
            event.field("args", "{\"what\":" + json_string(mark.text) + "}");
        }
        timed.push_back({mark.at_ns, event.str()});
    }
    std::int64_t flow_id = 0;
    for (const detail::wake_edge& wake : model.wakes) {
        ++flow_id;
        const std::string name = "wake-up";
        timed.push_back({wake.flow_start_ns, base("s", name, track_of(wake.waker))
                                                 .text("cat", "wake")
                                                 .number("id", flow_id)
                                                 .field("ts", micros(wake.flow_start_ns))
                                                 .str()});
        timed.push_back({wake.resumed_at_ns, base("f", name, track_of(wake.woken))
                                                 .text("cat", "wake")
                                                 .number("id", flow_id)
                                                 .text("bp", "e")
                                                 .field("ts", micros(wake.resumed_at_ns))
                                                 .str()});
    }
    if (model.dropped_events > 0) {
        timed.push_back(
            {model.last_ns, base("i",
                                 "recording full: " + std::to_string(model.dropped_events) +
                                     " later events dropped",
                                 loop_tid)
                                .text("cat", "trace")
                                .text("s", "g")
                                .field("ts", micros(model.last_ns))
                                .str()});
    }
    std::stable_sort(timed.begin(), timed.end(),
                     [](const timed_event& a, const timed_event& b) { return a.at_ns < b.at_ns; });

    std::string out = "{\"traceEvents\":[\n";
    bool first = true;
    auto add = [&](const std::string& event) {
        if (!first) {
            out += ",\n";
        }
        first = false;
        out += event;
    };
    for (const std::string& event : metadata) {
        add(event);
    }
    for (const timed_event& event : timed) {
        add(event.json);
    }
    out += "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"backend\":";
    append_json_string(out, model.backend);
    out += ",\"dropped\":" + std::to_string(model.dropped_events) + "}}\n";
    return out;
}

} // namespace corio
