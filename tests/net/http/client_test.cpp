// SPDX-License-Identifier: MIT
// client_session against raw loopback servers: framing on the wire, every error kind, redirects.
#include <corio/http/client.hpp>

#include <corio/http/error.hpp>
#include <corio/net/tcp_listener.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sync/event.hpp>

#include "malformed_responses.hpp"
#include "raw_http_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using namespace std::string_literals;
using corio::http::client_options;
using corio::http::client_session;
using corio::http::error_kind;
using corio::http::response;
using corio::net::tcp_stream;
using corio_test::answer_once;
using corio_test::logging_site;
using corio_test::raw_http_server;
using corio_test::received_request;
using corio_test::stay_silent;

namespace {

// Runs `body` against a server whose connections run `on_connection`.
void with_server(raw_http_server::handler on_connection,
                 std::function<corio::task<>(raw_http_server&)> body) {
    corio_test::run_checked([&]() -> corio::task<> {
        raw_http_server server{std::move(on_connection)};
        co_await corio_test::serve_while(server, body(server));
    });
}

// The error a failing request (or its body read) throws; fails the test if none.
corio::task<std::optional<corio::http::error>> failure_of(client_session& session, std::string url,
                                                          bool read_body = true) {
    try {
        response r = co_await session.get(url);
        if (read_body) {
            (void)co_await r.text();
        }
    } catch (const corio::http::error& failure) {
        co_return failure;
    }
    ADD_FAILURE() << "no error for " << url;
    co_return std::nullopt;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// ---- framing on the wire ----

TEST(HttpClient, GetReturnsStatusFieldsAndAContentLengthBody) {
    with_server(corio_test::keep_alive_handler([](const received_request&) {
                    return corio_test::response_text(200, "hello", "X-Server: raw\r\n");
                }),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    response r = co_await session.get(server.url("/greeting"));
                    EXPECT_EQ(r.status(), 200);
                    EXPECT_EQ(r.reason(), "OK");
                    EXPECT_EQ(r.version_minor(), 1);
                    EXPECT_EQ(r.fields().get("x-server"), "raw");
                    EXPECT_EQ(r.final_url().to_string(), server.url("/greeting"));
                    EXPECT_TRUE(r.history().empty());
                    EXPECT_EQ(co_await r.text(), "hello");
                });
}

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

TEST(HttpClient, TheRequestCarriesHostUserAgentAndTheBody) {
    std::vector<received_request> seen;
    with_server(corio_test::keep_alive_handler([&seen](const received_request& request) {
                    seen.push_back(request);
                    return corio_test::response_text(200, request.body);
                }),
                [](raw_http_server& server) -> corio::task<> {
                    client_options options;
                    options.default_headers.add("User-Agent", "suite/1");
                    options.default_headers.add("X-Default", "d");
                    client_session session{options};
                    response posted = co_await session.post(server.url("/in"), "payload");
                    EXPECT_EQ(co_await posted.text(), "payload");
                    corio::http::headers extra;
                    extra.add("X-Default", "overridden");
                    response got = co_await session.get(server.url("/out?q=1"), extra);
                    co_await got.discard();
                });
    ASSERT_EQ(seen.size(), 2U);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/in");
    EXPECT_EQ(seen[0].body, "payload");
    EXPECT_EQ(seen[0].fields.get("Content-Length"), "7");
    EXPECT_EQ(seen[0].fields.get("User-Agent"), "suite/1");
    EXPECT_TRUE(seen[0].fields.get("Host")->starts_with("127.0.0.1:"));
    EXPECT_FALSE(seen[0].fields.contains("Accept-Encoding"));
    EXPECT_EQ(seen[1].target, "/out?q=1");
    EXPECT_EQ(seen[1].fields.get("X-Default"), "overridden");
}

TEST(HttpClient, TheDefaultUserAgentIsCorio) {
    std::string agent;
    with_server(corio_test::keep_alive_handler([&agent](const received_request& request) {
                    agent = std::string(request.fields.get("User-Agent").value_or(""));
                    return corio_test::response_text(204, "");
                }),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    response r = co_await session.get(server.url());
                    EXPECT_EQ(r.status(), 204);
                });
    EXPECT_EQ(agent, "corio/0.1");
}

