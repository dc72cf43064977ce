// SPDX-License-Identifier: MIT
#include <corio/http/url.hpp>

#include <corio/http/error.hpp>
#include <corio/http/headers.hpp>

#include "uri_host.hpp"

#include <algorithm>
#include <cstddef>

namespace corio::http {

namespace {

using detail::is_alpha;
using detail::is_digit;
using detail::is_hex;
using detail::is_sub_delim;
using detail::is_unreserved;

[[noreturn]] void reject(std::string_view text, const std::string& message) {
    throw invalid_url(std::string(text), message);
}

char ascii_upper(char c) noexcept {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// pchar, '/' and '?' (RFC 3986 §3.3-3.5) less pct-encoded, which is handled separately.
bool is_path_or_query_char(char c) noexcept {
    return is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@' || c == '/' || c == '?';
}

bool is_scheme(std::string_view text) noexcept {
    return !text.empty() && is_alpha(text.front()) &&
           std::all_of(text.begin(), text.end(), [](char c) {
               return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
           });
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), detail::ascii_lower);
    return out;
}

std::string quoted(char c) {
    return std::string("'") + c + "'";
}

// Bytes that may appear nowhere in a URI. Checked first, so such a URL is reported for its
// real fault rather than for whatever part the stray byte happened to land in.
void check_bytes(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte <= 0x20 || byte == 0x7f) {
            reject(text,
                   "URL contains whitespace or a control character at offset " + std::to_string(i));
        }
        if (byte >= 0x80) {
            reject(text, "URL contains a non-ASCII byte at offset " + std::to_string(i) +
                             " (percent-encode it)");
        }
        if (text[i] == '%' &&
            (i + 2 >= text.size() || !is_hex(text[i + 1]) || !is_hex(text[i + 2]))) {
            reject(text, "invalid percent-encoding at offset " + std::to_string(i) +
                             " ('%' must be followed by two hex digits)");
        }
    }
}

// Validates a path or query and upper-cases its percent-encodings (RFC 3986 §6.2.2.1), so
// equal URLs compare equal.
std::string normalise_component(std::string_view whole, std::string_view part) {
    std::string out;
    out.reserve(part.size());
    for (std::size_t i = 0; i < part.size(); ++i) {
        const char c = part[i];
        if (c == '%') {
            out += '%';
            out += ascii_upper(part[i + 1]); // check_bytes guaranteed two hex digits
            out += ascii_upper(part[i + 2]);
            i += 2;
        } else if (is_path_or_query_char(c)) {
            out += c;
        } else {
            reject(whole, "URL contains " + quoted(c) + ", which must be percent-encoded");
        }
    }
    return out;
}

// RFC 3986 §5.2.4, on an absolute path.
std::string remove_dot_segments(std::string_view input) {
    std::string output;
    output.reserve(input.size());
    const auto drop_last_segment = [&output] {
        const std::size_t slash = output.rfind('/');
        output.erase(slash == std::string::npos ? 0 : slash);
    };
    while (!input.empty()) {
        if (input.starts_with("../")) {
            input.remove_prefix(3);
        } else if (input.starts_with("./") || input.starts_with("/./")) {
            input.remove_prefix(2);
        } else if (input == "/.") {
            input = "/";
        } else if (input.starts_with("/../")) {
            input.remove_prefix(3);
            drop_last_segment();
        } else if (input == "/..") {
            input = "/";
            drop_last_segment();
        } else if (input == "." || input == "..") {
            input = {};
        } else {
            const std::size_t next = input.find('/', 1);
            const std::size_t length = next == std::string_view::npos ? input.size() : next;
            output.append(input.substr(0, length));
            input.remove_prefix(length);
        }
    }
    return output;
}

std::uint16_t default_port(std::string_view scheme) noexcept {
    return scheme == "https" ? 443 : 80;
}

std::uint16_t parse_port(std::string_view text, std::string_view port) {
    if (port.empty()) {
        reject(text, "invalid port: empty after ':'");
    }
    unsigned long value = 0;
    for (const char c : port) {
        if (!is_digit(c)) {
            reject(text,
                   "invalid port '" + std::string(port) + "' (expected a number from 1 to 65535)");
        }
        value = value * 10 + static_cast<unsigned long>(c - '0');
        if (value > 65535) {
            reject(text,
                   "invalid port '" + std::string(port) + "' (expected a number from 1 to 65535)");
        }
    }
    if (value == 0) {
        reject(text,
               "invalid port '" + std::string(port) + "' (expected a number from 1 to 65535)");
    }
    return static_cast<std::uint16_t>(value);
}

} // namespace

