// SPDX-License-Identifier: MIT
// blocking_session against raw loopback servers: the async client's framing, error, pooling and
// redirect cases, replayed with the same server scripts. The servers run on a thread of their own
// (server_thread), since the client blocks the test's thread - which has no event loop.
#include <corio/http/blocking_client.hpp>

#include <corio/http/error.hpp>
#include <corio/runtime/detail/promise_base.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/task.hpp>

#include "malformed_responses.hpp"
#include "raw_http_server.hpp"
#include "server_thread.hpp"
#include "support/leak_check.hpp"
#include "support/socket_helpers.hpp"
#include "sys/blocking_socket.hpp"
#include "sys/socket_ops.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <semaphore>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using namespace std::string_literals;
using corio::http::blocking_response;
using corio::http::blocking_session;
using corio::http::client_options;
using corio::http::error_kind;
using corio::net::tcp_stream;
using corio::net::detail::blocking_socket;
using corio_test::answer_once;
using corio_test::echo_target;
using corio_test::logging_site;
using corio_test::raw_http_server;
using corio_test::received_request;
using corio_test::server_thread;
using corio_test::stay_silent;

namespace {

// Failure bound for waits that should end quickly: a hang becomes a test failure.
constexpr auto bound = 10s;

// Signals from the server thread to the test's.
using signal = std::counting_semaphore<64>;

// Options whose total timeout turns a hang in the client into an error, not a stuck run.
client_options bounded() {
    client_options options;
    options.timeouts.total = bound;
    return options;
}

// Runs `body` against a server on its own thread, then checks that the test's thread still has
// no event loop and that nothing - coroutine frame or file descriptor - was left behind.
void with_server(raw_http_server::handler on_connection,
                 const std::function<void(server_thread&)>& body) {
    corio_test::leak_check check;
    {
        server_thread server{std::move(on_connection)};
        body(server);
        server.stop();
    }
    EXPECT_EQ(corio::event_loop::try_current(), nullptr) << "the blocking client made a loop";
}

// Serves keep-alive requests with "ok" until the client closes, then says so through `closed`.
raw_http_server::handler ok_until_closed(signal& closed) {
    return [&closed](tcp_stream& stream, std::size_t) -> corio::task<> {
        corio_test::request_buffer buffer;
        while (std::optional<received_request> request =
                   co_await corio_test::read_request(stream, buffer)) {
            co_await corio_test::write_text(stream, corio_test::response_text(200, "ok"));
        }
        closed.release();
    };
}

// The error a failing request throws; fails the test if none.
std::optional<corio::http::error> failure_of(blocking_session& session, const std::string& url) {
    try {
        (void)session.get(url);
    } catch (const corio::http::error& failure) {
        return failure;
    }
    ADD_FAILURE() << "no error for " << url;
    return std::nullopt;
}

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

// ---- framing on the wire ----

TEST(BlockingClient, GetReturnsStatusFieldsAndAContentLengthBody) {
    with_server(corio_test::keep_alive_handler([](const received_request&) {
                    return corio_test::response_text(200, "hello", "X-Server: raw\r\n");
                }),
                [](server_thread& server) {
                    blocking_session session{bounded()};
                    const blocking_response r = session.get(server.url("/greeting"));
                    EXPECT_EQ(r.status(), 200);
                    EXPECT_EQ(r.reason(), "OK");
                    EXPECT_EQ(r.version_minor(), 1);
                    EXPECT_EQ(r.fields().get("x-server"), "raw");
                    EXPECT_EQ(r.final_url().to_string(), server.url("/greeting"));
                    EXPECT_TRUE(r.history().empty());
                    EXPECT_EQ(r.text(), "hello");
                });
}

TEST(BlockingClient, TheRequestCarriesHostUserAgentAndTheBody) {
    std::vector<received_request> seen; // read after stop()
    with_server(corio_test::keep_alive_handler([&seen](const received_request& request) {
                    seen.push_back(request);
                    return corio_test::response_text(200, request.body);
                }),
                [](server_thread& server) {
                    client_options options = bounded();
                    options.default_headers.add("User-Agent", "suite/1");
                    options.default_headers.add("X-Default", "d");
                    blocking_session session{options};
                    EXPECT_EQ(session.post(server.url("/in"), "payload").text(), "payload");
                    corio::http::headers extra;
                    extra.add("X-Default", "overridden");
                    (void)session.get(server.url("/out?q=1"), extra);
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

TEST(BlockingClient, TheDefaultUserAgentIsCorio) {
    std::string agent;
    with_server(corio_test::keep_alive_handler([&agent](const received_request& request) {
                    agent = std::string(request.fields.get("User-Agent").value_or(""));
                    return corio_test::response_text(204, "");
                }),
                [](server_thread& server) {
                    blocking_session session{bounded()};
                    EXPECT_EQ(session.get(server.url()).status(), 204);
                });
    EXPECT_EQ(agent, "corio/0.1");
}

TEST(BlockingClient, AnyMethodGoesThroughRequest) {
    std::vector<received_request> seen;
    with_server(corio_test::keep_alive_handler([&seen](const received_request& request) {
                    seen.push_back(request);
                    return corio_test::response_text(200, request.method);
                }),
                [](server_thread& server) {
                    blocking_session session{bounded()};
                    EXPECT_EQ(session.request("PUT", server.url("/doc"), {}, "v2").text(), "PUT");
                    EXPECT_EQ(session.request("DELETE", server.url("/doc")).text(), "DELETE");
                });
    ASSERT_EQ(seen.size(), 2U);
    EXPECT_EQ(seen[0].body, "v2");
    EXPECT_FALSE(seen[1].fields.contains("Content-Length"));
}

TEST(BlockingClient, ChunkedBodiesWithExtensionsAndTrailersAreDecoded) {
    with_server(corio_test::keep_alive_handler([](const received_request&) {
                    return std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       "5;ext=1\r\nhello\r\n6;name=\"quoted value\"\r\n world\r\n"
                                       "0\r\nX-Trailer: t\r\n\r\n");
                }),
                [](server_thread& server) {
                    blocking_session session{bounded()};
                    for (int i = 0; i < 2; ++i) {
                        EXPECT_EQ(session.get(server.url()).text(), "hello world");
                    }
                    EXPECT_EQ(session.connections_opened(), 1U) << "the chunked body ended cleanly";
                    server.stop();
                    EXPECT_EQ(server.accepted(), 1U);
                });
}

TEST(BlockingClient, ABodyWithoutLengthRunsUntilTheServerCloses) {
    with_server(
        answer_once("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it, then EOF"),
        [](server_thread& server) {
            blocking_session session{bounded()};
            for (int i = 0; i < 2; ++i) {
                EXPECT_EQ(session.get(server.url()).text(), "all of it, then EOF");
                EXPECT_EQ(session.idle_connections(), 0U);
            }
            EXPECT_EQ(session.connections_opened(), 2U);
        });
}

TEST(BlockingClient, HeadAndBodilessStatusesReadNoBody) {
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
            blocking_session session{bounded()};
            const blocking_response head = session.head(server.url());
            EXPECT_EQ(head.fields().get("Content-Length"), "1000");
            EXPECT_EQ(head.text(), "");
            EXPECT_EQ(session.get(server.url()).status(), 204);
            const blocking_response not_modified = session.get(server.url());
            EXPECT_EQ(not_modified.status(), 304);
            EXPECT_EQ(not_modified.text(), "");
            EXPECT_EQ(session.idle_connections(), 1U);
            EXPECT_EQ(session.get(server.url()).text(), "last");
            server.stop();
            EXPECT_EQ(server.accepted(), 1U);
        });
}

TEST(BlockingClient, InterimResponsesAreSkipped) {
    with_server(answer_once("HTTP/1.1 100 Continue\r\n\r\n"
                            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
                            true),
                [](server_thread& server) {
                    blocking_session session{bounded()};
                    const blocking_response r = session.get(server.url());
                    EXPECT_EQ(r.status(), 200);
                    EXPECT_FALSE(r.fields().contains("Link"));
                    EXPECT_EQ(r.text(), "final");
                });
}

TEST(BlockingClient, Http10AndConnectionCloseResponsesAreNotPooled) {
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
            blocking_session session{bounded()};
            for (const char* expected : {"v0", "v1"}) {
                const blocking_response r = session.get(server.url());
                EXPECT_EQ(r.text(), expected);
                EXPECT_EQ(session.idle_connections(), 0U);
            }
            EXPECT_EQ(session.connections_opened(), 2U);
        });
}

