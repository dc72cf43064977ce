// SPDX-License-Identifier: MIT
#include "uri_host.hpp"

#include <cstddef>

namespace corio::http::detail {

namespace {

// reg-name = *( unreserved / pct-encoded / sub-delims )
bool is_reg_name(std::string_view text) noexcept {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size() || !is_hex(text[i + 1]) || !is_hex(text[i + 2])) {
                return false;
            }
            i += 2;
        } else if (!is_unreserved(c) && !is_sub_delim(c)) {
            return false;
        }
    }
    return true;
}

// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
bool is_ipv_future(std::string_view text) noexcept {
    if (text.size() < 4 || (text[0] != 'v' && text[0] != 'V')) {
        return false;
    }
    std::size_t pos = 1;
    while (pos < text.size() && is_hex(text[pos])) {
        ++pos;
    }
    if (pos == 1 || pos + 1 >= text.size() || text[pos] != '.') {
        return false;
    }
    for (++pos; pos < text.size(); ++pos) {
        const char c = text[pos];
        if (!is_unreserved(c) && !is_sub_delim(c) && c != ':') {
            return false;
        }
    }
    return true;
}

bool is_port(std::string_view text) noexcept {
    for (const char c : text) {
        if (!is_digit(c)) {
            return false;
        }
    }
    return true; // *DIGIT: "host:" is valid, the port empty
}

} // namespace

bool is_ipv4_address(std::string_view text) noexcept {
    int octets = 0;
    std::size_t pos = 0;
    while (true) {
        const std::size_t start = pos;
        int value = 0;
        while (pos < text.size() && is_digit(text[pos]) && pos - start < 3) {
            value = value * 10 + (text[pos] - '0');
            ++pos;
        }
        const std::size_t digits = pos - start;
        if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) {
            return false;
        }
        ++octets;
        if (pos == text.size()) {
            return octets == 4;
        }
        if (text[pos] != '.' || octets == 4) {
            return false;
        }
        ++pos;
    }
}

bool is_ipv6_address(std::string_view text) noexcept {
    std::size_t pos = 0;
    int groups = 0;
    bool compressed = false;
    if (text.starts_with("::")) {
        compressed = true;
        pos = 2;
    }
    while (pos < text.size()) {
        const std::size_t start = pos;
        while (pos < text.size() && is_hex(text[pos])) {
            ++pos;
        }
        if (pos < text.size() && text[pos] == '.') {
            if (!is_ipv4_address(text.substr(start))) {
                return false;
            }
            groups += 2;
            break;
        }
        if (pos == start || pos - start > 4) {
            return false;
        }
        ++groups;
        if (pos == text.size()) {
            break;
        }
        if (text[pos] != ':') {
            return false;
        }
        ++pos;
        if (pos < text.size() && text[pos] == ':') {
            if (compressed) {
                return false;
            }
            compressed = true;
            ++pos;
        } else if (pos == text.size()) {
            return false; // a single trailing colon
        }
    }
    return compressed ? groups <= 7 : groups == 8;
}

bool is_host_field_value(std::string_view value) noexcept {
    if (value.starts_with('[')) {
        const std::size_t close = value.find(']');
        if (close == std::string_view::npos) {
            return false;
        }
        const std::string_view literal = value.substr(1, close - 1);
        if (!is_ipv6_address(literal) && !is_ipv_future(literal)) {
            return false;
        }
        const std::string_view after = value.substr(close + 1);
        return after.empty() || (after.front() == ':' && is_port(after.substr(1)));
    }
    // A reg-name holds no ':', so the first one starts the port.
    const std::size_t colon = value.find(':');
    if (colon == std::string_view::npos) {
        return is_reg_name(value);
    }
    return is_reg_name(value.substr(0, colon)) && is_port(value.substr(colon + 1));
}

} // namespace corio::http::detail
