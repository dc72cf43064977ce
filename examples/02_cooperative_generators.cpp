// SPDX-License-Identifier: MIT
// 02_cooperative_generators.cpp - Simple Cooperative Concurrency.
//
// What changed: task() now pauses with `co_yield {}` after every step of its count, which makes
// it a corio::generator (Python's `yield` turning a function into a generator). main() resumes
// the two generators in turn with next(), so they take the work queue between them: Task Two
// finishes its 10 before Task One finishes its 15. Still one thread and no event loop: main()
// itself is the scheduler, and each yield is a cooperative context switch back to it.
#include "example_trace.hpp"

#include <corio/runtime/generator.hpp>

#include <cstddef>
#include <iostream>
#include <queue>
#include <string>
#include <vector>

corio::generator<> task(std::string name, std::queue<int>& queue) {
    while (!queue.empty()) {
        const int count = queue.front();
        queue.pop();
        int total = 0;
        std::cout << "Task " << name << " running\n";
        for (int x = 0; x < count; ++x) {
            total += 1;
            co_yield {};
        }
        std::cout << "Task " << name << " total: " << total << "\n";
    }
}

// This is the main entry point for the program.
int main(int argc, char** argv) {
    const example::arguments args =
        example::parse_arguments(argc, argv, example::nothing_but_tracing);
    example::hand_trace trace{args.trace, "Step 2: cooperative generators"};

    // Create the queue of work
    std::queue<int> work_queue;

    // Put some work in the queue
    for (int work : {15, 10, 5, 2}) {
        work_queue.push(work);
    }

    // Create some tasks
    std::vector<example::traced_generator> tasks; // generators, with --trace and --timeline
    tasks.push_back(trace.spawn(task("One", work_queue), "One"));
    tasks.push_back(trace.spawn(task("Two", work_queue), "Two"));

    // Run the tasks
    bool done = false;
    while (!done) {
        // Like Python's `for t in tasks` while removing from `tasks`: after a removal the loop's
        // index moves on, so the task that slid into this slot waits for the next round.
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            if (!tasks[i].next()) { // next(t) raised StopIteration
                tasks.erase(tasks.begin() + static_cast<std::ptrdiff_t>(i));
            }
            if (tasks.empty()) {
                done = true;
            }
        }
    }
    return trace.finish();
}
