// SPDX-License-Identifier: MIT
#include "server_thread.hpp"

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <exception>
#include <future>
#include <optional>
#include <utility>

namespace corio_test {

server_thread::server_thread(raw_http_server::handler on_connection) {
    std::promise<void> listening;
    std::future<void> ready = listening.get_future();
    thread_ = std::thread([this, &listening, on_connection = std::move(on_connection)]() mutable {
        run(std::move(on_connection), listening);
    });
    try {
        ready.get(); // the members run() sets before listening are visible from here on
    } catch (...) {
        thread_.join();
        throw;
    }
}

void server_thread::run(raw_http_server::handler on_connection, std::promise<void>& listening) {
    corio::event_loop loop;
    std::optional<raw_http_server> server;
    try {
        server.emplace(std::move(on_connection));
    } catch (...) {
        listening.set_exception(std::current_exception());
        return;
    }
    loop_ = &loop;
    server_ = &*server;
    port_ = server->port();
    listening.set_value();
    try {
        loop.run_until_complete(server->serve());
    } catch (const std::exception& failure) {
        ADD_FAILURE() << "the test server failed: " << failure.what();
    }
    final_accepted_ = server->accepted();
    final_max_open_ = server->max_open();
    // stop() posts to this loop, so it must outlive that even when serve() ended early.
    stop_requested_.get_future().wait();
    server_ = nullptr; // a stop callback still queued finds no server
    server.reset();
    expect_loop_is_clean(loop);
}

std::string server_thread::url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void server_thread::on_loop(const std::function<void(raw_http_server&)>& work) {
    std::promise<void> done;
    std::future<void> finished = done.get_future();
    loop_->post([this, &work, &done] {
        work(*server_);
        done.set_value();
    });
    finished.get();
}

std::size_t server_thread::accepted() {
    if (stopped_) {
        return final_accepted_;
    }
    std::size_t count = 0;
    on_loop([&count](raw_http_server& server) { count = server.accepted(); });
    return count;
}

std::size_t server_thread::max_open() {
    if (stopped_) {
        return final_max_open_;
    }
    std::size_t count = 0;
    on_loop([&count](raw_http_server& server) { count = server.max_open(); });
    return count;
}

void server_thread::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    loop_->post([this] {
        if (server_ != nullptr) {
            server_->stop();
        }
    });
    stop_requested_.set_value();
    thread_.join();
}

} // namespace corio_test
