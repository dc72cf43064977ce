// SPDX-License-Identifier: MIT
// Both HTTP clients, one suite: every scenario runs against client_session (async) and
// blocking_session through the adapters of client_adapters.hpp - framing on the wire, every error
// kind, timeouts, the malformed-response table, pooling, redirects, https and content decoding.
// The servers run on a thread of their own (server_thread), so one server script serves both.
// What only one client has (streaming, cancellation, concurrency; running without a loop) is
// tested in client_test.cpp and client_pool_test.cpp, and in blocking_client_test.cpp.
#include "client_adapters.hpp"

#include <corio/http/error.hpp>
#include <corio/net/tls_context.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/task.hpp>
#include <corio/runtime/version.hpp>

#include "compression.hpp"
#include "full_listener.hpp"
#include "http/content_decoder.hpp"
#include "malformed_responses.hpp"
#include "raw_http_server.hpp"
#include "server_thread.hpp"
#include "support/leak_check.hpp"
#include "threaded_server_support.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using corio::http::client_options;
using corio::http::error_kind;
using corio::net::tcp_stream;
using corio_test::answer_once;
using corio_test::echo_target;
using corio_test::fetched;
using corio_test::full_listener;
using corio_test::logging_site;
using corio_test::raw_http_server;
using corio_test::received_request;
using corio_test::server_thread;
using corio_test::stay_silent;