TEST(BlockingClient, BinaryBodiesArriveIntact) {
    with_server(corio_test::keep_alive_handler([](const received_request&) {
                    return corio_test::response_text(200, std::string("\0\x01\xff", 3));
                }),
                [](server_thread& server) {
                    blocking_session session{bounded()};
                    EXPECT_EQ(session.get(server.url()).text(), std::string("\0\x01\xff", 3));
                });
}

// Bodies far bigger than one receive, or one send slice, in both directions and both framings.
TEST(BlockingClient, LargeBodiesTravelWhole) {
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
                            wire += (piece.size() == 0x10000 ? "10000" : hex(piece.size())) +
                                    "\r\n" + piece + "\r\n";
                        }
                        return wire + "0\r\n\r\n";
                    }
                    return corio_test::response_text(200, big);
                }),
                [&big](server_thread& server) {
                    blocking_session session{bounded()};
                    EXPECT_EQ(session.get(server.url("/plain")).text(), big);
                    EXPECT_EQ(session.get(server.url("/chunked")).text(), big);
                    EXPECT_EQ(session.post(server.url("/upload"), big).text(), "3000000 same");
                    EXPECT_EQ(session.connections_opened(), 1U);
                });
}

// ---- no event loop ----

TEST(BlockingClient, NeedsNoEventLoopAndMakesNone) {
    ASSERT_EQ(corio::event_loop::try_current(), nullptr);
    const std::ptrdiff_t frames = corio::detail::live_frames_on_this_thread();
    std::ptrdiff_t most_frames = frames;
    with_server(echo_target(), [&](server_thread& server) {
        blocking_session session{bounded()};
        EXPECT_EQ(session.get(server.url("/a")).text(), "/a");
        most_frames = std::max(most_frames, corio::detail::live_frames_on_this_thread());
        EXPECT_EQ(corio::event_loop::try_current(), nullptr);
    });
    EXPECT_EQ(most_frames, frames) << "no coroutine ran on this thread";
}

