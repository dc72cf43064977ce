// SPDX-License-Identifier: MIT
// One error hierarchy across corio (docs/errors.md): every timeout corio raises is caught by
// `catch (const corio::timeout_error&)`, an HTTP one by `catch (const corio::http::error&)` too,
// and all of them by `catch (const std::runtime_error&)` and `catch (const std::exception&)`.
// A cancelled request surfaces as corio::cancelled_error, never as an HTTP error. Each check
// rethrows the exception the code under test really threw, into one catch clause at a time, as
// a user's program would.
#include <corio/http/client.hpp>
#include <corio/http/error.hpp>
#include <corio/http/response.hpp>
#include <corio/net/address.hpp>
#include <corio/net/tcp_listener.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/task.hpp>
#include <corio/runtime/wait_for.hpp>

#include "http/client_adapters.hpp"
#include "http/full_listener.hpp"
#include "http/raw_http_server.hpp"
#include "http/threaded_server_support.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

using namespace std::chrono_literals;
using corio::net::address;
using corio::net::tcp_stream;
using corio_test::raw_http_server;
using corio_test::server_thread;

namespace {

// Whether `catch (const Clause&)` catches `failure`.
template <class Clause>
bool caught_by(const std::exception_ptr& failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const Clause&) {
        return true;
    } catch (...) {
        return false;
    }
}

// The catch clauses every timeout must match, with its message intact through each.
void expect_caught_as_a_timeout(const std::exception_ptr& failure, std::string_view message) {
    ASSERT_TRUE(failure) << "nothing was thrown";
    EXPECT_TRUE(caught_by<corio::timeout_error>(failure));
    EXPECT_TRUE(caught_by<std::runtime_error>(failure));
    EXPECT_TRUE(caught_by<std::exception>(failure));
    try {
        std::rethrow_exception(failure);
    } catch (const corio::timeout_error& timeout) {
        EXPECT_NE(std::string_view(timeout.what()).find(message), std::string_view::npos)
            << timeout.what();
    } catch (...) {
    }
}

// An HTTP timeout: a timeout, and an HTTP error with the URL and kind timeout.
void expect_caught_as_an_http_timeout(const std::exception_ptr& failure, std::string_view message,
                                      const std::string& url) {
    expect_caught_as_a_timeout(failure, message);
    EXPECT_TRUE(caught_by<corio::http::error>(failure));
    EXPECT_TRUE(caught_by<corio::http::timeout_error>(failure));
    try {
        std::rethrow_exception(failure);
    } catch (const corio::http::error& error) {
        EXPECT_EQ(error.kind(), corio::http::error_kind::timeout);
        EXPECT_EQ(error.url(), url);
        EXPECT_NE(std::string_view(error.what()).find(message), std::string_view::npos)
            << error.what();
    } catch (...) {
    }
}

void expect_caught_as_a_cancellation(const std::exception_ptr& failure) {
    ASSERT_TRUE(failure) << "nothing was thrown";
    EXPECT_TRUE(caught_by<corio::cancelled_error>(failure));
    EXPECT_TRUE(caught_by<std::runtime_error>(failure));
    EXPECT_FALSE(caught_by<corio::http::error>(failure)) << "a cancellation is no HTTP failure";
    EXPECT_FALSE(caught_by<corio::timeout_error>(failure));
}

// What `work` throws when run on an event loop of its own.
std::exception_ptr failure_of(const std::function<corio::task<>()>& work) {
    std::exception_ptr failure;
    corio_test::leak_check check;
    corio::run([&]() -> corio::task<> {
        try {
            co_await work();
        } catch (...) {
            failure = std::current_exception();
        }
    }());
    return failure;
}

TEST(ErrorHierarchy, AnHttpTimeoutErrorMatchesEveryClauseNamingOneOfItsBases) {
    const std::exception_ptr failure = std::make_exception_ptr(
        corio::http::timeout_error("http://example.com/", "read timeout (1s) expired"));
    expect_caught_as_an_http_timeout(failure, "read timeout (1s) expired", "http://example.com/");
}

TEST(ErrorHierarchy, OtherHttpErrorsAreNotTimeouts) {
    const std::exception_ptr failure =
        std::make_exception_ptr(corio::http::connect_error("http://example.com/", "refused"));
    EXPECT_TRUE(caught_by<corio::http::error>(failure));
    EXPECT_TRUE(caught_by<std::runtime_error>(failure));
    EXPECT_FALSE(caught_by<corio::timeout_error>(failure));
}

TEST(ErrorHierarchy, WaitForRunningOutOfTimeIsATimeoutError) {
    expect_caught_as_a_timeout(failure_of([]() -> corio::task<> {
                                   co_await corio::wait_for(corio::sleep_for(10s), 10ms);
                               }),
                               "timed out");
}

TEST(ErrorHierarchy, ATcpReadPastItsDeadlineIsATimeoutError) {
    expect_caught_as_a_timeout(
        failure_of([]() -> corio::task<> {
            auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
            auto silent_server = [&]() -> corio::task<tcp_stream> {
                co_return co_await listener.accept();
            };
            auto client = [&]() -> corio::task<> {
                tcp_stream stream = co_await tcp_stream::connect(listener.local_address());
                std::array<std::byte, 4> buffer{};
                (void)co_await stream.read_some(buffer, corio::now() + 10ms);
            };
            auto [kept_open, done] = co_await corio::gather(silent_server(), client());
        }),
        "read timed out");
}

