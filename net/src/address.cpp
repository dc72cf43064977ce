// SPDX-License-Identifier: MIT
#include <corio/net/address.hpp>

#include <charconv>
#include <cstdio>

namespace corio::net {

namespace {

// Parses a decimal number of at most `max` with no sign and no leading zeros.
std::optional<unsigned> parse_decimal(std::string_view text, unsigned max) {
    if (text.empty() || text.size() > 10 || (text.size() > 1 && text.front() == '0')) {
        return std::nullopt;
    }
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value > max) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view text) {
    std::array<std::uint8_t, 4> octets{};
    for (std::size_t i = 0; i < 4; ++i) {
        const std::size_t dot = i < 3 ? text.find('.') : text.size();
        if (dot == std::string_view::npos) {
            return std::nullopt;
        }
        auto value = parse_decimal(text.substr(0, dot), 255);
        if (!value) {
            return std::nullopt;
        }
        octets[i] = static_cast<std::uint8_t>(*value);
        text.remove_prefix(i < 3 ? dot + 1 : dot);
    }
    return text.empty() ? std::optional{octets} : std::nullopt;
}

std::optional<unsigned> parse_hex_group(std::string_view text) {
    if (text.empty() || text.size() > 4) {
        return std::nullopt;
    }
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// RFC 4291 section 2.2 text forms: eight groups, one "::" standing for a run of zero groups,
// and an optional dotted IPv4 tail.
std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text) {
    std::array<std::uint16_t, 8> groups{};
    std::size_t count = 0;
    std::optional<std::size_t> gap; // index in `groups` where "::" sits
    if (text.starts_with("::")) {
        gap = 0;
        text.remove_prefix(2);
    } else if (text.starts_with(':')) {
        return std::nullopt;
    }
    while (!text.empty()) {
        const std::size_t colon = text.find(':');
        const std::string_view piece = text.substr(0, colon);
        if (piece.find('.') != std::string_view::npos) {
            // An embedded IPv4 address must be last and takes two groups.
            auto v4 = colon == std::string_view::npos ? parse_ipv4(piece) : std::nullopt;
            if (!v4 || count > 6) {
                return std::nullopt;
            }
            groups[count++] = static_cast<std::uint16_t>((*v4)[0] << 8 | (*v4)[1]);
            groups[count++] = static_cast<std::uint16_t>((*v4)[2] << 8 | (*v4)[3]);
            text = {};
            break;
        }
        auto value = parse_hex_group(piece);
        if (!value || count == 8) {
            return std::nullopt;
        }
        groups[count++] = static_cast<std::uint16_t>(*value);
        if (colon == std::string_view::npos) {
            text = {};
        } else if (text.substr(colon).starts_with("::")) {
            if (gap) {
                return std::nullopt; // only one "::" is allowed
            }
            gap = count;
            text.remove_prefix(colon + 2);
        } else {
            text.remove_prefix(colon + 1);
            if (text.empty()) {
                return std::nullopt; // trailing single colon
            }
        }
    }
    if (gap ? count > 7 : count != 8) {
        return std::nullopt;
    }
    std::array<std::uint16_t, 8> full{};
    if (gap) {
        const std::size_t tail = count - *gap;
        for (std::size_t i = 0; i < *gap; ++i) {
            full[i] = groups[i];
        }
        for (std::size_t i = 0; i < tail; ++i) {
            full[8 - tail + i] = groups[*gap + i];
        }
    } else {
        full = groups;
    }
    std::array<std::uint8_t, 16> octets{};
    for (std::size_t i = 0; i < 8; ++i) {
        octets[2 * i] = static_cast<std::uint8_t>(full[i] >> 8);
        octets[2 * i + 1] = static_cast<std::uint8_t>(full[i] & 0xff);
    }
    return octets;
}

std::string format_ipv6(const std::array<std::uint8_t, 16>& octets) {
    std::array<unsigned, 8> groups{};
    for (std::size_t i = 0; i < 8; ++i) {
        groups[i] = static_cast<unsigned>(octets[2 * i] << 8 | octets[2 * i + 1]);
    }
    // RFC 5952 section 4.2: compress the longest run of two or more zero groups (the first one
    // if runs tie).
    std::size_t best_start = 8;
    std::size_t best_length = 1;
    for (std::size_t i = 0; i < 8;) {
        if (groups[i] != 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < 8 && groups[j] == 0) {
            ++j;
        }
        if (j - i > best_length) {
            best_start = i;
            best_length = j - i;
        }
        i = j;
    }
    std::string out;
    char group[8];
    for (std::size_t i = 0; i < 8; ++i) {
        if (i == best_start) {
            out += "::";
            i += best_length - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') {
            out += ':';
        }
        std::snprintf(group, sizeof group, "%x", groups[i]);
        out += group;
    }
    return out;
}

} // namespace

