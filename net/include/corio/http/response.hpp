// SPDX-License-Identifier: MIT
// response.hpp - a response from client_session: status and fields first, then the body.
//
//     corio::http::response r = co_await session.get(url);
//     if (r.status() == 200) page = co_await r.text(); // or next_chunk(), bytes(), discard()
//
// The body is read from the connection on demand; once read to its end the connection returns
// to the session's pool, while dropping a response with its body unread closes it instead.
// Move-only. Not thread-safe: use it from tasks of the loop it came from.
#pragma once

#include <corio/http/headers.hpp>
#include <corio/http/url.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio::http {

namespace detail {
class client_exchange;
struct response_access;
struct blocking_response_access;
} // namespace detail

class response {
public:
    response(response&& other) noexcept;
    response& operator=(response&& other) noexcept;
    response(const response&) = delete;
    response& operator=(const response&) = delete;
    // Closes the connection if the body was not read to its end.
    ~response();

    [[nodiscard]] int status() const noexcept { return status_; }
    [[nodiscard]] std::string_view reason() const noexcept { return reason_; }
    // 1 for HTTP/1.1, 0 for HTTP/1.0.
    [[nodiscard]] int version_minor() const noexcept { return version_minor_; }
    [[nodiscard]] const headers& fields() const noexcept { return fields_; }
    // The URL that produced this response, after any redirects.
    [[nodiscard]] const url& final_url() const noexcept { return *final_url_; }
    // The URLs that redirected here, in order (empty without redirects).
    [[nodiscard]] const std::vector<std::string>& history() const noexcept { return history_; }

    // The whole body, decoded if the server compressed it (gzip, deflate) unless the session's
    // options say content_decoding::keep_encoded; fields() still say how it was sent. Call
    // text() or bytes() once, before any next_chunk(); a second call throws corio::http::error
    // of kind usage.
    task<std::string> text();
    task<std::vector<std::byte>> bytes();
    // Streaming: the body piece by piece as it arrives, then nullopt at the end (and ever after).
    task<std::optional<std::string>> next_chunk();
    // Reads and drops the rest of the body (without decoding it), so the connection can be
    // reused. The body size limit still applies (too_large_error), so an endless body cannot
    // keep it busy forever.
    task<> discard();

private:
    friend struct detail::response_access;
    friend struct detail::blocking_response_access;

    response(int status, std::string reason, int version_minor, headers fields,
             std::shared_ptr<const url> final_url, std::vector<std::string> history,
             std::unique_ptr<detail::client_exchange> body);
    void claim_whole_body(std::string_view caller);

    int status_;
    std::string reason_;
    int version_minor_;
    headers fields_;
    // Shared with the session's cache of parsed URLs: a response does not copy its URL.
    std::shared_ptr<const url> final_url_;
    std::vector<std::string> history_;
    // The exchange still reading the body; null once the body has been read to its end.
    std::unique_ptr<detail::client_exchange> body_;
    bool body_claimed_ = false;
};

} // namespace corio::http
CORIO_EXPORT_END
