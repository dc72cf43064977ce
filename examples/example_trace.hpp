// SPDX-License-Identifier: MIT
// example_trace.hpp - what the examples' --trace, --timeline and --dump-on-signal do
// (example_args.hpp parses them; docs/tracing.md explains what the files show).
//
// Examples with an event loop (steps 4, 6, 7, corio-get, the servers) run their main task with
// example::run() instead of corio::run(): the same, except that when a file is asked for, the
// loop records a trace (loop_options::trace) and the files are written after the run, and that
// with --dump-on-signal a task waits for SIGQUIT and prints the task dump each time.
//
// Steps 1, 2, 3 and 5 have no event loop: main() itself resumes the generators in turn. There,
// example::hand_trace writes the same kind of trace_recording by hand, one slice per next(), so
// the same exporters draw them. A blocking sleep or a blocking HTTP call happens INSIDE a slice:
// the thread is blocked and the task counts as running, while the other task is merely ready.
// That is the lesson of steps 3 and 5 next to step 4, where both tasks wait at once.
#pragma once

#include "example_args.hpp"

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/generator.hpp>
#include <corio/runtime/trace.hpp>
#include <corio/runtime/trace_export.hpp>

#include <corio/runtime/signal.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace example {

// Writes the files `settings` asks for; on failure says which and why on stderr and returns false.
inline bool write_trace_files(const corio::trace_recording& recording,
                              const trace_settings& settings, const std::string& title) {
    auto write = [](const std::string& path, const std::string& what, const std::string& text) {
        if (path.empty()) {
            return true;
        }
        errno = 0;
        std::ofstream file{path, std::ios::binary | std::ios::trunc};
        if (file) {
            file << text;
            file.flush();
        }
        if (!file) {
            const int error = errno;
            std::cerr << "error: cannot write the " << what << " to '" << path << "'"
                      << (error != 0 ? std::string(": ") + std::strerror(error) : "") << "\n";
            return false;
        }
        return true;
    };
    const bool trace_ok = write(settings.trace_file, "trace", corio::chrome_trace_json(recording));
    const bool timeline_ok =
        write(settings.timeline_file, "timeline",
              corio::timeline_svg(recording, corio::timeline_options{.title = title}));
    return trace_ok && timeline_ok;
}

// ---- examples with an event loop ----

// Waits for SIGQUIT (Ctrl-\ in a terminal, `kill -QUIT`) and prints every live task and what it
// waits on, each time, without stopping anything.
inline corio::task<> dump_tasks_on_sigquit() {
#if defined(SIGQUIT)
    corio::signal_set quit{SIGQUIT};
    for (;;) {
        co_await quit.wait();
        std::cerr << corio::format_task_dump(corio::event_loop::current().dump_tasks())
                  << std::flush;
    }
#else
    std::cerr << "--dump-on-signal is not available here: Windows has no SIGQUIT\n";
    co_return;
#endif
}

template <class T>
corio::task<T> with_dump_on_signal(corio::task<T> main) {
    corio::spawn(dump_tasks_on_sigquit(), "dump-on-signal").detach();
    co_return co_await std::move(main);
}

// corio::run(main, options), with the command line's tracing: returns main's exit status (0 for
// a task<void>), or 1 if a trace file could not be written. Exceptions from main propagate, after
// the files are written (a trace of a failed run is the most useful kind).
template <class T>
int run(corio::task<T> main, const trace_settings& settings, const std::string& title,
        corio::loop_options options = {}) {
    static_assert(std::is_void_v<T> || std::is_same_v<T, int>, "main returns nothing or a status");
    options.trace = options.trace || settings.recording();
    options.track_tasks = options.track_tasks || settings.dump_on_signal;
    corio::event_loop loop{std::move(options)};
    if (settings.dump_on_signal) {
        main = with_dump_on_signal(std::move(main));
    }
    auto write_files = [&] {
        return !settings.recording() || loop.trace() == nullptr ||
               write_trace_files(*loop.trace(), settings, title);
    };
    int status = 0;
    try {
        if constexpr (std::is_void_v<T>) {
            loop.run_until_complete(std::move(main), "main");
        } else {
            status = loop.run_until_complete(std::move(main), "main");
        }
    } catch (...) {
        write_files();
        throw;
    }
    return write_files() ? status : 1;
}