// Called from a task, it blocks the loop's thread but leaves the loop itself untouched: no
// timer, registration, pending I/O or blocking job appears on it.
TEST(BlockingClient, OnALoopThreadItLeavesTheLoopAlone) {
    with_server(echo_target(), [](server_thread& server) {
        corio::event_loop loop;
        const auto fetch_from_task = [](corio::event_loop& on,
                                        std::string target) -> corio::task<> {
            blocking_session session{bounded()};
            const corio::loop_stats before = on.stats();
            EXPECT_EQ(session.get(target).text(), "/from-a-task");
            const corio::loop_stats after = on.stats();
            EXPECT_EQ(after.armed_timers, before.armed_timers);
            EXPECT_EQ(after.io_registrations, before.io_registrations);
            EXPECT_EQ(after.pending_io, before.pending_io);
            EXPECT_EQ(after.blocking_jobs, before.blocking_jobs);
            co_return;
        };
        loop.run_until_complete(fetch_from_task(loop, server.url("/from-a-task")));
        corio_test::expect_loop_is_clean(loop);
    });
}

// ---- every error kind ----

TEST(BlockingClientErrors, AMalformedUrlIsAUsageError) {
    corio_test::leak_check check;
    blocking_session session{bounded()};
    for (const char* bad : {"not a url", "http://", "ftp://example.com/", "http://a b/"}) {
        try {
            (void)session.get(bad);
            ADD_FAILURE() << bad;
        } catch (const corio::http::invalid_url& failure) {
            EXPECT_EQ(failure.kind(), error_kind::usage);
            EXPECT_EQ(failure.url(), bad);
        }
    }
}

TEST(BlockingClientErrors, AnInvalidHeaderIsAUsageErrorAndSendsNothing) {
    corio_test::leak_check check;
    blocking_session session{bounded()};
    corio::http::headers extra;
    extra.add("X-Bad", "line\r\nbreak");
    try {
        (void)session.get("http://127.0.0.1:1/", extra);
        ADD_FAILURE() << "expected an error";
    } catch (const corio::http::error& failure) {
        EXPECT_EQ(failure.kind(), error_kind::usage);
        EXPECT_EQ(failure.url(), "http://127.0.0.1:1/");
    }
    EXPECT_EQ(session.connections_opened(), 0U);
}