namespace {

using corio_test::bounded;
using corio_test::ok_until_closed;
using corio_test::signal;
using corio_test::with_server;

constexpr auto bound = corio_test::wait_bound;

// Serves one request per connection keep-alive style, then closes the connection behind the
// client's back and says so through `closed`.
raw_http_server::handler answer_then_close(signal& closed) {
    return [&closed](tcp_stream& stream, std::size_t) -> corio::task<> {
        corio_test::request_buffer buffer;
        if (std::optional<received_request> request =
                co_await corio_test::read_request(stream, buffer)) {
            co_await corio_test::write_text(stream,
                                            corio_test::response_text(200, request->method));
            stream.close();
            closed.release();
        }
    };
}

// An HTTP server on the port an https:// URL names: whatever arrives first (a TLS ClientHello),
// it answers 400 in plain HTTP, then waits for the client to close.
raw_http_server::handler plain_http_whatever_arrives() {
    return [](tcp_stream& stream, std::size_t) -> corio::task<> {
        std::array<std::byte, 4096> first{};
        const std::size_t received = co_await stream.read_some(first);
        if (received > 0) {
            co_await corio_test::write_text(stream, "HTTP/1.1 400 Bad Request\r\nContent-Length: "
                                                    "0\r\nConnection: close\r\n\r\n");
            (void)co_await corio_test::read_until_closed(stream);
        }
    };
}

// The error a failing request throws; fails the test if none.
using corio_test::failure_of;

std::string hex(std::size_t value) {
    std::string digits;
    do {
        digits.insert(digits.begin(), "0123456789abcdef"[value % 16]);
        value /= 16;
    } while (value > 0);
    return digits;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// An https failure as this build reports it: without TLS before any connection is made, with it
// when the handshake meets a server that does not speak TLS.
void expect_https_failure(const corio::http::tls_error& failure) {
    EXPECT_EQ(failure.kind(), error_kind::tls);
    if (corio::net::tls_context::available()) {
        EXPECT_TRUE(std::string_view(failure.what()).starts_with("handshake failure"))
            << failure.what();
    } else {
        EXPECT_STREQ(failure.what(), "TLS is not available in this build");
    }
}

// Unnamed types on purpose: ctest (CMake 3.25) names each case after its type,
// AnyHttpClient.X<corio_test::async_client>, and mangles names given by a name generator.
using both_clients = ::testing::Types<corio_test::async_client, corio_test::blocking_client>;

template <class Client>
class AnyHttpClient : public ::testing::Test {};
template <class Client>
class AnyHttpClientErrors : public ::testing::Test {};
template <class Client>
class AnyHttpClientPool : public ::testing::Test {};
template <class Client>
class AnyHttpClientRedirects : public ::testing::Test {};
template <class Client>
class AnyHttpClientDecoding : public ::testing::Test {};

TYPED_TEST_SUITE(AnyHttpClient, both_clients);
TYPED_TEST_SUITE(AnyHttpClientErrors, both_clients);
TYPED_TEST_SUITE(AnyHttpClientPool, both_clients);
TYPED_TEST_SUITE(AnyHttpClientRedirects, both_clients);
TYPED_TEST_SUITE(AnyHttpClientDecoding, both_clients);

// ---- framing on the wire ----

TYPED_TEST(AnyHttpClient, GetReturnsStatusFieldsAndAContentLengthBody) {
    with_server(corio_test::keep_alive_handler([](const received_request&) {
                    return corio_test::response_text(200, "hello", "X-Server: raw\r\n");
                }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    const fetched r = client.get(server.url("/greeting"));
                    EXPECT_EQ(r.status, 200);
                    EXPECT_EQ(r.reason, "OK");
                    EXPECT_EQ(r.version_minor, 1);
                    EXPECT_EQ(r.fields.get("x-server"), "raw");
                    EXPECT_EQ(r.final_url, server.url("/greeting"));
                    EXPECT_TRUE(r.history.empty());
                    EXPECT_EQ(r.body, "hello");
                });
}

TYPED_TEST(AnyHttpClient, TheRequestCarriesHostUserAgentAndTheBody) {
    std::vector<received_request> seen; // read after stop()
    with_server(corio_test::keep_alive_handler([&seen](const received_request& request) {
                    seen.push_back(request);
                    return corio_test::response_text(200, request.body);
                }),
                [](server_thread& server) {
                    {
                        client_options options = bounded();
                        options.default_headers.add("User-Agent", "suite/1");
                        options.default_headers.add("X-Default", "d");
                        TypeParam client{options};
                        EXPECT_EQ(client.post(server.url("/in"), "payload").body, "payload");
                        corio::http::headers extra;
                        extra.add("X-Default", "overridden");
                        extra.add("Accept-Encoding", "br");
                        (void)client.get(server.url("/out?q=1"), extra);
                    }
                    // One client at a time: an async_client's loop is its thread's only one.
                    client_options own_coding = bounded();
                    own_coding.default_headers.add("Accept-Encoding", "identity");
                    TypeParam client{own_coding};
                    (void)client.get(server.url("/own"));
                });
    ASSERT_EQ(seen.size(), 3U);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/in");
    EXPECT_EQ(seen[0].body, "payload");
    EXPECT_EQ(seen[0].fields.get("Content-Length"), "7");
    EXPECT_EQ(seen[0].fields.get("User-Agent"), "suite/1");
    EXPECT_TRUE(seen[0].fields.get("Host")->starts_with("127.0.0.1:"));
    // A session offers what it can decode - unless the caller names a coding itself.
    if (corio::http::detail::content_decoder::available()) {
        EXPECT_EQ(seen[0].fields.get_all("Accept-Encoding"),
                  (std::vector<std::string_view>{"gzip, deflate"}));
    } else {
        EXPECT_FALSE(seen[0].fields.contains("Accept-Encoding")) << "nothing to decode with";
    }
    EXPECT_EQ(seen[1].target, "/out?q=1");
    EXPECT_EQ(seen[1].fields.get("X-Default"), "overridden");
    EXPECT_EQ(seen[1].fields.get_all("Accept-Encoding"), (std::vector<std::string_view>{"br"}))
        << "a request's own Accept-Encoding replaces the session's";
    EXPECT_EQ(seen[2].fields.get_all("Accept-Encoding"),
              (std::vector<std::string_view>{"identity"}))
        << "so does one among the session's default headers";
}

TYPED_TEST(AnyHttpClient, TheDefaultUserAgentIsCorio) {
    std::string agent;
    with_server(corio_test::keep_alive_handler([&agent](const received_request& request) {
                    agent = std::string(request.fields.get("User-Agent").value_or(""));
                    return corio_test::response_text(204, "");
                }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    EXPECT_EQ(client.get(server.url()).status, 204);
                });
    EXPECT_EQ(agent, "corio/" CORIO_VERSION_STRING);
}

TYPED_TEST(AnyHttpClient, AnyMethodGoesThroughRequest) {
    std::vector<received_request> seen;
    with_server(corio_test::keep_alive_handler([&seen](const received_request& request) {
                    seen.push_back(request);
                    return corio_test::response_text(200, request.method);
                }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    EXPECT_EQ(client.request("PUT", server.url("/doc"), {}, "v2").body, "PUT");
                    EXPECT_EQ(client.request("DELETE", server.url("/doc")).body, "DELETE");
                });
    ASSERT_EQ(seen.size(), 2U);
    EXPECT_EQ(seen[0].body, "v2");
    EXPECT_FALSE(seen[1].fields.contains("Content-Length"));
}

TYPED_TEST(AnyHttpClient, ChunkedBodiesWithExtensionsAndTrailersAreDecoded) {
    with_server(corio_test::keep_alive_handler([](const received_request&) {
                    return std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       "5;ext=1\r\nhello\r\n6;name=\"quoted value\"\r\n world\r\n"
                                       "0\r\nX-Trailer: t\r\n\r\n");
                }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    for (int i = 0; i < 2; ++i) {
                        EXPECT_EQ(client.get(server.url()).body, "hello world");
                    }
                    EXPECT_EQ(client.connections_opened(), 1U) << "the chunked body ended cleanly";
                    server.stop();
                    EXPECT_EQ(server.accepted(), 1U);
                });
}

// RFC 9110 §5.6.1.2: empty list elements are ignored. And a response field line is bounded by
// the head limit only: long Set-Cookie or CSP lines are real.
TYPED_TEST(AnyHttpClient, EmptyListElementsAndLongFieldLinesAreAccepted) {
    const std::string long_value(20000, 'c');
    with_server(corio_test::keep_alive_handler([&long_value](const received_request&) {
                    return "HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked, \r\n"
                           "Connection: , close\r\nX-Long: " +
                           long_value + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
                }),
                [&long_value](server_thread& server) {
                    TypeParam client{bounded()};
                    const fetched r = client.get(server.url());
                    EXPECT_EQ(r.body, "hello");
                    EXPECT_EQ(r.fields.get("X-Long"), long_value);
                    EXPECT_EQ(client.idle_connections(), 0U) << "Connection: , close is close";
                });
}

TYPED_TEST(AnyHttpClient, ABodyWithoutLengthRunsUntilTheServerCloses) {
    with_server(
        answer_once("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it, then EOF"),
        [](server_thread& server) {
            TypeParam client{bounded()};
            for (int i = 0; i < 2; ++i) {
                EXPECT_EQ(client.get(server.url()).body, "all of it, then EOF");
                EXPECT_EQ(client.idle_connections(), 0U);
            }
            EXPECT_EQ(client.connections_opened(), 2U);
        });
}

TYPED_TEST(AnyHttpClient, HeadAndBodilessStatusesReadNoBody) {
    const std::vector<std::string> replies{
        // HEAD: the length describes the GET body, which is not sent.
        "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlast",
    };
    std::size_t next = 0;
    with_server(
        corio_test::keep_alive_handler([&](const received_request&) { return replies.at(next++); }),
        [](server_thread& server) {
            TypeParam client{bounded()};
            const fetched head = client.head(server.url());
            EXPECT_EQ(head.fields.get("Content-Length"), "1000");
            EXPECT_EQ(head.body, "");
            EXPECT_EQ(client.get(server.url()).status, 204);
            const fetched not_modified = client.get(server.url());
            EXPECT_EQ(not_modified.status, 304);
            EXPECT_EQ(not_modified.body, "");
            EXPECT_EQ(client.idle_connections(), 1U);
            EXPECT_EQ(client.get(server.url()).body, "last");
            server.stop();
            EXPECT_EQ(server.accepted(), 1U);
        });
}

TYPED_TEST(AnyHttpClient, InterimResponsesAreSkipped) {
    with_server(answer_once("HTTP/1.1 100 Continue\r\n\r\n"
                            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
                            true),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    const fetched r = client.get(server.url());
                    EXPECT_EQ(r.status, 200);
                    EXPECT_FALSE(r.fields.contains("Link"));
                    EXPECT_EQ(r.body, "final");
                });
}

TYPED_TEST(AnyHttpClient, Http10AndConnectionCloseResponsesAreNotPooled) {
    const std::vector<std::string> replies{
        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nv0",
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nv1",
    };
    std::size_t next = 0;
    with_server(
        [&](tcp_stream& stream, std::size_t) -> corio::task<> {
            corio_test::request_buffer buffer;
            if (co_await corio_test::read_request(stream, buffer)) {
                // Not inside the co_await: clang 16 (macOS) calls `next++` unsequenced there.
                std::string reply = replies.at(next++);
                co_await corio_test::write_text(stream, std::move(reply));
                (void)co_await corio_test::read_until_closed(stream);
            }
        },
        [](server_thread& server) {
            TypeParam client{bounded()};
            for (const char* expected : {"v0", "v1"}) {
                const fetched r = client.get(server.url());
                EXPECT_EQ(r.body, expected);
                EXPECT_EQ(client.idle_connections(), 0U);
            }
            EXPECT_EQ(client.connections_opened(), 2U);
        });
}

