// SPDX-License-Identifier: MIT
// address.hpp - a socket endpoint: an IPv4 or IPv6 address plus a port, or a Unix domain socket.
//
//     auto a = corio::net::address::parse("127.0.0.1:8080");   // std::optional<address>
//     auto b = corio::net::address::parse("[::1]:443");
//     std::cout << a->to_string();                              // "127.0.0.1:8080"
//     auto c = corio::net::address::unix_path("/run/app.sock"); // a socket file
//     auto d = corio::net::address::unix_abstract("app");       // Linux: no file, "@app"
//
// IP addresses are numeric only: host names are turned into addresses by resolver.hpp. Parsing
// and printing are implemented here rather than with inet_pton/inet_ntop, so this header stays
// free of OS headers; IPv6 prints in the canonical RFC 5952 form ("2001:db8::1").
// A Unix domain address names a socket file (unix_path) or, on Linux only, a name in the abstract
// namespace (unix_abstract: the kernel's leading '\0' is kept out of the API, and to_string()
// prints "@name" as ss(8) does). Its length is checked when a socket uses it (the OS limit is
// 107 bytes on Linux, 103 on macOS): too long a path is an error there, never cut short.
// A plain value type.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

CORIO_EXPORT_BEGIN
namespace corio::net {

enum class address_family : unsigned char { ipv4, ipv6, unix_domain };

class address {
public:
    // 0.0.0.0:0
    address() = default;

    static address ipv4(std::array<std::uint8_t, 4> octets, std::uint16_t port) noexcept;
    static address ipv6(const std::array<std::uint8_t, 16>& octets, std::uint16_t port,
                        std::uint32_t scope_id = 0) noexcept;
    static address loopback_v4(std::uint16_t port = 0) noexcept {
        return ipv4({127, 0, 0, 1}, port);
    }
    static address loopback_v6(std::uint16_t port = 0) noexcept;
    static address any_v4(std::uint16_t port = 0) noexcept { return ipv4({0, 0, 0, 0}, port); }

    // A Unix domain socket at a filesystem path. An empty path is the unnamed address a client
    // socket has when it did not bind.
    static address unix_path(std::string_view path);
    // A Unix domain socket in Linux's abstract namespace (no file; gone with its last socket).
    // Other systems refuse it with address_family_not_supported when a socket uses it.
    static address unix_abstract(std::string_view name);

    // "a.b.c.d:port" or "[ipv6]:port"; nullopt if malformed.
    static std::optional<address> parse(std::string_view text);
    // A bare IP literal (no brackets, no port) such as "10.0.0.1" or "fe80::1%2"; nullopt if the
    // text is not one (for instance a host name).
    static std::optional<address> from_ip(std::string_view ip, std::uint16_t port);

    [[nodiscard]] address_family family() const noexcept { return family_; }
    [[nodiscard]] bool is_unix() const noexcept { return family_ == address_family::unix_domain; }
    // Unix domain: the path, or the abstract name without its leading '\0'; empty otherwise.
    [[nodiscard]] std::string_view path() const noexcept { return path_; }
    [[nodiscard]] bool is_abstract() const noexcept { return abstract_; }
    // IP only (0 for Unix domain addresses).
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    void set_port(std::uint16_t port) noexcept { port_ = port; }
    [[nodiscard]] std::uint32_t scope_id() const noexcept { return scope_id_; }
    // The first 4 (IPv4) or 16 (IPv6) bytes, in network order.
    [[nodiscard]] const std::array<std::uint8_t, 16>& octets() const noexcept { return octets_; }
    // IP only: 127.0.0.0/8 or ::1 (false for Unix domain addresses).
    [[nodiscard]] bool is_loopback() const noexcept;

    // "127.0.0.1" / "::1" (with "%scope" when set); empty for a Unix domain address.
    [[nodiscard]] std::string ip_string() const;
    // "127.0.0.1:80" / "[::1]:80" / "/run/app.sock" / "@app" (abstract) / "(unnamed)".
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const address&, const address&) noexcept = default;

private:
    address_family family_ = address_family::ipv4;
    std::uint16_t port_ = 0;
    std::uint32_t scope_id_ = 0;
    std::array<std::uint8_t, 16> octets_{};
    bool abstract_ = false;
    std::string path_;
};

} // namespace corio::net
CORIO_EXPORT_END
