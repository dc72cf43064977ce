// SPDX-License-Identifier: MIT
// http_hello_server - corio::http::server with one route, GET /hello -> "hello\n", for load
// generators such as wrk (benchmarks/net/compare_server_builds.sh). It measures the server's
// fast path: a handler that answers at once.
//
//     http_hello_server [port [idle_timeout_seconds]]
//
// port 0 takes a free one (the "listening on" line names it); the default is 8080. The idle
// timeout (server_options::idle_timeout, default 15 s) is raised by benchmarks/compare's
// idle-connection count, which holds connections idle for longer than that. Runs until killed
// (SIGTERM, SIGINT).
#include <corio/http/server.hpp>
#include <corio/net/address.hpp>
#include <corio/runtime/event_loop.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace {

corio::task<corio::http::server_response> hello(corio::http::server_request& /*request*/) {
    co_return corio::http::server_response::text(200, "hello\n");
}

corio::task<> serve(std::uint16_t port, corio::http::server_options options) {
    corio::http::server app{options};
    app.route("GET", "/hello", hello);
    app.listen(corio::net::address::loopback_v4(port));
    std::printf("listening on %s\n", app.local_address().to_string().c_str());
    std::fflush(stdout);
    co_await app.serve();
}

} // namespace

int main(int argc, char** argv) {
    try {
        const int port = argc > 1 ? std::atoi(argv[1]) : 8080;
        const int idle_seconds = argc > 2 ? std::atoi(argv[2]) : 0;
        if (argc > 3 || port < 0 || port > 65535 || idle_seconds < 0) {
            std::fprintf(stderr, "usage: http_hello_server [port [idle_timeout_seconds]]\n");
            return 2;
        }
        corio::http::server_options options;
        if (idle_seconds > 0) {
            options.idle_timeout = std::chrono::seconds(idle_seconds);
        }
        corio::event_loop loop;
        loop.run_until_complete(serve(static_cast<std::uint16_t>(port), options));
    } catch (const std::exception& error) {
        std::fprintf(stderr, "http_hello_server: %s\n", error.what());
        return 1;
    }
}
