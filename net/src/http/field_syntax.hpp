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
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

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

// A field value, reason phrase or similar: HTAB, SP, VCHAR and obs-text only. Values are most of
// a head's bytes, so eight are checked at once while none of them is a control byte: a word
// holds a byte below 0x20 exactly when ((w - 0x20..20) & ~w & 0x80..80) != 0, and a DEL (0x7f)
// when w ^ 0x7f..7f has a zero byte. A word that fails (an HTAB, say) is judged byte by byte.
[[nodiscard]] constexpr bool is_field_text(std::string_view text) noexcept {
    std::size_t i = 0;
    if (!std::is_constant_evaluated()) {
        constexpr std::uint64_t ones = 0x0101010101010101;
        constexpr std::uint64_t highs = 0x8080808080808080;
        for (; i + 8 <= text.size(); i += 8) {
            std::uint64_t word = 0;
            std::memcpy(&word, text.data() + i, sizeof word);
            const std::uint64_t del = word ^ (0x7f * ones);
            if ((((word - 0x20 * ones) & ~word) | ((del - ones) & ~del)) & highs) {
                break;
            }
        }
    }
    for (; i < text.size(); ++i) {
        if (!is_field_char(text[i])) {
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

[[nodiscard]] constexpr std::string_view trim_ows(std::string_view text) noexcept {
    while (!text.empty() && is_ows(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_ows(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// Calls visit(element) for each element of a comma-separated list field value, trimmed of
// OWS, leaving out empty ones: RFC 9110 §5.6.1.2 has recipients ignore them, so ", chunked" and
// "close, " list one element each. Quoted strings are not looked into: of the lists corio reads
// (Connection, Transfer-Encoding, Expect, Content-Encoding), only an expectation other than
// 100-continue may hold one, and the server refuses every such expectation anyway.
template <typename Visit>
constexpr void for_each_list_element(std::string_view value, Visit&& visit) {
    while (true) {
        const std::size_t comma = value.find(',');
        const std::string_view element = trim_ows(value.substr(0, comma));
        if (!element.empty()) {
            visit(element);
        }
        if (comma == std::string_view::npos) {
            return;
        }
        value.remove_prefix(comma + 1);
    }
}

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
