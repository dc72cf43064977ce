// SPDX-License-Identifier: MIT
#include "parse_error.hpp"

namespace corio::http::detail {

std::string_view describe(parse_error error) noexcept {
    switch (error) {
    case parse_error::none:
        return "no error";
    case parse_error::bad_status_line:
        return "malformed status line (expected 'HTTP/1.1 200 OK')";
    case parse_error::bad_request_line:
        return "malformed request line (expected 'GET /path HTTP/1.1')";
    case parse_error::bad_method:
        return "request method is not a token";
    case parse_error::bad_target:
        return "request target is empty or contains whitespace or control characters";
    case parse_error::bad_version:
        return "unsupported HTTP version (corio speaks HTTP/1.0 and HTTP/1.1)";
    case parse_error::bad_status_code:
        return "status code is not three digits between 100 and 999";
    case parse_error::bad_header_name:
        return "malformed field line (expected a token name, a colon, then the value)";
    case parse_error::whitespace_before_colon:
        return "whitespace between a field name and its colon (forbidden by RFC 9112 §5.1)";
    case parse_error::bad_header_value:
        return "field value contains a control character";
    case parse_error::obsolete_line_folding:
        return "field line starts with whitespace (obsolete line folding, RFC 9112 §5.2)";
    case parse_error::bare_cr:
        return "CR not followed by LF";
    case parse_error::nul_byte:
        return "NUL byte in a message head, chunk-size or trailer line";
    case parse_error::head_too_large:
        return "message head or trailer section exceeds the size limit";
    case parse_error::too_many_headers:
        return "too many header or trailer fields";
    case parse_error::line_too_long:
        return "a header, chunk-size or trailer line exceeds the length limit";
    case parse_error::request_line_too_long:
        return "request line (its target, in practice) exceeds the length limit";
    case parse_error::bad_content_length:
        return "Content-Length is not a decimal number that fits in 64 bits";
    case parse_error::conflicting_content_length:
        return "several different Content-Length values";
    case parse_error::content_length_with_transfer_encoding:
        return "both Content-Length and Transfer-Encoding are present";
    case parse_error::unsupported_transfer_coding:
        return "Transfer-Encoding is not exactly 'chunked'";
    case parse_error::bad_chunk_size:
        return "malformed chunk size (expected hexadecimal digits)";
    case parse_error::chunk_size_overflow:
        return "chunk size does not fit in 64 bits";
    case parse_error::bad_chunk_terminator:
        return "chunk data is not followed by CRLF";
    case parse_error::bad_chunk_extension:
        return "malformed chunk extension";
    case parse_error::chunk_extensions_too_large:
        return "chunk extensions exceed the size limit for one body";
    }
    return "unknown parse error";
}

bool is_size_limit(parse_error error) noexcept {
    return error == parse_error::head_too_large || error == parse_error::too_many_headers ||
           error == parse_error::line_too_long || error == parse_error::request_line_too_long ||
           error == parse_error::chunk_extensions_too_large;
}

} // namespace corio::http::detail