address address::ipv4(std::array<std::uint8_t, 4> octets, std::uint16_t port) noexcept {
    address result;
    result.family_ = address_family::ipv4;
    result.port_ = port;
    for (std::size_t i = 0; i < 4; ++i) {
        result.octets_[i] = octets[i];
    }
    return result;
}

address address::ipv6(const std::array<std::uint8_t, 16>& octets, std::uint16_t port,
                      std::uint32_t scope_id) noexcept {
    address result;
    result.family_ = address_family::ipv6;
    result.port_ = port;
    result.scope_id_ = scope_id;
    result.octets_ = octets;
    return result;
}

address address::unix_path(std::string_view path) {
    address result;
    result.family_ = address_family::unix_domain;
    result.path_ = path;
    return result;
}

address address::unix_abstract(std::string_view name) {
    address result = unix_path(name);
    result.abstract_ = true;
    return result;
}

address address::loopback_v6(std::uint16_t port) noexcept {
    std::array<std::uint8_t, 16> octets{};
    octets[15] = 1;
    return ipv6(octets, port);
}

std::optional<address> address::from_ip(std::string_view ip, std::uint16_t port) {
    if (auto v4 = parse_ipv4(ip)) {
        return ipv4(*v4, port);
    }
    std::uint32_t scope = 0;
    if (const std::size_t percent = ip.find('%'); percent != std::string_view::npos) {
        auto value = parse_decimal(ip.substr(percent + 1), 0xffffffffU);
        if (!value) {
            return std::nullopt; // named zones ("%eth0") need the OS; numeric ones are portable
        }
        scope = *value;
        ip = ip.substr(0, percent);
    }
    if (auto v6 = parse_ipv6(ip)) {
        return ipv6(*v6, port, scope);
    }
    return std::nullopt;
}

std::optional<address> address::parse(std::string_view text) {
    std::string_view host;
    std::string_view port_text;
    if (text.starts_with('[')) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
        if (host.find(':') == std::string_view::npos) {
            return std::nullopt; // brackets are for IPv6 only
        }
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            return std::nullopt; // an IPv6 address with a port needs brackets
        }
    }
    auto port = parse_decimal(port_text, 65535);
    if (!port) {
        return std::nullopt;
    }
    return from_ip(host, static_cast<std::uint16_t>(*port));
}

bool address::is_loopback() const noexcept {
    if (family_ == address_family::unix_domain) {
        return false;
    }
    if (family_ == address_family::ipv4) {
        return octets_[0] == 127;
    }
    for (std::size_t i = 0; i < 15; ++i) {
        if (octets_[i] != 0) {
            return false;
        }
    }
    return octets_[15] == 1;
}

std::string address::ip_string() const {
    if (family_ == address_family::unix_domain) {
        return {};
    }
    if (family_ == address_family::ipv4) {
        return std::to_string(octets_[0]) + '.' + std::to_string(octets_[1]) + '.' +
               std::to_string(octets_[2]) + '.' + std::to_string(octets_[3]);
    }
    std::string text = format_ipv6(octets_);
    if (scope_id_ != 0) {
        text += '%' + std::to_string(scope_id_);
    }
    return text;
}

std::string address::to_string() const {
    if (family_ == address_family::unix_domain) {
        if (abstract_) {
            return '@' + path_;
        }
        return path_.empty() ? std::string("(unnamed)") : path_;
    }
    if (family_ == address_family::ipv4) {
        return ip_string() + ':' + std::to_string(port_);
    }
    return '[' + ip_string() + "]:" + std::to_string(port_);
}

} // namespace corio::net
