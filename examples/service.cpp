// SPDX-License-Identifier: MIT
// service.cpp - a small HTTP service in one screen: it answers requests, runs a periodic job,
// calls an upstream with a timeout, and on SIGTERM or Ctrl-C stops accepting, lets the requests
// in flight finish (for up to 5 s) and exits 0. A second Ctrl-C cuts the wait short.
//
//     service [--port N] [--upstream URL]       then: curl localhost:N/hello, /work, /upstream
//             [--trace FILE.json] [--timeline FILE.svg] [--dump-on-signal]   (docs/tracing.md)
#include "example_trace.hpp"

#include <corio/corio.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace std::chrono_literals;
using corio::http::server_request;
using corio::http::server_response;

namespace {

corio::task<> count_ticks(std::size_t& ticks) {
    for (;;) { // a periodic job: here it only counts, once a second
        co_await corio::sleep_for(1s);
        ++ticks;
    }
}

corio::task<server_response> ask_upstream(corio::http::client_session& client, std::string url) {
    try {
        corio::http::response answer = co_await client.get(url);
        co_return server_response::text(200, "upstream said: " + co_await answer.text());
    } catch (const corio::timeout_error&) {
        co_return server_response::text(504, "upstream timed out\n");
    } catch (const corio::http::error& failure) {
        co_return server_response::text(502,
                                        std::string("upstream failed: ") + failure.what() + "\n");
    }
}

// A second signal while draining: cancel what is left now.
corio::task<> cut_short_on_signal(corio::signal_set& stop, corio::http::server& app) {
    co_await stop.wait();
    app.stop(0s);
}

corio::task<int> serve(unsigned short port, std::string upstream) {
    corio::http::client_options client_options;
    client_options.timeouts.total = 2s;
    corio::http::client_session client{client_options};
    corio::http::server app;
    app.route("GET", "/hello", [](server_request&) -> corio::task<server_response> {
        co_return server_response::text(200, "hello\n");
    });
    app.route("GET", "/work", [](server_request&) -> corio::task<server_response> {
        co_await corio::sleep_for(500ms); // a request that takes a while
        co_return server_response::text(200, "work done\n");
    });
    app.route("GET", "/upstream", [&](server_request&) { return ask_upstream(client, upstream); });
    app.listen(corio::net::address::loopback_v4(port));
    const std::string here = app.local_address().to_string();
    if (upstream.empty()) {
        upstream = "http://" + here + "/hello"; // by default the service asks itself
    }
    std::printf("listening on http://%s\n", here.c_str());
    std::fflush(stdout);

    corio::signal_set stop{SIGINT, SIGTERM}; // from here on, they no longer end the process
    std::size_t ticks = 0;
    corio::task_group background;
    background.spawn(count_ticks(ticks));
    corio::join_handle<> serving = corio::spawn(app.serve());

    const int first = co_await stop.wait();
    std::printf("%s: draining %zu connection(s)\n", first == SIGINT ? "SIGINT" : "SIGTERM",
                app.open_connections());
    std::fflush(stdout);
    app.stop(5s);
    background.spawn(cut_short_on_signal(stop, app));
    co_await serving;
    background.cancel();
    co_await background.wait();
    std::printf("stopped: %zu request(s) served, %zu cut off, the periodic job ran %zu time(s)\n",
                app.requests_served(), app.connections_cancelled_after_grace(), ticks);
    co_return 0;
}

} // namespace

int main(int argc, char** argv) {
    unsigned short port = 8080;
    std::string upstream;
    example::trace_settings trace;
    std::string trace_error;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--port" && i + 1 < argc) {
            port = static_cast<unsigned short>(std::strtoul(argv[++i], nullptr, 10));
        } else if (arg == "--upstream" && i + 1 < argc) {
            upstream = argv[++i];
        } else if (example::take_trace_flag(argc, argv, i, trace, trace_error) &&
                   trace_error.empty()) {
            // --trace FILE, --timeline FILE, --dump-on-signal
        } else {
            if (!trace_error.empty()) {
                std::fprintf(stderr, "service: %s\n", trace_error.c_str());
            }
            std::fprintf(stderr,
                         "usage: %s [--port N] [--upstream URL] [--trace FILE.json] "
                         "[--timeline FILE.svg] [--dump-on-signal]\n",
                         argv[0]);
            return arg == "--help" || arg == "-h" ? 0 : 2;
        }
    }
    try {
        // corio::run(serve(port, upstream)), with --trace, --timeline and --dump-on-signal
        return example::run(serve(port, upstream), trace, "service");
    } catch (const std::exception& failure) {
        std::fprintf(stderr, "service: %s\n", failure.what());
        return 1;
    }
}
