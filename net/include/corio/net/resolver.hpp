// SPDX-License-Identifier: MIT
// resolver.hpp - host names to addresses, without blocking the loop.
//
//     std::vector<corio::net::address> all = co_await corio::net::resolve("example.com", 80);
//     corio::net::resolve_options v4_within_2s{.family = corio::net::address_family::ipv4,
//                                              .timeout = 2s};   // named: see README on g++ 12
//     auto v4 = co_await corio::net::resolve("example.com", 80, v4_within_2s);
//
// getaddrinfo() blocks (it may wait seconds for DNS), so resolve() runs it on the loop's blocking
// thread pool through run_blocking, as libuv does, and returns every address in the order the
// system prefers. IP literals ("127.0.0.1", "::1") are answered at once, with no thread hop.
// Failures throw resolve_error, which carries the host name.
//
// resolve_options narrow the lookup: one address family, passive (addresses to bind to; an empty
// host then means the wildcard addresses), numeric only (the host must be an IP literal, the
// service a port number: never a DNS or services-database query). `timeout` bounds how long the
// caller waits: when it passes, the caller gets resolve_timeout_error (both a resolve_error and
// a corio::timeout_error). getaddrinfo() cannot be interrupted, so the lookup itself goes on in
// the pool until the system gives up; its answer is then dropped. Its state is owned by a
// detached task, not by the caller, so the caller's frame may go at once. That task also keeps
// the loop's shutdown waiting until the lookup returns.
#pragma once

#include <corio/net/address.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio::net {

// std::runtime_error is a virtual base (see corio/runtime/error.hpp), so that
// resolve_timeout_error can be a resolve_error and a corio::timeout_error with one message.
class resolve_error : public virtual std::runtime_error {
public:
    resolve_error(std::string host, const std::string& reason)
        : std::runtime_error("cannot resolve '" + host + "': " + reason)
        , host_(std::move(host)) {}
    [[nodiscard]] const std::string& host() const noexcept { return host_; }

protected:
    // For a derived class, which initialises the virtual base itself.
    explicit resolve_error(std::string host)
        : std::runtime_error("")
        , host_(std::move(host)) {}

private:
    std::string host_;
};

// resolve_options::timeout passed before the lookup answered.
class resolve_timeout_error final : public resolve_error, public corio::timeout_error {
public:
    resolve_timeout_error(std::string host, event_loop::duration timeout);
};

struct resolve_options {
    // Only this family's addresses (nullopt: both, as the system orders them). A family the host
    // lacks is a resolve_error.
    std::optional<address_family> family = std::nullopt;
    // Addresses to bind a listener to (AI_PASSIVE): an empty host gives the wildcard addresses
    // (0.0.0.0, ::) instead of the loopback ones.
    bool passive = false;
    // The host must be an IP literal (AI_NUMERICHOST): a name is a resolve_error, and no DNS
    // query is ever made.
    bool numeric_host = false;
    // The service must be a port number (AI_NUMERICSERV), not a name such as "http".
    bool numeric_service = false;
    // How long the caller waits at most (nullopt: until getaddrinfo returns).
    std::optional<event_loop::duration> timeout = std::nullopt;
};

task<std::vector<address>> resolve(std::string host, std::uint16_t port);
task<std::vector<address>> resolve(std::string host, std::uint16_t port, resolve_options options);
// `service` is a port number ("8080") or, unless options.numeric_service, a service name
// ("https") looked up in the system's services database.
task<std::vector<address>> resolve(std::string host, std::string service,
                                   resolve_options options = {});

} // namespace corio::net
CORIO_EXPORT_END
