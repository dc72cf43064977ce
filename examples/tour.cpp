// SPDX-License-Identifier: MIT
// tour.cpp - walks the tutorial from a synchronous loop to concurrent HTTP, running each step.
//
// For each step it prints the tutorial's heading and what changed, runs that step's example
// program (from the same directory as the tour), and times it. It ends with a table comparing
// the steps' total times. Simulated delays are scaled (--time-scale, default 0.1) so the whole
// tour takes well under a minute; the HTTP steps talk to each program's embedded local server,
// so the tour needs no network. Each step also draws its timeline (--timeline) and writes its
// trace (--trace) into a folder, tour-timelines/ or --timeline-dir DIR, named at the end: open
// step03.svg and step04.svg side by side to see one blocked thread against two sleeping tasks.
// It says at the top which I/O backend the steps' event loops run on (CORIO_BACKEND chooses).
#include "example_args.hpp"

#include <corio/runtime/event_loop.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace {

struct step {
    const char* program;
    const char* heading;
    const char* what_changed; // "@" stands for tutorial_seconds, so text and summary agree
    double tutorial_seconds;  // what the tutorial measured; 0: no delays (and no --time-scale)
    int compare_with;         // the step (1-based) this one's speed-up is measured against; 0: none
};

const std::vector<step> steps = {
    {"01_synchronous", "Synchronous Programming",
     "A task is a plain function that drains a shared work queue. Run one after the other, the\n"
     "first task does all the work and the second finds nothing left.",
     0, 0},
    {"02_cooperative_generators", "Simple Cooperative Concurrency",
     "The task yields after every step (a generator), and main() resumes the two tasks in turn.\n"
     "They share the work, but it is still one thread with main() as the scheduler.",
     0, 0},
    {"03_cooperative_blocking", "Cooperative Concurrency With Blocking Calls",
     "Each unit of work is now a delay, waited out with a blocking sleep. While one task sleeps\n"
     "the whole thread waits, so the total is the sum of the delays: @ s.",
     32, 0},
    {"04_cooperative_nonblocking", "Cooperative Concurrency With Non-Blocking Calls",
     "The tasks become coroutines on an event loop and sleep with co_await corio::sleep_for. A\n"
     "sleeping task hands control back to the loop, so both sleep at once: @ s instead of 32.",
     17, 3},
    {"05_blocking_http", "Synchronous (Blocking) HTTP Calls",
     "Real I/O: the tasks fetch URLs (here from a local demo server that answers with the delays\n"
     "the tutorial measured) with a blocking HTTP session, back on generators. Each request stops\n"
     "the thread, so the total is the sum of all the fetches: about @ s.",
     16, 0},
    {"06_async_http", "Asynchronous (Non-Blocking) HTTP Calls",
     "The tasks become coroutines again and fetch with an async client session: while one waits\n"
     "for a slow site, the other sends its next request. About @ s, the longer of the two chains.",
     11, 5},
    {"07_task_per_url", "One Task Per URL",
     "The tutorial's closing remark, made real: one task per URL on one shared session, so every\n"
     "request is in flight at once and the run takes as long as the slowest site: about @ s.",
     6.4, 5},
};

std::string quoted(const std::string& text) {
    return '"' + text + '"';
}

std::string seconds_text(double seconds) {
    std::ostringstream text;
    text << seconds; // 32, 6.4
    return text.str();
}

// The step's text with its tutorial figure in place of "@".
std::string what_changed(const step& s) {
    std::string text = s.what_changed;
    if (const std::size_t at = text.find('@'); at != std::string::npos) {
        text.replace(at, 1, seconds_text(s.tutorial_seconds));
    }
    return text;
}

} // namespace