TYPED_TEST(AnyHttpClient, BinaryBodiesArriveIntact) {
    with_server(corio_test::keep_alive_handler([](const received_request&) {
                    return corio_test::response_text(200, std::string("\0\x01\xff", 3));
                }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    EXPECT_EQ(client.get(server.url()).body, std::string("\0\x01\xff", 3));
                });
}

// Bodies far bigger than one receive, or one send slice, in both directions and both framings.
TYPED_TEST(AnyHttpClient, LargeBodiesTravelWhole) {
    std::string big(3'000'000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<char>('a' + i % 26);
    }
    with_server(corio_test::keep_alive_handler([&big](const received_request& request) {
                    if (request.method == "POST") {
                        return corio_test::response_text(
                            200, std::to_string(request.body.size()) +
                                     (request.body == big ? " same" : " differs"));
                    }
                    if (request.target == "/chunked") {
                        std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
                        for (std::size_t at = 0; at < big.size(); at += 0x10000) {
                            const std::string piece = big.substr(at, 0x10000);
                            wire += hex(piece.size()) + "\r\n" + piece + "\r\n";
                        }
                        return wire + "0\r\n\r\n";
                    }
                    return corio_test::response_text(200, big);
                }),
                [&big](server_thread& server) {
                    TypeParam client{bounded()};
                    EXPECT_EQ(client.get(server.url("/plain")).body, big);
                    EXPECT_EQ(client.get(server.url("/chunked")).body, big);
                    EXPECT_EQ(client.post(server.url("/upload"), big).body, "3000000 same");
                    EXPECT_EQ(client.connections_opened(), 1U);
                });
}

// ---- every error kind ----

TYPED_TEST(AnyHttpClientErrors, AMalformedUrlIsAUsageError) {
    corio_test::leak_check check;
    TypeParam client{bounded()};
    for (const char* bad : {"not a url", "http://", "ftp://example.com/", "http://a b/"}) {
        try {
            (void)client.get(bad);
            ADD_FAILURE() << bad;
        } catch (const corio::http::invalid_url& failure) {
            EXPECT_EQ(failure.kind(), error_kind::usage);
            EXPECT_EQ(failure.url(), bad);
        }
    }
}

TYPED_TEST(AnyHttpClientErrors, AnInvalidHeaderIsAUsageErrorAndSendsNothing) {
    corio_test::leak_check check;
    TypeParam client{bounded()};
    corio::http::headers extra;
    extra.add("X-Bad", "line\r\nbreak");
    try {
        (void)client.get("http://127.0.0.1:1/", extra);
        ADD_FAILURE() << "expected an error";
    } catch (const corio::http::error& failure) {
        EXPECT_EQ(failure.kind(), error_kind::usage);
        EXPECT_EQ(failure.url(), "http://127.0.0.1:1/");
    }
    EXPECT_EQ(client.connections_opened(), 0U);
}

// The server speaks plain HTTP on the port an https:// URL names: with TLS the handshake fails on
// its answer; without TLS the request fails before connecting.
TYPED_TEST(AnyHttpClientErrors, HttpsToAServerThatDoesNotSpeakTlsIsATlsError) {
    with_server(plain_http_whatever_arrives(), [](server_thread& server) {
        const std::string target = "https://127.0.0.1:" + std::to_string(server.port()) + "/secure";
        {
            TypeParam client{bounded()};
            try {
                (void)client.get(target);
                ADD_FAILURE() << "expected tls_error";
            } catch (const corio::http::tls_error& failure) {
                EXPECT_EQ(failure.url(), target);
                expect_https_failure(failure);
            }
            EXPECT_EQ(client.idle_connections(), 0U);
        }
        server.stop();
        EXPECT_EQ(server.accepted(), corio::net::tls_context::available() ? 1U : 0U)
            << "a handshake was attempted exactly when TLS is available";
    });
}

TYPED_TEST(AnyHttpClientErrors, AnUnknownHostIsAResolveError) {
    corio_test::leak_check check;
    TypeParam client{bounded()};
    try {
        (void)client.get("http://no-such-host.invalid/x");
        ADD_FAILURE() << "expected resolve_error";
    } catch (const corio::http::resolve_error& failure) {
        EXPECT_EQ(failure.kind(), error_kind::resolve);
        EXPECT_EQ(failure.url(), "http://no-such-host.invalid/x");
        EXPECT_TRUE(contains(failure.what(), "no-such-host.invalid")) << failure.what();
    }
}

TYPED_TEST(AnyHttpClientErrors, ARefusedConnectionIsAConnectErrorWithTheSystemsReason) {
    corio_test::leak_check check;
    const std::uint16_t port = corio_test::closed_loopback_port();
    TypeParam client{bounded()};
    const std::string target = "http://127.0.0.1:" + std::to_string(port) + "/";
    try {
        (void)client.get(target);
        ADD_FAILURE() << "expected connect_error";
    } catch (const corio::http::connect_error& failure) {
        EXPECT_EQ(failure.kind(), error_kind::connect);
        EXPECT_EQ(failure.url(), target);
        EXPECT_TRUE(contains(failure.what(), "refused")) << failure.what();
    }
}

