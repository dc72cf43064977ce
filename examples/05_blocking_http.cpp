// SPDX-License-Identifier: MIT
// 05_blocking_http.cpp - Synchronous (Blocking) HTTP Calls.
//
// What changed since 04: real I/O. The queue now holds URLs, and each task fetches them with
// corio::http's blocking_session (the C++ requests.Session), printing how long each took. The
// program is back to generators resumed round-robin by main(), so it is one step forward and one
// step back: session.get() blocks the thread until the page has arrived, and nothing else runs
// meanwhile. The total is the sum of all the fetches.
// Without URLs on the command line it fetches the six pages of a local demo server that answers
// with the delays the tutorial measured (see demo_server.hpp), so it runs offline.
#include "demo_server.hpp"
#include "example_trace.hpp"

#include <corio/http/blocking_client.hpp>
#include <corio/runtime/generator.hpp>
#include <corio/runtime/stopwatch.hpp>

#include <cstddef>
#include <exception>
#include <iostream>
#include <memory>
#include <queue>
#include <string>
#include <vector>

corio::generator<> task(std::string name, std::queue<std::string>& work_queue) {
    corio::stopwatch timer{"Task " + name + " elapsed time: {:.1f}"};
    corio::http::blocking_session session;
    while (!work_queue.empty()) {
        const std::string url = work_queue.front();
        work_queue.pop();
        std::cout << "Task " << name << " getting URL: " << url << "\n";
        timer.start();
        session.get(url);
        timer.stop();
        co_yield {};
    }
}

// This is the main entry point for the program.
void main_program(const std::vector<std::string>& urls, example::hand_trace& trace) {
    // Create the queue of work
    std::queue<std::string> work_queue;

    // Put some work in the queue
    for (const std::string& url : urls) {
        work_queue.push(url);
    }

    std::vector<example::traced_generator> tasks; // generators, with --trace and --timeline
    tasks.push_back(trace.spawn(task("One", work_queue), "One"));
    tasks.push_back(trace.spawn(task("Two", work_queue), "Two"));

    // Run the tasks
    bool done = false;
    corio::stopwatch::scope timer{"\nTotal elapsed time: {:.1f}"};
    while (!done) {
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            if (!tasks[i].next()) {
                tasks.erase(tasks.begin() + static_cast<std::ptrdiff_t>(i));
            }
            if (tasks.empty()) {
                done = true;
            }
        }
    }
}

int main(int argc, char** argv) {
    const example::arguments args =
        example::parse_arguments(argc, argv, example::time_scale_and_urls);
    example::hand_trace trace{args.trace, "Step 5: blocking HTTP calls"};
    try {
        std::unique_ptr<example::demo_server> server;
        main_program(example::urls_to_fetch(args.urls, args.time_scale, server), trace);
    } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << "\n";
        (void)trace.finish(); // the trace of a failed run is the most useful kind
        return 1;
    }
    return trace.finish();
}
