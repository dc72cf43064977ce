// SPDX-License-Identifier: MIT
// 01_synchronous.cpp - Synchronous Programming.
//
// The starting point of the tutorial: a task is just a function. It pulls numbers from a shared
// work queue and counts up to each one. Calling the two tasks one after the other means the first
// drains the whole queue and the second finds nothing left to do. Nothing here is concurrent,
// and there is no corio yet (only to draw --timeline): this is the program every later step
// changes.
#include "example_trace.hpp"

#include <iostream>
#include <queue>
#include <string>
#include <utility>
#include <vector>

void task(const std::string& name, std::queue<int>& work_queue) {
    if (work_queue.empty()) {
        std::cout << "Task " << name << " nothing to do\n";
    } else {
        while (!work_queue.empty()) {
            const int count = work_queue.front();
            work_queue.pop();
            int total = 0;
            std::cout << "Task " << name << " running\n";
            for (int x = 0; x < count; ++x) {
                total += 1;
            }
            std::cout << "Task " << name << " total: " << total << "\n";
        }
    }
}

// This is the main entry point for the program.
int main(int argc, char** argv) {
    const example::arguments args =
        example::parse_arguments(argc, argv, example::nothing_but_tracing);
    example::hand_trace trace{args.trace, "Step 1: synchronous"};

    // Create the queue of work
    std::queue<int> work_queue;

    // Put some work in the queue
    for (int work : {15, 10, 5, 2}) {
        work_queue.push(work);
    }

    // Create some synchronous tasks
    std::vector<std::pair<void (*)(const std::string&, std::queue<int>&), std::string>> tasks = {
        {task, "One"}, {task, "Two"}};

    // Run the tasks
    for (const auto& [t, n] : tasks) {
        const example::hand_trace::call traced{trace, n}; // --trace, --timeline
        t(n, work_queue);
    }
    return trace.finish();
}