// ---- steps without an event loop: a recording written by hand ----

class hand_trace;

// A generator and the task id it has in the recording: next() records the slice it runs.
class traced_generator {
public:
    traced_generator(corio::generator<> work, hand_trace& trace, corio::task_id id)
        : work_(std::move(work))
        , trace_(&trace)
        , id_(id) {}

    // Resumes the generator for one slice, as corio::generator::next() does.
    bool next();

private:
    corio::generator<> work_;
    hand_trace* trace_;
    corio::task_id id_;
};

class hand_trace {
public:
    // Records only if a file is asked for; otherwise every call does nothing.
    hand_trace(trace_settings settings, std::string title)
        : settings_(std::move(settings))
        , title_(std::move(title)) {
        recording_.backend = "main()'s own while-loop"; // no reactor: the row stays empty
    }

    // A generator made a task of the recording (ids 1, 2, 3... in this order).
    traced_generator spawn(corio::generator<> work, std::string name) {
        return traced_generator{std::move(work), *this, add_task(std::move(name))};
    }

    // A plain function call as a task (step 1): spawned and running from here to the end of the
    // scope, then completed.
    class call {
    public:
        call(hand_trace& trace, std::string name)
            : trace_(trace)
            , id_(trace.add_task(std::move(name))) {
            trace_.record(corio::trace_kind::task_resumed, id_);
        }
        ~call() { trace_.record(corio::trace_kind::task_completed, id_); }
        call(const call&) = delete;
        call& operator=(const call&) = delete;

    private:
        hand_trace& trace_;
        corio::task_id id_;
    };

    void record(corio::trace_kind kind, corio::task_id task) {
        if (!settings_.recording() || task == 0) {
            return;
        }
        corio::trace_event event;
        event.at_ns = now_ns();
        event.task = task;
        event.kind = kind;
        recording_.events.push_back(std::move(event));
    }

    [[nodiscard]] const corio::trace_recording& recording() const { return recording_; }

    // Writes the files; the exit status for main(): 0, or 1 if a file could not be written.
    [[nodiscard]] int finish() const {
        if (!settings_.recording()) {
            return 0;
        }
        return write_trace_files(recording_, settings_, title_) ? 0 : 1;
    }

private:
    corio::task_id add_task(std::string name) {
        if (!settings_.recording()) {
            return 0;
        }
        const corio::task_id id = recording_.tasks.size() + 1;
        const std::uint64_t at = now_ns();
        recording_.tasks.push_back(
            {.id = id, .parent = 0, .name = std::move(name), .spawned_at_ns = at});
        corio::trace_event event;
        event.at_ns = at;
        event.task = id;
        event.kind = corio::trace_kind::task_spawned;
        recording_.events.push_back(std::move(event));
        return id;
    }

    // Nanoseconds since this recording began, never less than the last event's (the event
    // stream's rule, even if the clock were coarse).
    std::uint64_t now_ns() {
        const auto since = std::chrono::steady_clock::now() - started_;
        const auto ns = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(since).count());
        last_ns_ = std::max(last_ns_, ns);
        return last_ns_;
    }

    trace_settings settings_;
    std::string title_;
    corio::trace_recording recording_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::uint64_t last_ns_ = 0;
};

inline bool traced_generator::next() {
    trace_->record(corio::trace_kind::task_resumed, id_);
    const bool more = work_.next();
    trace_->record(more ? corio::trace_kind::task_yielded : corio::trace_kind::task_completed, id_);
    return more;
}

} // namespace example