TEST(BlockingClientErrors, HttpsIsATlsErrorInThisBuild) {
    corio_test::leak_check check;
    blocking_session session{bounded()};
    try {
        (void)session.get("https://127.0.0.1:1/");
        ADD_FAILURE() << "expected tls_error";
    } catch (const corio::http::tls_error& failure) {
        EXPECT_EQ(failure.kind(), error_kind::tls);
        EXPECT_EQ(failure.url(), "https://127.0.0.1:1/");
    }
    EXPECT_EQ(session.connections_opened(), 0U);
}

TEST(BlockingClientErrors, AnUnknownHostIsAResolveError) {
    corio_test::leak_check check;
    blocking_session session{bounded()};
    try {
        (void)session.get("http://no-such-host.invalid/x");
        ADD_FAILURE() << "expected resolve_error";
    } catch (const corio::http::resolve_error& failure) {
        EXPECT_EQ(failure.kind(), error_kind::resolve);
        EXPECT_EQ(failure.url(), "http://no-such-host.invalid/x");
        EXPECT_TRUE(contains(failure.what(), "no-such-host.invalid")) << failure.what();
    }
}

TEST(BlockingClientErrors, ARefusedConnectionIsAConnectErrorWithTheSystemsReason) {
    corio_test::leak_check check;
    const std::uint16_t port = corio_test::closed_loopback_port();
    blocking_session session{bounded()};
    const std::string target = "http://127.0.0.1:" + std::to_string(port) + "/";
    try {
        (void)session.get(target);
        ADD_FAILURE() << "expected connect_error";
    } catch (const corio::http::connect_error& failure) {
        EXPECT_EQ(failure.kind(), error_kind::connect);
        EXPECT_EQ(failure.url(), target);
        EXPECT_TRUE(contains(failure.what(), "refused")) << failure.what();
    }
}

// A listener with a backlog of 0 that nobody accepts on: once its queue is full, Linux drops
// further SYNs, so connecting hangs until the timeout. Returns nullopt if the queue never fills.
struct full_listener {
    corio::native_handle_t handle = corio::invalid_native_handle;
    corio::net::address where;
    std::vector<blocking_socket> fillers;

    full_listener() {
        namespace sys = corio::net::detail;
        handle = sys::open_tcp_socket(corio::net::address_family::ipv4);
        sys::bind_and_listen(handle, corio::net::address::loopback_v4(0), 0);
        where = sys::local_address_of(handle);
    }
    full_listener(const full_listener&) = delete;
    full_listener& operator=(const full_listener&) = delete;
    ~full_listener() { corio_test::close_handle(handle); }

    bool fill() {
        for (int i = 0; i < 8; ++i) {
            try {
                fillers.push_back(
                    blocking_socket::connect(where, std::chrono::steady_clock::now() + 50ms));
            } catch (const corio::timeout_error&) {
                return true;
            }
        }
        return false;
    }
};

