// SPDX-License-Identifier: MIT
// blocking_client.hpp - blocking_session, an HTTP/1.1 client for programs without an event loop
// (requests.Session to client_session's aiohttp).
//
//     corio::http::blocking_session session;
//     corio::http::blocking_response r = session.get("http://example.com/"); // blocks
//     std::cout << r.status() << " " << r.text().size() << " bytes\n";     // body already read
//
// Each call blocks its thread until the whole response has arrived. It takes the same options as
// client_session and behaves the same: keep-alive pool, redirects, timeouts, limits, HTTPS,
// compressed bodies, the same corio::http errors with the URL - it runs the same request code,
// with I/O that blocks on its sockets instead of waiting on an event loop. It never creates or
// touches an event loop, so it may run on a thread that has one (blocking that loop meanwhile).
// Not thread-safe: one call at a time.
#pragma once

#include <corio/http/client_options.hpp>
#include <corio/http/headers.hpp>
#include <corio/http/url.hpp>
#include <corio/runtime/detail/export.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio::http {

namespace detail {
struct blocking_state;
struct blocking_response_access;
} // namespace detail

// A whole response, body included (requests.Response). A plain value.
class blocking_response {
public:
    [[nodiscard]] int status() const noexcept { return status_; }
    [[nodiscard]] std::string_view reason() const noexcept { return reason_; }
    // 1 for HTTP/1.1, 0 for HTTP/1.0.
    [[nodiscard]] int version_minor() const noexcept { return version_minor_; }
    [[nodiscard]] const headers& fields() const noexcept { return fields_; }
    // The URL that produced this response, after any redirects.
    [[nodiscard]] const url& final_url() const noexcept { return final_url_; }
    // The URLs that redirected here, in order (empty without redirects).
    [[nodiscard]] const std::vector<std::string>& history() const noexcept { return history_; }
    // The body, decoded if it came compressed (see content_decoding); empty for HEAD, 204, 304.
    [[nodiscard]] const std::string& text() const noexcept { return body_; }

private:
    friend struct detail::blocking_response_access;

    blocking_response(int status, std::string reason, int version_minor, headers fields,
                      url final_url, std::vector<std::string> history, std::string body);

    int status_;
    std::string reason_;
    int version_minor_;
    headers fields_;
    url final_url_;
    std::vector<std::string> history_;
    std::string body_;
};

// Pooling as client_session's: connections are kept per origin (scheme, host, port) and reused;
// one idle longer than pool_idle_timeout is closed when next looked at; an idempotent request
// that fails on a pooled connection before any byte of the response arrived is retried once on a
// fresh one. One request runs at a time, so max_connections_per_host is only checked (at least 1).
// Timeouts: connect bounds each attempt, read each wait for data (or to send), total the whole
// call including redirects and the body. A slow DNS lookup cannot be interrupted, only reported
// as a total timeout after it returns (as in client_session).
class blocking_session {
public:
    // Throws std::invalid_argument if max_connections_per_host is 0.
    explicit blocking_session(client_options options = {});
    blocking_session(blocking_session&& other) noexcept;
    blocking_session& operator=(blocking_session&& other) noexcept;
    blocking_session(const blocking_session&) = delete;
    blocking_session& operator=(const blocking_session&) = delete;
    // Closes the pooled connections.
    ~blocking_session();

    blocking_response get(std::string_view url, const headers& extra = {});
    blocking_response head(std::string_view url, const headers& extra = {});
    blocking_response post(std::string_view url, std::string body, const headers& extra = {});
    // Any method; `extra` fields override the session's default_headers of the same name.
    // Returns once the whole body has arrived. Throws corio::http::error (see error.hpp).
    blocking_response request(std::string_view method, std::string_view url,
                              const headers& extra = {}, std::string body = {});

    // Connections opened so far (for https, those whose handshake succeeded), and those idle in
    // the pool now.
    [[nodiscard]] std::size_t connections_opened() const noexcept;
    [[nodiscard]] std::size_t idle_connections() const noexcept;
    // Closes the idle pooled connections now; the session stays usable.
    void close() noexcept;

private:
    std::shared_ptr<detail::blocking_state> state_;
};

} // namespace corio::http
CORIO_EXPORT_END
