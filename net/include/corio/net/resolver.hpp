// SPDX-License-Identifier: MIT
// resolver.hpp - host names to addresses, without blocking the loop.
//
//     std::vector<corio::net::address> all = co_await corio::net::resolve("example.com", 80);
//
// getaddrinfo() blocks (it may wait seconds for DNS), so resolve() runs it on the loop's blocking
// thread pool through run_blocking, as libuv does, and returns every address in the order the
// system prefers. IP literals ("127.0.0.1", "::1") are answered at once, with no thread hop.
// Failures throw resolve_error, which carries the host name.
#pragma once

#include <corio/net/address.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/task.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio::net {

class resolve_error : public std::runtime_error {
public:
    resolve_error(std::string host, const std::string& reason)
        : std::runtime_error("cannot resolve '" + host + "': " + reason)
        , host_(std::move(host)) {}
    [[nodiscard]] const std::string& host() const noexcept { return host_; }

private:
    std::string host_;
};

task<std::vector<address>> resolve(std::string host, std::uint16_t port);

} // namespace corio::net
CORIO_EXPORT_END
