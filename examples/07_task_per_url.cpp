// SPDX-License-Identifier: MIT
// 07_task_per_url.cpp - one task per URL: the tutorial's closing remark, made real.
//
// What changed since 06: instead of two workers sharing a queue, every URL gets a task of its
// own, and all of them share one client_session (its connection pool gives each concurrent
// request its own keep-alive connection). The CPU is idle while the requests are in flight, so
// they all wait at the same time: the run takes about as long as the slowest URL, not the sum,
// and not half the sum.
#include "demo_server.hpp"
#include "example_trace.hpp"

#include <corio/http/client.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/stopwatch.hpp>

#include <array>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

corio::task<> task(std::string name, std::string url, corio::http::client_session& session) {
    corio::stopwatch timer{"Task " + name + " elapsed time: {:.1f}"};
    std::cout << "Task " << name << " getting URL: " << url << "\n";
    timer.start();
    corio::http::response response = co_await session.get(url);
    co_await response.text();
    timer.stop();
}

// This is the main entry point for the program.
corio::task<> main_task(std::vector<std::string> urls) {
    static const std::array<const char*, 10> names = {"One", "Two",   "Three", "Four", "Five",
                                                      "Six", "Seven", "Eight", "Nine", "Ten"};
    corio::http::client_session session;

    // One task per URL, all running at once
    std::vector<corio::join_handle<>> tasks;
    for (std::size_t i = 0; i < urls.size(); ++i) {
        const std::string name = i < names.size() ? names[i] : std::to_string(i + 1);
        tasks.push_back(corio::spawn(task(name, urls[i], session), name));
    }

    {
        corio::stopwatch::scope timer{"\nTotal elapsed time: {:.1f}"};
        co_await corio::gather(std::move(tasks));
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
        return example::run(main_task(urls), args.trace, "Step 7: one task per URL");
    } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << "\n";
        return 1;
    }
}
