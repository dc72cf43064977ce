// SPDX-License-Identifier: MIT
// client_session against raw loopback servers: what only the async client has - a response whose
// body is read later (streamed, as bytes, once), and so errors that arrive with the head or only
// with the body read. Everything both clients do is in client_suite_test.cpp.
#include <corio/http/client.hpp>

#include <corio/http/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sync/event.hpp>

#include "malformed_responses.hpp"
#include "raw_http_server.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using corio::http::client_session;
using corio::http::error_kind;
using corio::http::response;
using corio::net::tcp_stream;
using corio_test::answer_once;
using corio_test::raw_http_server;
using corio_test::received_request;

namespace {

// Runs `body` against a server whose connections run `on_connection`.
void with_server(raw_http_server::handler on_connection,
                 std::function<corio::task<>(raw_http_server&)> body) {
    corio_test::run_checked([&]() -> corio::task<> {
        raw_http_server server{std::move(on_connection)};
        co_await corio_test::serve_while(server, body(server));
    });
}

// ---- the body, read after the head ----

TEST(HttpClient, AMovedFromResponseKeepsItsUrl) {
    with_server(answer_once(corio_test::response_text(200, "hello")),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    response original = co_await session.get(server.url());
                    response moved = std::move(original);
                    // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
                    EXPECT_EQ(original.final_url().to_string(), server.url());
                    EXPECT_EQ(moved.final_url().to_string(), server.url());
                    EXPECT_EQ(co_await moved.text(), "hello");
                });
}

TEST(HttpClient, BodiesStreamPieceByPiece) {
    corio::event first_piece_read;
    with_server(
        [&](tcp_stream& stream, std::size_t) -> corio::task<> {
            corio_test::request_buffer buffer;
            (void)co_await corio_test::read_request(stream, buffer);
            co_await corio_test::write_text(
                stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nfirs\r\n");
            co_await first_piece_read.wait(); // the rest only once the client has seen a piece
            co_await corio_test::write_text(stream, "6\r\nt, the\r\n5\r\nn end\r\n0\r\n\r\n");
            (void)co_await corio_test::read_until_closed(stream);
        },
        [&](raw_http_server& server) -> corio::task<> {
            client_session session;
            response r = co_await session.get(server.url());
            std::string all;
            std::size_t pieces = 0;
            while (std::optional<std::string> piece = co_await r.next_chunk()) {
                all += *piece;
                ++pieces;
                first_piece_read.set();
            }
            EXPECT_EQ(all, "first, then end");
            EXPECT_GE(pieces, 2U);
            EXPECT_EQ(co_await r.next_chunk(), std::nullopt);
            EXPECT_EQ(session.idle_connections(), 1U);
        });
}

TEST(HttpClient, BytesReturnsTheRawBody) {
    with_server(
        corio_test::keep_alive_handler([](const received_request&) {
            return corio_test::response_text(200, std::string("\0\x01\xff", 3));
        }),
        [](raw_http_server& server) -> corio::task<> {
            client_session session;
            response r = co_await session.get(server.url());
            const std::vector<std::byte> body = co_await r.bytes();
            EXPECT_EQ(body, (std::vector<std::byte>{std::byte{0}, std::byte{1}, std::byte{0xff}}));
        });
}

TEST(HttpClient, TheBodyCanBeReadOnlyOnce) {
    with_server(corio_test::keep_alive_handler(
                    [](const received_request&) { return corio_test::response_text(200, "once"); }),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    response r = co_await session.get(server.url());
                    EXPECT_EQ(co_await r.text(), "once");
                    try {
                        (void)co_await r.text();
                        ADD_FAILURE() << "a second text() should throw";
                    } catch (const corio::http::error& failure) {
                        EXPECT_EQ(failure.kind(), error_kind::usage);
                        EXPECT_EQ(failure.url(), server.url());
                    }
                });
}

TEST(HttpClient, ABodilessResponseReleasesItsConnectionWithoutARead) {
    std::vector<std::string> replies{
        // HEAD: the length describes the GET body, which is not sent.
        "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
    };
    std::size_t next = 0;
    with_server(
        corio_test::keep_alive_handler([&](const received_request&) { return replies.at(next++); }),
        [](raw_http_server& server) -> corio::task<> {
            client_session session;
            // The response is complete with its head: the connection is back in the pool while
            // the response is still alive and its body never asked for.
            response head = co_await session.head(server.url());
            EXPECT_EQ(session.idle_connections(), 1U) << "HEAD";
            response no_content = co_await session.get(server.url());
            EXPECT_EQ(no_content.status(), 204);
            EXPECT_EQ(session.idle_connections(), 1U) << "204";
            response not_modified = co_await session.get(server.url());
            EXPECT_EQ(not_modified.status(), 304);
            EXPECT_EQ(session.idle_connections(), 1U) << "304";
            EXPECT_EQ(server.accepted(), 1U);
            EXPECT_EQ(co_await head.text(), "");
        });
}

// ---- errors with the head, or with the body ----

// The shared table (malformed_responses.hpp), which client_suite_test.cpp runs against both
// clients; here the async client shows where each case fails: a broken head fails the request,
// a broken body only the body read.
class HttpClientMalformed : public ::testing::TestWithParam<corio_test::malformed_case> {};

TEST_P(HttpClientMalformed, FailsInTheHeadOrInTheBodyReadAsTheCaseSays) {
    const corio_test::malformed_case& param = GetParam();
    with_server(answer_once(param.wire), [&param](raw_http_server& server) -> corio::task<> {
        client_session session{corio_test::malformed_case_limits()};
        std::optional<corio::http::error> failure;
        bool got_head = false;
        try {
            response r = co_await session.get(server.url("/bad"));
            got_head = true;
            (void)co_await r.text();
        } catch (const corio::http::error& caught) {
            failure = caught;
        }
        if (!failure) {
            ADD_FAILURE() << param.name << ": no error";
            co_return;
        }
        EXPECT_EQ(failure->kind(), param.kind) << param.name << ": " << failure->what();
        EXPECT_EQ(failure->url(), server.url("/bad"));
        EXPECT_EQ(got_head, param.fails_in_body) << param.name;
        EXPECT_EQ(session.idle_connections(), 0U);
    });
}

INSTANTIATE_TEST_SUITE_P(Wire, HttpClientMalformed,
                         ::testing::ValuesIn(corio_test::malformed_responses()),
                         corio_test::malformed_case_name);

} // namespace
