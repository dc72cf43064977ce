// SPDX-License-Identifier: MIT
// field_syntax.hpp - the byte-level grammar HTTP/1.1 messages are made of (RFC 9110 §5.6, §5.5).
//
// Character classes (tchar, field-vchar, ...), line endings and field lines, shared by the head
// parser, the chunked decoder (whose trailers are field lines too) and the writer, so that what
// corio accepts and what it is willing to send are judged by the same rules. Lookup tables
// keep the hot loops to one load and one branch per byte. Thread-safety: pure functions.
#pragma once

#include "message_parser.hpp"

#include <corio/http/headers.hpp>

#include <array>
#include <cstddef>
#include <string_view>

namespace corio::http::detail {

inline constexpr std::array<bool, 256> tchar_table = [] {
    std::array<bool, 256> table{};
    for (int c = '0'; c <= '9'; ++c) {
        table[static_cast<std::size_t>(c)] = true;
    }
    for (int c = 'a'; c <= 'z'; ++c) {
        const int upper = c - 'a' + 'A';
        table[static_cast<std::size_t>(c)] = true;
        table[static_cast<std::size_t>(upper)] = true;
    }
    for (const char c : std::string_view("!#$%&'*+-.^_`|~")) {
        table[static_cast<unsigned char>(c)] = true;
    }
    return table;
}();

// HTAB, SP, VCHAR and obs-text: everything a field value, reason phrase or quoted string may hold.
inline constexpr std::array<bool, 256> field_char_table = [] {
    std::array<bool, 256> table{};
    table['\t'] = true;
    for (std::size_t c = 0x20; c < 0x7f; ++c) {
        table[c] = true;
    }
    for (std::size_t c = 0x80; c < 0x100; ++c) {
        table[c] = true;
    }
    return table;
}();

[[nodiscard]] constexpr bool is_tchar(char c) noexcept {
    return tchar_table[static_cast<unsigned char>(c)];
}

[[nodiscard]] constexpr bool is_field_char(char c) noexcept {
    return field_char_table[static_cast<unsigned char>(c)];
}

[[nodiscard]] constexpr bool is_ows(char c) noexcept {
    return c == ' ' || c == '\t';
}

[[nodiscard]] constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

// Whole-string checks are plain loops: std::all_of over a function pointer is not inlined, and
// that call per byte once cost the head parser 40% of its time.
[[nodiscard]] constexpr bool is_token(std::string_view text) noexcept {
    for (const char c : text) {
        if (!is_tchar(c)) {
            return false;
        }
    }
    return !text.empty();
}

// A field value, reason phrase or similar: HTAB, SP, VCHAR and obs-text only.
[[nodiscard]] constexpr bool is_field_text(std::string_view text) noexcept {
    for (const char c : text) {
        if (!is_field_char(c)) {
            return false;
        }
    }
    return true;
}

// A request-target as it may appear on the request line: non-empty, visible ASCII only.
[[nodiscard]] constexpr bool is_request_target(std::string_view text) noexcept {
    for (const char c : text) {
        if (c <= 0x20 || c >= 0x7f) {
            return false;
        }
    }
    return !text.empty();
}

[[nodiscard]] std::string_view trim_ows(std::string_view text) noexcept;

struct line_text {
    std::string_view text;
    parse_error error = parse_error::none;
};

// `line` runs up to, not including, its LF. Drops a final CR; any other CR is bare_cr, and a
// NUL anywhere is nul_byte.
[[nodiscard]] line_text strip_line_ending(std::string_view line) noexcept;

// Parses one field line (without its line ending) and appends it to `out`: name ":" OWS value
// OWS. A line starting with whitespace is obsolete_line_folding.
[[nodiscard]] parse_error parse_field_line(std::string_view line, headers& out);

} // namespace corio::http::detail
