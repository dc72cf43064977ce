// SPDX-License-Identifier: MIT
// corio::http::server over TLS: it serves HTTPS with a certificate from files or memory, a
// handshake that stalls or fails costs one connection and nothing else, stop() does not wait for
// handshakes, and a connection it closes ends with close_notify. And the async client cancelled
// in the middle of a handshake (the blocking one cannot be cancelled).
#include <corio/http/client.hpp>

#include <corio/http/error.hpp>
#include <corio/http/server.hpp>
#include <corio/net/address.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/net/tls_context.hpp>
#include <corio/net/tls_error.hpp>
#include <corio/net/tls_stream.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/wait_for.hpp>

#include "https_test_support.hpp"
#include "raw_http_server.hpp"
#include "support/test_certificates.hpp"
#include "tls_peers.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>

using namespace std::chrono_literals;
using corio::http::client_session;
using corio::http::response;
using corio::http::server;
using corio::http::server_options;
using corio::http::server_request;
using corio::http::server_response;

namespace {

const corio_test::test_authority& authority() {
    return corio_test::test_ca();
}

server_options https_options(const corio_test::pem_credentials& credentials) {
    server_options options;
    options.tls = corio::net::tls_server_options::from_pem(credentials.certificate_chain,
                                                           credentials.private_key);
    return options;
}

corio::task<server_response> hello(server_request& request) {
    co_return server_response::text(200, "hello over " + request.method);
}

using trusting = corio_test::trusting_options;

// Runs `client` against an HTTPS server with a /hello route, then stops it.
void with_https_app(server_options options,
                    const std::function<corio::task<>(server&, std::string)>& client) {
    corio_test::run_checked([&]() -> corio::task<> {
        server app{options};
        app.route("GET", "/hello", hello);
        app.listen(corio::net::address::loopback_v4(0));
        co_await corio_test::serve_while(app,
                                         client(app, "https://" + app.local_address().to_string()));
    });
}

corio::task<std::string> fetch(client_session& session, std::string url) {
    response r = co_await session.get(url);
    co_return co_await r.text();
}

TEST(HttpsServer, ServesKeepAliveRequestsWithACertificateFromMemory) {
    const trusting client;
    with_https_app(https_options(authority().localhost()),
                   [&](server& app, std::string base) -> corio::task<> {
                       client_session session{client.options};
                       for (int i = 0; i < 3; ++i) {
                           EXPECT_EQ(co_await fetch(session, base + "/hello"), "hello over GET");
                       }
                       EXPECT_EQ(session.connections_opened(), 1U);
                       EXPECT_EQ(app.connections_accepted(), 1U);
                       EXPECT_EQ(app.requests_served(), 3U);
                   });
}

TEST(HttpsServer, ServesWithACertificateFromFiles) {
    const trusting client;
    const corio_test::pem_credentials credentials = authority().localhost();
    server_options options;
    options.tls = corio::net::tls_server_options::from_files(
        client.directory.write("chain.pem", credentials.certificate_chain).string(),
        client.directory.write("key.pem", credentials.private_key).string());
    with_https_app(options, [&](server&, std::string base) -> corio::task<> {
        client_session session{client.options};
        EXPECT_EQ(co_await fetch(session, base + "/hello"), "hello over GET");
    });
}

TEST(HttpsServer, AnUnusableCertificateIsRefusedAtConstruction) {
    server_options options;
    options.tls = corio::net::tls_server_options::from_files("/nonexistent/chain.pem",
                                                             "/nonexistent/key.pem");
    try {
        server app{options};
        ADD_FAILURE() << "no error";
    } catch (const corio::net::tls_error& failure) {
        EXPECT_EQ(failure.failure(), corio::net::tls_failure::configuration);
        EXPECT_NE(std::string_view(failure.what()).find("/nonexistent/chain.pem"),
                  std::string_view::npos)
            << failure.what();
    }
}

TEST(HttpsServer, NewConnectionsOfASessionResumeItsTlsSession) {
    const trusting client;
    with_https_app(https_options(authority().localhost()),
                   [&](server& app, std::string base) -> corio::task<> {
                       client_session session{client.options};
                       EXPECT_EQ(co_await fetch(session, base + "/hello"), "hello over GET");
                       session.close(); // the next request needs a new connection
                       EXPECT_EQ(co_await fetch(session, base + "/hello"), "hello over GET");
                       EXPECT_EQ(session.connections_opened(), 2U);
                       EXPECT_EQ(app.connections_accepted(), 2U);
                       // (That the second handshake was resumed is checked at the tls_stream
                       // level, tls_test.cpp; here: the session's cache does not break reuse.)
                   });
}

// A client that connects and then says nothing, or something that is not TLS.
corio::task<std::size_t> misbehave(std::uint16_t port, std::string send) {
    corio::net::tcp_stream stream =
        co_await corio::net::tcp_stream::connect(corio::net::address::loopback_v4(port));
    if (!send.empty()) {
        co_await stream.write_all(std::as_bytes(std::span{send}));
    }
    // The server ends it: we read the end of the stream (perhaps after an alert).
    std::array<std::byte, 1024> buffer{};
    std::size_t received = 0;
    try {
        while (const std::size_t n = co_await stream.read_some(buffer)) {
            received += n;
        }
    } catch (const std::system_error&) {
        // A reset is an end too.
    }
    co_return received;
}

TEST(HttpsServer, AStalledHandshakeCostsOneConnectionUntilItsTimeout) {
    const trusting client;
    server_options options = https_options(authority().localhost());
    options.handshake_timeout = 3s; // longer than a sanitizer build takes to load the CAs
    with_https_app(options, [&](server& app, std::string base) -> corio::task<> {
        corio::join_handle<std::size_t> stalled =
            corio::spawn(misbehave(app.local_address().port(), ""));
        co_await corio::sleep_for(20ms);
        client_session session{client.options};
        EXPECT_EQ(co_await fetch(session, base + "/hello"), "hello over GET");
        // Served while the stalled handshake is still open: it held nothing up. (Asserted by
        // state, not by time: a sanitizer build takes a while to load the trust store.)
        EXPECT_EQ(app.connections_accepted(), 2U);
        EXPECT_EQ(app.open_connections(), 2U) << "the stalled one, and the pooled one";
        EXPECT_EQ(co_await corio::wait_for(std::move(stalled), 5s), 0U)
            << "closed at the handshake timeout";
        EXPECT_EQ(app.open_connections(), 1U);
        EXPECT_EQ(app.requests_served(), 1U);
    });
}

TEST(HttpsServer, AFailedHandshakeCostsOneConnection) {
    const trusting client;
    with_https_app(
        https_options(authority().localhost()),
        [&](server& app, std::string base) -> corio::task<> {
            // Plain HTTP to the TLS port: the handshake fails, the connection closes.
            (void)co_await corio::wait_for(
                misbehave(app.local_address().port(), "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"),
                5s);
            client_session session{client.options};
            EXPECT_EQ(co_await fetch(session, base + "/hello"), "hello over GET");
            EXPECT_EQ(app.connections_accepted(), 2U);
            EXPECT_EQ(app.requests_served(), 1U);
        });
}

TEST(HttpsServer, StopDoesNotWaitForAStalledHandshake) {
    server_options options = https_options(authority().localhost());
    options.handshake_timeout = 30s;
    corio_test::run_checked([&]() -> corio::task<> {
        server app{options};
        app.route("GET", "/hello", hello);
        app.listen(corio::net::address::loopback_v4(0));
        corio::join_handle<> serving = corio::spawn(app.serve());
        corio::join_handle<std::size_t> stalled =
            corio::spawn(misbehave(app.local_address().port(), ""));
        co_await corio::sleep_for(50ms);
        EXPECT_EQ(app.open_connections(), 1U);
        app.stop();
        co_await corio::wait_for(std::move(serving), 2s);
        EXPECT_EQ(co_await corio::wait_for(std::move(stalled), 2s), 0U);
    });
}

TEST(HttpsServer, AConnectionItClosesEndsWithCloseNotify) {
    const trusting client;
    with_https_app(https_options(authority().localhost()),
                   [&](server& app, std::string) -> corio::task<> {
                       corio::net::tls_client_options tls;
                       tls.ca_file = client.options.tls.ca_file;
                       const corio::net::tls_context context = corio::net::tls_context::client(tls);
                       corio::net::tls_stream stream = co_await corio::net::tls_stream::connect(
                           "127.0.0.1", app.local_address().port(), context, 5s);
                       const std::string request =
                           "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
                       co_await stream.write_all(std::as_bytes(std::span{request}), {});
                       std::string answer;
                       std::array<std::byte, 1024> buffer{};
                       // A truncation (no close_notify) would throw tls_error here.
                       while (const std::size_t n = co_await stream.read_some(buffer, {})) {
                           answer.append(reinterpret_cast<const char*>(buffer.data()), n);
                       }
                       EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
                       EXPECT_TRUE(answer.ends_with("hello over GET")) << answer;
                       co_await stream.shutdown_write({});
                   });
}

// ---- clients that leave while their handler runs (see server.cpp's departure watch) ----

// Over TLS the watch peeks at the TCP socket: records are input like any other, a closed
// connection is gone. `leave` decides whether the client closes mid-handler or waits.
corio::task<> tls_client_mid_handler(server& app, const trusting& client, bool leave) {
    corio::net::tls_client_options tls;
    tls.ca_file = client.options.tls.ca_file;
    const corio::net::tls_context context = corio::net::tls_context::client(tls);
    corio::net::tls_stream stream = co_await corio::net::tls_stream::connect(
        "127.0.0.1", app.local_address().port(), context, 5s);
    const std::string request = "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    co_await stream.write_all(std::as_bytes(std::span{request}), {});
    if (leave) {
        co_await corio::sleep_for(50ms); // the handler runs, the watch has started
        stream.close();                  // no close_notify: the TCP connection just ends
        co_return;
    }
    std::string answer;
    std::array<std::byte, 1024> buffer{};
    while (const std::size_t n = co_await stream.read_some(buffer, {})) {
        answer.append(reinterpret_cast<const char*>(buffer.data()), n);
    }
    EXPECT_TRUE(answer.ends_with("slow but here")) << answer;
    co_await stream.shutdown_write({});
}

void tls_departure_case(bool leave) {
    const trusting client;
    corio_test::run_checked([&]() -> corio::task<> {
        bool cancelled = false;
        server app{https_options(authority().localhost())};
        app.route("GET", "/slow", [&](server_request&) -> corio::task<server_response> {
            try {
                co_await corio::sleep_for(leave ? 1h : 200ms);
            } catch (const corio::cancelled_error&) {
                cancelled = true;
                throw;
            }
            co_return server_response::text(200, "slow but here");
        });
        app.listen(corio::net::address::loopback_v4(0));
        corio::join_handle<> serving = corio::spawn(app.serve());
        co_await tls_client_mid_handler(app, client, leave);
        if (leave) {
            for (int round = 0; round < 100 && !cancelled; ++round) {
                co_await corio::sleep_for(10ms);
            }
        }
        EXPECT_EQ(cancelled, leave);
        app.stop(cancelled == leave ? std::nullopt
                                    : std::optional<corio::event_loop::duration>(0ms));
        co_await corio::wait_for(std::move(serving), 5s);
        EXPECT_EQ(app.requests_served(), leave ? 0U : 1U);
        EXPECT_EQ(app.open_connections(), 0U);
    });
}

TEST(HttpsServer, AClientThatClosesMidHandlerCancelsTheHandler) {
    tls_departure_case(/*leave=*/true);
}

TEST(HttpsServer, ASlowHandlerWhoseClientStaysIsAnswered) {
    tls_departure_case(/*leave=*/false);
}

// ---- the async client, cancelled during a handshake ----

TEST(HttpsClientCancellation, CancellingARequestMidHandshakeLeavesNothingBehind) {
    const trusting client;
    corio_test::run_checked([&]() -> corio::task<> {
        corio_test::raw_http_server stalling{
            corio_test::tls_peers::misbehaving(corio_test::tls_peers::stall_after_hello)};
        auto request = [&]() -> corio::task<> {
            client_session session{client.options};
            corio::join_handle<response> pending = corio::spawn(
                session.get("https://127.0.0.1:" + std::to_string(stalling.port()) + "/"));
            co_await corio::sleep_for(50ms); // connected; the ClientHello is unanswered
            pending.cancel();
            EXPECT_THROW((void)co_await pending, corio::cancelled_error);
            EXPECT_EQ(session.idle_connections(), 0U);
        };
        co_await corio_test::serve_while(stalling, request());
    });
}

} // namespace