TEST(HttpClient, ChunkedBodiesWithExtensionsAndTrailersAreDecoded) {
    with_server(corio_test::keep_alive_handler([](const received_request&) {
                    return std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       "5;ext=1\r\nhello\r\n6;name=\"quoted value\"\r\n world\r\n"
                                       "0\r\nX-Trailer: t\r\n\r\n");
                }),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    for (int i = 0; i < 2; ++i) {
                        response r = co_await session.get(server.url());
                        EXPECT_EQ(co_await r.text(), "hello world");
                    }
                    EXPECT_EQ(session.connections_opened(), 1U) << "the chunked body ended cleanly";
                    EXPECT_EQ(server.accepted(), 1U);
                });
}

TEST(HttpClient, ABodyWithoutLengthRunsUntilTheServerCloses) {
    with_server(
        answer_once("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it, then EOF"),
        [](raw_http_server& server) -> corio::task<> {
            client_session session;
            for (int i = 0; i < 2; ++i) {
                response r = co_await session.get(server.url());
                EXPECT_EQ(co_await r.text(), "all of it, then EOF");
                EXPECT_EQ(session.idle_connections(), 0U);
            }
            EXPECT_EQ(session.connections_opened(), 2U);
        });
}

TEST(HttpClient, HeadAndBodilessStatusesReadNoBody) {
    std::vector<std::string> replies{
        // HEAD: the length describes the GET body, which is not sent.
        "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlast",
    };
    std::size_t next = 0;
    with_server(
        corio_test::keep_alive_handler([&](const received_request&) { return replies.at(next++); }),
        [](raw_http_server& server) -> corio::task<> {
            client_session session;
            response head = co_await session.head(server.url());
            EXPECT_EQ(head.fields().get("Content-Length"), "1000");
            EXPECT_EQ(co_await head.text(), "");
            response no_content = co_await session.get(server.url());
            EXPECT_EQ(no_content.status(), 204);
            response not_modified = co_await session.get(server.url());
            EXPECT_EQ(not_modified.status(), 304);
            EXPECT_EQ(session.idle_connections(), 1U) << "released without a read";
            response last = co_await session.get(server.url());
            EXPECT_EQ(co_await last.text(), "last");
            EXPECT_EQ(server.accepted(), 1U);
        });
}

TEST(HttpClient, InterimResponsesAreSkipped) {
    with_server(answer_once("HTTP/1.1 100 Continue\r\n\r\n"
                            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
                            true),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    response r = co_await session.get(server.url());
                    EXPECT_EQ(r.status(), 200);
                    EXPECT_FALSE(r.fields().contains("Link"));
                    EXPECT_EQ(co_await r.text(), "final");
                });
}

