// SPDX-License-Identifier: MIT
// server_thread.hpp - a raw_http_server on an event loop of its own thread, for clients that
// block the test's thread (blocking_session, or a corio-get child process being waited for).
//
// The constructor returns once the server listens; stop() (or the destructor) stops it, joins
// the thread and checks that its loop was left clean. The connection handlers run on the server
// thread: a test shares data with them through atomics, or reads it after stop(), which happens
// after everything they did. on_loop() runs a function on the server thread and waits for it.
#pragma once

#include "raw_http_server.hpp"

#include <corio/runtime/event_loop.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <string_view>
#include <thread>

namespace corio_test {

class server_thread {
public:
    explicit server_thread(raw_http_server::handler on_connection);
    server_thread(const server_thread&) = delete;
    server_thread& operator=(const server_thread&) = delete;
    ~server_thread() { stop(); }

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    // "http://127.0.0.1:<port><path>"
    [[nodiscard]] std::string url(std::string_view path = "/") const;

    // Runs `work` on the server's loop thread and returns when it has run.
    void on_loop(const std::function<void(raw_http_server&)>& work);
    // The server's counters, now (read on its thread) or as they ended after stop().
    [[nodiscard]] std::size_t accepted();
    [[nodiscard]] std::size_t max_open();

    void stop();

private:
    void run(raw_http_server::handler on_connection, std::promise<void>& listening);

    std::promise<void> stop_requested_;
    std::thread thread_;
    corio::event_loop* loop_ = nullptr;
    raw_http_server* server_ = nullptr;
    std::uint16_t port_ = 0;
    std::size_t final_accepted_ = 0;
    std::size_t final_max_open_ = 0;
    bool stopped_ = false;
};

} // namespace corio_test