int main(int argc, char** argv) {
    bool scale_given = false;
    for (int i = 1; i < argc; ++i) {
        scale_given = scale_given || std::string(argv[i]) == "--time-scale";
    }
    const example::arguments args =
        example::parse_arguments(argc, argv, {.time_scale = true, .timeline_dir = true});
    const double scale = scale_given ? args.time_scale : 0.1;
    const std::filesystem::path here = std::filesystem::absolute(argv[0]).parent_path();
    const std::filesystem::path timelines =
        std::filesystem::absolute(args.timeline_dir.empty() ? "tour-timelines" : args.timeline_dir);
    if (std::error_code error; !std::filesystem::create_directories(timelines, error) && error) {
        std::cerr << "corio tour: cannot make the folder " << timelines.string()
                  << " for the timelines: " << error.message() << "\n";
        return 1;
    }

    std::cout << "corio tour: the tutorial's programs, step by step (time scale " << scale << ")\n";
    // The steps inherit the environment, CORIO_BACKEND included, so a loop made here runs on the
    // backend theirs will.
    try {
        const corio::event_loop loop;
        std::cout << "reactor backend: " << loop.backend_name() << "\n";
    } catch (const std::exception& error) {
        std::cerr << "corio tour: " << error.what() << "\n";
        return 1;
    }
    struct measured {
        const step* which;
        double seconds;
    };
    std::vector<measured> results;
    int number = 0;
    for (const step& s : steps) {
        // Steps without delays take no --time-scale.
        const std::string scale_argument =
            s.tutorial_seconds > 0 ? " --time-scale " + seconds_text(scale) : "";
        std::cout << "\n"
                  << std::string(78, '=') << "\n"
                  << "Step " << ++number << ": " << s.heading << "\n"
                  << std::string(78, '=') << "\n"
                  << what_changed(s) << "\n\n$ " << s.program << scale_argument << "\n"
                  << std::flush;
        // The files go next to each other, step01.svg ... step07.svg; the flags are left out of
        // the command shown above, which reads as the tutorial's.
        const std::string file = (number < 10 ? "step0" : "step") + std::to_string(number);
        std::string command = quoted((here / s.program).string()) + scale_argument + " --trace " +
                              quoted((timelines / (file + ".json")).string()) + " --timeline " +
                              quoted((timelines / (file + ".svg")).string());
#if defined(_WIN32)
        command = "\"" + command + "\""; // cmd.exe drops the first and last quote of such a line
#endif
        const auto start = std::chrono::steady_clock::now();
        const int status = std::system(command.c_str());
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::cout << std::flush;
        if (status != 0) {
            std::cerr << "\ncorio tour: " << s.program << " failed (status " << status << ")\n";
            return 1;
        }
        results.push_back({&s, seconds});
    }

    std::cout << "\n"
              << std::string(78, '=') << "\nSummary in seconds: 'at scale 1' is measured / "
              << seconds_text(scale) << ", next to what the tutorial measured\n"
              << std::string(78, '=') << "\n"
              << std::left << std::setw(48) << "step" << std::right << std::setw(9) << "measured"
              << std::setw(11) << "at scale 1" << std::setw(9) << "tutorial"
              << "\n";
    for (const measured& m : results) {
        std::cout << std::left << std::setw(48) << m.which->heading << std::right << std::fixed
                  << std::setprecision(2) << std::setw(9) << m.seconds << std::setprecision(1);
        if (m.which->tutorial_seconds > 0) {
            std::cout << std::setw(11) << m.seconds / scale << std::setw(9)
                      << m.which->tutorial_seconds;
        } else {
            std::cout << std::setw(11) << "-" << std::setw(9) << "-"; // no delays to scale
        }
        if (m.which->compare_with != 0) {
            const measured& base = results[static_cast<std::size_t>(m.which->compare_with - 1)];
            std::cout << "   " << std::setprecision(1) << base.seconds / m.seconds
                      << "x faster than step " << m.which->compare_with;
        }
        std::cout << "\n";
    }
    std::cout << "\nEach step's timeline (open the .svg in a browser) and trace (the .json in "
                 "https://ui.perfetto.dev)\nare in "
              << timelines.string() << "\n";
    return 0;
}
