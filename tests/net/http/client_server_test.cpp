// SPDX-License-Identifier: MIT
// client_session against the project's own corio::http::server: the two ends agree on the wire.
#include <corio/http/client.hpp>

#include <corio/http/error.hpp>
#include <corio/http/server.hpp>
#include <corio/net/address.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/wait_for.hpp>

#include "raw_http_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <functional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using corio::http::client_session;
using corio::http::response;
using corio::http::server;
using corio::http::server_request;
using corio::http::server_response;

namespace {

corio::task<server_response> hello(server_request& /*request*/) {
    co_return server_response::text(200, "hello from corio");
}

corio::task<server_response> echo(server_request& request) {
    co_return server_response::text(200,
                                    request.method + " " + request.target + " " + request.body);
}

corio::task<server_response> moved(server_request& /*request*/) {
    server_response redirect = server_response::text(302, "");
    redirect.fields.add("Location", "/hello");
    co_return redirect;
}

// Runs `client` against a server with the routes above, then stops it.
void with_app(std::function<corio::task<>(server&, std::string)> client) {
    corio_test::run_checked([&]() -> corio::task<> {
        server app;
        app.route("GET", "/hello", hello);
        app.route("POST", "/echo", echo);
        app.route("GET", "/moved", moved);
        app.listen(corio::net::address::loopback_v4(0));
        co_await corio_test::serve_while(app,
                                         client(app, "http://" + app.local_address().to_string()));
    });
}

corio::task<std::string> fetch(client_session& session, std::string url) {
    response r = co_await session.get(url);
    co_return co_await r.text();
}

TEST(HttpClientWithServer, SequentialRequestsReuseOneConnection) {
    with_app([](server& app, std::string base) -> corio::task<> {
        client_session session;
        for (int i = 0; i < 3; ++i) {
            EXPECT_EQ(co_await fetch(session, base + "/hello"), "hello from corio");
        }
        EXPECT_EQ(app.connections_accepted(), 1U);
        EXPECT_EQ(session.connections_opened(), 1U);
    });
}

TEST(HttpClientWithServer, PostHeadRedirectAndNotFound) {
    with_app([](server& app, std::string base) -> corio::task<> {
        client_session session;
        response posted = co_await session.post(base + "/echo", "body bytes");
        EXPECT_EQ(co_await posted.text(), "POST /echo body bytes");

        response head = co_await session.head(base + "/hello");
        EXPECT_EQ(head.status(), 200);
        EXPECT_EQ(head.fields().get("Content-Length"), "16");
        EXPECT_EQ(co_await head.text(), "");

        response redirected = co_await session.get(base + "/moved");
        EXPECT_EQ(co_await redirected.text(), "hello from corio");
        EXPECT_EQ(redirected.history(), std::vector<std::string>{base + "/moved"});

        response missing = co_await session.get(base + "/nowhere");
        EXPECT_EQ(missing.status(), 404);
        co_await missing.discard();
        EXPECT_EQ(app.connections_accepted(), 1U);
    });
}

TEST(HttpClientWithServer, ManyConcurrentRequests) {
    with_app([](server& app, std::string base) -> corio::task<> {
        client_session session;
        std::vector<corio::task<std::string>> requests;
        for (int i = 0; i < 200; ++i) {
            requests.push_back(fetch(session, base + "/hello"));
        }
        const std::vector<std::string> bodies =
            co_await corio::wait_for(corio::gather(std::move(requests)), 30s);
        for (const std::string& body : bodies) {
            EXPECT_EQ(body, "hello from corio");
        }
        EXPECT_LE(app.connections_accepted(), 16U);
    });
}

} // namespace
