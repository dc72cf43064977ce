// SPDX-License-Identifier: MIT
#include "field_syntax.hpp"

#include <cstring>

namespace corio::http::detail {

line_text strip_line_ending(std::string_view line) noexcept {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    // memchr is vectorised; two passes over a short line beat one byte-by-byte loop.
    if (std::memchr(line.data(), '\0', line.size()) != nullptr) {
        return {line, parse_error::nul_byte};
    }
    if (std::memchr(line.data(), '\r', line.size()) != nullptr) {
        return {line, parse_error::bare_cr};
    }
    return {line};
}

namespace {

// Why `line` is not a valid field line, for a line the fast path in parse_field_line() refused:
// its name is empty, holds a byte that is not a tchar, or has no colon after it.
parse_error diagnose_field_line(std::string_view line) noexcept {
    if (!line.empty() && is_ows(line.front())) {
        return parse_error::obsolete_line_folding;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return parse_error::bad_header_name;
    }
    const std::string_view name = line.substr(0, colon);
    if (is_ows(name.back())) {
        // Lenient parsers strip it, strict ones reject it: that disagreement is how requests
        // get smuggled past proxies, hence the MUST in RFC 9112 §5.1.
        return parse_error::whitespace_before_colon;
    }
    return parse_error::bad_header_name;
}

} // namespace

parse_error parse_field_line(std::string_view line, headers& out) {
    // One pass for the name and the colon that ends it: anything else, including whitespace
    // before the colon, is an error that diagnose_field_line() names.
    std::size_t colon = 0;
    while (colon < line.size() && is_tchar(line[colon])) {
        ++colon;
    }
    if (colon == 0 || colon == line.size() || line[colon] != ':') {
        return diagnose_field_line(line);
    }
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_field_text(value)) {
        return parse_error::bad_header_value;
    }
    out.add(line.substr(0, colon), value);
    return parse_error::none;
}

} // namespace corio::http::detail