TYPED_TEST(AnyHttpClientErrors, AConnectThatHangsHitsTheConnectTimeout) {
    corio_test::leak_check check;
    full_listener listener;
    ASSERT_TRUE(listener.fill()) << "the accept queue never filled up";
    client_options options = bounded();
    options.timeouts.connect = 100ms;
    TypeParam client{options};
    const std::string target = "http://" + listener.where.to_string() + "/";
    const auto started = std::chrono::steady_clock::now();
    try {
        (void)client.get(target);
        ADD_FAILURE() << "expected timeout_error";
    } catch (const corio::http::timeout_error& failure) {
        EXPECT_EQ(failure.url(), target);
        EXPECT_TRUE(contains(failure.what(), "connect timeout (100ms)")) << failure.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TYPED_TEST(AnyHttpClientErrors, AHangingConnectAlsoCountsAgainstTheTotalTimeout) {
    corio_test::leak_check check;
    full_listener listener;
    ASSERT_TRUE(listener.fill()) << "the accept queue never filled up";
    client_options options;
    options.timeouts.total = 150ms;
    options.timeouts.connect = 10s;
    TypeParam client{options};
    try {
        (void)client.get("http://" + listener.where.to_string() + "/");
        ADD_FAILURE() << "expected timeout_error";
    } catch (const corio::http::timeout_error& failure) {
        EXPECT_TRUE(contains(failure.what(), "total timeout (150ms) expired while connecting to"))
            << failure.what();
    }
}

TYPED_TEST(AnyHttpClientErrors, ASilentServerHitsTheReadTimeout) {
    with_server(stay_silent(), [](server_thread& server) {
        client_options options = bounded();
        options.timeouts.read = 100ms;
        TypeParam client{options};
        const std::optional<corio::http::error> failure = failure_of(client, server.url("/slow"));
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->kind(), error_kind::timeout);
        EXPECT_EQ(failure->url(), server.url("/slow"));
        EXPECT_TRUE(contains(failure->what(), "read timeout (100ms)")) << failure->what();
        EXPECT_TRUE(contains(failure->what(), "response head")) << failure->what();
    });
}

TYPED_TEST(AnyHttpClientErrors, AStalledBodyHitsTheReadTimeout) {
    with_server(answer_once("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", true),
                [](server_thread& server) {
                    client_options options = bounded();
                    options.timeouts.read = 100ms;
                    TypeParam client{options};
                    const std::optional<corio::http::error> failure =
                        failure_of(client, server.url());
                    ASSERT_TRUE(failure);
                    EXPECT_EQ(failure->kind(), error_kind::timeout);
                    EXPECT_EQ(failure->url(), server.url());
                    EXPECT_TRUE(contains(failure->what(), "read timeout")) << failure->what();
                    EXPECT_TRUE(contains(failure->what(), "body")) << failure->what();
                    EXPECT_EQ(client.idle_connections(), 0U);
                });
}

TYPED_TEST(AnyHttpClientErrors, TheTotalTimeoutCoversTheHeadAndTheBody) {
    with_server(stay_silent(), [](server_thread& server) {
        client_options options;
        options.timeouts.total = 150ms;
        options.timeouts.read = std::nullopt;
        TypeParam client{options};
        const std::optional<corio::http::error> failure = failure_of(client, server.url());
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->kind(), error_kind::timeout);
        EXPECT_TRUE(contains(failure->what(), "total timeout (150ms)")) << failure->what();
    });
    with_server(
        answer_once("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", true),
        [](server_thread& server) {
            client_options options;
            options.timeouts.total = 150ms;
            options.timeouts.read = 10s;
            TypeParam client{options};
            const std::optional<corio::http::error> failure = failure_of(client, server.url());
            ASSERT_TRUE(failure);
            EXPECT_EQ(failure->kind(), error_kind::timeout);
            EXPECT_TRUE(contains(failure->what(), "total timeout")) << failure->what();
            EXPECT_TRUE(contains(failure->what(), "body")) << failure->what();
        });
}

// The table of malformed_responses.hpp, case by case (typed and value-parameterized tests do
// not combine, so the cases are a loop here).
TYPED_TEST(AnyHttpClientErrors, EveryMalformedResponseIsReportedWithTheRightKindAndTheUrl) {
    for (const corio_test::malformed_case& each : corio_test::malformed_responses()) {
        SCOPED_TRACE(each.name);
        with_server(answer_once(each.wire), [&each](server_thread& server) {
            TypeParam client{corio_test::malformed_case_limits(bounded())};
            const std::optional<corio::http::error> failure =
                failure_of(client, server.url("/bad"));
            ASSERT_TRUE(failure);
            EXPECT_EQ(failure->kind(), each.kind) << failure->what();
            EXPECT_EQ(failure->url(), server.url("/bad"));
            EXPECT_EQ(client.idle_connections(), 0U);
        });
    }
}

TYPED_TEST(AnyHttpClientErrors, ClosingMidBodySaysHowMuchArrived) {
    with_server(
        answer_once("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), [](server_thread& server) {
            TypeParam client{bounded()};
            const std::optional<corio::http::error> failure = failure_of(client, server.url());
            ASSERT_TRUE(failure);
            EXPECT_EQ(failure->kind(), error_kind::closed);
            EXPECT_TRUE(contains(failure->what(), "after 3 of 10 body bytes")) << failure->what();
        });
}

TYPED_TEST(AnyHttpClientErrors, AFreshConnectionClosedBeforeAnsweringIsNotRetried) {
    with_server(answer_once(""), [](server_thread& server) {
        TypeParam client{bounded()};
        const std::optional<corio::http::error> failure = failure_of(client, server.url());
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->kind(), error_kind::closed);
        server.stop();
        EXPECT_EQ(server.accepted(), 1U);
    });
}

// The request and the first read of its response go as one round trip
// (byte_stream::send_then_read); which half failed must still show in the error.
TYPED_TEST(AnyHttpClientErrors, AServerThatResetsAfterTheRequestFailsWhileWaitingForTheHead) {
    const raw_http_server::handler reset_after_request = [](tcp_stream& stream,
                                                            std::size_t) -> corio::task<> {
        corio_test::request_buffer buffer;
        if (co_await corio_test::read_request(stream, buffer)) {
            stream.set_linger(std::chrono::seconds(0));
            stream.close(); // a reset, not a FIN
        }
    };
    with_server(reset_after_request, [](server_thread& server) {
        TypeParam client{bounded()};
        const std::optional<corio::http::error> failure = failure_of(client, server.url("/r"));
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->kind(), error_kind::closed);
        EXPECT_EQ(failure->url(), server.url("/r"));
        // A reset names the half it hit; Winsock (under Wine, for the blocking client) may report
        // the same close as an end of stream, which says that no response byte came: the same half.
        const std::string_view what = failure->what();
        EXPECT_TRUE(contains(what, "waiting for the response head") ||
                    contains(what, "closed before any response byte arrived"))
            << what;
        EXPECT_FALSE(contains(what, "sending")) << what;
    });
}

TYPED_TEST(AnyHttpClientErrors, AServerThatResetsDuringALargeUploadFailsWhileSending) {
    const raw_http_server::handler reset_mid_upload = [](tcp_stream& stream,
                                                         std::size_t) -> corio::task<> {
        std::array<std::byte, 1024> some{};
        (void)co_await stream.read_some(some);
        stream.set_linger(std::chrono::seconds(0));
        stream.close(); // most of the body is still to come
    };
    with_server(reset_mid_upload, [](server_thread& server) {
        TypeParam client{bounded()};
        const std::string body(32 << 20, 'u'); // far more than the socket buffers hold
        try {
            (void)client.post(server.url("/upload"), body);
            ADD_FAILURE() << "the upload should have failed";
        } catch (const corio::http::connection_closed_error& failure) {
            EXPECT_EQ(failure.url(), server.url("/upload"));
            EXPECT_TRUE(contains(failure.what(), "sending the request")) << failure.what();
        }
    });
}

TYPED_TEST(AnyHttpClientErrors, AMovedFromSessionRefusesRequests) {
    corio_test::leak_check check;
    TypeParam client{bounded()};
    typename TypeParam::session_type moved_to = std::move(client.session());
    EXPECT_THROW((void)client.get("http://127.0.0.1:1/"), corio::usage_error);
    EXPECT_EQ(client.connections_opened(), 0U);
    EXPECT_EQ(client.idle_connections(), 0U);
    client.close(); // harmless
}

