// SPDX-License-Identifier: MIT
// parse_error.hpp - every way an HTTP/1.1 message can be malformed or oversized, as one enum.
//
// The sans-I/O pieces (head parser, chunked decoder, field grammar, readers) report failures as a
// parse_error, never as an exception, so that each driver decides what a failure costs: the
// clients turn it into protocol_error or too_large_error with the URL, the server into a 400,
// 413, 414 or 431 response. describe() gives the sentence both use. Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace corio::http::detail {

enum class parse_error : unsigned char {
    none,
    bad_status_line,            // response start line not "HTTP/x.y SP code [SP reason]"
    bad_request_line,           // request start line not "method SP target SP HTTP/x.y"
    bad_method,                 // request method is not a token
    bad_target,                 // request target empty or containing whitespace/control bytes
    bad_version,                // "HTTP/" followed by something other than 1.0 or 1.1
    bad_status_code,            // status code not exactly three digits in 100..999
    bad_header_name,            // field line without a colon, or a name that is not a token
    whitespace_before_colon,    // "Name : value" (RFC 9112 §5.1 requires rejecting it)
    bad_header_value,           // control byte other than HTAB in a field value
    obsolete_line_folding,      // a field line starting with SP/HTAB (RFC 9112 §5.2)
    bare_cr,                    // CR not followed by LF
    nul_byte,                   // NUL in a head, chunk-size or trailer line
    head_too_large,             // head or trailer section over parse_limits::max_head_bytes
    too_many_headers,           // more than parse_limits::max_header_count fields
    line_too_long,              // a head line over max_head_line_bytes, a chunk-size or trailer
                                // line over max_line_bytes
    request_line_too_long,      // request line over max_head_line_bytes: its target, in practice
    bad_content_length,         // Content-Length element not 1*DIGIT, or over 2^64-1
    conflicting_content_length, // several Content-Length values that differ
    content_length_with_transfer_encoding, // both framings at once (request smuggling vector)
    unsupported_transfer_coding,           // Transfer-Encoding other than exactly "chunked"
    bad_chunk_size,                        // chunk-size line not starting with 1*HEXDIG
    chunk_size_overflow,                   // chunk size over 2^64-1
    bad_chunk_terminator,                  // chunk data not followed by CRLF (or LF)
    bad_chunk_extension,                   // malformed ";name[=value]" after a chunk size
    chunk_extensions_too_large, // one body's chunk extensions over max_chunk_extension_bytes
};

// A sentence for protocol_error messages, e.g. "chunk size does not fit in 64 bits".
[[nodiscard]] std::string_view describe(parse_error error) noexcept;
// True for head_too_large, too_many_headers, line_too_long, request_line_too_long and
// chunk_extensions_too_large: the peer may be well-formed but exceeded our limits, so the client
// reports too_large_error rather than protocol_error.
[[nodiscard]] bool is_size_limit(parse_error error) noexcept;

} // namespace corio::http::detail