TEST(HttpClient, Http10AndConnectionCloseResponsesAreNotPooled) {
    std::vector<std::string> replies{
        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nv0",
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nv1",
    };
    std::size_t next = 0;
    with_server(
        [&](tcp_stream& stream, std::size_t) -> corio::task<> {
            corio_test::request_buffer buffer;
            if (co_await corio_test::read_request(stream, buffer)) {
                // Outside the co_await: clang 16 (macOS) wrongly calls `next++` unsequenced in it.
                std::string reply = replies.at(next++);
                co_await corio_test::write_text(stream, std::move(reply));
                (void)co_await corio_test::read_until_closed(stream);
            }
        },
        [](raw_http_server& server) -> corio::task<> {
            client_session session;
            for (const char* expected : {"v0", "v1"}) {
                response r = co_await session.get(server.url());
                EXPECT_EQ(co_await r.text(), expected);
                EXPECT_EQ(session.idle_connections(), 0U);
            }
            EXPECT_EQ(session.connections_opened(), 2U);
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

// ---- every error kind ----

TEST(HttpClientErrors, AMalformedUrlIsAUsageError) {
    corio_test::run_checked([]() -> corio::task<> {
        client_session session;
        for (const char* bad : {"not a url", "http://", "ftp://example.com/", "http://a b/"}) {
            try {
                (void)co_await session.get(bad);
                ADD_FAILURE() << bad;
            } catch (const corio::http::invalid_url& failure) {
                EXPECT_EQ(failure.kind(), error_kind::usage);
                EXPECT_EQ(failure.url(), bad);
            }
        }
    });
}

TEST(HttpClientErrors, AnInvalidHeaderIsAUsageErrorAndSendsNothing) {
    corio_test::run_checked([]() -> corio::task<> {
        client_session session;
        corio::http::headers extra;
        extra.add("X-Bad", "line\r\nbreak");
        try {
            (void)co_await session.get("http://127.0.0.1:1/", extra);
            ADD_FAILURE() << "expected an error";
        } catch (const corio::http::error& failure) {
            EXPECT_EQ(failure.kind(), error_kind::usage);
            EXPECT_EQ(failure.url(), "http://127.0.0.1:1/");
        }
        EXPECT_EQ(session.connections_opened(), 0U);
    });
}

TEST(HttpClientErrors, HttpsIsATlsErrorInThisBuild) {
    corio_test::run_checked([]() -> corio::task<> {
        client_session session;
        try {
            (void)co_await session.get("https://127.0.0.1:1/secure");
            ADD_FAILURE() << "expected tls_error";
        } catch (const corio::http::tls_error& failure) {
            EXPECT_EQ(failure.kind(), error_kind::tls);
            EXPECT_EQ(failure.url(), "https://127.0.0.1:1/secure");
            EXPECT_STREQ(failure.what(), "TLS is not available in this build");
        }
    });
}

TEST(HttpClientErrors, AnUnknownHostIsAResolveError) {
    corio_test::run_checked([]() -> corio::task<> {
        client_session session;
        try {
            (void)co_await session.get("http://no-such-host.invalid/x");
            ADD_FAILURE() << "expected resolve_error";
        } catch (const corio::http::resolve_error& failure) {
            EXPECT_EQ(failure.kind(), error_kind::resolve);
            EXPECT_EQ(failure.url(), "http://no-such-host.invalid/x");
            EXPECT_TRUE(contains(failure.what(), "no-such-host.invalid")) << failure.what();
        }
    });
}

TEST(HttpClientErrors, ARefusedConnectionIsAConnectErrorWithTheSystemsReason) {
    corio_test::run_checked([]() -> corio::task<> {
        std::uint16_t port = 0;
        {
            auto listener = corio::net::tcp_listener::bind(corio::net::address::loopback_v4(0));
            port = listener.local_address().port();
        }
        client_session session;
        const std::string target = "http://127.0.0.1:" + std::to_string(port) + "/";
        try {
            (void)co_await session.get(target);
            ADD_FAILURE() << "expected connect_error";
        } catch (const corio::http::connect_error& failure) {
            EXPECT_EQ(failure.kind(), error_kind::connect);
            EXPECT_EQ(failure.url(), target);
            EXPECT_TRUE(contains(failure.what(), "refused")) << failure.what();
        }
    });
}

// Linux drops a SYN while the listener's accept queue is full, so once one connection fills a
// backlog of 0, further connects hang until their timeout: a deterministic connect timeout.
TEST(HttpClientErrors, AConnectThatHangsHitsTheConnectTimeout) {
    corio_test::run_checked([]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(corio::net::address::loopback_v4(0), 0);
        const corio::net::address where = listener.local_address();
        std::vector<tcp_stream> fillers;
        bool queue_full = false;
        for (int i = 0; i < 8 && !queue_full; ++i) {
            try {
                fillers.push_back(co_await tcp_stream::connect(where, 50ms));
            } catch (const corio::timeout_error&) {
                queue_full = true;
            }
        }
        if (!queue_full) {
            ADD_FAILURE() << "the accept queue never filled up";
            co_return;
        }
        client_options options;
        options.timeouts.connect = 100ms;
        client_session session{options};
        const std::string target = "http://" + where.to_string() + "/";
        try {
            (void)co_await session.get(target);
            ADD_FAILURE() << "expected timeout_error";
        } catch (const corio::http::timeout_error& failure) {
            EXPECT_EQ(failure.url(), target);
            EXPECT_TRUE(contains(failure.what(), "connect timeout (100ms)")) << failure.what();
        }
    });
}

TEST(HttpClientErrors, ASilentServerHitsTheReadTimeout) {
    with_server(stay_silent(), [](raw_http_server& server) -> corio::task<> {
        client_options options;
        options.timeouts.read = 100ms;
        client_session session{options};
        const std::optional<corio::http::error> failure =
            co_await failure_of(session, server.url("/slow"));
        if (!failure) {
            co_return; // failure_of() reported it
        }
        EXPECT_EQ(failure->kind(), error_kind::timeout);
        EXPECT_EQ(failure->url(), server.url("/slow"));
        EXPECT_TRUE(contains(failure->what(), "read timeout (100ms)")) << failure->what();
        EXPECT_TRUE(contains(failure->what(), "response head")) << failure->what();
    });
}

TEST(HttpClientErrors, AStalledBodyHitsTheReadTimeout) {
    with_server(answer_once("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", true),
                [](raw_http_server& server) -> corio::task<> {
                    client_options options;
                    options.timeouts.read = 100ms;
                    client_session session{options};
                    response r = co_await session.get(server.url());
                    try {
                        (void)co_await r.text();
                        ADD_FAILURE() << "expected timeout_error";
                    } catch (const corio::http::timeout_error& failure) {
                        EXPECT_EQ(failure.url(), server.url());
                        EXPECT_TRUE(contains(failure.what(), "read timeout")) << failure.what();
                        EXPECT_TRUE(contains(failure.what(), "body")) << failure.what();
                    }
                    EXPECT_EQ(session.idle_connections(), 0U);
                });
}

TEST(HttpClientErrors, TheTotalTimeoutCoversTheHeadAndTheBody) {
    with_server(stay_silent(), [](raw_http_server& server) -> corio::task<> {
        client_options options;
        options.timeouts.total = 150ms;
        options.timeouts.read = std::nullopt;
        client_session session{options};
        const std::optional<corio::http::error> failure =
            co_await failure_of(session, server.url());
        if (!failure) {
            co_return; // failure_of() reported it
        }
        EXPECT_EQ(failure->kind(), error_kind::timeout);
        EXPECT_TRUE(contains(failure->what(), "total timeout (150ms)")) << failure->what();
    });
    with_server(
        answer_once("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", true),
        [](raw_http_server& server) -> corio::task<> {
            client_options options;
            options.timeouts.total = 150ms;
            options.timeouts.read = 10s;
            client_session session{options};
            const std::optional<corio::http::error> failure =
                co_await failure_of(session, server.url());
            if (!failure) {
                co_return; // failure_of() reported it
            }
            EXPECT_EQ(failure->kind(), error_kind::timeout);
            EXPECT_TRUE(contains(failure->what(), "total timeout")) << failure->what();
            EXPECT_TRUE(contains(failure->what(), "body")) << failure->what();
        });
}

// The table is shared with the blocking client's tests: both must refuse the same responses.
class HttpClientMalformed : public ::testing::TestWithParam<corio_test::malformed_case> {};

TEST_P(HttpClientMalformed, IsReportedWithTheRightKindAndTheUrl) {
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

TEST(HttpClientErrors, ClosingMidBodySaysHowMuchArrived) {
    with_server(answer_once("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    const std::optional<corio::http::error> failure =
                        co_await failure_of(session, server.url());
                    if (!failure) {
                        co_return; // failure_of() reported it
                    }
                    EXPECT_EQ(failure->kind(), error_kind::closed);
                    EXPECT_TRUE(contains(failure->what(), "after 3 of 10 body bytes"))
                        << failure->what();
                });
}

TEST(HttpClientErrors, AFreshConnectionClosedBeforeAnsweringIsNotRetried) {
    with_server(answer_once(""), [](raw_http_server& server) -> corio::task<> {
        client_session session;
        const std::optional<corio::http::error> failure =
            co_await failure_of(session, server.url());
        if (!failure) {
            co_return; // failure_of() reported it
        }
        EXPECT_EQ(failure->kind(), error_kind::closed);
        EXPECT_EQ(server.accepted(), 1U);
    });
}

// ---- redirects ----

TEST(HttpClientRedirects, RelativeLocationsAreFollowedAndRecorded) {
    std::vector<received_request> log;
    with_server(
        logging_site(log,
                     [](const received_request& request) {
                         if (request.target == "/a/start") {
                             return corio_test::response_text(301, "", "Location: next\r\n");
                         }
                         if (request.target == "/a/next") {
                             return corio_test::response_text(302, "moved", "Location: /final\r\n");
                         }
                         return corio_test::response_text(200, "arrived");
                     }),
        [](raw_http_server& server) -> corio::task<> {
            client_session session;
            response r = co_await session.get(server.url("/a/start"));
            EXPECT_EQ(r.status(), 200);
            EXPECT_EQ(co_await r.text(), "arrived");
            EXPECT_EQ(r.final_url().to_string(), server.url("/final"));
            EXPECT_EQ(r.history(),
                      (std::vector<std::string>{server.url("/a/start"), server.url("/a/next")}));
            EXPECT_EQ(session.connections_opened(), 1U)
                << "the redirects' bodies were drained, keeping the connection";
        });
    EXPECT_EQ(log.size(), 3U);
}

TEST(HttpClientRedirects, SeeOtherTurnsAPostIntoAGet) {
    std::vector<received_request> log;
    with_server(logging_site(log,
                             [](const received_request& request) {
                                 if (request.method == "POST") {
                                     return corio_test::response_text(303, "",
                                                                      "Location: /result\r\n");
                                 }
                                 return corio_test::response_text(200, "result");
                             }),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    corio::http::headers extra;
                    extra.add("Content-Type", "application/x-www-form-urlencoded");
                    response r = co_await session.post(server.url("/form"), "a=1", extra);
                    EXPECT_EQ(co_await r.text(), "result");
                });
    ASSERT_EQ(log.size(), 2U);
    EXPECT_EQ(log[1].method, "GET");
    EXPECT_EQ(log[1].target, "/result");
    EXPECT_TRUE(log[1].body.empty());
    EXPECT_FALSE(log[1].fields.contains("Content-Type"));
    EXPECT_FALSE(log[1].fields.contains("Content-Length"));
}

TEST(HttpClientRedirects, TemporaryRedirectKeepsThePostBody) {
    std::vector<received_request> log;
    with_server(
        logging_site(log,
                     [](const received_request& request) {
                         if (request.target == "/old") {
                             return corio_test::response_text(307, "", "Location: /new\r\n");
                         }
                         return corio_test::response_text(201, request.method + ":" + request.body);
                     }),
        [](raw_http_server& server) -> corio::task<> {
            client_session session;
            response r = co_await session.post(server.url("/old"), "the payload");
            EXPECT_EQ(r.status(), 201);
            EXPECT_EQ(co_await r.text(), "POST:the payload");
        });
    ASSERT_EQ(log.size(), 2U);
    EXPECT_EQ(log[1].fields.get("Content-Length"), "11");
}

TEST(HttpClientRedirects, ABrokenOrHugeRedirectBodyDoesNotStopTheChain) {
    with_server(
        [](tcp_stream& stream, std::size_t) -> corio::task<> {
            corio_test::request_buffer buffer;
            while (std::optional<received_request> request =
                       co_await corio_test::read_request(stream, buffer)) {
                if (request->target == "/cut") {
                    co_await corio_test::write_text(stream,
                                                    "HTTP/1.1 302 Found\r\nLocation: "
                                                    "/huge\r\nContent-Length: 100\r\n\r\nshort");
                    co_return; // closes 95 bytes early
                }
                if (request->target == "/huge") {
                    co_await corio_test::write_text(
                        stream, corio_test::response_text(302, std::string(200'000, 'h'),
                                                          "Location: /end\r\n"));
                    (void)co_await corio_test::read_until_closed(stream);
                    co_return;
                }
                co_await corio_test::write_text(stream, corio_test::response_text(200, "made it"));
            }
        },
        [](raw_http_server& server) -> corio::task<> {
            client_session session;
            response r = co_await session.get(server.url("/cut"));
            EXPECT_EQ(co_await r.text(), "made it");
            EXPECT_EQ(r.history().size(), 2U);
            EXPECT_EQ(session.connections_opened(), 3U)
                << "neither redirect's connection could be reused";
        });
}

TEST(HttpClientRedirects, ALoopIsARedirectErrorNamingTheChain) {
    std::vector<received_request> log;
    with_server(logging_site(log,
                             [](const received_request& request) {
                                 return corio_test::response_text(302, "",
                                                                  request.target == "/ping"
                                                                      ? "Location: /pong\r\n"
                                                                      : "Location: /ping\r\n");
                             }),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    try {
                        (void)co_await session.get(server.url("/ping"));
                        ADD_FAILURE() << "expected redirect_error";
                    } catch (const corio::http::redirect_error& failure) {
                        EXPECT_EQ(failure.kind(), error_kind::redirect);
                        EXPECT_EQ(failure.url(), server.url("/pong"));
                        EXPECT_EQ(std::string(failure.what()),
                                  "redirect loop: " + server.url("/ping") + " -> " +
                                      server.url("/pong") + " -> " + server.url("/ping"));
                    }
                });
    EXPECT_EQ(log.size(), 2U);
}

TEST(HttpClientRedirects, TheLimitStopsAnEndlessChain) {
    std::vector<received_request> log;
    with_server(logging_site(log,
                             [](const received_request& request) {
                                 const int step = std::stoi(request.target.substr(3));
                                 return corio_test::response_text(
                                     302, "", "Location: /r/" + std::to_string(step + 1) + "\r\n");
                             }),
                [](raw_http_server& server) -> corio::task<> {
                    client_options options;
                    options.max_redirects = 3;
                    client_session session{options};
                    try {
                        (void)co_await session.get(server.url("/r/0"));
                        ADD_FAILURE() << "expected redirect_error";
                    } catch (const corio::http::redirect_error& failure) {
                        EXPECT_EQ(failure.url(), server.url("/r/3"));
                        std::string chain = "too many redirects (limit 3): ";
                        for (int i = 0; i <= 4; ++i) {
                            chain += (i > 0 ? " -> " : "") + server.url("/r/" + std::to_string(i));
                        }
                        EXPECT_EQ(std::string(failure.what()), chain);
                    }
                });
    EXPECT_EQ(log.size(), 4U);
}

TEST(HttpClientRedirects, ErrorsAfterARedirectCarryTheRedirectedUrl) {
    std::vector<received_request> log;
    with_server(logging_site(log,
                             [](const received_request& request) -> std::string {
                                 if (request.target == "/start") {
                                     return corio_test::response_text(302, "",
                                                                      "Location: /broken\r\n");
                                 }
                                 return "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n";
                             }),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    try {
                        (void)co_await session.get(server.url("/start"));
                        ADD_FAILURE() << "expected protocol_error";
                    } catch (const corio::http::protocol_error& failure) {
                        EXPECT_EQ(failure.url(), server.url("/broken"));
                    }
                });
}

TEST(HttpClientRedirects, ARedirectToHttpsIsATlsError) {
    std::vector<received_request> log;
    with_server(logging_site(log,
                             [](const received_request&) {
                                 return corio_test::response_text(
                                     301, "", "Location: https://127.0.0.1:1/secure\r\n");
                             }),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    try {
                        (void)co_await session.get(server.url());
                        ADD_FAILURE() << "expected tls_error";
                    } catch (const corio::http::tls_error& failure) {
                        EXPECT_EQ(failure.url(), "https://127.0.0.1:1/secure");
                    }
                });
}