TEST(BlockingClientErrors, AConnectThatHangsHitsTheConnectTimeout) {
    corio_test::leak_check check;
    full_listener listener;
    ASSERT_TRUE(listener.fill()) << "the accept queue never filled up";
    client_options options = bounded();
    options.timeouts.connect = 100ms;
    blocking_session session{options};
    const std::string target = "http://" + listener.where.to_string() + "/";
    const auto started = std::chrono::steady_clock::now();
    try {
        (void)session.get(target);
        ADD_FAILURE() << "expected timeout_error";
    } catch (const corio::http::timeout_error& failure) {
        EXPECT_EQ(failure.url(), target);
        EXPECT_TRUE(contains(failure.what(), "connect timeout (100ms)")) << failure.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(BlockingClientErrors, AHangingConnectAlsoCountsAgainstTheTotalTimeout) {
    corio_test::leak_check check;
    full_listener listener;
    ASSERT_TRUE(listener.fill()) << "the accept queue never filled up";
    client_options options;
    options.timeouts.total = 150ms;
    options.timeouts.connect = 10s;
    blocking_session session{options};
    try {
        (void)session.get("http://" + listener.where.to_string() + "/");
        ADD_FAILURE() << "expected timeout_error";
    } catch (const corio::http::timeout_error& failure) {
        EXPECT_TRUE(contains(failure.what(), "total timeout (150ms) expired while connecting to"))
            << failure.what();
    }
}

TEST(BlockingClientErrors, ASilentServerHitsTheReadTimeout) {
    with_server(stay_silent(), [](server_thread& server) {
        client_options options = bounded();
        options.timeouts.read = 100ms;
        blocking_session session{options};
        const std::optional<corio::http::error> failure = failure_of(session, server.url("/slow"));
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->kind(), error_kind::timeout);
        EXPECT_EQ(failure->url(), server.url("/slow"));
        EXPECT_TRUE(contains(failure->what(), "read timeout (100ms)")) << failure->what();
        EXPECT_TRUE(contains(failure->what(), "response head")) << failure->what();
    });
}

TEST(BlockingClientErrors, AStalledBodyHitsTheReadTimeout) {
    with_server(answer_once("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", true),
                [](server_thread& server) {
                    client_options options = bounded();
                    options.timeouts.read = 100ms;
                    blocking_session session{options};
                    const std::optional<corio::http::error> failure =
                        failure_of(session, server.url());
                    ASSERT_TRUE(failure);
                    EXPECT_EQ(failure->kind(), error_kind::timeout);
                    EXPECT_EQ(failure->url(), server.url());
                    EXPECT_TRUE(contains(failure->what(), "read timeout")) << failure->what();
                    EXPECT_TRUE(contains(failure->what(), "body")) << failure->what();
                    EXPECT_EQ(session.idle_connections(), 0U);
                });
}

TEST(BlockingClientErrors, TheTotalTimeoutCoversTheHeadAndTheBody) {
    with_server(stay_silent(), [](server_thread& server) {
        client_options options;
        options.timeouts.total = 150ms;
        options.timeouts.read = std::nullopt;
        blocking_session session{options};
        const std::optional<corio::http::error> failure = failure_of(session, server.url());
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
            blocking_session session{options};
            const std::optional<corio::http::error> failure = failure_of(session, server.url());
            ASSERT_TRUE(failure);
            EXPECT_EQ(failure->kind(), error_kind::timeout);
            EXPECT_TRUE(contains(failure->what(), "total timeout")) << failure->what();
            EXPECT_TRUE(contains(failure->what(), "body")) << failure->what();
        });
}

// The same wire cases as the async client's HttpClientMalformed suite.
class BlockingClientMalformed : public ::testing::TestWithParam<corio_test::malformed_case> {};

TEST_P(BlockingClientMalformed, IsReportedWithTheRightKindAndTheUrl) {
    const corio_test::malformed_case& param = GetParam();
    with_server(answer_once(param.wire), [&param](server_thread& server) {
        blocking_session session{corio_test::malformed_case_limits(bounded())};
        const std::optional<corio::http::error> failure = failure_of(session, server.url("/bad"));
        ASSERT_TRUE(failure) << param.name;
        EXPECT_EQ(failure->kind(), param.kind) << param.name << ": " << failure->what();
        EXPECT_EQ(failure->url(), server.url("/bad"));
        EXPECT_EQ(session.idle_connections(), 0U);
    });
}

INSTANTIATE_TEST_SUITE_P(Wire, BlockingClientMalformed,
                         ::testing::ValuesIn(corio_test::malformed_responses()),
                         corio_test::malformed_case_name);

TEST(BlockingClientErrors, ClosingMidBodySaysHowMuchArrived) {
    with_server(
        answer_once("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), [](server_thread& server) {
            blocking_session session{bounded()};
            const std::optional<corio::http::error> failure = failure_of(session, server.url());
            ASSERT_TRUE(failure);
            EXPECT_EQ(failure->kind(), error_kind::closed);
            EXPECT_TRUE(contains(failure->what(), "after 3 of 10 body bytes")) << failure->what();
        });
}

TEST(BlockingClientErrors, AFreshConnectionClosedBeforeAnsweringIsNotRetried) {
    with_server(answer_once(""), [](server_thread& server) {
        blocking_session session{bounded()};
        const std::optional<corio::http::error> failure = failure_of(session, server.url());
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->kind(), error_kind::closed);
        server.stop();
        EXPECT_EQ(server.accepted(), 1U);
    });
}

TEST(BlockingClientErrors, AMovedFromSessionRefusesRequests) {
    blocking_session session{bounded()};
    blocking_session other{std::move(session)};
    EXPECT_THROW((void)session.get("http://127.0.0.1:1/"), corio::usage_error); // NOLINT
    EXPECT_EQ(session.connections_opened(), 0U);                                // NOLINT
    session.close();                                                            // NOLINT
}

