// SPDX-License-Identifier: MIT
// client.hpp - client_session, an async HTTP/1.1 client with a connection pool (aiohttp's).
//
//     corio::http::client_session session;
//     corio::http::response r = co_await session.get("http://example.com/"); // head arrived
//     std::string page = co_await r.text();                                  // then the body
// Reuses keep-alive connections per origin (at most max_connections_per_host; more requests
// queue in order), follows redirects, applies timeouts, throws corio::http errors with the URL.
// Not thread-safe: use a session from one loop's tasks, and destroy it before that loop.
#pragma once

#include <corio/http/client_options.hpp>
#include <corio/http/headers.hpp>
#include <corio/http/response.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

CORIO_EXPORT_BEGIN
namespace corio::http {

namespace detail {
struct session_state;
} // namespace detail

// Besides pooling: an idempotent request that fails on a pooled connection before any byte of
// the response arrived (the server closed it while idle) is retried once on a fresh connection.
// Cancelling a request or a body read throws corio::cancelled_error and closes the connection.
// Requests in flight share the session's state, so moving or destroying the session under them
// is safe (their connections are then closed rather than pooled).
class client_session {
public:
    // Throws std::invalid_argument if max_connections_per_host is 0.
    explicit client_session(client_options options = {});
    client_session(client_session&& other) noexcept;
    client_session& operator=(client_session&& other) noexcept;
    client_session(const client_session&) = delete;
    client_session& operator=(const client_session&) = delete;
    // Closes the pooled connections. Responses still being read keep theirs until they finish.
    ~client_session();

    task<response> get(std::string_view url, headers extra = {});
    task<response> head(std::string_view url, headers extra = {});
    task<response> post(std::string_view url, std::string body, headers extra = {});
    // Any method; `extra` fields override the session's default_headers of the same name.
    // Resolves when the final head has arrived; the body is then read from the response.
    task<response> request(std::string method, std::string_view url, headers extra = {},
                           std::string body = {});

    // Connections opened so far (for https, those whose handshake succeeded), and those idle in
    // the pool now.
    [[nodiscard]] std::size_t connections_opened() const noexcept;
    [[nodiscard]] std::size_t idle_connections() const noexcept;
    // Closes the idle pooled connections now; the session stays usable.
    void close() noexcept;

private:
    std::shared_ptr<detail::session_state> state_;
};

} // namespace corio::http
CORIO_EXPORT_END
