// SPDX-License-Identifier: MIT
// raw_http_server.hpp - a scriptable loopback server for HTTP client tests.
//
// Each accepted connection runs the test's handler, which reads and writes raw bytes - so a test
// can misbehave on purpose (bad framing, stalls, early closes) in ways a real server never would.
// read_request() parses what a client sent with the project's own request parser. The server
// counts connections (accepted, open now, most open at once), and serve() returns only after
// stop() once every connection handler has finished, so tests end with nothing left running.
// Not thread-safe: one loop.
#pragma once

#include <corio/http/headers.hpp>
#include <corio/net/tcp_listener.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corio_test {

struct received_request {
    std::string method;
    std::string target;
    corio::http::headers fields;
    std::string body;
};

// Bytes a connection has received but not parsed yet (the start of the next request).
struct request_buffer {
    std::string pending;
};

// The next request on `stream`, or nullopt if the client closed the connection first.
corio::task<std::optional<received_request>> read_request(corio::net::tcp_stream& stream,
                                                          request_buffer& buffer);
corio::task<> write_text(corio::net::tcp_stream& stream, std::string text);
// Reads until the client closes its side (or resets it); returns what arrived meanwhile.
corio::task<std::string> read_until_closed(corio::net::tcp_stream& stream);

// "HTTP/1.1 <status> <reason>" with Content-Length and `extra_fields` ("Name: value\r\n"...).
std::string response_text(int status, std::string_view body, std::string_view extra_fields = {});

class raw_http_server {
public:
    // The handler gets each connection and its index (0 for the first accepted).
    using handler = std::function<corio::task<>(corio::net::tcp_stream&, std::size_t)>;

    explicit raw_http_server(handler on_connection);

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    // "http://127.0.0.1:<port><path>"
    [[nodiscard]] std::string url(std::string_view path = "/") const;

    // Accepts until stop(), then waits for the connection handlers (cancelling them).
    corio::task<> serve();
    void stop() noexcept;

    [[nodiscard]] std::size_t accepted() const noexcept { return accepted_; }
    [[nodiscard]] std::size_t open_now() const noexcept { return open_; }
    [[nodiscard]] std::size_t max_open() const noexcept { return max_open_; }

private:
    corio::task<> run_connection(corio::net::tcp_stream stream, std::size_t index);

    handler on_connection_;
    corio::net::tcp_listener listener_;
    std::uint16_t port_ = 0;
    std::size_t accepted_ = 0;
    std::size_t open_ = 0;
    std::size_t max_open_ = 0;
    bool stopped_ = false;
};

// Runs `scenario` on a fresh event loop, then checks that it left no task, timer, registration,
// coroutine frame or file descriptor behind.
void run_checked(const std::function<corio::task<>()>& scenario);

// Runs `client` while `server` serves, then stops the server and waits for serve() to end;
// rethrows the client's failure. For a raw_http_server or a corio::http::server alike.
template <class Server>
corio::task<> serve_while(Server& server, corio::task<> client) {
    corio::join_handle<> serving = corio::spawn(server.serve());
    std::exception_ptr failure;
    try {
        co_await client;
    } catch (...) {
        failure = std::current_exception();
    }
    server.stop();
    co_await serving;
    if (failure) {
        std::rethrow_exception(failure);
    }
}

// A handler serving keep-alive requests in a loop: `respond` maps each request to the raw bytes
// to send. The loop ends when the client closes or a response contains "Connection: close".
raw_http_server::handler
keep_alive_handler(std::function<std::string(const received_request&)> respond);

// Ready-made servers, shared by the async and blocking client suites.
// Each connection receives one request and gets `wire` verbatim, then is closed, unless
// `keep_open`: then the server waits for the client to close.
raw_http_server::handler answer_once(std::string wire, bool keep_open = false);
// Reads one request, then says nothing until the client gives up.
raw_http_server::handler stay_silent();
// Keep-alive: answers each request with its target as the body.
raw_http_server::handler echo_target();
// Keep-alive: appends each request to `log` (which must outlive the server) and answers with
// route(request).
raw_http_server::handler logging_site(std::vector<received_request>& log,
                                      std::function<std::string(const received_request&)> route);

} // namespace corio_test
