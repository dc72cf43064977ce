// SPDX-License-Identifier: MIT
// client_adapters.hpp - the async and the blocking HTTP client behind one synchronous interface,
// so that one typed test body (client_suite_test.cpp) drives either.
//
// Both clients run one request policy (client_flow), so they must behave the same; the typed
// suite proves it by running each scenario against both. Every call returns the whole response,
// body included, or throws the corio::http error the client threw. async_client owns an event
// loop and runs it for the length of each call (so the test's thread stays free between calls,
// as with the blocking client); the servers the tests talk to run on a thread of their own
// (server_thread), so the same server scripts serve both. Not thread-safe.
#pragma once

#include <corio/http/blocking_client.hpp>
#include <corio/http/client.hpp>
#include <corio/http/client_options.hpp>
#include <corio/http/error.hpp>
#include <corio/http/headers.hpp>
#include <corio/runtime/event_loop.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corio_test {

// A whole response, as either client delivered it.
struct fetched {
    int status = 0;
    std::string reason;
    int version_minor = 0;
    corio::http::headers fields;
    std::string final_url;
    std::vector<std::string> history;
    std::string body;
};

// client_session (corio/http/client.hpp) on a loop of its own: each call runs the loop until the
// request and its body (text()) are done. Destroying it destroys the session, then checks that
// the loop holds nothing more (timers, registrations, tasks) before the loop goes too.
class async_client {
public:
    using session_type = corio::http::client_session;
    static constexpr std::string_view name = "Async";

    // Throws what client_session's constructor throws.
    explicit async_client(corio::http::client_options options = {});
    ~async_client();
    async_client(const async_client&) = delete;
    async_client& operator=(const async_client&) = delete;

    fetched get(std::string_view url, const corio::http::headers& extra = {});
    fetched head(std::string_view url, const corio::http::headers& extra = {});
    fetched post(std::string_view url, std::string body, const corio::http::headers& extra = {});
    fetched request(std::string_view method, std::string_view url,
                    const corio::http::headers& extra = {}, std::string body = {});

    [[nodiscard]] std::size_t connections_opened() const noexcept;
    [[nodiscard]] std::size_t idle_connections() const noexcept;
    void close() noexcept;
    // Lets `duration` pass with the loop running, so the pool's timers can fire.
    void pause(std::chrono::steady_clock::duration duration);

    // The session itself, to move it (tests of moved-from and move-assigned sessions). A session
    // moved out of here is tied to this object's loop: move it back in to use it, and destroy it
    // before this object.
    [[nodiscard]] session_type& session() noexcept { return *session_; }

private:
    corio::event_loop loop_;
    std::optional<session_type> session_; // reset before loop_ is checked and destroyed
};

// blocking_session (corio/http/blocking_client.hpp), whose calls already return whole responses.
class blocking_client {
public:
    using session_type = corio::http::blocking_session;
    static constexpr std::string_view name = "Blocking";

    explicit blocking_client(corio::http::client_options options = {});

    fetched get(std::string_view url, const corio::http::headers& extra = {});
    fetched head(std::string_view url, const corio::http::headers& extra = {});
    fetched post(std::string_view url, std::string body, const corio::http::headers& extra = {});
    fetched request(std::string_view method, std::string_view url,
                    const corio::http::headers& extra = {}, std::string body = {});

    [[nodiscard]] std::size_t connections_opened() const noexcept;
    [[nodiscard]] std::size_t idle_connections() const noexcept;
    void close() noexcept;
    // Sleeps: this client has no timer that could fire meanwhile.
    void pause(std::chrono::steady_clock::duration duration);

    [[nodiscard]] session_type& session() noexcept { return session_; }

private:
    session_type session_;
};

// The error `client` throws for GET `url` (either adapter); fails the test if there is none.
template <class Client>
std::optional<corio::http::error> failure_of(Client& client, const std::string& url) {
    try {
        (void)client.get(url);
    } catch (const corio::http::error& failure) {
        return failure;
    }
    ADD_FAILURE() << "no error for " << url;
    return std::nullopt;
}

} // namespace corio_test