TYPED_TEST(AnyHttpClientErrors, ZeroConnectionsPerHostIsRejected) {
    corio_test::leak_check check;
    client_options options;
    options.max_connections_per_host = 0;
    EXPECT_THROW(TypeParam{options}, std::invalid_argument);
}

// ---- the pool ----

TYPED_TEST(AnyHttpClientPool, SequentialRequestsShareOneConnection) {
    with_server(echo_target(), [](server_thread& server) {
        TypeParam client{bounded()};
        for (const char* path : {"/1", "/2", "/3"}) {
            EXPECT_EQ(client.get(server.url(path)).body, path);
            EXPECT_EQ(client.idle_connections(), 1U);
        }
        EXPECT_EQ(server.accepted(), 1U);
        EXPECT_EQ(client.connections_opened(), 1U);
    });
}

TYPED_TEST(AnyHttpClientPool, ConnectionsAreKeptPerOrigin) {
    corio_test::leak_check check;
    server_thread first{echo_target()};
    server_thread second{echo_target()};
    {
        TypeParam client{bounded()};
        EXPECT_EQ(client.get(first.url("/a")).body, "/a");
        EXPECT_EQ(client.get(second.url("/b")).body, "/b");
        EXPECT_EQ(client.idle_connections(), 2U);
        EXPECT_EQ(client.get(first.url("/c")).body, "/c");
        EXPECT_EQ(client.get(second.url("/d")).body, "/d");
        EXPECT_EQ(client.connections_opened(), 2U);
    }
    first.stop();
    second.stop();
    EXPECT_EQ(first.accepted(), 1U);
    EXPECT_EQ(second.accepted(), 1U);
}

