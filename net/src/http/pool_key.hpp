// SPDX-License-Identifier: MIT
// pool_key.hpp - which pooled connections a request may use: those to its origin.
//
// An origin is a scheme, a host and a port (RFC 6454): a connection to http://example.com:443
// and one to https://example.com:443 are different connections even though they reach the same
// socket address, because one speaks TLS and the other does not. The host is kept as the URL
// spells it after normalisation (lower-case names, bracketless IPv6), so "Example.COM" and
// "example.com" share connections. Thread-safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace corio::http::detail {

struct pool_key {
    std::string scheme;
    std::string host;
    std::uint16_t port = 0;

    friend bool operator==(const pool_key&, const pool_key&) = default;
};

struct pool_key_hash {
    [[nodiscard]] std::size_t operator()(const pool_key& key) const noexcept {
        // The scheme is "http" or "https": its length tells them apart.
        return std::hash<std::string_view>{}(key.host) ^ (std::size_t{key.port} << 3) ^
               key.scheme.size();
    }
};

} // namespace corio::http::detail
