// SPDX-License-Identifier: MIT
// client_session's connection pool where only the async client goes: a body discarded or dropped
// unread, idle expiry on the loop's timer, concurrent requests under the per-host limit (waiting
// in order, against the total timeout), cancellation leaving nothing behind, and a response that
// outlives its session. Keep-alive reuse, stale connections and close() are in
// client_suite_test.cpp, for both clients.
#include <corio/http/client.hpp>

#include <corio/http/error.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/wait_for.hpp>
#include <corio/runtime/yield.hpp>

#include "raw_http_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using corio::http::client_options;
using corio::http::client_session;
using corio::http::response;
using corio::net::tcp_stream;
using corio_test::echo_target;
using corio_test::raw_http_server;
using corio_test::received_request;

namespace {

void with_server(raw_http_server::handler on_connection,
                 std::function<corio::task<>(raw_http_server&)> body) {
    corio_test::run_checked([&]() -> corio::task<> {
        raw_http_server server{std::move(on_connection)};
        co_await corio_test::serve_while(server, body(server));
    });
}

corio::task<std::string> fetch(client_session& session, std::string url) {
    response r = co_await session.get(url);
    co_return co_await r.text();
}

// Failure bound for waits that should end quickly: a hang becomes a test failure, not a stuck run.
constexpr auto bound = 10s;

// ---- keep-alive and idle expiry ----

TEST(HttpClientPool, DiscardingTheBodyKeepsTheConnection) {
    with_server(corio_test::keep_alive_handler([](const received_request&) {
                    return corio_test::response_text(200, std::string(50'000, 'z'));
                }),
                [](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    for (int i = 0; i < 3; ++i) {
                        response r = co_await session.get(server.url());
                        co_await r.discard();
                    }
                    EXPECT_EQ(server.accepted(), 1U);
                });
}

TEST(HttpClientPool, IdleConnectionsExpire) {
    corio::event client_closed;
    with_server(
        [&client_closed](tcp_stream& stream, std::size_t) -> corio::task<> {
            corio_test::request_buffer buffer;
            while (std::optional<received_request> request =
                       co_await corio_test::read_request(stream, buffer)) {
                co_await corio_test::write_text(stream, corio_test::response_text(200, "ok"));
            }
            client_closed.set();
        },
        [&client_closed](raw_http_server& server) -> corio::task<> {
            client_options options;
            options.pool_idle_timeout = 50ms;
            client_session session{options};
            EXPECT_EQ(co_await fetch(session, server.url()), "ok");
            EXPECT_EQ(session.idle_connections(), 1U);
            // The pool's timer closes it; the server sees end of stream.
            co_await corio::wait_for(client_closed.wait(), bound);
            EXPECT_EQ(session.idle_connections(), 0U);
            EXPECT_EQ(co_await fetch(session, server.url()), "ok");
            EXPECT_EQ(session.connections_opened(), 2U);
        });
}

// ---- the per-host limit ----

TEST(HttpClientPool, ThePerHostLimitIsRespected) {
    constexpr std::size_t limit = 3;
    std::size_t arrived = 0;
    corio::event first_wave;
    with_server(
        [&](tcp_stream& stream, std::size_t) -> corio::task<> {
            corio_test::request_buffer buffer;
            while (std::optional<received_request> request =
                       co_await corio_test::read_request(stream, buffer)) {
                // Hold the first requests until `limit` are in at once: proof the client used
                // every connection it may, and (below) no more.
                if (++arrived <= limit) {
                    if (arrived == limit) {
                        first_wave.set();
                    }
                    co_await first_wave.wait();
                }
                co_await corio_test::write_text(stream,
                                                corio_test::response_text(200, request->target));
            }
        },
        [&](raw_http_server& server) -> corio::task<> {
            client_options options;
            options.max_connections_per_host = limit;
            client_session session{options};
            std::vector<corio::task<std::string>> requests;
            requests.reserve(20);
            for (int i = 0; i < 20; ++i) {
                requests.push_back(fetch(session, server.url("/" + std::to_string(i))));
            }
            const std::vector<std::string> bodies =
                co_await corio::wait_for(corio::gather(std::move(requests)), bound);
            for (int i = 0; i < 20; ++i) {
                EXPECT_EQ(bodies[static_cast<std::size_t>(i)], "/" + std::to_string(i));
            }
            EXPECT_EQ(server.accepted(), limit);
            EXPECT_EQ(server.max_open(), limit);
            EXPECT_EQ(session.connections_opened(), limit);
        });
}

// A server that answers each request only when the test releases it, recording arrival order.
struct gated_site {
    std::vector<std::string> order;
    corio::event release;
    corio::event first_arrived;
};

raw_http_server::handler gated(gated_site& site) {
    return [&site](tcp_stream& stream, std::size_t) -> corio::task<> {
        corio_test::request_buffer buffer;
        while (std::optional<received_request> request =
                   co_await corio_test::read_request(stream, buffer)) {
            site.order.push_back(request->target);
            site.first_arrived.set();
            co_await site.release.wait();
            co_await corio_test::write_text(stream,
                                            corio_test::response_text(200, request->target));
        }
    };
}

TEST(HttpClientPool, WaitersAreServedInArrivalOrder) {
    gated_site site;
    with_server(gated(site), [&site](raw_http_server& server) -> corio::task<> {
        client_options options;
        options.max_connections_per_host = 1;
        client_session session{options};
        std::vector<corio::task<std::string>> requests;
        for (const char* path : {"/first", "/b", "/c", "/d", "/e"}) {
            requests.push_back(fetch(session, server.url(path)));
        }
        corio::join_handle<std::vector<std::string>> all =
            corio::spawn(corio::gather(std::move(requests)));
        co_await corio::wait_for(site.first_arrived.wait(), bound);
        site.release.set();
        (void)co_await corio::wait_for(std::move(all), bound);
        EXPECT_EQ(site.order, (std::vector<std::string>{"/first", "/b", "/c", "/d", "/e"}));
        EXPECT_EQ(server.accepted(), 1U);
    });
}

TEST(HttpClientPool, ACancelledWaiterLeavesTheQueueCleanly) {
    gated_site site;
    with_server(gated(site), [&site](raw_http_server& server) -> corio::task<> {
        client_options options;
        options.max_connections_per_host = 1;
        client_session session{options};
        corio::join_handle<std::string> holder =
            corio::spawn(fetch(session, server.url("/holder")));
        co_await corio::wait_for(site.first_arrived.wait(), bound);
        corio::join_handle<std::string> waiter =
            corio::spawn(fetch(session, server.url("/waiter")));
        corio::join_handle<std::string> after = corio::spawn(fetch(session, server.url("/after")));
        co_await corio::yield_now();
        co_await corio::yield_now(); // both are parked on the slot now
        waiter.cancel();
        EXPECT_THROW((void)co_await waiter, corio::cancelled_error);
        site.release.set();
        EXPECT_EQ(co_await corio::wait_for(std::move(holder), bound), "/holder");
        EXPECT_EQ(co_await corio::wait_for(std::move(after), bound), "/after");
        EXPECT_EQ(site.order, (std::vector<std::string>{"/holder", "/after"}));
        EXPECT_EQ(session.connections_opened(), 1U);
    });
}

TEST(HttpClientPool, AThousandConcurrentRequestsOnOneSession) {
    with_server(echo_target(), [](raw_http_server& server) -> corio::task<> {
        client_session session;
        const auto started = std::chrono::steady_clock::now();
        std::vector<corio::task<std::string>> requests;
        requests.reserve(1000);
        for (int i = 0; i < 1000; ++i) {
            requests.push_back(fetch(session, server.url("/item/" + std::to_string(i))));
        }
        const std::vector<std::string> bodies =
            co_await corio::wait_for(corio::gather(std::move(requests)), 60s);
        const auto elapsed = std::chrono::steady_clock::now() - started;
        std::size_t right = 0;
        for (std::size_t i = 0; i < bodies.size(); ++i) {
            right += bodies[i] == "/item/" + std::to_string(i) ? 1 : 0;
        }
        EXPECT_EQ(right, 1000U);
        EXPECT_LE(session.connections_opened(), 16U);
        EXPECT_LE(server.max_open(), 16U);
        EXPECT_LT(elapsed, 30s);
    });
}

// ---- cancellation and abandoned responses ----

// Sends a head and part of a body, then waits for the client to close.
raw_http_server::handler half_a_body(corio::event& client_closed) {
    return [&client_closed](tcp_stream& stream, std::size_t) -> corio::task<> {
        corio_test::request_buffer buffer;
        if (co_await corio_test::read_request(stream, buffer)) {
            co_await corio_test::write_text(stream,
                                            "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" +
                                                std::string(1000, 'a'));
            (void)co_await corio_test::read_until_closed(stream);
            client_closed.set();
        }
    };
}

TEST(HttpClientPool, WaitingForAFreeConnectionCountsAgainstTheTotalTimeout) {
    corio::event client_closed;
    with_server(
        half_a_body(client_closed), [&client_closed](raw_http_server& server) -> corio::task<> {
            client_options options;
            options.max_connections_per_host = 1;
            options.timeouts.total = 200ms;
            client_session session{options};
            {
                // Holds the only slot: its body is not read (so no deadline runs for it meanwhile).
                response holder = co_await session.get(server.url("/holder"));
                try {
                    (void)co_await session.get(server.url("/starved"));
                    ADD_FAILURE() << "expected timeout_error";
                } catch (const corio::http::timeout_error& failure) {
                    EXPECT_EQ(failure.url(), server.url("/starved"));
                    EXPECT_NE(std::string(failure.what()).find("waiting for a free connection"),
                              std::string::npos)
                        << failure.what();
                }
            }
            co_await corio::wait_for(client_closed.wait(), bound);
            EXPECT_EQ(session.connections_opened(), 1U);
        });
}

TEST(HttpClientPool, AWaiterCancelledJustAsTheLastSlotComesFree) {
    corio::event client_closed;
    with_server(
        half_a_body(client_closed), [&client_closed](raw_http_server& server) -> corio::task<> {
            client_options options;
            options.max_connections_per_host = 1;
            client_session session{options};
            std::optional<response> holder;
            holder.emplace(co_await session.get(server.url("/holder")));
            corio::join_handle<response> waiter = corio::spawn(session.get(server.url("/waiter")));
            co_await corio::yield_now(); // the waiter parks on the only slot
            waiter.cancel();             // it leaves the queue...
            holder.reset(); // ...and the slot comes free (its origin unused) before it runs
            EXPECT_THROW((void)co_await waiter, corio::cancelled_error);
            co_await corio::wait_for(client_closed.wait(), bound);
            EXPECT_EQ(session.connections_opened(), 1U);
        });
}

corio::task<std::size_t> read_body_slowly(response& r, corio::event& got_some) {
    std::size_t total = 0;
    while (std::optional<std::string> piece = co_await r.next_chunk()) {
        total += piece->size();
        got_some.set();
    }
    co_return total;
}

TEST(HttpClientCancellation, CancellingMidBodyClosesTheConnection) {
    corio::event client_closed;
    with_server(
        half_a_body(client_closed), [&client_closed](raw_http_server& server) -> corio::task<> {
            client_session session;
            response r = co_await session.get(server.url());
            corio::event got_some;
            corio::join_handle<std::size_t> reading = corio::spawn(read_body_slowly(r, got_some));
            co_await corio::wait_for(got_some.wait(), bound);
            reading.cancel();
            EXPECT_THROW((void)co_await reading, corio::cancelled_error);
            co_await corio::wait_for(client_closed.wait(), bound);
            EXPECT_EQ(session.idle_connections(), 0U) << "never returned to the pool";
            // The response knows its connection is gone.
            EXPECT_THROW((void)co_await r.next_chunk(), corio::http::connection_closed_error);
        });
}

TEST(HttpClientCancellation, CancellingTextPropagatesCancelledError) {
    corio::event client_closed;
    with_server(half_a_body(client_closed),
                [&client_closed](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    response r = co_await session.get(server.url());
                    corio::join_handle<std::string> reading = corio::spawn(r.text());
                    co_await corio::yield_now();
                    co_await corio::yield_now();
                    reading.cancel();
                    EXPECT_THROW((void)co_await reading, corio::cancelled_error);
                    co_await corio::wait_for(client_closed.wait(), bound);
                    EXPECT_EQ(session.idle_connections(), 0U);
                });
}

TEST(HttpClientCancellation, CancellingAGetWaitingForTheHead) {
    corio::event request_arrived;
    corio::event client_closed;
    with_server(
        [&](tcp_stream& stream, std::size_t) -> corio::task<> {
            corio_test::request_buffer buffer;
            (void)co_await corio_test::read_request(stream, buffer);
            request_arrived.set();
            (void)co_await corio_test::read_until_closed(stream);
            client_closed.set();
        },
        [&](raw_http_server& server) -> corio::task<> {
            client_session session;
            corio::join_handle<response> getting = corio::spawn(session.get(server.url()));
            co_await corio::wait_for(request_arrived.wait(), bound);
            getting.cancel();
            EXPECT_THROW((void)co_await getting, corio::cancelled_error);
            co_await corio::wait_for(client_closed.wait(), bound);
            EXPECT_EQ(session.idle_connections(), 0U);
        });
}

TEST(HttpClientCancellation, CancellingAtEveryPointLeavesNothingBehind) {
    // Cancel a fresh request after 0, 1, 2... turns of the loop, so the cancellation lands in
    // each stage in turn: waiting for a slot, connecting, sending, waiting for the head.
    for (int turns = 0; turns < 12; ++turns) {
        with_server(echo_target(), [turns](raw_http_server& server) -> corio::task<> {
            client_session session;
            corio::join_handle<std::string> getting =
                corio::spawn(fetch(session, server.url("/x")));
            for (int i = 0; i < turns; ++i) {
                co_await corio::yield_now();
            }
            getting.cancel();
            try {
                EXPECT_EQ(co_await getting, "/x") << "finished before the cancel";
            } catch (const corio::cancelled_error&) {
            }
        });
    }
}

TEST(HttpClientPool, ADroppedResponseClosesItsConnection) {
    corio::event client_closed;
    with_server(half_a_body(client_closed),
                [&client_closed](raw_http_server& server) -> corio::task<> {
                    client_session session;
                    {
                        response r = co_await session.get(server.url());
                        EXPECT_EQ(r.status(), 200);
                    } // dropped with 99,000 bytes unread
                    EXPECT_EQ(session.idle_connections(), 0U);
                    co_await corio::wait_for(client_closed.wait(), bound);
                });
}

TEST(HttpClientPool, AResponseMayOutliveItsSession) {
    with_server(echo_target(), [](raw_http_server& server) -> corio::task<> {
        std::optional<response> kept;
        {
            client_session session;
            kept.emplace(co_await session.get(server.url("/late")));
        }
        EXPECT_EQ(co_await kept->text(), "/late");
    });
}

} // namespace
