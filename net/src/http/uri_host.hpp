// SPDX-License-Identifier: MIT
// uri_host.hpp - the host part of a URI (RFC 3986 §3.2.2) and the Host field built from it.
//
// Shared by the URL parser, which reads hosts out of URLs, and the server, which must refuse a
// request whose Host field is not a valid `uri-host [":" port]` (RFC 9112 §3.2). Syntax only:
// nothing is resolved or compared. Thread-safety: pure functions.
#pragma once

#include "field_syntax.hpp" // is_digit

#include <string_view>

namespace corio::http::detail {

// RFC 3986 §2 character classes, for the URL parser and the Host check alike.
[[nodiscard]] constexpr bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
[[nodiscard]] constexpr bool is_hex(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
[[nodiscard]] constexpr bool is_unreserved(char c) noexcept {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
[[nodiscard]] constexpr bool is_sub_delim(char c) noexcept {
    return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
}

// IPv4address: four decimal octets 0-255, without leading zeros ("127.0.0.1").
[[nodiscard]] bool is_ipv4_address(std::string_view text) noexcept;
// IPv6address: eight h16 groups, or fewer around one "::", the last two optionally written as a
// dotted IPv4 address. Zone identifiers are not accepted. Without the brackets.
[[nodiscard]] bool is_ipv6_address(std::string_view text) noexcept;
// A Host field value: uri-host [":" port], where uri-host is an IP-literal in brackets (IPv6 or
// IPvFuture), an IPv4 address or a reg-name (unreserved, pct-encoded and sub-delims bytes, which
// covers IPv4 addresses and DNS names), and port is *DIGIT. An empty value is valid: RFC 9112
// §3.2 has a client send one when the target has no authority.
[[nodiscard]] bool is_host_field_value(std::string_view value) noexcept;

} // namespace corio::http::detail
