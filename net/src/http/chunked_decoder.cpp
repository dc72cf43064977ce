// SPDX-License-Identifier: MIT
#include "chunked_decoder.hpp"

#include "field_syntax.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace corio::http::detail {

namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::size_t skip_ows(std::string_view text, std::size_t pos) noexcept {
    while (pos < text.size() && is_ows(text[pos])) {
        ++pos;
    }
    return pos;
}

// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4); `pos` is at the
// opening quote. Returns the offset after the closing quote, or npos if malformed.
std::size_t skip_quoted_string(std::string_view text, std::size_t pos) noexcept {
    for (++pos; pos < text.size(); ++pos) {
        const char c = text[pos];
        if (c == '"') {
            return pos + 1;
        }
        if (c == '\\') {
            ++pos;
            if (pos == text.size() || !is_field_char(text[pos])) {
                return std::string_view::npos;
            }
        } else if (!is_field_char(c)) {
            return std::string_view::npos;
        }
    }
    return std::string_view::npos;
}

std::size_t skip_token(std::string_view text, std::size_t pos) noexcept {
    while (pos < text.size() && is_tchar(text[pos])) {
        ++pos;
    }
    return pos;
}

// chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ), ext-val = token / quoted-string.
// Extensions carry nothing corio uses; they are validated so junk after the size is not ignored.
parse_error check_chunk_extensions(std::string_view text) noexcept {
    std::size_t pos = 0;
    bool any = false;
    while (pos < text.size()) {
        pos = skip_ows(text, pos);
        if (pos == text.size() || text[pos] != ';') {
            // "5 " or "5x" is a bad size; junk after a valid extension is a bad extension.
            return any ? parse_error::bad_chunk_extension : parse_error::bad_chunk_size;
        }
        any = true;
        const std::size_t name_start = skip_ows(text, pos + 1);
        pos = skip_token(text, name_start);
        if (pos == name_start) {
            return parse_error::bad_chunk_extension;
        }
        const std::size_t equals = skip_ows(text, pos);
        if (equals == text.size() || text[equals] != '=') {
            continue;
        }
        const std::size_t value_start = skip_ows(text, equals + 1);
        if (value_start < text.size() && text[value_start] == '"') {
            pos = skip_quoted_string(text, value_start);
            if (pos == std::string_view::npos) {
                return parse_error::bad_chunk_extension;
            }
        } else {
            pos = skip_token(text, value_start);
            if (pos == value_start) {
                return parse_error::bad_chunk_extension;
            }
        }
    }
    return parse_error::none;
}

} // namespace

chunked_decoder::chunked_decoder(const parse_limits& limits)
    : limits_(limits) {}

void chunked_decoder::fail(parse_error error) noexcept {
    state_ = state::failed;
    error_ = error;
}

// Finds the line starting at `pos`. Returns true with `line` (without its LF) when complete;
// otherwise buffers the fragment, consumes all input and returns false (state failed if the
// fragment is already over the limit).
bool chunked_decoder::next_line(std::string_view input, std::size_t& pos, std::string_view& line) {
    const std::size_t available = input.size() - pos;
    const void* found = std::memchr(input.data() + pos, '\n', available);
    if (found == nullptr) {
        // A final CR may be half of the CRLF, which does not count towards the limit.
        const std::size_t at_least =
            partial_line_.size() + available - (input.back() == '\r' ? 1 : 0);
        if (at_least > limits_.max_line_bytes) {
            fail(parse_error::line_too_long);
            return false;
        }
        partial_line_.append(input.substr(pos));
        pos = input.size();
        return false;
    }
    const auto length =
        static_cast<std::size_t>(static_cast<const char*>(found) - input.data()) - pos;
    if (partial_line_.empty()) {
        line = input.substr(pos, length);
    } else {
        partial_line_.append(input.substr(pos, length));
        line = partial_line_;
    }
    pos += length + 1;
    const std::size_t content = line.size() - (!line.empty() && line.back() == '\r' ? 1 : 0);
    if (content > limits_.max_line_bytes) {
        fail(parse_error::line_too_long);
        return false;
    }
    return true;
}

parse_error chunked_decoder::on_size_line(std::string_view raw) {
    const line_text line = strip_line_ending(raw);
    if (line.error != parse_error::none) {
        return line.error;
    }
    const std::string_view text = line.text;
    std::size_t pos = 0;
    std::uint64_t size = 0;
    for (; pos < text.size(); ++pos) {
        const int digit = hex_value(text[pos]);
        if (digit < 0) {
            break;
        }
        if (size > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
            return parse_error::chunk_size_overflow;
        }
        size = (size << 4) | static_cast<std::uint64_t>(digit);
    }
    if (pos == 0) {
        return parse_error::bad_chunk_size;
    }
    // Everything after the size counts, whitespace included: it all costs parsing.
    extension_bytes_ += text.size() - pos;
    if (extension_bytes_ > limits_.max_chunk_extension_bytes) {
        return parse_error::chunk_extensions_too_large;
    }
    if (const parse_error error = check_chunk_extensions(text.substr(pos));
        error != parse_error::none) {
        return error;
    }
    if (size == 0) {
        state_ = state::trailer_line;
    } else {
        remaining_ = size;
        state_ = state::data;
    }
    return parse_error::none;
}

parse_error chunked_decoder::on_trailer_line(std::string_view raw, std::size_t wire_bytes) {
    trailer_bytes_ += wire_bytes;
    if (trailer_bytes_ > limits_.max_head_bytes) {
        return parse_error::head_too_large;
    }
    const line_text line = strip_line_ending(raw);
    if (line.error != parse_error::none) {
        return line.error;
    }
    if (line.text.empty()) {
        state_ = state::done;
        return parse_error::none;
    }
    if (trailers_.size() >= limits_.max_header_count) {
        return parse_error::too_many_headers;
    }
    return parse_field_line(line.text, trailers_);
}

chunked_decoder::step chunked_decoder::decode(std::string_view input) {
    std::size_t pos = 0;
    std::string_view data;
    while (true) {
        switch (state_) {
        case state::done:
            return {parse_status::done, pos, data};
        case state::failed:
            return {parse_status::error, pos, data, error_};
        case state::data: {
            // One chunk's data per step: the next chunk's bytes are not contiguous with these.
            if (!data.empty() || pos == input.size()) {
                return {parse_status::need_more, pos, data};
            }
            const auto count =
                static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size() - pos));
            data = input.substr(pos, count);
            pos += count;
            remaining_ -= count;
            if (remaining_ == 0) {
                state_ = state::data_cr;
            }
            break;
        }
        case state::data_cr:
        case state::data_lf: {
            if (pos == input.size()) {
                return {parse_status::need_more, pos, data};
            }
            const char c = input[pos];
            if (c == '\n') {
                state_ = state::size_line;
            } else if (c == '\r' && state_ == state::data_cr) {
                state_ = state::data_lf;
            } else {
                fail(parse_error::bad_chunk_terminator);
                break;
            }
            ++pos;
            break;
        }
        case state::size_line:
        case state::trailer_line: {
            if (pos == input.size()) {
                return {parse_status::need_more, pos, data};
            }
            const std::size_t line_start = pos;
            const std::size_t buffered = partial_line_.size();
            std::string_view line;
            if (!next_line(input, pos, line)) {
                break; // either failed, or all input buffered: the next pass returns
            }
            const parse_error error = state_ == state::size_line
                                          ? on_size_line(line)
                                          : on_trailer_line(line, buffered + (pos - line_start));
            partial_line_.clear();
            if (error != parse_error::none) {
                fail(error);
            }
            break;
        }
        }
    }
}

} // namespace corio::http::detail
