// SPDX-License-Identifier: MIT
// server_response_head.hpp - the head a server sends for a handler's response.
//
// The handler decides status, reason, fields and body; the server decides what frames the
// message and whether the connection persists. So the head gets Date (RFC 9110 §6.6.1, unless the
// handler set one) and Server (if configured), loses any Content-Length, Transfer-Encoding and
// Connection the handler set, and gains the real Content-Length (none for 204 and 304) and
// "Connection: close" or, for an HTTP/1.0 client, "keep-alive". A response the handler got wrong
// (a 1xx status, a CR in a field) is replaced by a 500 that says why, rather than sent broken or
// dropped without an answer. Not thread-safe: http_date_cache is per server.
#pragma once

#include <corio/http/server.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace corio::http::detail {

// IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
[[nodiscard]] std::string format_http_date(std::chrono::sys_seconds when);

// The current date as IMF-fixdate, formatted at most once per second however many responses go
// out in it.
class http_date_cache {
public:
    [[nodiscard]] const std::string& now();

private:
    std::chrono::sys_seconds second_{};
    std::string text_;
};

// RFC 9110 §6.4.1: no content in 204 and 304 responses.
[[nodiscard]] constexpr bool status_has_body(int status) noexcept {
    return status != 204 && status != 304;
}

struct response_head_context {
    std::string_view date;        // for the Date field
    std::string_view server_name; // empty: no Server field
    bool close = false;           // the connection closes after this response
    int version_minor = 1;        // the request's HTTP/1.x version
};

// The head for the wire. If `response` cannot be sent as it is, it is replaced by the 500 whose
// head is returned.
[[nodiscard]] std::string prepare_response_head(server_response& response,
                                                const response_head_context& context);

} // namespace corio::http::detail