TYPED_TEST(AnyHttpClientPool, ResponsesOfEverySizeAlternateOnOneConnection) {
    // A pooled connection keeps its receive buffer: a small response read after a large one (a
    // buffer grown past what an idle connection keeps) and a large one after a small one must
    // arrive whole, and nothing of one may leak into the next.
    with_server(corio_test::keep_alive_handler([](const received_request& request) {
                    const std::size_t size = request.target == "/big" ? 300'000 : 10;
                    const char fill = request.target == "/big" ? 'b' : 's';
                    return corio_test::response_text(200, std::string(size, fill));
                }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    for (const char* path : {"/big", "/small", "/small", "/big", "/small"}) {
                        const std::string body = client.get(server.url(path)).body;
                        const bool big = std::string_view(path) == "/big";
                        EXPECT_EQ(body, std::string(big ? 300'000 : 10, big ? 'b' : 's')) << path;
                    }
                    EXPECT_EQ(server.accepted(), 1U);
                });
}

TYPED_TEST(AnyHttpClientPool, RepeatedUrlsKeepTheirOwnMethodFieldsAndBody) {
    // The session caches per-URL work; each request must still send exactly what it was given.
    std::vector<received_request> seen;
    with_server(corio_test::keep_alive_handler([&seen](const received_request& request) {
                    seen.push_back(request);
                    // A HEAD response announces a length but sends no body.
                    return request.method == "HEAD"
                               ? std::string("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n")
                               : corio_test::response_text(200, request.method);
                }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    const std::string url = server.url("/same");
                    EXPECT_EQ(client.get(url).body, "GET");
                    corio::http::headers extra;
                    extra.add("X-Once", "1");
                    EXPECT_EQ(client.get(url, extra).body, "GET");
                    EXPECT_EQ(client.request("HEAD", url).status, 200);
                    EXPECT_EQ(client.post(url, "payload").body, "POST");
                    EXPECT_EQ(client.get(url).body, "GET");
                    EXPECT_EQ(server.accepted(), 1U);
                });
    ASSERT_EQ(seen.size(), 5U);
    EXPECT_FALSE(seen[0].fields.contains("X-Once"));
    EXPECT_EQ(seen[1].fields.get("X-Once"), "1");
    EXPECT_EQ(seen[2].method, "HEAD");
    EXPECT_EQ(seen[3].method, "POST");
    EXPECT_EQ(seen[3].body, "payload");
    EXPECT_EQ(seen[4].method, "GET");
    EXPECT_FALSE(seen[4].fields.contains("X-Once")) << "one request's fields must not stick";
    EXPECT_TRUE(seen[4].body.empty());
}

TYPED_TEST(AnyHttpClientPool, AnIdempotentRequestOnAStaleConnectionIsRetriedOnce) {
    signal closed{0};
    with_server(answer_then_close(closed), [&closed](server_thread& server) {
        TypeParam client{bounded()};
        EXPECT_EQ(client.get(server.url()).body, "GET");
        EXPECT_EQ(client.idle_connections(), 1U) << "pooled: the response allowed keep-alive";
        ASSERT_TRUE(closed.try_acquire_for(bound));
        EXPECT_EQ(client.get(server.url()).body, "GET");
        EXPECT_EQ(client.connections_opened(), 2U);
        server.stop();
        EXPECT_EQ(server.accepted(), 2U);
    });
}

TYPED_TEST(AnyHttpClientPool, APostOnAStaleConnectionIsNotRetried) {
    signal closed{0};
    with_server(answer_then_close(closed), [&closed](server_thread& server) {
        TypeParam client{bounded()};
        EXPECT_EQ(client.get(server.url()).body, "GET");
        ASSERT_TRUE(closed.try_acquire_for(bound));
        try {
            (void)client.post(server.url("/order"), "one book");
            ADD_FAILURE() << "a POST must not be sent twice";
        } catch (const corio::http::connection_closed_error& failure) {
            EXPECT_EQ(failure.url(), server.url("/order"));
        }
        EXPECT_EQ(client.connections_opened(), 1U);
        server.stop();
        EXPECT_EQ(server.accepted(), 1U);
    });
}

// How the pool notices differs (the async one has a timer, the blocking one looks at checkout:
// see their own tests); that an expired connection is closed and never reused does not.
TYPED_TEST(AnyHttpClientPool, AnExpiredIdleConnectionIsClosedAndNeverReused) {
    signal client_closed{0};
    with_server(ok_until_closed(client_closed), [&client_closed](server_thread& server) {
        client_options options = bounded();
        options.pool_idle_timeout = 50ms;
        TypeParam client{options};
        EXPECT_EQ(client.get(server.url()).body, "ok");
        EXPECT_EQ(client.get(server.url()).body, "ok") << "reused while fresh";
        EXPECT_EQ(client.connections_opened(), 1U);
        client.pause(100ms);
        EXPECT_EQ(client.get(server.url()).body, "ok");
        EXPECT_TRUE(client_closed.try_acquire_for(bound)) << "the expired connection was closed";
        EXPECT_EQ(client.connections_opened(), 2U);
        server.stop();
        EXPECT_EQ(server.accepted(), 2U);
    });
}

TYPED_TEST(AnyHttpClientPool, CloseShutsIdleConnectionsNow) {
    signal client_closed{0};
    with_server(ok_until_closed(client_closed), [&client_closed](server_thread& server) {
        TypeParam client{bounded()};
        EXPECT_EQ(client.get(server.url()).body, "ok");
        client.close();
        EXPECT_EQ(client.idle_connections(), 0U);
        EXPECT_TRUE(client_closed.try_acquire_for(bound));
        EXPECT_EQ(client.get(server.url()).body, "ok") << "still usable";
    });
}

TYPED_TEST(AnyHttpClientPool, DestroyingTheSessionClosesItsConnections) {
    using session_type = typename TypeParam::session_type;
    signal client_closed{0};
    with_server(ok_until_closed(client_closed), [&client_closed](server_thread& server) {
        {
            TypeParam client{bounded()};
            EXPECT_EQ(client.get(server.url()).body, "ok");
            session_type first = std::move(client.session());
            client.session() = session_type{bounded()}; // into a moved-from one: closes nothing
            EXPECT_EQ(client.get(server.url()).body, "ok");
            client.session() = std::move(first); // closes the second session's own connection
            EXPECT_TRUE(client_closed.try_acquire_for(bound));
            EXPECT_EQ(client.idle_connections(), 1U) << "the first session's, moved in";
        }
        EXPECT_TRUE(client_closed.try_acquire_for(bound));
    });
}

// ---- redirects ----

TYPED_TEST(AnyHttpClientRedirects, RelativeLocationsAreFollowedAndRecorded) {
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
        [](server_thread& server) {
            TypeParam client{bounded()};
            const fetched r = client.get(server.url("/a/start"));
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(r.body, "arrived");
            EXPECT_EQ(r.final_url, server.url("/final"));
            EXPECT_EQ(r.history,
                      (std::vector<std::string>{server.url("/a/start"), server.url("/a/next")}));
            EXPECT_EQ(client.connections_opened(), 1U)
                << "the redirects' bodies were drained, keeping the connection";
        });
    EXPECT_EQ(log.size(), 3U);
}

TYPED_TEST(AnyHttpClientRedirects, AHopDoesNotReuseAConnectionThatExpiredMeanwhile) {
    // The pool is looked at when the hop is made, long after the request began: a connection
    // that expired in between must not be handed out (the blocking client has no timer to close
    // it first; the async one has, and must agree).
    signal target_closed{0};
    with_server(ok_until_closed(target_closed), [&target_closed](server_thread& target) {
        const std::string location = target.url("/");
        server_thread slow{[location](tcp_stream& stream, std::size_t) -> corio::task<> {
            corio_test::request_buffer buffer;
            if (co_await corio_test::read_request(stream, buffer)) {
                co_await corio::sleep_for(300ms); // the target's pooled connection expires
                co_await corio_test::write_text(
                    stream, corio_test::response_text(302, "", "Location: " + location + "\r\n"));
            }
        }};
        {
            client_options options = bounded();
            options.pool_idle_timeout = 100ms;
            TypeParam client{options};
            EXPECT_EQ(client.get(location).body, "ok");
            const fetched r = client.get(slow.url("/redirect"));
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(r.body, "ok");
            EXPECT_TRUE(target_closed.try_acquire_for(bound)) << "the expired one was closed";
            EXPECT_EQ(target.accepted(), 2U) << "the hop must open a fresh connection";
        }
        slow.stop();
    });
}

TYPED_TEST(AnyHttpClientRedirects, SeeOtherTurnsAPostIntoAGet) {
    std::vector<received_request> log;
    with_server(logging_site(log,
                             [](const received_request& request) {
                                 if (request.method == "POST") {
                                     return corio_test::response_text(303, "",
                                                                      "Location: /result\r\n");
                                 }
                                 return corio_test::response_text(200, "result");
                             }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    corio::http::headers extra;
                    extra.add("Content-Type", "application/x-www-form-urlencoded");
                    EXPECT_EQ(client.post(server.url("/form"), "a=1", extra).body, "result");
                });
    ASSERT_EQ(log.size(), 2U);
    EXPECT_EQ(log[1].method, "GET");
    EXPECT_EQ(log[1].target, "/result");
    EXPECT_TRUE(log[1].body.empty());
    EXPECT_FALSE(log[1].fields.contains("Content-Type"));
    EXPECT_FALSE(log[1].fields.contains("Content-Length"));
}

TYPED_TEST(AnyHttpClientRedirects, TemporaryRedirectKeepsThePostBody) {
    std::vector<received_request> log;
    with_server(
        logging_site(log,
                     [](const received_request& request) {
                         if (request.target == "/old") {
                             return corio_test::response_text(307, "", "Location: /new\r\n");
                         }
                         return corio_test::response_text(201, request.method + ":" + request.body);
                     }),
        [](server_thread& server) {
            TypeParam client{bounded()};
            const fetched r = client.post(server.url("/old"), "the payload");
            EXPECT_EQ(r.status, 201);
            EXPECT_EQ(r.body, "POST:the payload");
        });
    ASSERT_EQ(log.size(), 2U);
    EXPECT_EQ(log[1].fields.get("Content-Length"), "11");
}

TYPED_TEST(AnyHttpClientRedirects, ABrokenOrHugeRedirectBodyDoesNotStopTheChain) {
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
        [](server_thread& server) {
            TypeParam client{bounded()};
            const fetched r = client.get(server.url("/cut"));
            EXPECT_EQ(r.body, "made it");
            EXPECT_EQ(r.history.size(), 2U);
            EXPECT_EQ(client.connections_opened(), 3U)
                << "neither redirect's connection could be reused";
        });
}

