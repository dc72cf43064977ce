// SPDX-License-Identifier: MIT
#include "https_test_support.hpp"

#include <corio/net/address.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <future>
#include <utility>

namespace corio_test {

namespace {

corio::task<corio::http::server_response> hello(corio::http::server_request& request) {
    co_return corio::http::server_response::text(200, "hello over TLS: " + request.target);
}

corio::task<corio::http::server_response> redirect(corio::http::server_request& request) {
    corio::http::server_response moved = corio::http::server_response::text(302, "");
    moved.fields.add("Location", request.query.substr(request.query.find('=') + 1));
    co_return moved;
}

} // namespace

const test_authority& test_ca() {
    static const test_authority made;
    return made;
}

trusting_options::trusting_options()
    : ca_file(directory.write("ca.pem", test_ca().certificate()).string()) {
    options.tls.ca_file = ca_file;
    options.timeouts.total = std::chrono::seconds(10);
}

void https_server_thread::default_routes(corio::http::server& app) {
    app.route("GET", "/hello", hello);
    app.route("GET", "/to", redirect);
}

https_server_thread::https_server_thread(const pem_credentials& credentials, route_setup routes) {
    std::promise<void> listening;
    std::future<void> ready = listening.get_future();
    thread_ = std::thread([this, credentials, &listening, routes = std::move(routes)] {
        corio::event_loop loop;
        try {
            corio::http::server_options options;
            options.tls = corio::net::tls_server_options::from_pem(credentials.certificate_chain,
                                                                   credentials.private_key);
            corio::http::server app{options};
            routes(app);
            app.listen(corio::net::address::loopback_v4(0));
            loop_ = &loop;
            app_ = &app;
            port_ = app.local_address().port();
            listening.set_value();
            loop.run_until_complete(app.serve());
        } catch (...) {
            if (app_ == nullptr) {
                listening.set_exception(std::current_exception());
                return;
            }
            ADD_FAILURE() << "the HTTPS test server failed";
        }
        expect_loop_is_clean(loop);
    });
    try {
        ready.get();
    } catch (...) {
        thread_.join();
        throw;
    }
}

https_server_thread::~https_server_thread() {
    loop_->post([this] { app_->stop(); });
    thread_.join();
}

std::string https_server_thread::url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(port_) + path;
}

} // namespace corio_test
