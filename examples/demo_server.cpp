// SPDX-License-Identifier: MIT
#include "demo_server.hpp"

#include <corio/http/server.hpp>
#include <corio/net/address.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace example {

namespace {

// An HTML page of exactly `size` bytes, so the client really transfers a realistic amount.
std::string page_for(const demo_site& site) {
    std::string page = "<!doctype html>\n<html><head><title>" + site.name +
                       " (corio demo page)</title></head>\n<body>\n";
    const std::string paragraph = "<p>This page stands in for " + site.name +
                                  " so that the corio examples run offline. It arrives after the "
                                  "delay the tutorial measured for the real site.</p>\n";
    const std::string closing = "</body></html>\n";
    while (page.size() + paragraph.size() + closing.size() <= site.body_bytes) {
        page += paragraph;
    }
    page.append(site.body_bytes - closing.size() - page.size(), ' ');
    page += closing;
    return page;
}

corio::task<corio::http::server_response> serve_site(corio::http::server_request& /*request*/,
                                                     const demo_site* site, const std::string* page,
                                                     double time_scale) {
    co_await corio::sleep_for(std::chrono::duration<double>(site->delay_seconds * time_scale));
    corio::http::server_response response;
    response.fields.add("Content-Type", "text/html; charset=utf-8");
    response.body = *page;
    co_return response;
}

} // namespace

const std::vector<demo_site>& demo_server::sites() {
    // Delays: the tutorial's blocking run (requests). Sizes: the order of magnitude of each
    // site's home page.
    static const std::vector<demo_site> all = {
        {"google.com", 0.7, 49'807}, {"yahoo.com", 3.1, 403'215},     {"linkedin.com", 3.9, 88'140},
        {"apple.com", 1.0, 72'561},  {"microsoft.com", 1.2, 184'317}, {"facebook.com", 6.4, 63'989},
    };
    return all;
}

struct demo_server::running {
    std::vector<std::string> pages;
    std::mutex mutex;
    std::condition_variable ready;
    bool started = false;
    std::exception_ptr failure;
    std::uint16_t port = 0;
    corio::event_loop* loop = nullptr;
    corio::http::server* server = nullptr;
    std::thread thread;
};

demo_server::demo_server(double time_scale)
    : running_(std::make_unique<running>()) {
    running& state = *running_;
    for (const demo_site& site : sites()) {
        state.pages.push_back(page_for(site));
    }
    state.thread = std::thread([&state, time_scale] {
        try {
            corio::event_loop loop;
            corio::http::server server;
            for (std::size_t i = 0; i < sites().size(); ++i) {
                const demo_site* site = &sites()[i];
                const std::string* page = &state.pages[i];
                server.route("GET", "/" + site->name,
                             [site, page, time_scale](corio::http::server_request& request) {
                                 return serve_site(request, site, page, time_scale);
                             });
            }
            server.listen(corio::net::address::loopback_v4(0));
            {
                std::lock_guard lock(state.mutex);
                state.port = server.local_address().port();
                state.loop = &loop;
                state.server = &server;
                state.started = true;
            }
            state.ready.notify_one();
            loop.run_until_complete(server.serve());
        } catch (...) {
            std::lock_guard lock(state.mutex);
            state.failure = std::current_exception();
            state.started = true;
            state.ready.notify_one();
        }
    });
    std::unique_lock lock(state.mutex);
    state.ready.wait(lock, [&] { return state.started; });
    if (state.failure) {
        lock.unlock();
        state.thread.join();
        std::rethrow_exception(state.failure);
    }
}

demo_server::~demo_server() {
    running& state = *running_;
    {
        std::lock_guard lock(state.mutex);
        if (state.loop != nullptr && !state.failure) {
            corio::http::server* server = state.server;
            state.loop->post([server] { server->stop(); });
        }
    }
    state.thread.join();
}

std::vector<std::string> demo_server::urls() const {
    std::vector<std::string> urls;
    for (const demo_site& site : sites()) {
        urls.push_back("http://127.0.0.1:" + std::to_string(running_->port) + "/" + site.name);
    }
    return urls;
}

std::vector<std::string> urls_to_fetch(const std::vector<std::string>& from_command_line,
                                       double time_scale, std::unique_ptr<demo_server>& server) {
    if (!from_command_line.empty()) {
        return from_command_line;
    }
    server = std::make_unique<demo_server>(time_scale);
    return server->urls();
}

} // namespace example