url url::parse(std::string_view text) {
    check_bytes(text);
    const std::size_t colon = text.find(':');
    const std::size_t delimiter = text.find_first_of("/?#");
    if (colon == std::string_view::npos ||
        (delimiter != std::string_view::npos && delimiter < colon) ||
        !is_scheme(text.substr(0, colon))) {
        reject(text, "missing scheme (expected 'http://' or 'https://')");
    }
    url result;
    result.scheme_ = lowercase(text.substr(0, colon));
    std::string_view rest = text.substr(colon + 1);
    if (result.scheme_ != "http" && result.scheme_ != "https") {
        if (!rest.empty() && is_digit(rest.front())) {
            // "localhost:8080/x" parses as scheme "localhost"; say what is actually missing.
            reject(text, "missing scheme (expected 'http://' or 'https://')");
        }
        reject(text, "unsupported scheme '" + result.scheme_ + "' (corio speaks http and https)");
    }
    if (!rest.starts_with("//")) {
        reject(text, "missing host (expected '" + result.scheme_ + "://host/...')");
    }
    rest.remove_prefix(2);

    const std::size_t authority_end = rest.find_first_of("/?#");
    const std::string_view authority = rest.substr(0, authority_end);
    rest =
        authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
    if (authority.find('@') != std::string_view::npos) {
        reject(text, "credentials in URLs are not supported");
    }
    std::string_view host;
    std::string_view port;
    bool has_port = false;
    if (authority.starts_with('[')) {
        const std::size_t close = authority.find(']');
        const std::string_view after =
            close == std::string_view::npos ? std::string_view() : authority.substr(close + 1);
        if (close == std::string_view::npos ||
            !detail::is_ipv6_address(authority.substr(1, close - 1)) ||
            (!after.empty() && after.front() != ':')) {
            reject(text, "malformed IPv6 literal '" + std::string(authority) + "'");
        }
        host = authority.substr(1, close - 1);
        has_port = !after.empty();
        port = has_port ? after.substr(1) : std::string_view();
        result.ipv6_literal_ = true;
    } else {
        const std::size_t port_colon = authority.find(':');
        host = authority.substr(0, port_colon);
        has_port = port_colon != std::string_view::npos;
        port = has_port ? authority.substr(port_colon + 1) : std::string_view();
        if (host.empty()) {
            reject(text, "empty host");
        }
        // DNS names and IPv4 addresses only: percent-encoded or sub-delim hosts could not be
        // resolved anyway (internationalised names must be given in their xn-- form).
        for (const char c : host) {
            if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_' && c != '~') {
                reject(text, "invalid character " + quoted(c) + " in host");
            }
        }
    }
    result.host_ = lowercase(host);
    result.explicit_port_ = has_port;
    result.port_ = has_port ? parse_port(text, port) : default_port(result.scheme_);

    const std::size_t path_end = rest.find_first_of("?#");
    // An empty path is the root ("http://host?q" asks for "/"). Chosen before the dot segments
    // go, which leave a path that starts with '/' non-empty, rather than patched in afterwards:
    // g++ 12 at -O3 takes assigning "/" to the result for a possibly overlapping copy
    // (-Wrestrict, a false positive).
    const std::string path = normalise_component(text, rest.substr(0, path_end));
    result.path_ = remove_dot_segments(path.empty() ? std::string_view("/") : path);
    if (path_end != std::string_view::npos && rest[path_end] == '?') {
        const std::string_view query = rest.substr(path_end + 1);
        result.query_ = normalise_component(text, query.substr(0, query.find('#')));
        result.has_query_ = true;
    }
    if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
        (void)normalise_component(text, rest.substr(hash + 1)); // validated, then dropped
    }
    return result;
}

std::string url::target() const {
    return has_query_ ? path_ + '?' + query_ : path_;
}

std::string url::host_header() const {
    std::string value = ipv6_literal_ ? '[' + host_ + ']' : host_;
    if (port_ != default_port(scheme_)) {
        value += ':';
        value += std::to_string(port_);
    }
    return value;
}

std::string url::to_string() const {
    return scheme_ + "://" + host_header() + target();
}

url url::resolve(std::string_view reference) const {
    check_bytes(reference);
    const std::size_t hash = reference.find('#');
    if (hash != std::string_view::npos) {
        (void)normalise_component(reference, reference.substr(hash + 1));
    }
    const std::string_view without_fragment = reference.substr(0, hash);
    const std::size_t first_delimiter = without_fragment.find_first_of(":/?");
    if (first_delimiter != std::string_view::npos && without_fragment[first_delimiter] == ':') {
        if (!is_scheme(without_fragment.substr(0, first_delimiter))) {
            // RFC 3986 §4.2: a relative path's first segment cannot hold a colon ("./a:b" can).
            reject(reference, "relative reference has a ':' in its first segment");
        }
        return parse(without_fragment);
    }
    std::string absolute;
    if (without_fragment.starts_with("//")) {
        absolute = scheme_ + ':' + std::string(without_fragment);
    } else {
        const std::size_t question = without_fragment.find('?');
        const std::string_view ref_path = without_fragment.substr(0, question);
        const std::string_view ref_query = question == std::string_view::npos
                                               ? std::string_view()
                                               : without_fragment.substr(question);
        absolute = scheme_ + "://" + host_header();
        if (ref_path.empty()) {
            absolute += path_;
            if (question != std::string_view::npos) {
                absolute += ref_query;
            } else if (has_query_) {
                absolute += '?' + query_;
            }
        } else {
            if (ref_path.front() != '/') {
                absolute += path_.substr(0, path_.rfind('/') + 1); // merge (RFC 3986 §5.2.3)
            }
            absolute += ref_path;
            absolute += ref_query;
        }
    }
    try {
        return parse(absolute);
    } catch (const invalid_url& failure) {
        // Report the reference the caller passed, not the string it was merged into.
        reject(reference, failure.what());
    }
}

bool operator==(const url& a, const url& b) noexcept {
    return a.scheme_ == b.scheme_ && a.host_ == b.host_ && a.port_ == b.port_ &&
           a.path_ == b.path_ && a.has_query_ == b.has_query_ && a.query_ == b.query_;
}

} // namespace corio::http
