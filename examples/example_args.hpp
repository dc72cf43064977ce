// SPDX-License-Identifier: MIT
// example_args.hpp - the command line every tutorial example shares:
//
//     --time-scale S       multiply every simulated delay by S (default 1, as in the tutorial)
//     URL...               (HTTP examples) fetch these instead of the embedded demo server's pages
//     --trace FILE.json    record what the tasks did, as Chrome trace JSON (docs/tracing.md)
//     --timeline FILE.svg  the same recording drawn as a timeline picture
//     --dump-on-signal     (examples with an event loop, POSIX) on SIGQUIT (Ctrl-\\), print every
//                          task and what it waits on to stderr, and carry on
//     --help               print what the program takes
//
// Each example says which of these it takes and refuses the rest (steps 1 and 2 have no delays
// to scale; steps 1, 2, 3 and 5 have no event loop, so no tasks to dump). Kept apart so that each
// example file reads like its Python twin; example_trace.hpp records and writes the traces.
#pragma once

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace example {

// Where to write what the run recorded; both empty: record nothing (the loop runs untraced).
struct trace_settings {
    std::string trace_file;    // --trace: Chrome trace JSON
    std::string timeline_file; // --timeline: SVG
    bool dump_on_signal = false;

    [[nodiscard]] bool recording() const { return !trace_file.empty() || !timeline_file.empty(); }
};

struct arguments {
    double time_scale = 1.0;
    std::vector<std::string> urls;
    trace_settings trace;
    std::string timeline_dir; // the tour: where each step's timeline goes
};

// What an example takes on its command line. Every example takes --trace and --timeline.
struct accepts {
    bool time_scale = false;
    bool urls = false;
    bool event_loop = false;   // --dump-on-signal: only a loop has tasks to list
    bool timeline_dir = false; // the tour: --timeline-dir DIR instead of --trace/--timeline
};
inline constexpr accepts nothing_but_tracing{};
inline constexpr accepts time_scale_only{.time_scale = true};
inline constexpr accepts time_scale_on_a_loop{.time_scale = true, .event_loop = true};
inline constexpr accepts time_scale_and_urls{.time_scale = true, .urls = true};
inline constexpr accepts time_scale_and_urls_on_a_loop{
    .time_scale = true, .urls = true, .event_loop = true};

inline constexpr std::string_view trace_usage = " [--trace FILE.json] [--timeline FILE.svg]";
inline constexpr std::string_view dump_usage = " [--dump-on-signal]";

inline std::string usage(const char* program, accepts accepted) {
    std::string text = std::string("usage: ") + program;
    if (accepted.time_scale) {
        text += " [--time-scale S]";
    }
    text += accepted.timeline_dir ? " [--timeline-dir DIR]" : trace_usage;
    if (accepted.event_loop) {
        text += dump_usage;
    }
    if (accepted.urls) {
        text += " [URL...]";
    }
    if (!accepted.time_scale) {
        text += "\n   (this step has no delays to scale)";
    }
    return text + "\n";
}

// For programs with a command line of their own (corio-get, the servers): if argv[i] is
// --trace FILE, --timeline FILE or --dump-on-signal, records it in `settings`, moves i past its
// value and returns true; `error` then says what is wrong with it, if anything.
inline bool take_trace_flag(int argc, char** argv, int& i, trace_settings& settings,
                            std::string& error) {
    const std::string_view flag = argv[i];
    if (flag == "--dump-on-signal") {
        settings.dump_on_signal = true;
        return true;
    }
    if (flag != "--trace" && flag != "--timeline") {
        return false;
    }
    if (i + 1 == argc || std::string_view(argv[i + 1]).empty()) {
        error = std::string(flag) + " needs a file name";
        return true;
    }
    (flag == "--trace" ? settings.trace_file : settings.timeline_file) = argv[++i];
    return true;
}

// Parses the command line; --help prints the usage and exits 0, anything the example does not
// take prints it to stderr and exits 2.
inline arguments parse_arguments(int argc, char** argv, accepts accepted) {
    arguments parsed;
    auto refuse = [&](std::string_view why) {
        std::cerr << argv[0] << ": " << why << "\n" << usage(argv[0], accepted);
        std::exit(2);
    };
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage(argv[0], accepted);
            std::exit(0);
        } else if (arg == "--time-scale" && accepted.time_scale) {
            if (i + 1 == argc) {
                refuse("--time-scale needs a value");
            }
            char* end = nullptr;
            parsed.time_scale = std::strtod(argv[++i], &end);
            if (end == argv[i] || *end != '\0' || !(parsed.time_scale > 0)) {
                refuse("--time-scale takes a number greater than 0");
            }
        } else if (arg == "--timeline-dir" && accepted.timeline_dir) {
            if (i + 1 == argc || *argv[i + 1] == '\0') {
                refuse("--timeline-dir needs a folder name");
            }
            parsed.timeline_dir = argv[++i];
        } else if (!accepted.timeline_dir && (arg != "--dump-on-signal" || accepted.event_loop)) {
            std::string error;
            if (!take_trace_flag(argc, argv, i, parsed.trace, error)) {
                if (accepted.urls && !arg.starts_with("-")) {
                    parsed.urls.emplace_back(arg);
                } else {
                    refuse("unexpected argument '" + std::string(arg) + "'");
                }
            } else if (!error.empty()) {
                refuse(error);
            }
        } else if (arg == "--dump-on-signal") {
            refuse("--dump-on-signal: this program has no event loop, so no tasks to list");
        } else {
            refuse("unexpected argument '" + std::string(arg) + "'");
        }
    }
    return parsed;
}

// `seconds` of tutorial time, scaled.
inline std::chrono::duration<double> scaled(double seconds, double time_scale) {
    return std::chrono::duration<double>(seconds * time_scale);
}

} // namespace example
