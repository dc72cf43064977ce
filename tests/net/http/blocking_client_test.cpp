// SPDX-License-Identifier: MIT
// blocking_session where it differs from the async client: it runs without an event loop (the
// shared request coroutines run inline on the caller's thread), leaves a loop it is called on
// alone, and expires idle connections at checkout, having no timer; and the blocking socket
// underneath. Everything both clients do is in client_suite_test.cpp. The servers run on a
// thread of their own (server_thread), since the client blocks the test's thread.
#include <corio/http/blocking_client.hpp>

#include <corio/runtime/detail/promise_base.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include "raw_http_server.hpp"
#include "server_thread.hpp"
#include "support/leak_check.hpp"
#include "support/socket_helpers.hpp"
#include "sys/blocking_socket.hpp"
#include "threaded_server_support.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <semaphore>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

using namespace std::chrono_literals;
using corio::http::blocking_session;
using corio::http::client_options;
using corio::net::tcp_stream;
using corio::net::detail::blocking_socket;
using corio_test::answer_once;
using corio_test::echo_target;
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

// ---- no event loop ----

// The request flow it shares with the async client is coroutines, which run here inline, to the
// end, on the caller's thread (run_inline): no loop exists before, during or after a call, and
// every coroutine frame a call makes is freed by the time it returns.
TEST(BlockingClient, NeedsNoEventLoopAndMakesNone) {
    with_server(echo_target(), [](server_thread& server) {
        ASSERT_EQ(corio::event_loop::try_current(), nullptr);
        const std::ptrdiff_t frames = corio::detail::live_frames_on_this_thread();
        {
            blocking_session session{bounded()};
            for (const char* path : {"/a", "/b"}) { // a fresh connection, then a pooled one
                EXPECT_EQ(session.get(server.url(path)).text(), path);
                EXPECT_EQ(corio::event_loop::try_current(), nullptr);
                EXPECT_EQ(corio::detail::live_frames_on_this_thread(), frames)
                    << "a frame outlived the call for " << path;
            }
            EXPECT_EQ(session.connections_opened(), 1U);
        }
        EXPECT_EQ(corio::detail::live_frames_on_this_thread(), frames);
        EXPECT_EQ(corio::event_loop::try_current(), nullptr);
    });
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

// ---- the pool ----

// The async client's pool has a timer that closes expired connections (client_pool_test.cpp);
// this one has none, so an expired connection lingers until the next checkout closes it.
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