// SPDX-License-Identifier: MIT
// http_server_thread.hpp - a corio::http::server with one route (GET /hello -> "hello\n") on an
// event loop of its own thread, for tests whose clients run elsewhere (another loop, a child
// process) and that measure what the server thread holds.
//
// The constructor returns once the server listens; stop() (or the destructor) stops it, joins
// the thread and checks that its loop was left clean and no coroutine frame of the server thread
// leaked. on_loop() runs a function on the server thread and returns its result.
#pragma once

#include "support/leak_check.hpp"

#include <corio/http/server.hpp>
#include <corio/net/address.hpp>
#include <corio/runtime/detail/promise_base.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <utility>

namespace corio_test {

class http_server_thread {
public:
    explicit http_server_thread(corio::http::server_options options = {}) {
        std::promise<std::uint16_t> listening;
        std::future<std::uint16_t> port = listening.get_future();
        thread_ = std::thread([this, &listening, options = std::move(options)]() mutable {
            run(options, listening);
        });
        port_ = port.get();
    }
    http_server_thread(const http_server_thread&) = delete;
    http_server_thread& operator=(const http_server_thread&) = delete;
    ~http_server_thread() { stop(); }

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] std::thread::id thread_id() const noexcept { return thread_.get_id(); }

    template <class Result>
    Result on_loop(const std::function<Result(corio::http::server&)>& work) {
        std::promise<Result> done;
        std::future<Result> result = done.get_future();
        loop_->post([&] { done.set_value(work(*server_)); });
        return result.get();
    }

    void stop() {
        if (!thread_.joinable()) {
            return;
        }
        loop_->post([this] { server_->stop(); });
        thread_.join();
    }

private:
    static corio::task<corio::http::server_response>
    hello(corio::http::server_request& /*request*/) {
        co_return corio::http::server_response::text(200, "hello\n");
    }

    void run(const corio::http::server_options& options, std::promise<std::uint16_t>& listening) {
        // Frames only: the process's descriptor count also moves with the clients' threads.
        const std::ptrdiff_t frames = corio::detail::live_frames_on_this_thread();
        {
            corio::event_loop loop;
            corio::http::server app{options};
            app.route("GET", "/hello", hello);
            loop_ = &loop;
            server_ = &app;
            loop.run_until_complete(serve(app, listening));
            expect_loop_is_clean(loop);
        }
        EXPECT_EQ(corio::detail::live_frames_on_this_thread(), frames) << "server frames leaked";
    }

    static corio::task<> serve(corio::http::server& app, std::promise<std::uint16_t>& listening) {
        app.listen(corio::net::address::loopback_v4(0));
        listening.set_value(app.local_address().port());
        co_await app.serve();
    }

    std::thread thread_;
    std::uint16_t port_ = 0;
    corio::event_loop* loop_ = nullptr;
    corio::http::server* server_ = nullptr;
};

} // namespace corio_test
