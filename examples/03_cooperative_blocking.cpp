// SPDX-License-Identifier: MIT
// 03_cooperative_blocking.cpp - Cooperative Concurrency With Blocking Calls.
//
// What changed: each unit of work is now a delay instead of a count, and the task waits it out
// with std::this_thread::sleep_for, the C++ time.sleep. A corio::stopwatch (codetiming's Timer)
// reports how long each task took and the whole run. The tasks still take turns, but a blocking
// call stops the whole thread while it waits, so nothing else can run: the total is the sum of
// the delays, 15 + 10 + 5 + 2 = 32 seconds (times --time-scale).
#include "example_trace.hpp"

#include <corio/runtime/generator.hpp>
#include <corio/runtime/stopwatch.hpp>

#include <cstddef>
#include <iostream>
#include <queue>
#include <string>
#include <thread>
#include <vector>

double time_scale = 1.0; // --time-scale

corio::generator<> task(std::string name, std::queue<int>& queue) {
    corio::stopwatch timer{"Task " + name + " elapsed time: {:.1f}"};
    while (!queue.empty()) {
        const int delay = queue.front();
        queue.pop();
        std::cout << "Task " << name << " running\n";
        timer.start();
        std::this_thread::sleep_for(example::scaled(delay, time_scale));
        timer.stop();
        co_yield {};
    }
}

// This is the main entry point for the program.
int main(int argc, char** argv) {
    const example::arguments args = example::parse_arguments(argc, argv, example::time_scale_only);
    time_scale = args.time_scale;
    example::hand_trace trace{args.trace, "Step 3: cooperative, blocking sleep"};

    // Create the queue of work
    std::queue<int> work_queue;

    // Put some work in the queue
    for (int work : {15, 10, 5, 2}) {
        work_queue.push(work);
    }

    std::vector<example::traced_generator> tasks; // generators, with --trace and --timeline
    tasks.push_back(trace.spawn(task("One", work_queue), "One"));
    tasks.push_back(trace.spawn(task("Two", work_queue), "Two"));

    // Run the tasks
    bool done = false;
    {
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
    return trace.finish();
}
