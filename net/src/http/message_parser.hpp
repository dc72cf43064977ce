// SPDX-License-Identifier: MIT
// message_parser.hpp - parses the head of an HTTP/1.1 message and decides how its body is framed.
//
// The head is the start line, the field lines and the blank line that ends them (RFC 9112 §2).
// parse_response_head / parse_request_head read it straight from the receive buffer, once per
// read: need_more until the blank line has arrived, then done with the head's size, or a typed
// parse_error for anything malformed - no guessing, no silent repair. Each call resumes where the
// last one stopped, so a head arriving a byte at a time costs linear time. response_framing /
// request_framing then apply RFC 9112 §6.3 to say where the body ends.
// Thread-safety: plain functions on caller-owned values.
#pragma once

#include "parse_error.hpp"

#include <corio/http/headers.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace corio::http::detail {

struct parse_limits {
    std::size_t max_head_bytes = 64 * 1024; // start line + fields + blank line; also trailers
    std::size_t max_header_count = 100;     // header fields; trailer fields count separately
    std::size_t max_line_bytes = 8 * 1024;  // chunk-size and trailer lines, without CRLF
    // The start line and each field line of a head, without CRLF. A request line over it is
    // request_line_too_long (the server's 414), any other line line_too_long. The server sets it
    // to max_line_bytes, so that one huge line cannot take the whole head; the client sets it to
    // max_head_bytes (no bound of its own), as a response may carry long Set-Cookie or CSP lines.
    std::size_t max_head_line_bytes = 8 * 1024;
    // All the chunk extensions of one chunked body together (each counted from the end of its
    // chunk size to the end of its line): they carry nothing corio uses, and many small chunks
    // with long extensions would otherwise cost parsing work at no cost in body bytes.
    std::size_t max_chunk_extension_bytes = 4 * 1024;
};

enum class parse_status : unsigned char { done, need_more, error };

// The parser's place within a head that has not fully arrived. Owned by the parse functions:
// leave it alone. It is reset whenever they return done or error, so one head object can parse
// message after message; value-initialise the head to abandon a half-parsed message.
struct head_progress {
    std::size_t line_start = 0; // offset of the first line not parsed yet
    std::size_t scanned = 0;    // no LF between line_start and here
    bool start_line_parsed = false;

    friend bool operator==(const head_progress&, const head_progress&) = default;
};

struct response_head {
    int version_minor = 1;
    int status = 0;
    std::string reason;
    headers fields;
    head_progress progress;
};

struct request_head {
    std::string method;
    std::string target;
    int version_minor = 1;
    headers fields;
    head_progress progress;
};

struct parse_result {
    parse_status status;
    std::size_t consumed = 0; // head size (start line through blank line) when done
    parse_error error = parse_error::none;
};

// `buffer` holds every byte received so far, from the first byte of the message; call again with
// the longer buffer after each read, passing the same `out`. When done, `out` holds the head and
// buffer[consumed..] is the start of the body (or of the next message). On error, `out` is
// partially filled and must not be used. CRLF or bare LF end lines; leading empty lines are
// skipped before a request line (RFC 9112 §2.2) but are an error before a status line.
// head_too_large comes as soon as max_head_bytes have arrived without completing the head, and
// line_too_long (request_line_too_long for a request line) as soon as a line is longer than
// max_head_line_bytes, without waiting for its end. request_head::method is set as soon as the
// request line's method is known, even if the line or the head fails afterwards, so that a
// server can leave the body out of its error response to a HEAD request (RFC 9110 §9.3.2).
parse_result parse_response_head(std::string_view buffer, const parse_limits& limits,
                                 response_head& out);
parse_result parse_request_head(std::string_view buffer, const parse_limits& limits,
                                request_head& out);

enum class body_kind : unsigned char {
    none,           // no body at all
    content_length, // exactly `length` bytes (possibly zero)
    chunked,        // Transfer-Encoding: chunked; see chunked_decoder
    until_close,    // everything until the peer closes (responses only; never reusable)
};

struct body_framing {
    body_kind kind = body_kind::none;
    std::uint64_t length = 0; // for content_length
};

struct framing_result {
    body_framing framing;
    parse_error error = parse_error::none;
};

// RFC 9112 §6.3 for a response to `request_method` (case-sensitive, as methods are): no body
// after HEAD, for 1xx, 204 and 304, or for 2xx to CONNECT (the connection becomes a tunnel);
// otherwise chunked, Content-Length, or until the connection closes.
[[nodiscard]] framing_result response_framing(std::string_view request_method, int status,
                                              const headers& fields);
// The same rules for a request, which has no body unless it says so.
[[nodiscard]] framing_result request_framing(const headers& fields);

// HTTP/1.1 connections persist unless "Connection: close"; HTTP/1.0 ones close unless
// "Connection: keep-alive" (and no "close"). A body framed until_close ends the connection
// regardless; the caller checks that separately.
[[nodiscard]] bool keeps_alive(int version_minor, const headers& fields);

// What a client must know of every final response head before it reads on: response_framing(),
// keeps_alive() and whether there is a Content-Encoding to undo, from one pass over the fields
// instead of four.
struct response_disposition {
    framing_result framed;
    bool keeps_alive = false;
    bool content_encoding = false;
};
[[nodiscard]] response_disposition dispose_response(std::string_view request_method,
                                                    const response_head& head);

} // namespace corio::http::detail
