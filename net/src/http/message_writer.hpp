// SPDX-License-Identifier: MIT
// message_writer.hpp - serialises request and response heads for the wire (RFC 9112 §3-§5).
//
// The writer appends the start line, one "Name: value" line per field in order, and the blank
// line; it adds no fields of its own (Host, Content-Length, ... are the caller's business). Every
// piece is validated first against the grammar the parser enforces, so a CR or LF smuggled into
// a method, target, name or value - header injection - throws std::invalid_argument and leaves
// `out` untouched, instead of splitting one message into two. Thread-safety: pure functions.
#pragma once

#include <corio/http/headers.hpp>

#include <string>
#include <string_view>

namespace corio::http::detail {

// Appends "METHOD target HTTP/1.1\r\n", the fields and "\r\n" to `out`. Throws
// std::invalid_argument if the method is not a token, the target is empty or holds whitespace or
// control bytes, a field name is not a token, or a field value holds a control byte other than
// HTAB (CR, LF and NUL included) or begins or ends with whitespace.
void write_request_head(std::string& out, std::string_view method, std::string_view target,
                        const headers& fields);

// The same head piece by piece, for a caller that assembles the fields as it writes them: the
// request line, then one field at a time, then "\r\n" (the caller appends it). Each throws
// std::invalid_argument as write_request_head would, leaving `out` untouched.
void write_request_line(std::string& out, std::string_view method, std::string_view target);
void write_field(std::string& out, std::string_view name, std::string_view value);

// Appends "HTTP/1.1 status reason\r\n", the fields and "\r\n" to `out`. Throws
// std::invalid_argument if status is outside 100-999, the reason holds a control byte other than
// HTAB, or a field is invalid as for write_request_head.
void write_response_head(std::string& out, int status, std::string_view reason,
                         const headers& fields);

// The RFC 9110 reason phrase for common status codes ("OK", "Not Found", ...), "" otherwise.
[[nodiscard]] std::string_view default_reason(int status) noexcept;

} // namespace corio::http::detail
