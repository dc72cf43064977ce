// SPDX-License-Identifier: MIT
// url.hpp - absolute http:// and https:// URLs: parsing, normalising, resolving redirects.
//
// url::parse splits "https://Example.com:8443/a/./b?q#frag" into scheme "https", host
// "example.com", port 8443, path "/a/b" and query "q" - lowercasing scheme and host, removing
// dot segments, upper-casing percent-encodings and dropping the fragment, which never goes on the
// wire. Anything malformed or unsupported throws invalid_url with a sentence saying what is
// wrong; nothing is guessed or silently fixed. resolve() applies RFC 3986 §5.2 to a relative
// reference, as a redirect's Location needs. Thread-safety: an immutable value type.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <cstdint>
#include <string>
#include <string_view>

CORIO_EXPORT_BEGIN
namespace corio::http {

class url {
public:
    // Throws invalid_url. Accepted: "http" or "https" (any case), "://", a host - reg-name
    // (letters, digits, '-', '.', '_', '~') or bracketed IPv6 literal - an optional ":port"
    // (1-65535), then an optional path, "?query" and "#fragment" in RFC 3986 characters.
    // Rejected: user:pass@ credentials, whitespace, control and non-ASCII bytes, '%' not followed
    // by two hex digits, and characters that must be percent-encoded (such as '{' or '|').
    [[nodiscard]] static url parse(std::string_view text);

    [[nodiscard]] std::string_view scheme() const noexcept { return scheme_; }
    // Lowercased; an IPv6 literal comes without its brackets.
    [[nodiscard]] std::string_view host() const noexcept { return host_; }
    [[nodiscard]] bool is_ipv6_literal() const noexcept { return ipv6_literal_; }
    // The explicit port, or the scheme's default (80 for http, 443 for https).
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] bool has_explicit_port() const noexcept { return explicit_port_; }
    // Never empty: "/" when the URL has no path.
    [[nodiscard]] std::string_view path() const noexcept { return path_; }
    // Without the '?'. Empty both for "/p" and "/p?", which has_query() tells apart.
    [[nodiscard]] std::string_view query() const noexcept { return query_; }
    [[nodiscard]] bool has_query() const noexcept { return has_query_; }

    // The origin-form request-target: path, then '?' and the query if there is one.
    [[nodiscard]] std::string target() const;
    // The Host header's value: the host (bracketed if IPv6), then ":port" unless it is the
    // scheme's default.
    [[nodiscard]] std::string host_header() const;
    // The normalised absolute URL: scheme "://" host_header() target(); no fragment.
    [[nodiscard]] std::string to_string() const;

    // Resolves `reference` against this URL (RFC 3986 §5.2, strict): an absolute URL,
    // "//host/path", "/path", "relative/path", "?query" or "#fragment". Throws invalid_url when
    // the result is not an acceptable URL (another scheme, "http:g" without a host, ...).
    [[nodiscard]] url resolve(std::string_view reference) const;

    // Equal when the normalised forms are: "http://A:80" equals "http://a/".
    friend bool operator==(const url& a, const url& b) noexcept;

private:
    url() = default;

    std::string scheme_;
    std::string host_;
    std::string path_;
    std::string query_;
    std::uint16_t port_ = 0;
    bool explicit_port_ = false;
    bool ipv6_literal_ = false;
    bool has_query_ = false;
};

} // namespace corio::http
CORIO_EXPORT_END
