// SPDX-License-Identifier: MIT
// client_request.hpp - the request a client sends: method, URL, fields, body, and its wire form.
//
// A plain value passed between the client and the redirect policy. Serialisation adds what the
// client owns: Host (unless given), "User-Agent: corio/<version>" (unless given) and Content-Length
// (for a body, and always for POST, PUT and PATCH), dropping the caller's Content-Length and
// Transfer-Encoding. (Accept-Encoding is one of the session's default fields, see client_flow.)
// The client flow also takes from here the head as it sends it (checked_request_head) and the
// rule for retrying on a stale pooled connection. Thread-safety: plain values and pure functions.
#pragma once

#include <corio/http/headers.hpp>
#include <corio/http/url.hpp>
#include <corio/runtime/version.hpp>

#include <string>
#include <string_view>

namespace corio::http::detail {

inline constexpr std::string_view default_user_agent = "corio/" CORIO_VERSION_STRING;

struct client_request {
    std::string method;
    url target;
    headers fields;
    std::string body;
};

// `defaults` overridden by `extra`: a name present in `extra` replaces every default field of
// that name (so extra can hold several values of its own, such as two Accept fields).
[[nodiscard]] headers merge_fields(const headers& defaults, const headers& extra);

// RFC 9110 §9.2.2: repeating the request has the same effect as sending it once, so a request
// that died on a stale pooled connection may be sent again.
[[nodiscard]] bool is_idempotent(std::string_view method) noexcept;

// False when the request's fields ask for "Connection: close".
[[nodiscard]] bool request_keeps_alive(const headers& fields);

// The request head, written straight into one string. Throws std::invalid_argument for a method
// that is not a token or a field that may not be sent (see write_request_head).
[[nodiscard]] std::string serialize_request_head(std::string_view method, const url& target,
                                                 const headers& fields, std::string_view body);
[[nodiscard]] std::string serialize_request_head(const client_request& request);

// The head a client sends, checked before any connection is made: throws an error of kind usage,
// carrying `url_text`, where serialize_request_head refuses.
[[nodiscard]] std::string checked_request_head(std::string_view method, const url& target,
                                               const headers& fields, std::string_view body,
                                               const std::string& url_text);

// After a connection_closed_error: may the request go once more, on a fresh connection? Only if
// it failed on a reused (pooled) connection before any byte of the response arrived - the server
// most likely closed the idle connection as it was reused - it is idempotent, and it has not
// been retried already.
[[nodiscard]] bool retry_on_fresh_connection(std::string_view method, bool reused,
                                             bool received_any, bool already_retried) noexcept;

} // namespace corio::http::detail