TYPED_TEST(AnyHttpClientRedirects, ALoopIsARedirectErrorNamingTheChain) {
    std::vector<received_request> log;
    with_server(logging_site(log,
                             [](const received_request& request) {
                                 return corio_test::response_text(302, "",
                                                                  request.target == "/ping"
                                                                      ? "Location: /pong\r\n"
                                                                      : "Location: /ping\r\n");
                             }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    try {
                        (void)client.get(server.url("/ping"));
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

TYPED_TEST(AnyHttpClientRedirects, TheLimitStopsAnEndlessChain) {
    std::vector<received_request> log;
    with_server(logging_site(log,
                             [](const received_request& request) {
                                 const int step = std::stoi(request.target.substr(3));
                                 return corio_test::response_text(
                                     302, "", "Location: /r/" + std::to_string(step + 1) + "\r\n");
                             }),
                [](server_thread& server) {
                    client_options options = bounded();
                    options.max_redirects = 3;
                    TypeParam client{options};
                    try {
                        (void)client.get(server.url("/r/0"));
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

TYPED_TEST(AnyHttpClientRedirects, ErrorsAfterARedirectCarryTheRedirectedUrl) {
    std::vector<received_request> log;
    with_server(logging_site(log,
                             [](const received_request& request) -> std::string {
                                 if (request.target == "/start") {
                                     return corio_test::response_text(302, "",
                                                                      "Location: /broken\r\n");
                                 }
                                 return "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n";
                             }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    try {
                        (void)client.get(server.url("/start"));
                        ADD_FAILURE() << "expected protocol_error";
                    } catch (const corio::http::protocol_error& failure) {
                        EXPECT_EQ(failure.url(), server.url("/broken"));
                    }
                });
}

TYPED_TEST(AnyHttpClientRedirects, ARedirectToHttpsOnAServerThatDoesNotSpeakTlsIsATlsError) {
    with_server(plain_http_whatever_arrives(), [](server_thread& plain) {
        const std::string secure = "https://127.0.0.1:" + std::to_string(plain.port()) + "/secure";
        std::vector<received_request> log;
        {
            server_thread redirector{logging_site(log, [secure](const received_request&) {
                return corio_test::response_text(301, "", "Location: " + secure + "\r\n");
            })};
            {
                TypeParam client{bounded()};
                try {
                    (void)client.get(redirector.url("/"));
                    ADD_FAILURE() << "expected tls_error";
                } catch (const corio::http::tls_error& failure) {
                    EXPECT_EQ(failure.url(), secure);
                    expect_https_failure(failure);
                }
            }
            redirector.stop();
        }
        EXPECT_EQ(log.size(), 1U);
        plain.stop();
        EXPECT_EQ(plain.accepted(), corio::net::tls_context::available() ? 1U : 0U);
    });
}

TYPED_TEST(AnyHttpClientRedirects, AuthorizationIsDroppedWhenTheHostChanges) {
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
        [](server_thread& server) {
            TypeParam client{bounded()};
            corio::http::headers extra;
            extra.add("Authorization", "Bearer token");
            EXPECT_EQ(client.get(server.url("/same"), extra).body, "done");
        });
    ASSERT_EQ(log.size(), 3U);
    EXPECT_EQ(log[0].fields.get("Authorization"), "Bearer token");
    EXPECT_EQ(log[1].fields.get("Authorization"), "Bearer token") << "same host: kept";
    EXPECT_FALSE(log[2].fields.contains("Authorization")) << "another host: dropped";
    EXPECT_TRUE(log[2].fields.get("Host")->starts_with("localhost:"));
}

// ---- content decoding ----

#define SKIP_WITHOUT_ZLIB()                                                                        \
    if (!corio_test::compression_available()) {                                                    \
        GTEST_SKIP() << "built without zlib: the client neither offers nor decodes compression";   \
    }

// A response whose body is `encoded`, sent with Content-Encoding `coding`.
std::string encoded_response(std::string_view coding, std::string_view encoded) {
    return corio_test::response_text(200, encoded,
                                     "Content-Encoding: " + std::string(coding) + "\r\n");
}

TYPED_TEST(AnyHttpClientDecoding, AGzipBodyIsDecodedAndItsFieldsStillSaySo) {
    SKIP_WITHOUT_ZLIB();
    // Bigger than one receive and than one decoded piece: it arrives, and decodes, in parts.
    const std::string original = corio_test::varied_text(300'000);
    const std::string encoded = corio_test::compress(original, corio_test::compressed_format::gzip);
    std::vector<received_request> log;
    with_server(
        logging_site(
            log, [&encoded](const received_request&) { return encoded_response("gzip", encoded); }),
        [&](server_thread& server) {
            TypeParam client{bounded()};
            for (int i = 0; i < 2; ++i) {
                const fetched r = client.get(server.url("/text"));
                EXPECT_EQ(r.body, original);
                EXPECT_EQ(r.fields.get("Content-Encoding"), "gzip");
                EXPECT_EQ(r.fields.get("Content-Length"), std::to_string(encoded.size()))
                    << "the fields say what was sent";
            }
            EXPECT_EQ(client.connections_opened(), 1U) << "the decoded body ended cleanly";
        });
    ASSERT_EQ(log.size(), 2U);
    EXPECT_EQ(log[0].fields.get("Accept-Encoding"), "gzip, deflate");
}

TYPED_TEST(AnyHttpClientDecoding, ZlibAndRawDeflateBodiesAreDecoded) {
    SKIP_WITHOUT_ZLIB();
    const std::string original = corio_test::varied_text(50'000);
    const std::string zlib = corio_test::compress(original, corio_test::compressed_format::zlib);
    const std::string raw =
        corio_test::compress(original, corio_test::compressed_format::raw_deflate);
    with_server(corio_test::keep_alive_handler([&](const received_request& request) {
                    return encoded_response("deflate", request.target == "/raw" ? raw : zlib);
                }),
                [&original](server_thread& server) {
                    TypeParam client{bounded()};
                    EXPECT_EQ(client.get(server.url("/zlib")).body, original);
                    EXPECT_EQ(client.get(server.url("/raw")).body, original);
                });
}

TYPED_TEST(AnyHttpClientDecoding, AChunkedGzipBodyIsDecoded) {
    SKIP_WITHOUT_ZLIB();
    const std::string original = corio_test::varied_text(100'000);
    const std::string encoded = corio_test::compress(original, corio_test::compressed_format::gzip);
    std::string wire =
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n";
    // Small chunks of uneven size, so that chunk and deflate block boundaries never line up.
    for (std::size_t at = 0, size = 1; at < encoded.size(); at += size, size = size * 3 % 4099) {
        const std::string piece = encoded.substr(at, size);
        wire += hex(piece.size()) + "\r\n" + piece + "\r\n";
    }
    wire += "0\r\n\r\n";
    with_server(corio_test::keep_alive_handler([&wire](const received_request&) { return wire; }),
                [&original](server_thread& server) {
                    TypeParam client{bounded()};
                    EXPECT_EQ(client.get(server.url()).body, original);
                    EXPECT_EQ(client.idle_connections(), 1U);
                });
}

TYPED_TEST(AnyHttpClientDecoding, KeepEncodedDeliversTheBytesAsTheyCame) {
    SKIP_WITHOUT_ZLIB();
    const std::string encoded =
        corio_test::compress(corio_test::varied_text(10'000), corio_test::compressed_format::gzip);
    std::vector<received_request> log;
    with_server(
        logging_site(
            log, [&encoded](const received_request&) { return encoded_response("gzip", encoded); }),
        [&encoded](server_thread& server) {
            client_options options = bounded();
            options.decoding = corio::http::content_decoding::keep_encoded;
            TypeParam client{options};
            const fetched r = client.get(server.url("/file.gz"));
            EXPECT_EQ(r.body, encoded);
            EXPECT_EQ(r.fields.get("Content-Encoding"), "gzip");
        });
    ASSERT_EQ(log.size(), 1U);
    EXPECT_EQ(log[0].fields.get("Accept-Encoding"), "gzip, deflate") << "offered all the same";
}

TYPED_TEST(AnyHttpClientDecoding, ABodyInACodingNobodyOfferedIsDeliveredAsItCame) {
    with_server(corio_test::keep_alive_handler([](const received_request&) {
                    return encoded_response("br", "not really brotli");
                }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    const fetched r = client.get(server.url());
                    EXPECT_EQ(r.body, "not really brotli");
                    EXPECT_EQ(r.fields.get("Content-Encoding"), "br");
                });
}

TYPED_TEST(AnyHttpClientDecoding, HeadAndEmptyGzipResponsesHaveNothingToDecode) {
    SKIP_WITHOUT_ZLIB();
    with_server(corio_test::keep_alive_handler([](const received_request& request) {
                    // HEAD: the length and coding describe the GET body, which is not sent.
                    return request.method == "HEAD"
                               ? std::string("HTTP/1.1 200 OK\r\nContent-Encoding: "
                                             "gzip\r\nContent-Length: 30\r\n\r\n")
                               : encoded_response("gzip", "");
                }),
                [](server_thread& server) {
                    TypeParam client{bounded()};
                    EXPECT_EQ(client.head(server.url()).body, "");
                    EXPECT_EQ(client.get(server.url()).body, "");
                    EXPECT_EQ(client.connections_opened(), 1U);
                });
}

// 100 MB of zeros in about 100 KB: far under a 1 MB limit as sent, far over it decoded. Made
// once for both clients.
const std::string& decompression_bomb() {
    static const std::string bomb = corio_test::gzip_of_zeros(100 * 1024 * 1024);
    return bomb;
}

TYPED_TEST(AnyHttpClientDecoding, ADecompressionBombIsTooLargeQuickly) {
    SKIP_WITHOUT_ZLIB();
    const std::string& bomb = decompression_bomb();
    ASSERT_LT(bomb.size(), 200U * 1024);
    with_server(answer_once(encoded_response("gzip", bomb)), [](server_thread& server) {
        client_options options = bounded();
        options.limits.max_body_bytes = 1024 * 1024;
        TypeParam client{options};
        const auto started = std::chrono::steady_clock::now();
        const std::optional<corio::http::error> failure = failure_of(client, server.url("/bomb"));
        const auto elapsed = std::chrono::steady_clock::now() - started;
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->kind(), error_kind::too_large) << failure->what();
        EXPECT_EQ(failure->url(), server.url("/bomb"));
        EXPECT_TRUE(contains(failure->what(), "decoded")) << failure->what();
        EXPECT_LT(elapsed, 2s) << "stopped at the limit, not after inflating everything";
        EXPECT_EQ(client.idle_connections(), 0U);
    });
}

TYPED_TEST(AnyHttpClientDecoding, ACorruptGzipBodyIsAProtocolError) {
    SKIP_WITHOUT_ZLIB();
    std::string corrupt =
        corio_test::compress(corio_test::varied_text(10'000), corio_test::compressed_format::gzip);
    for (std::size_t at = corrupt.size() / 2; at < corrupt.size(); at += 7) {
        corrupt[at] = static_cast<char>(corrupt[at] ^ 0x5a);
    }
    with_server(answer_once(encoded_response("gzip", corrupt)), [](server_thread& server) {
        TypeParam client{bounded()};
        const std::optional<corio::http::error> failure = failure_of(client, server.url("/bad"));
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->kind(), error_kind::protocol) << failure->what();
        EXPECT_EQ(failure->url(), server.url("/bad"));
        EXPECT_TRUE(contains(failure->what(), "corrupt gzip response body")) << failure->what();
        EXPECT_EQ(client.idle_connections(), 0U);
    });
}

TYPED_TEST(AnyHttpClientDecoding, AGzipBodyThatEndsMidStreamIsAProtocolError) {
    SKIP_WITHOUT_ZLIB();
    // The framing is intact (the length matches what is sent); the compressed stream is not.
    const std::string encoded =
        corio_test::compress(corio_test::varied_text(10'000), corio_test::compressed_format::gzip);
    const std::string cut = encoded.substr(0, encoded.size() - 20);
    with_server(answer_once(encoded_response("gzip", cut)), [](server_thread& server) {
        TypeParam client{bounded()};
        const std::optional<corio::http::error> failure = failure_of(client, server.url());
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->kind(), error_kind::protocol) << failure->what();
        EXPECT_TRUE(contains(failure->what(), "truncated")) << failure->what();
    });
}

// A raw deflate body whose last input zlib takes in while output is still pending is whole
// (see ContentDecoder.ARawDeflateBodyWhoseOutputOutlastsItsInputIsWhole): "x" and 16 KB of zeros.
TYPED_TEST(AnyHttpClientDecoding, AWholeRawDeflateBodyIsNotTruncated) {
    SKIP_WITHOUT_ZLIB();
    std::string original(16 * 1024 + 1, '\0');
    original[0] = 'x';
    const std::string raw =
        corio_test::compress(original, corio_test::compressed_format::raw_deflate);
    with_server(answer_once(encoded_response("deflate", raw)), [&original](server_thread& server) {
        TypeParam client{bounded()};
        try {
            EXPECT_EQ(client.get(server.url()).body, original);
        } catch (const corio::http::error& failure) {
            ADD_FAILURE() << failure.what();
        }
    });
}

// A 206 carries a range of the representation, and Content-Encoding is part of the
// representation (RFC 9110 §8.4, §14), so a range of a gzip file cannot be decoded on its own: it
// is delivered as received. (A session sends "Accept-Encoding: gzip, deflate" with a Range request
// too, so a server may well answer this way.)
TYPED_TEST(AnyHttpClientDecoding, ARangeOfAGzipRepresentationIsDeliveredAsReceived) {
    SKIP_WITHOUT_ZLIB();
    const std::string encoded =
        corio_test::compress(corio_test::varied_text(10'000), corio_test::compressed_format::gzip);
    const std::string range = encoded.substr(100);
    const std::string fields = "Content-Encoding: gzip\r\nContent-Range: bytes 100-" +
                               std::to_string(encoded.size() - 1) + "/" +
                               std::to_string(encoded.size()) + "\r\n";
    with_server(answer_once(corio_test::response_text(206, range, fields)),
                [&range](server_thread& server) {
                    TypeParam client{bounded()};
                    corio::http::headers extra;
                    extra.add("Range", "bytes=100-");
                    try {
                        const fetched r = client.get(server.url("/file"), extra);
                        EXPECT_EQ(r.status, 206);
                        EXPECT_EQ(r.body, range);
                    } catch (const corio::http::error& failure) {
                        ADD_FAILURE() << failure.what();
                    }
                });
}

} // namespace
