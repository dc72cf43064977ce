// SPDX-License-Identifier: MIT
// trace_file_checks.hpp - what the examples' tests check in the files --trace and --timeline
// write, in one place.
//
// FOR THE LEAD, after merging issue15-exports: these are deliberately shallow stand-ins. Replace
// looks_like_chrome_trace / looks_like_svg with the real JSON and XML checkers of tests/support/,
// and complete_events() with a walk over the parsed JSON document. complete_events() relies only
// on the Trace Event format itself (objects in "traceEvents", "ph":"X" with "tid", "ts", "dur",
// "name", "cat") plus two choices of chrome_trace_json(): a task's slices are named "run" and its
// waits "wait: <what>" with cat = the wait category ("timer", "io"...), and a task's track is
// named by a thread_name metadata event whose name starts with the task's name.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio_test {

inline std::string read_whole_file(const std::filesystem::path& path) {
    std::ifstream file{path, std::ios::binary};
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// Chrome Trace Event JSON in the object form: {"traceEvents":[...
inline bool looks_like_chrome_trace(std::string_view text) {
    const std::size_t start = text.find_first_not_of(" \t\r\n");
    return start != std::string_view::npos && text.substr(start).starts_with("{\"traceEvents\":");
}

// A standalone SVG document, with or without an XML declaration, closed at the end.
inline bool looks_like_svg(std::string_view text) {
    const std::size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) {
        return false;
    }
    text.remove_prefix(start);
    const bool opens = text.starts_with("<svg") ||
                       (text.starts_with("<?xml") && text.find("<svg") != std::string_view::npos);
    return opens && text.find("</svg>") != std::string_view::npos;
}

// One "ph":"X" event: a stretch of time on a track.
struct trace_span {
    std::uint64_t tid = 0;
    std::string name; // "run", "wait: sleep 1.500 s", "epoll_wait ..."
    std::string category;
    double begin_us = 0;
    double end_us = 0;
};

namespace detail_trace_scan {

// The raw value of the first `"key":` in one flat event object (strings unescaped only for \" and
// \\, enough for the names the checks look at).
inline std::string field(std::string_view object, std::string_view key) {
    const std::string marker = "\"" + std::string(key) + "\":";
    const std::size_t at = object.find(marker);
    if (at == std::string_view::npos) {
        return {};
    }
    std::size_t i = at + marker.size();
    while (i < object.size() && object[i] == ' ') {
        ++i;
    }
    std::string value;
    if (i < object.size() && object[i] == '"') {
        for (++i; i < object.size() && object[i] != '"'; ++i) {
            if (object[i] == '\\' && i + 1 < object.size()) {
                ++i;
            }
            value += object[i];
        }
        return value;
    }
    while (i < object.size() && object[i] != ',' && object[i] != '}') {
        value += object[i++];
    }
    return value;
}

// The top-level objects of the "traceEvents" array, as text.
inline std::vector<std::string_view> event_objects(std::string_view json) {
    std::vector<std::string_view> objects;
    std::size_t i = json.find("\"traceEvents\"");
    i = i == std::string_view::npos ? json.size() : json.find('[', i);
    if (i == std::string_view::npos) {
        return objects;
    }
    int depth = 0;
    bool in_string = false;
    std::size_t begin = 0;
    for (++i; i < json.size(); ++i) {
        const char c = json[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{') {
            if (depth++ == 0) {
                begin = i;
            }
        } else if (c == '}') {
            if (--depth == 0) {
                objects.push_back(json.substr(begin, i + 1 - begin));
            }
        } else if (c == ']' && depth == 0) {
            break;
        }
    }
    return objects;
}

} // namespace detail_trace_scan

// Every complete event of a Chrome trace.
inline std::vector<trace_span> complete_events(std::string_view json) {
    std::vector<trace_span> spans;
    for (const std::string_view object : detail_trace_scan::event_objects(json)) {
        if (detail_trace_scan::field(object, "ph") != "X") {
            continue;
        }
        trace_span span;
        span.tid = std::strtoull(detail_trace_scan::field(object, "tid").c_str(), nullptr, 10);
        span.name = detail_trace_scan::field(object, "name");
        span.category = detail_trace_scan::field(object, "cat");
        span.begin_us = std::strtod(detail_trace_scan::field(object, "ts").c_str(), nullptr);
        span.end_us =
            span.begin_us + std::strtod(detail_trace_scan::field(object, "dur").c_str(), nullptr);
        spans.push_back(std::move(span));
    }
    return spans;
}

// The track of the task named `name` ("One"): its tid, 0 if there is none.
inline std::uint64_t tid_of_task(std::string_view json, std::string_view name) {
    for (const std::string_view object : detail_trace_scan::event_objects(json)) {
        if (detail_trace_scan::field(object, "ph") != "M" ||
            detail_trace_scan::field(object, "name") != "thread_name") {
            continue;
        }
        // The track's own name is in args: {"name":"One (#2)"}.
        const std::size_t args = object.find("\"args\"");
        if (args == std::string_view::npos) {
            continue;
        }
        const std::string label = detail_trace_scan::field(object.substr(args), "name");
        if (label == name || label.starts_with(std::string(name) + " ")) {
            return std::strtoull(detail_trace_scan::field(object, "tid").c_str(), nullptr, 10);
        }
    }
    return 0;
}

// How long the spans of `first` and those of `second` overlap in all, in microseconds.
inline double overlap_us(const std::vector<trace_span>& first,
                         const std::vector<trace_span>& second) {
    double total = 0;
    for (const trace_span& a : first) {
        for (const trace_span& b : second) {
            const double begin = a.begin_us > b.begin_us ? a.begin_us : b.begin_us;
            const double end = a.end_us < b.end_us ? a.end_us : b.end_us;
            if (end > begin) {
                total += end - begin;
            }
        }
    }
    return total;
}

// The spans on track `tid` whose name starts with `prefix` ("run", "wait: ").
inline std::vector<trace_span> spans_of(const std::vector<trace_span>& spans, std::uint64_t tid,
                                        std::string_view prefix) {
    std::vector<trace_span> chosen;
    for (const trace_span& span : spans) {
        if (span.tid == tid && std::string_view(span.name).starts_with(prefix)) {
            chosen.push_back(span);
        }
    }
    return chosen;
}

} // namespace corio_test
