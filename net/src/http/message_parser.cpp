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
    out.method.assign(method); // before the rest is checked: see parse_request_head()
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
    out.target.assign(target);
    return parse_error::none;
}

// What a start line longer than max_head_line_bytes is reported as, and what is kept of it:
// a request line's method, if its first SP has arrived.
parse_error start_line_too_long(std::string_view /*partial*/, response_head& /*out*/) {
    return parse_error::line_too_long;
}

parse_error start_line_too_long(std::string_view partial, request_head& out) {
    const std::size_t space = partial.find(' ');
    if (space != std::string_view::npos && is_token(partial.substr(0, space))) {
        out.method.assign(partial.substr(0, space));
    }
    return parse_error::request_line_too_long;
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

// Room for this many fields is made at a head's first field, in one allocation: most heads have
// fewer, and growing the list one doubling at a time moved every field again each time.
constexpr std::size_t typical_field_count = 16;

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
            // A line over the limit fails now rather than once it ends, or once the head limit
            // is reached; a final CR may be half of its CRLF, which does not count.
            const std::string_view partial =
                buffer.substr(progress.line_start, search_end - progress.line_start);
            if (partial.size() - (partial.ends_with('\r') ? 1 : 0) > limits.max_head_line_bytes) {
                return fail(progress.start_line_parsed ? parse_error::line_too_long
                                                       : start_line_too_long(partial, out));
            }
            if (buffer.size() >= limits.max_head_bytes) {
                return fail(parse_error::head_too_large);
            }
            progress.scanned = buffer.size();
            return {parse_status::need_more};
        }
        const auto lf = static_cast<std::size_t>(static_cast<const char*>(found) - buffer.data());
        const std::string_view raw = buffer.substr(progress.line_start, lf - progress.line_start);
        const std::string_view text = raw.ends_with('\r') ? raw.substr(0, raw.size() - 1) : raw;
        progress.line_start = lf + 1;
        progress.scanned = lf + 1;
        parse_error error = parse_error::none;
        if (text.size() > limits.max_head_line_bytes) {
            return fail(progress.start_line_parsed ? parse_error::line_too_long
                                                   : start_line_too_long(text, out));
        }
        if (!progress.start_line_parsed) {
            if (text.empty() && skip_leading_empty_lines) {
                continue;
            }
            error = parse_start_line(text, out);
            progress.start_line_parsed = true;
        } else if (text.empty()) {
            progress = head_progress{};
            return {parse_status::done, lf + 1};
        } else if (out.fields.size() >= limits.max_header_count) {
            error = parse_error::too_many_headers;
        } else {
            if (out.fields.empty()) {
                out.fields.reserve(std::min(limits.max_header_count, typical_field_count));
            }
            error = parse_field_line(text, out.fields);
        }
        if (error != parse_error::none) {
            // A NUL or a CR within a line is neither a token nor field text, so such a line
            // always fails above; only then is it searched for them, to report the real cause.
            const line_text checked = strip_line_ending(raw);
            return fail(checked.error != parse_error::none ? checked.error : error);
        }
    }
}

// Content-Length is 1*DIGIT; repeats (separate fields or a list) are tolerated only when they
// are textually identical (RFC 9110 §8.6), since picking one would be a guess. Adds one field's
// value to what the fields before it said (`first` is the first element seen).
parse_error add_content_length(std::string_view value, std::optional<std::string_view>& first,
                               std::uint64_t& length) {
    while (true) {
        const std::size_t comma = value.find(',');
        const std::string_view element = trim_ows(value.substr(0, comma));
        if (element.empty() || !std::all_of(element.begin(), element.end(), is_digit)) {
            return parse_error::bad_content_length;
        }
        if (!first) {
            constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
            for (const char c : element) {
                const auto digit = static_cast<std::uint64_t>(c - '0');
                if (length > (max - digit) / 10) {
                    return parse_error::bad_content_length;
                }
                length = length * 10 + digit;
            }
            first = element;
        } else if (element != *first) {
            return parse_error::conflicting_content_length;
        }
        if (comma == std::string_view::npos) {
            return parse_error::none;
        }
        value.remove_prefix(comma + 1);
    }
}

// The fields that frame a body or decide whether the connection persists, found in one pass.
struct framing_fields {
    std::size_t transfer_encodings = 0; // Transfer-Encoding fields
    std::size_t transfer_codings = 0;   // the codings they list, empty elements left out
    std::string_view last_transfer_coding;
    std::size_t content_lengths = 0;
    std::string_view content_length; // the first one
    bool connection_close = false;
    bool connection_keep_alive = false;
    bool content_encoding = false;
};