TEST(HttpClientRedirects, AuthorizationIsDroppedWhenTheHostChanges) {
    std::vector<received_request> log;
    with_server(
        logging_site(log,
                     [](const received_request& request) {
                         const std::string_view host = request.fields.get("Host").value_or("");
                         if (host.starts_with("127.0.0.1") && request.target == "/same") {
                             return corio_test::response_text(302, "", "Location: /other\r\n");
                         }
                         if (host.starts_with("127.0.0.1")) {
                             // Same server, another name for it: a different host to the client.
                             const std::string port(host.substr(host.find(':')));
                             return corio_test::response_text(
                                 302, "", "Location: http://localhost" + port + "/there\r\n");
                         }
                         return corio_test::response_text(200, "done");
                     }),
        [](raw_http_server& server) -> corio::task<> {
            client_session session;
            corio::http::headers extra;
            extra.add("Authorization", "Bearer token");
            response r = co_await session.get(server.url("/same"), extra);
            EXPECT_EQ(co_await r.text(), "done");
        });
    ASSERT_EQ(log.size(), 3U);
    EXPECT_EQ(log[0].fields.get("Authorization"), "Bearer token");
    EXPECT_EQ(log[1].fields.get("Authorization"), "Bearer token") << "same host: kept";
    EXPECT_FALSE(log[2].fields.contains("Authorization")) << "another host: dropped";
    EXPECT_TRUE(log[2].fields.get("Host")->starts_with("localhost:"));
}

} // namespace
