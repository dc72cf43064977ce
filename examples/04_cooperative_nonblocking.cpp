// SPDX-License-Identifier: MIT
// 04_cooperative_nonblocking.cpp - Cooperative Concurrency With Non-Blocking Calls.
//
// What changed: task() is now a coroutine (corio::task, Python's `async def`) and it waits with
// co_await corio::sleep_for, which does not block the thread: it arms a timer on the event loop
// and hands control back to the loop, which runs the other task meanwhile. The queue is a
// corio::queue, the tasks run concurrently under corio::gather, and corio::run starts the event
// loop (asyncio.run). Both tasks now sleep at the same time, so the total is the longest chain
// of delays, 15 + 2 = 17 seconds, instead of the sum.
#include "example_trace.hpp"

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/stopwatch.hpp>
#include <corio/runtime/sync/queue.hpp>

#include <iostream>
#include <string>

double time_scale = 1.0; // --time-scale

corio::task<> task(std::string name, corio::queue<int>& work_queue) {
    corio::stopwatch timer{"Task " + name + " elapsed time: {:.1f}"};
    while (!work_queue.empty()) {
        const int delay = co_await work_queue.get();
        std::cout << "Task " << name << " running\n";
        timer.start();
        co_await corio::sleep_for(example::scaled(delay, time_scale));
        timer.stop();
    }
}

// This is the main entry point for the program.
corio::task<> main_task() {
    // Create the queue of work
    corio::queue<int> work_queue;

    // Put some work in the queue
    for (int work : {15, 10, 5, 2}) {
        co_await work_queue.put(work);
    }

    // Run the tasks
    {
        corio::stopwatch::scope timer{"\nTotal elapsed time: {:.1f}"};
        co_await corio::gather(corio::spawn(task("One", work_queue), "One"),
                               corio::spawn(task("Two", work_queue), "Two"));
    }
}

int main(int argc, char** argv) {
    const example::arguments args =
        example::parse_arguments(argc, argv, example::time_scale_on_a_loop);
    time_scale = args.time_scale;
    // corio::run(main_task()), with --trace, --timeline and --dump-on-signal
    return example::run(main_task(), args.trace, "Step 4: cooperative, non-blocking sleep");
}
