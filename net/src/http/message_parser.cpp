// SPDX-License-Identifier: MIT
#include "message_parser.hpp"

#include "field_syntax.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

namespace corio::http::detail {

namespace {

// Only "HTTP/1.0" and "HTTP/1.1": the digits are single DIGITs (RFC 9112 §2.3), and a higher
// major version speaks a different protocol altogether.
bool parse_version(std::string_view text, int& minor) noexcept {
    if (text.size() != 8 || !text.starts_with("HTTP/1.") || (text[7] != '0' && text[7] != '1')) {
        return false;
    }
    minor = text[7] - '0';
    return true;
}

parse_error parse_status_line(std::string_view line, response_head& out) {
    if (!line.starts_with("HTTP/")) {
        return parse_error::bad_status_line;
    }
    const std::size_t space = line.find(' ');
    if (!parse_version(line.substr(0, space), out.version_minor)) {
        return parse_error::bad_version;
    }
    if (space == std::string_view::npos) {
        return parse_error::bad_status_line;
    }
    const std::string_view rest = line.substr(space + 1);
    if (rest.size() < 3 || !is_digit(rest[0]) || !is_digit(rest[1]) || !is_digit(rest[2]) ||
        (rest.size() > 3 && rest[3] != ' ')) {
        return parse_error::bad_status_code;
    }
    const int status = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
    if (status < 100) {
        return parse_error::bad_status_code;
    }
    // RFC 9112 §4 wants the SP even before an empty reason; servers omitting it are common and
    // harmless, so "HTTP/1.1 200" is accepted.
    const std::string_view reason = rest.size() > 3 ? rest.substr(4) : std::string_view();
    if (!is_field_text(reason)) {
        return parse_error::bad_status_line;
    }
    out.status = status;
    out.reason.assign(reason);
    return parse_error::none;
}

parse_error parse_request_line(std::string_view line, request_head& out) {
    const std::size_t first = line.find(' ');
    const std::size_t last = line.rfind(' ');
    if (first == std::string_view::npos || first == last) {
        return parse_error::bad_request_line;
    }
    const std::string_view method = line.substr(0, first);
    if (!is_token(method)) {
        return parse_error::bad_method;
    }
    const std::string_view version = line.substr(last + 1);
    if (!version.starts_with("HTTP/")) {
        return parse_error::bad_request_line;
    }
    if (!parse_version(version, out.version_minor)) {
        return parse_error::bad_version;
    }
    // Everything between the first and last SP, so "GET /a b HTTP/1.1" is reported as the bad
    // target it is rather than as a bad version.
    const std::string_view target = line.substr(first + 1, last - first - 1);
    if (!is_request_target(target)) {
        return parse_error::bad_target;
    }
    out.method.assign(method);
    out.target.assign(target);
    return parse_error::none;
}

void reset(response_head& head) {
    head.version_minor = 1;
    head.status = 0;
    head.reason.clear();
    head.fields.clear();
}

void reset(request_head& head) {
    head.method.clear();
    head.target.clear();
    head.version_minor = 1;
    head.fields.clear();
}

// The loop shared by both heads: find each LF (resuming where the previous call stopped),
// check the line, hand the first to `parse_start_line` and the rest to parse_field_line.
template <typename Head, typename StartLineParser>
parse_result parse_head(std::string_view buffer, const parse_limits& limits, Head& out,
                        bool skip_leading_empty_lines, StartLineParser parse_start_line) {
    head_progress& progress = out.progress;
    if (progress.scanned > buffer.size()) {
        progress = head_progress{}; // a shorter buffer can only be a new message
    }
    if (progress == head_progress{}) {
        reset(out);
    }
    const auto fail = [&progress](parse_error error) {
        progress = head_progress{};
        return parse_result{parse_status::error, 0, error};
    };
    // A head ending at or beyond this offset is over the limit, so never look further.
    const std::size_t search_end = std::min(buffer.size(), limits.max_head_bytes);
    while (true) {
        const void* found = nullptr;
        if (progress.scanned < search_end) {
            found =
                std::memchr(buffer.data() + progress.scanned, '\n', search_end - progress.scanned);
        }
        if (found == nullptr) {
            if (buffer.size() >= limits.max_head_bytes) {
                return fail(parse_error::head_too_large);
            }
            progress.scanned = buffer.size();
            return {parse_status::need_more};
        }
        const auto lf = static_cast<std::size_t>(static_cast<const char*>(found) - buffer.data());
        const line_text line =
            strip_line_ending(buffer.substr(progress.line_start, lf - progress.line_start));
        progress.line_start = lf + 1;
        progress.scanned = lf + 1;
        if (line.error != parse_error::none) {
            return fail(line.error);
        }
        parse_error error = parse_error::none;
        if (!progress.start_line_parsed) {
            if (line.text.empty() && skip_leading_empty_lines) {
                continue;
            }
            error = parse_start_line(line.text, out);
            progress.start_line_parsed = true;
        } else if (line.text.empty()) {
            progress = head_progress{};
            return {parse_status::done, lf + 1};
        } else if (out.fields.size() >= limits.max_header_count) {
            error = parse_error::too_many_headers;
        } else {
            error = parse_field_line(line.text, out.fields);
        }
        if (error != parse_error::none) {
            return fail(error);
        }
    }
}

// Content-Length is 1*DIGIT; repeats (separate fields or a list) are tolerated only when they
// are textually identical (RFC 9110 §8.6), since picking one would be a guess.
framing_result content_length_framing(const headers& fields) {
    std::optional<std::string_view> first;
    std::uint64_t length = 0;
    for (const header_field& field : fields) {
        if (!iequals(field.name, "content-length")) {
            continue;
        }
        std::string_view rest = field.value;
        while (true) {
            const std::size_t comma = rest.find(',');
            const std::string_view element = trim_ows(rest.substr(0, comma));
            if (element.empty() || !std::all_of(element.begin(), element.end(), is_digit)) {
                return {{}, parse_error::bad_content_length};
            }
            if (!first) {
                constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
                for (const char c : element) {
                    const auto digit = static_cast<std::uint64_t>(c - '0');
                    if (length > (max - digit) / 10) {
                        return {{}, parse_error::bad_content_length};
                    }
                    length = length * 10 + digit;
                }
                first = element;
            } else if (element != *first) {
                return {{}, parse_error::conflicting_content_length};
            }
            if (comma == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(comma + 1);
        }
    }
    return {{body_kind::content_length, length}};
}

framing_result framing_from_fields(const headers& fields, body_kind without_length) {
    std::size_t transfer_encodings = 0;
    std::string_view transfer_encoding;
    bool has_content_length = false;
    for (const header_field& field : fields) {
        if (iequals(field.name, "transfer-encoding")) {
            ++transfer_encodings;
            transfer_encoding = field.value;
        } else if (iequals(field.name, "content-length")) {
            has_content_length = true;
        }
    }
    if (transfer_encodings > 0 && has_content_length) {
        // RFC 9112 §6.3 lets a recipient prefer Transfer-Encoding; a proxy in front of us may have
        // preferred Content-Length, so refusing is the only answer that cannot be smuggled past.
        return {{}, parse_error::content_length_with_transfer_encoding};
    }
    if (transfer_encodings > 0) {
        // Only a lone "chunked" frames a body we can decode; "gzip, chunked" would need a
        // decompressor and "chunked, chunked" is nonsense, so neither is guessed at.
        if (transfer_encodings == 1 && iequals(trim_ows(transfer_encoding), "chunked")) {
            return {{body_kind::chunked, 0}};
        }
        return {{}, parse_error::unsupported_transfer_coding};
    }
    if (has_content_length) {
        return content_length_framing(fields);
    }
    return {{without_length, 0}};
}

} // namespace

parse_result parse_response_head(std::string_view buffer, const parse_limits& limits,
                                 response_head& out) {
    return parse_head(buffer, limits, out, false, parse_status_line);
}

parse_result parse_request_head(std::string_view buffer, const parse_limits& limits,
                                request_head& out) {
    return parse_head(buffer, limits, out, true, parse_request_line);
}

framing_result response_framing(std::string_view request_method, int status,
                                const headers& fields) {
    if (request_method == "HEAD" || (status >= 100 && status < 200) || status == 204 ||
        status == 304) {
        return {{body_kind::none, 0}};
    }
    if (request_method == "CONNECT" && status >= 200 && status < 300) {
        return {{body_kind::none, 0}};
    }
    return framing_from_fields(fields, body_kind::until_close);
}

framing_result request_framing(const headers& fields) {
    return framing_from_fields(fields, body_kind::none);
}

bool keeps_alive(int version_minor, const headers& fields) {
    if (fields.has_token("Connection", "close")) {
        return false;
    }
    return version_minor >= 1 || fields.has_token("Connection", "keep-alive");
}

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
        return "chunk-size or trailer line exceeds the length limit";
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
    }
    return "unknown parse error";
}

bool is_size_limit(parse_error error) noexcept {
    return error == parse_error::head_too_large || error == parse_error::too_many_headers ||
           error == parse_error::line_too_long;
}

} // namespace corio::http::detail
