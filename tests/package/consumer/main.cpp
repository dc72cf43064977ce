// SPDX-License-Identifier: MIT
// A program that uses corio the way a user's would, through the one umbrella header: an HTTP
// server and a client talking over 127.0.0.1, a timeout, and an error thrown inside the library
// and caught here by its type. Against a shared corio that crosses the library boundary in every
// direction that matters: calls, coroutine frames, thread-local loop state and exception types.
// Prints "ok" and exits 0 on success; anything else says what went wrong and exits 1.
#include <corio/corio.hpp>

#include <chrono>
#include <exception>
#include <iostream>
#include <string>

using namespace std::chrono_literals;

namespace {

corio::task<std::string> ask_ourselves() {
    corio::http::server app;
    app.route("GET", "/hello",
              [](corio::http::server_request&) -> corio::task<corio::http::server_response> {
                  co_return corio::http::server_response::text(200, "hello\n");
              });
    app.listen(corio::net::address::loopback_v4(0));
    corio::join_handle<> serving = corio::spawn(app.serve());
    corio::http::client_session client;
    corio::http::response answer =
        co_await client.get("http://" + app.local_address().to_string() + "/hello");
    std::string body = co_await answer.text();
    app.stop();
    co_await serving;
    co_return body;
}

corio::task<bool> times_out() {
    try {
        co_await corio::wait_for(corio::sleep_for(10s), 1ms);
    } catch (const corio::timeout_error&) {
        co_return true;
    }
    co_return false;
}

corio::task<std::string> check() {
    if (co_await corio::wait_for(ask_ourselves(), 10s) != "hello\n") {
        co_return "the server's answer was wrong";
    }
    if (!co_await times_out()) {
        co_return "wait_for did not time out";
    }
    try {
        (void)corio::http::url::parse("no scheme here"); // throws inside libcorio_net
        co_return "a bad URL was accepted";
    } catch (const corio::http::error&) {
    }
    if (std::string(CORIO_VERSION_STRING).empty()) {
        co_return "no version";
    }
    co_return "";
}

} // namespace

int main() {
    try {
        const std::string failure = corio::run(check());
        std::cout << (failure.empty() ? "ok" : failure) << "\n";
        return failure.empty() ? 0 : 1;
    } catch (const std::exception& error) {
        std::cout << "threw: " << error.what() << "\n";
        return 1;
    }
}