TEST(BlockingClientErrors, ZeroConnectionsPerHostIsRejected) {
    client_options options;
    options.max_connections_per_host = 0;
    EXPECT_THROW(blocking_session{options}, std::invalid_argument);
}

// ---- the pool ----

TEST(BlockingClientPool, SequentialRequestsShareOneConnection) {
    with_server(echo_target(), [](server_thread& server) {
        blocking_session session{bounded()};
        for (const char* path : {"/1", "/2", "/3"}) {
            EXPECT_EQ(session.get(server.url(path)).text(), path);
            EXPECT_EQ(session.idle_connections(), 1U);
        }
        EXPECT_EQ(server.accepted(), 1U);
        EXPECT_EQ(session.connections_opened(), 1U);
    });
}

TEST(BlockingClientPool, ConnectionsAreKeptPerOrigin) {
    corio_test::leak_check check;
    server_thread first{echo_target()};
    server_thread second{echo_target()};
    {
        blocking_session session{bounded()};
        EXPECT_EQ(session.get(first.url("/a")).text(), "/a");
        EXPECT_EQ(session.get(second.url("/b")).text(), "/b");
        EXPECT_EQ(session.idle_connections(), 2U);
        EXPECT_EQ(session.get(first.url("/c")).text(), "/c");
        EXPECT_EQ(session.get(second.url("/d")).text(), "/d");
        EXPECT_EQ(session.connections_opened(), 2U);
    }
    first.stop();
    second.stop();
    EXPECT_EQ(first.accepted(), 1U);
    EXPECT_EQ(second.accepted(), 1U);
}

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

TEST(BlockingClientPool, AnIdempotentRequestOnAStaleConnectionIsRetriedOnce) {
    signal closed{0};
    with_server(answer_then_close(closed), [&closed](server_thread& server) {
        blocking_session session{bounded()};
        EXPECT_EQ(session.get(server.url()).text(), "GET");
        EXPECT_EQ(session.idle_connections(), 1U) << "pooled: the response allowed keep-alive";
        ASSERT_TRUE(closed.try_acquire_for(bound));
        EXPECT_EQ(session.get(server.url()).text(), "GET");
        EXPECT_EQ(session.connections_opened(), 2U);
        server.stop();
        EXPECT_EQ(server.accepted(), 2U);
    });
}

TEST(BlockingClientPool, APostOnAStaleConnectionIsNotRetried) {
    signal closed{0};
    with_server(answer_then_close(closed), [&closed](server_thread& server) {
        blocking_session session{bounded()};
        EXPECT_EQ(session.get(server.url()).text(), "GET");
        ASSERT_TRUE(closed.try_acquire_for(bound));
        try {
            (void)session.post(server.url("/order"), "one book");
            ADD_FAILURE() << "a POST must not be sent twice";
        } catch (const corio::http::connection_closed_error& failure) {
            EXPECT_EQ(failure.url(), server.url("/order"));
        }
        EXPECT_EQ(session.connections_opened(), 1U);
        server.stop();
        EXPECT_EQ(server.accepted(), 1U);
    });
}

TEST(BlockingClientPool, IdleConnectionsExpireAtCheckout) {
    signal client_closed{0};
    with_server(ok_until_closed(client_closed), [&client_closed](server_thread& server) {
        client_options options = bounded();
        options.pool_idle_timeout = 50ms;
        blocking_session session{options};
        EXPECT_EQ(session.get(server.url()).text(), "ok");
        EXPECT_EQ(session.get(server.url()).text(), "ok") << "reused while fresh";
        EXPECT_EQ(session.connections_opened(), 1U);
        std::this_thread::sleep_for(100ms);
        EXPECT_EQ(session.idle_connections(), 1U) << "no timer: it expires when looked at";
        EXPECT_EQ(session.get(server.url()).text(), "ok");
        EXPECT_TRUE(client_closed.try_acquire_for(bound)) << "the expired connection was closed";
        EXPECT_EQ(session.connections_opened(), 2U);
    });
}

TEST(BlockingClientPool, CloseShutsIdleConnectionsNow) {
    signal client_closed{0};
    with_server(ok_until_closed(client_closed), [&client_closed](server_thread& server) {
        blocking_session session{bounded()};
        EXPECT_EQ(session.get(server.url()).text(), "ok");
        session.close();
        EXPECT_EQ(session.idle_connections(), 0U);
        EXPECT_TRUE(client_closed.try_acquire_for(bound));
        EXPECT_EQ(session.get(server.url()).text(), "ok") << "still usable";
    });
}

