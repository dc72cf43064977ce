// SPDX-License-Identifier: MIT
// http_hello_server - corio::http::server with one route, GET /hello -> "hello\n", for load
// generators such as wrk (benchmarks/net/compare_server_builds.sh). It measures the server's
// fast path: a handler that answers at once.
//
//     http_hello_server [port]     # default 8080; runs until killed (SIGTERM, SIGINT)
#include <corio/http/server.hpp>
#include <corio/net/address.hpp>
#include <corio/runtime/event_loop.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace {

corio::task<corio::http::server_response> hello(corio::http::server_request& /*request*/) {
    co_return corio::http::server_response::text(200, "hello\n");
}

corio::task<> serve(std::uint16_t port) {
    corio::http::server app;
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
        if (port < 0 || port > 65535) {
            std::fprintf(stderr, "usage: http_hello_server [port]\n");
            return 2;
        }
        corio::event_loop loop;
        loop.run_until_complete(serve(static_cast<std::uint16_t>(port)));
    } catch (const std::exception& error) {
        std::fprintf(stderr, "http_hello_server: %s\n", error.what());
        return 1;
    }
}
