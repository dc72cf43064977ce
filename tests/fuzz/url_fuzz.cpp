// SPDX-License-Identifier: MIT
// url_fuzz.cpp - url::parse and url::resolve. The input is a URL, or "base\nreference".
//
// Invariants: anything rejected is rejected with invalid_url (any other exception escapes and
// libFuzzer reports it); a URL that parses re-serialises (to_string) to a string that parses to
// an equal URL with the same serialisation, so normalising is idempotent; the same holds for what
// resolve() returns; resolving an absolute URL gives that URL.
#include "fuzz_support.hpp"

#include <corio/http/error.hpp>
#include <corio/http/url.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

using corio::fuzz::check;
using corio::http::invalid_url;
using corio::http::url;

std::optional<url> parse(std::string_view text) {
    try {
        return url::parse(text);
    } catch (const invalid_url&) {
        return std::nullopt;
    }
}

void check_round_trip(const url& parsed, std::string_view from) {
    const std::string serialised = parsed.to_string();
    const std::optional<url> again = parse(serialised);
    check(again.has_value(), "the serialisation of \"" + std::string(from) + "\", \"" + serialised +
                                 "\", does not parse");
    check(*again == parsed, "\"" + serialised + "\" parses to a different URL");
    check(again->to_string() == serialised, "\"" + serialised + "\" re-serialises differently");
    check(again->target() == parsed.target() && again->host_header() == parsed.host_header(),
          "\"" + serialised + "\" changes its target or Host");
    check(!parsed.host().empty() && parsed.path().starts_with('/'),
          "\"" + serialised + "\" has no host or a path without '/'");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = corio::fuzz::as_text(data, size);
    const std::size_t newline = input.find('\n');
    const std::string_view base_text = input.substr(0, newline);
    const std::optional<url> base = parse(base_text);
    if (base) {
        check_round_trip(*base, base_text);
    }
    if (newline == std::string_view::npos || !base) {
        return 0;
    }
    const std::string_view reference = input.substr(newline + 1);
    std::optional<url> resolved;
    try {
        resolved = base->resolve(reference);
    } catch (const invalid_url&) {
    }
    if (resolved) {
        check_round_trip(*resolved, reference);
    }
    if (const std::optional<url> absolute = parse(reference)) {
        check(resolved.has_value() && *resolved == *absolute,
              "resolving the absolute URL \"" + std::string(reference) + "\" gives another URL");
    }
    return 0;
}