TEST(BlockingClientPool, DestroyingTheSessionClosesItsConnections) {
    signal client_closed{0};
    with_server(ok_until_closed(client_closed), [&client_closed](server_thread& server) {
        {
            blocking_session session{bounded()};
            EXPECT_EQ(session.get(server.url()).text(), "ok");
            blocking_session moved_to{bounded()};
            EXPECT_EQ(moved_to.get(server.url()).text(), "ok");
            moved_to = std::move(session); // closes moved_to's own connection
            EXPECT_TRUE(client_closed.try_acquire_for(bound));
            EXPECT_EQ(moved_to.idle_connections(), 1U);
        }
        EXPECT_TRUE(client_closed.try_acquire_for(bound));
    });
}

// ---- redirects ----

TEST(BlockingClientRedirects, RelativeLocationsAreFollowedAndRecorded) {
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
            blocking_session session{bounded()};
            const blocking_response r = session.get(server.url("/a/start"));
            EXPECT_EQ(r.status(), 200);
            EXPECT_EQ(r.text(), "arrived");
            EXPECT_EQ(r.final_url().to_string(), server.url("/final"));
            EXPECT_EQ(r.history(),
                      (std::vector<std::string>{server.url("/a/start"), server.url("/a/next")}));
            EXPECT_EQ(session.connections_opened(), 1U)
                << "the redirects' bodies were drained, keeping the connection";
        });
    EXPECT_EQ(log.size(), 3U);
}

TEST(BlockingClientRedirects, AHopDoesNotReuseAConnectionThatExpiredMeanwhile) {
    // The pool has no timer: idle connections expire when looked at, so the look must use the
    // time of the hop, not the time the first request began.
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
        client_options options = bounded();
        options.pool_idle_timeout = 100ms;
        blocking_session session{options};
        EXPECT_EQ(session.get(location).text(), "ok");
        const corio::http::blocking_response r = session.get(slow.url("/redirect"));
        EXPECT_EQ(r.status(), 200);
        EXPECT_EQ(r.text(), "ok");
        EXPECT_TRUE(target_closed.try_acquire_for(bound)) << "the expired connection was closed";
        EXPECT_EQ(target.accepted(), 2U) << "the hop must open a fresh connection";
        slow.stop();
    });
}

TEST(BlockingClientRedirects, SeeOtherTurnsAPostIntoAGet) {
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
                    blocking_session session{bounded()};
                    corio::http::headers extra;
                    extra.add("Content-Type", "application/x-www-form-urlencoded");
                    EXPECT_EQ(session.post(server.url("/form"), "a=1", extra).text(), "result");
                });
    ASSERT_EQ(log.size(), 2U);
    EXPECT_EQ(log[1].method, "GET");
    EXPECT_EQ(log[1].target, "/result");
    EXPECT_TRUE(log[1].body.empty());
    EXPECT_FALSE(log[1].fields.contains("Content-Type"));
    EXPECT_FALSE(log[1].fields.contains("Content-Length"));
}

TEST(BlockingClientRedirects, TemporaryRedirectKeepsThePostBody) {
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
            blocking_session session{bounded()};
            const blocking_response r = session.post(server.url("/old"), "the payload");
            EXPECT_EQ(r.status(), 201);
            EXPECT_EQ(r.text(), "POST:the payload");
        });
    ASSERT_EQ(log.size(), 2U);
    EXPECT_EQ(log[1].fields.get("Content-Length"), "11");
}

TEST(BlockingClientRedirects, ABrokenOrHugeRedirectBodyDoesNotStopTheChain) {
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
            blocking_session session{bounded()};
            const blocking_response r = session.get(server.url("/cut"));
            EXPECT_EQ(r.text(), "made it");
            EXPECT_EQ(r.history().size(), 2U);
            EXPECT_EQ(session.connections_opened(), 3U)
                << "neither redirect's connection could be reused";
        });
}

