// SPDX-License-Identifier: MIT
// tour.cpp - walks the tutorial from a synchronous loop to concurrent HTTP, running each step.
//
// For each step it prints the tutorial's heading and what changed, runs that step's example
// program (from the same directory as the tour), and times it. It ends with a table comparing
// the steps' total times. Simulated delays are scaled (--time-scale, default 0.1) so the whole
// tour takes well under a minute; the HTTP steps talk to each program's embedded local server,
// so the tour needs no network.
#include "example_args.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct step {
    const char* program;
    const char* heading;
    const char* what_changed;
    int compare_with; // the step (1-based) this one's speed-up is measured against; 0: none
};

const std::vector<step> steps = {
    {"01_synchronous", "Synchronous Programming",
     "A task is a plain function that drains a shared work queue. Run one after the other, the\n"
     "first task does all the work and the second finds nothing left.",
     0},
    {"02_cooperative_generators", "Simple Cooperative Concurrency",
     "The task yields after every step (a generator), and main() resumes the two tasks in turn.\n"
     "They share the work, but it is still one thread with main() as the scheduler.",
     0},
    {"03_cooperative_blocking", "Cooperative Concurrency With Blocking Calls",
     "Each unit of work is now a delay, waited out with a blocking sleep. While one task sleeps\n"
     "the whole thread waits, so the total is the sum of the delays: 32 s.",
     0},
    {"04_cooperative_nonblocking", "Cooperative Concurrency With Non-Blocking Calls",
     "The tasks become coroutines on an event loop and sleep with co_await corio::sleep_for. A\n"
     "sleeping task hands control back to the loop, so both sleep at once: 17 s instead of 32.",
     3},
    {"05_blocking_http", "Synchronous (Blocking) HTTP Calls",
     "Real I/O: the tasks fetch URLs (here from a local demo server that answers with the delays\n"
     "the tutorial measured) with a blocking HTTP session, back on generators. Each request stops\n"
     "the thread, so the total is the sum of all the fetches: about 16 s.",
     0},
    {"06_async_http", "Asynchronous (Non-Blocking) HTTP Calls",
     "The tasks become coroutines again and fetch with an async client session: while one waits\n"
     "for a slow site, the other sends its next request. About 11 s, the longer of the two chains.",
     5},
    {"07_task_per_url", "One Task Per URL",
     "The tutorial's closing remark, made real: one task per URL on one shared session, so every\n"
     "request is in flight at once and the run takes as long as the slowest site: about 6.4 s.",
     5},
};

std::string quoted(const std::string& text) {
    return '"' + text + '"';
}

} // namespace

int main(int argc, char** argv) {
    example::arguments args = example::parse_arguments(argc, argv);
    bool scale_given = false;
    for (int i = 1; i < argc; ++i) {
        scale_given = scale_given || std::string(argv[i]) == "--time-scale";
    }
    const double scale = scale_given ? args.time_scale : 0.1;
    const std::filesystem::path here = std::filesystem::absolute(argv[0]).parent_path();

    std::cout << "corio tour: the tutorial's programs, step by step (time scale " << scale << ")\n";
    struct measured {
        const step* which;
        double seconds;
    };
    std::vector<measured> results;
    int number = 0;
    for (const step& s : steps) {
        std::cout << "\n"
                  << std::string(78, '=') << "\n"
                  << "Step " << ++number << ": " << s.heading << "\n"
                  << std::string(78, '=') << "\n"
                  << s.what_changed << "\n\n$ " << s.program << " --time-scale " << scale << "\n"
                  << std::flush;
        std::ostringstream scale_text;
        scale_text << scale;
        const std::string command =
            quoted((here / s.program).string()) + " --time-scale " + scale_text.str();
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
              << std::string(78, '=')
              << "\nSummary (seconds; 'tutorial' is measured / time scale)\n"
              << std::string(78, '=') << "\n"
              << std::left << std::setw(50) << "step" << std::right << std::setw(10) << "measured"
              << std::setw(10) << "tutorial"
              << "\n";
    for (const measured& m : results) {
        const double tutorial_time = m.seconds / scale;
        std::cout << std::left << std::setw(50) << m.which->heading << std::right << std::fixed
                  << std::setprecision(2) << std::setw(10) << m.seconds << std::setw(10)
                  << std::setprecision(1) << tutorial_time;
        if (m.which->compare_with != 0) {
            const measured& base = results[static_cast<std::size_t>(m.which->compare_with - 1)];
            std::cout << "   " << std::setprecision(1) << base.seconds / m.seconds
                      << "x faster than step " << m.which->compare_with;
        }
        std::cout << "\n";
    }
    return 0;
}
