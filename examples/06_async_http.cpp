// SPDX-License-Identifier: MIT
// 06_async_http.cpp - Asynchronous (Non-Blocking) HTTP Calls.
//
// What changed since 05: the tasks are coroutines again and fetch with corio::http's
// client_session (aiohttp.ClientSession): co_await session.get(url) sends the request and hands
// control back to the event loop until the response arrives, and co_await response.text() reads
// the body the same way. While one task waits for a slow site, the other sends its next request,
// so the total is about half the sum of the individual times.
// Without URLs on the command line it fetches the six pages of a local demo server that answers
// with the delays the tutorial measured (see demo_server.hpp), so it runs offline.
#include "demo_server.hpp"
#include "example_trace.hpp"

#include <corio/http/client.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/stopwatch.hpp>
#include <corio/runtime/sync/queue.hpp>

#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

corio::task<> task(std::string name, corio::queue<std::string>& work_queue) {
    corio::stopwatch timer{"Task " + name + " elapsed time: {:.1f}"};
    corio::http::client_session session;
    while (!work_queue.empty()) {
        const std::string url = co_await work_queue.get();
        std::cout << "Task " << name << " getting URL: " << url << "\n";
        timer.start();
        corio::http::response response = co_await session.get(url);
        co_await response.text();
        timer.stop();
    }
}

// This is the main entry point for the program.
corio::task<> main_task(std::vector<std::string> urls) {
    // Create the queue of work
    corio::queue<std::string> work_queue;

    // Put some work in the queue
    for (const std::string& url : urls) {
        co_await work_queue.put(url);
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
        example::parse_arguments(argc, argv, example::time_scale_and_urls_on_a_loop);
    try {
        std::unique_ptr<example::demo_server> server;
        const std::vector<std::string> urls =
            example::urls_to_fetch(args.urls, args.time_scale, server);
        // corio::run(main_task(urls)), with --trace, --timeline and --dump-on-signal
        return example::run(main_task(urls), args.trace, "Step 6: asynchronous HTTP calls");
    } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << "\n";
        return 1;
    }
}