TEST(BlockingClientRedirects, ALoopIsARedirectErrorNamingTheChain) {
    std::vector<received_request> log;
    with_server(logging_site(log,
                             [](const received_request& request) {
                                 return corio_test::response_text(302, "",
                                                                  request.target == "/ping"
                                                                      ? "Location: /pong\r\n"
                                                                      : "Location: /ping\r\n");
                             }),
                [](server_thread& server) {
                    blocking_session session{bounded()};
                    try {
                        (void)session.get(server.url("/ping"));
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

TEST(BlockingClientRedirects, TheLimitStopsAnEndlessChain) {
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
                    blocking_session session{options};
                    try {
                        (void)session.get(server.url("/r/0"));
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

TEST(BlockingClientRedirects, ErrorsAfterARedirectCarryTheRedirectedUrl) {
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
                    blocking_session session{bounded()};
                    try {
                        (void)session.get(server.url("/start"));
                        ADD_FAILURE() << "expected protocol_error";
                    } catch (const corio::http::protocol_error& failure) {
                        EXPECT_EQ(failure.url(), server.url("/broken"));
                    }
                });
}

TEST(BlockingClientRedirects, ARedirectToHttpsIsATlsError) {
    std::vector<received_request> log;
    with_server(logging_site(log,
                             [](const received_request&) {
                                 return corio_test::response_text(
                                     301, "", "Location: https://127.0.0.1:1/secure\r\n");
                             }),
                [](server_thread& server) {
                    blocking_session session{bounded()};
                    try {
                        (void)session.get(server.url());
                        ADD_FAILURE() << "expected tls_error";
                    } catch (const corio::http::tls_error& failure) {
                        EXPECT_EQ(failure.url(), "https://127.0.0.1:1/secure");
                    }
                });
}

TEST(BlockingClientRedirects, AuthorizationIsDroppedWhenTheHostChanges) {
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
            blocking_session session{bounded()};
            corio::http::headers extra;
            extra.add("Authorization", "Bearer token");
            EXPECT_EQ(session.get(server.url("/same"), extra).text(), "done");
        });
    ASSERT_EQ(log.size(), 3U);
    EXPECT_EQ(log[0].fields.get("Authorization"), "Bearer token");
    EXPECT_EQ(log[1].fields.get("Authorization"), "Bearer token") << "same host: kept";
    EXPECT_FALSE(log[2].fields.contains("Authorization")) << "another host: dropped";
    EXPECT_TRUE(log[2].fields.get("Host")->starts_with("localhost:"));
}

// ---- the socket underneath ----

TEST(BlockingSocket, AReadGivesUpAtItsDeadline) {
    with_server(stay_silent(), [](server_thread& server) {
        blocking_socket socket =
            blocking_socket::connect(corio::net::address::loopback_v4(server.port()),
                                     std::chrono::steady_clock::now() + bound);
        const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        socket.write_all(std::as_bytes(std::span(request)), std::nullopt);
        std::array<std::byte, 16> buffer{};
        const auto started = std::chrono::steady_clock::now();
        EXPECT_THROW((void)socket.read_some(buffer, started + 100ms), corio::timeout_error);
        const auto waited = std::chrono::steady_clock::now() - started;
        EXPECT_GE(waited, 100ms);
        EXPECT_LT(waited, 5s);
    });
}

TEST(BlockingSocket, ARefusedConnectionIsASystemError) {
    corio_test::leak_check check;
    const corio::net::address nobody =
        corio::net::address::loopback_v4(corio_test::closed_loopback_port());
    try {
        (void)blocking_socket::connect(nobody, std::chrono::steady_clock::now() + bound);
        ADD_FAILURE() << "expected a refusal";
    } catch (const std::system_error& failure) {
        EXPECT_EQ(failure.code(), std::errc::connection_refused) << failure.what();
    }
}

TEST(BlockingSocket, TheEndOfStreamReadsAsZero) {
    with_server(answer_once("bye"), [](server_thread& server) {
        blocking_socket socket =
            blocking_socket::connect(corio::net::address::loopback_v4(server.port()),
                                     std::chrono::steady_clock::now() + bound);
        const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        socket.write_all(std::as_bytes(std::span(request)), std::nullopt);
        std::string received;
        std::array<std::byte, 2> buffer{}; // smaller than the reply: several reads
        for (;;) {
            const std::size_t got =
                socket.read_some(buffer, std::chrono::steady_clock::now() + bound);
            if (got == 0) {
                break;
            }
            received.append(reinterpret_cast<const char*>(buffer.data()), got);
        }
        EXPECT_EQ(received, "bye");
        socket.close();
        EXPECT_FALSE(socket.is_open());
    });
}

} // namespace