TEST(ErrorHierarchy, ATcpConnectPastItsTimeoutIsATimeoutErrorNamingTheAddress) {
    corio_test::full_listener listener;
    ASSERT_TRUE(listener.fill()) << "the accept queue never filled up";
    const address where = listener.where;
    expect_caught_as_a_timeout(
        failure_of([where]() -> corio::task<> { (void)co_await tcp_stream::connect(where, 50ms); }),
        "connect to " + where.to_string() + " timed out");
}

// Both HTTP clients, through the adapters: the same request policy, so the same errors.
template <class Client>
class AnyHttpClientTimeouts : public ::testing::Test {};
using both_clients = ::testing::Types<corio_test::async_client, corio_test::blocking_client>;
TYPED_TEST_SUITE(AnyHttpClientTimeouts, both_clients);

// What `client.get(url)` throws.
template <class Client>
std::exception_ptr failure_of_get(Client& client, const std::string& url) {
    try {
        (void)client.get(url);
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

TYPED_TEST(AnyHttpClientTimeouts, AReadTimeoutIsATimeoutErrorAndAnHttpError) {
    corio_test::with_server(corio_test::stay_silent(), [](server_thread& server) {
        corio::http::client_options options = corio_test::bounded();
        options.timeouts.read = 50ms;
        TypeParam client{options};
        const std::string url = server.url("/slow");
        expect_caught_as_an_http_timeout(failure_of_get(client, url), "read timeout (50ms)", url);
    });
}

TYPED_TEST(AnyHttpClientTimeouts, AConnectTimeoutIsATimeoutErrorAndAnHttpError) {
    corio_test::leak_check check;
    corio_test::full_listener listener;
    ASSERT_TRUE(listener.fill()) << "the accept queue never filled up";
    corio::http::client_options options = corio_test::bounded();
    options.timeouts.connect = 50ms;
    TypeParam client{options};
    const std::string url = "http://" + listener.where.to_string() + "/";
    expect_caught_as_an_http_timeout(failure_of_get(client, url), "connect timeout (50ms)", url);
}

TYPED_TEST(AnyHttpClientTimeouts, ATotalTimeoutIsATimeoutErrorAndAnHttpError) {
    corio_test::with_server(corio_test::stay_silent(), [](server_thread& server) {
        corio::http::client_options options;
        options.timeouts.total = 50ms;
        TypeParam client{options};
        const std::string url = server.url("/slow");
        expect_caught_as_an_http_timeout(failure_of_get(client, url), "total timeout (50ms)", url);
    });
}

// ---- cancellation ----

// Runs `body` against a raw server on this thread's loop.
void with_raw_server(raw_http_server::handler on_connection,
                     std::function<corio::task<>(raw_http_server&)> body) {
    corio_test::run_checked([&]() -> corio::task<> {
        raw_http_server server{std::move(on_connection)};
        co_await corio_test::serve_while(server, body(server));
    });
}

// What awaiting `handle` throws.
template <class T>
corio::task<std::exception_ptr> failure_of_join(corio::join_handle<T>& handle) {
    try {
        (void)co_await handle;
    } catch (...) {
        co_return std::current_exception();
    }
    co_return nullptr;
}

TEST(HttpCancellation, ARequestCancelledWhileWaitingForTheHeadThrowsCancelledError) {
    corio::event request_arrived;
    with_raw_server(
        [&](tcp_stream& stream, std::size_t) -> corio::task<> {
            corio_test::request_buffer buffer;
            (void)co_await corio_test::read_request(stream, buffer);
            request_arrived.set();
            (void)co_await corio_test::read_until_closed(stream);
        },
        [&](raw_http_server& server) -> corio::task<> {
            corio::http::client_session session;
            corio::join_handle<corio::http::response> getting =
                corio::spawn(session.get(server.url()));
            co_await corio::wait_for(request_arrived.wait(), corio_test::wait_bound);
            getting.cancel();
            expect_caught_as_a_cancellation(co_await failure_of_join(getting));
        });
}

TEST(HttpCancellation, ARequestCancelledWhileConnectingThrowsCancelledError) {
    corio_test::full_listener listener;
    ASSERT_TRUE(listener.fill()) << "the accept queue never filled up";
    const std::string url = "http://" + listener.where.to_string() + "/";
    const std::exception_ptr failure = failure_of([&url]() -> corio::task<> {
        corio::http::client_session session;
        corio::join_handle<corio::http::response> getting = corio::spawn(session.get(url));
        co_await corio::sleep_for(20ms); // the connect hangs: the listener's queue is full
        getting.cancel();
        const std::exception_ptr cancelled = co_await failure_of_join(getting);
        expect_caught_as_a_cancellation(cancelled);
    });
    EXPECT_FALSE(failure) << "the scenario itself failed";
}

TEST(HttpCancellation, WaitForAroundARequestThrowsTheRuntimesTimeoutError) {
    // wait_for cancels the request when its time is up: the request sees a cancellation, the
    // caller a corio::timeout_error of wait_for's own, not an HTTP error.
    with_raw_server(corio_test::stay_silent(), [](raw_http_server& server) -> corio::task<> {
        corio::http::client_session session;
        std::exception_ptr failure;
        try {
            (void)co_await corio::wait_for(session.get(server.url()), 50ms);
        } catch (...) {
            failure = std::current_exception();
        }
        expect_caught_as_a_timeout(failure, "timed out");
        EXPECT_FALSE(caught_by<corio::http::error>(failure));
    });
}

} // namespace