// headers::has_token()'s rule, for both tokens at once.
void note_connection_tokens(std::string_view value, framing_fields& found) {
    for_each_list_element(value, [&found](std::string_view element) {
        found.connection_close = found.connection_close || iequals(element, "close");
        found.connection_keep_alive = found.connection_keep_alive || iequals(element, "keep-alive");
    });
}

void note_transfer_codings(std::string_view value, framing_fields& found) {
    ++found.transfer_encodings;
    for_each_list_element(value, [&found](std::string_view coding) {
        ++found.transfer_codings;
        found.last_transfer_coding = coding;
    });
}

framing_fields find_framing_fields(const headers& fields) {
    framing_fields found;
    for (const header_field& field : fields) {
        // By length first: most fields are none of the four, and that settles it.
        switch (field.name.size()) {
        case 10:
            if (iequals(field.name, "connection")) {
                note_connection_tokens(field.value, found);
            }
            break;
        case 14:
            if (iequals(field.name, "content-length") && found.content_lengths++ == 0) {
                found.content_length = field.value;
            }
            break;
        case 16:
            found.content_encoding =
                found.content_encoding || iequals(field.name, "content-encoding");
            break;
        case 17:
            if (iequals(field.name, "transfer-encoding")) {
                note_transfer_codings(field.value, found);
            }
            break;
        default:
            break;
        }
    }
    return found;
}

framing_result framing_from(const framing_fields& found, const headers& fields,
                            body_kind without_length) {
    if (found.transfer_encodings > 0 && found.content_lengths > 0) {
        // RFC 9112 §6.3 lets a recipient prefer Transfer-Encoding; a proxy in front of us may have
        // preferred Content-Length, so refusing is the only answer that cannot be smuggled past.
        return {{}, parse_error::content_length_with_transfer_encoding};
    }
    if (found.transfer_encodings > 0) {
        // Only a lone "chunked" frames a body we can decode; "gzip, chunked" would need a
        // decompressor and "chunked, chunked" is nonsense, so neither is guessed at. Empty list
        // elements do not count (RFC 9110 §5.6.1.2: ", chunked" is "chunked"), but a field that
        // lists no coding at all frames nothing and stays an error.
        if (found.transfer_codings == 1 && iequals(found.last_transfer_coding, "chunked")) {
            return {{body_kind::chunked, 0}};
        }
        return {{}, parse_error::unsupported_transfer_coding};
    }
    if (found.content_lengths == 0) {
        return {{without_length, 0}};
    }
    std::optional<std::string_view> first;
    std::uint64_t length = 0;
    if (found.content_lengths == 1) {
        if (const parse_error error = add_content_length(found.content_length, first, length);
            error != parse_error::none) {
            return {{}, error};
        }
        return {{body_kind::content_length, length}};
    }
    for (const header_field& field : fields) {
        if (!iequals(field.name, "content-length")) {
            continue;
        }
        if (const parse_error error = add_content_length(field.value, first, length);
            error != parse_error::none) {
            return {{}, error};
        }
    }
    return {{body_kind::content_length, length}};
}

bool response_has_no_body(std::string_view request_method, int status) noexcept {
    return request_method == "HEAD" || (status >= 100 && status < 200) || status == 204 ||
           status == 304 || (request_method == "CONNECT" && status >= 200 && status < 300);
}

bool persists(int version_minor, const framing_fields& found) noexcept {
    return !found.connection_close && (version_minor >= 1 || found.connection_keep_alive);
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
    if (response_has_no_body(request_method, status)) {
        return {{body_kind::none, 0}};
    }
    return framing_from(find_framing_fields(fields), fields, body_kind::until_close);
}

framing_result request_framing(const headers& fields) {
    return framing_from(find_framing_fields(fields), fields, body_kind::none);
}

bool keeps_alive(int version_minor, const headers& fields) {
    return persists(version_minor, find_framing_fields(fields));
}

response_disposition dispose_response(std::string_view request_method, const response_head& head) {
    const framing_fields found = find_framing_fields(head.fields);
    response_disposition result;
    result.framed = response_has_no_body(request_method, head.status)
                        ? framing_result{{body_kind::none, 0}}
                        : framing_from(found, head.fields, body_kind::until_close);
    result.keeps_alive = persists(head.version_minor, found);
    result.content_encoding = found.content_encoding;
    return result;
}

} // namespace corio::http::detail
