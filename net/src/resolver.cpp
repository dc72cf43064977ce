// SPDX-License-Identifier: MIT
#include <corio/net/resolver.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/run_blocking.hpp>
#include <corio/runtime/sync/oneshot.hpp>
#include <corio/runtime/wait_for.hpp>

#include "resolver_seam.hpp"
#include "sys/socket_ops.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <variant>

namespace corio::net {

namespace detail {
namespace {

std::atomic<lookup_function> installed_lookup{nullptr};

std::vector<address> system_lookup(const lookup_request& request) {
    return resolve_blocking(request);
}

lookup_function current_lookup() noexcept {
    const lookup_function installed = installed_lookup.load(std::memory_order_acquire);
    return installed != nullptr ? installed : &system_lookup;
}

} // namespace

void set_lookup_function(lookup_function lookup) noexcept {
    installed_lookup.store(lookup, std::memory_order_release);
}

} // namespace detail

namespace {

std::string describe_timeout(event_loop::duration timeout) {
    const auto milliseconds = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
    if (milliseconds % 1000 == 0) {
        return std::to_string(milliseconds / 1000) + " s";
    }
    return std::to_string(milliseconds) + " ms";
}

// The options that can be checked without asking the system: a wrong family for an IP literal,
// a name where a number is required. Returns the literal's address if the host is one.
std::optional<address> check_without_lookup(const std::string& host, const std::string& service,
                                            const resolve_options& options) {
    std::optional<std::uint16_t> port;
    const bool all_digits = !service.empty() && service.size() <= 5 &&
                            service.find_first_not_of("0123456789") == std::string::npos;
    if (all_digits && std::stoul(service) <= 65535) {
        port = static_cast<std::uint16_t>(std::stoul(service));
    } else if (options.numeric_service) {
        throw resolve_error(host, "service '" + service +
                                      "' is not a port number (numeric_service is set)");
    }
    std::optional<address> literal = port ? address::from_ip(host, *port) : std::nullopt;
    if (!literal && options.numeric_host && !host.empty()) {
        throw resolve_error(host, "not an IP address (numeric_host is set)");
    }
    if (literal && options.family && literal->family() != *options.family) {
        throw resolve_error(host, *options.family == address_family::ipv4
                                      ? "an IPv6 address, and only IPv4 was asked for"
                                      : "an IPv4 address, and only IPv6 was asked for");
    }
    return literal;
}

using lookup_outcome = std::variant<std::vector<address>, std::exception_ptr>;

std::vector<address> run_lookup(detail::lookup_function lookup,
                                const detail::lookup_request& request) {
    return lookup(request);
}

// Detached, so that it - not the caller, who may stop waiting - owns the request and the
// channel's sending end while the pool thread works. When the caller has gone, send() returns
// false and the addresses are dropped with this frame.
task<> lookup_for_caller(detail::lookup_function lookup, detail::lookup_request request,
                         oneshot_sender<lookup_outcome> sender) {
    lookup_outcome outcome;
    try {
        outcome = co_await run_blocking(&run_lookup, lookup, std::move(request));
    } catch (const cancelled_error&) {
        throw; // the loop is shutting down: the receiver is gone or goes with it
    } catch (...) {
        outcome = std::current_exception();
    }
    (void)sender.send(std::move(outcome));
}

task<lookup_outcome> receive_outcome(oneshot_receiver<lookup_outcome>& receiver) {
    co_return co_await receiver.receive();
}

task<std::vector<address>> lookup_with_timeout(detail::lookup_function lookup,
                                               detail::lookup_request request,
                                               event_loop::duration timeout) {
    const std::string host = request.host;
    auto channel = make_oneshot<lookup_outcome>();
    oneshot_receiver<lookup_outcome> receiver = std::move(channel.second);
    spawn(lookup_for_caller(lookup, std::move(request), std::move(channel.first))).detach();
    lookup_outcome outcome;
    try {
        outcome = co_await wait_for(receive_outcome(receiver), timeout);
    } catch (const corio::timeout_error&) {
        throw resolve_timeout_error(host, timeout);
    }
    if (auto* failure = std::get_if<std::exception_ptr>(&outcome)) {
        std::rethrow_exception(*failure);
    }
    co_return std::move(std::get<std::vector<address>>(outcome));
}

} // namespace

resolve_timeout_error::resolve_timeout_error(std::string host, event_loop::duration timeout)
    : std::runtime_error("cannot resolve '" + host + "': no answer within " +
                         describe_timeout(timeout))
    , resolve_error(std::move(host)) {}

task<std::vector<address>> resolve(std::string host, std::uint16_t port) {
    return resolve(std::move(host), std::to_string(port), resolve_options{});
}

task<std::vector<address>> resolve(std::string host, std::uint16_t port, resolve_options options) {
    return resolve(std::move(host), std::to_string(port), std::move(options));
}

task<std::vector<address>> resolve(std::string host, std::string service, resolve_options options) {
    if (std::optional<address> literal = check_without_lookup(host, service, options)) {
        co_return std::vector<address>{*literal};
    }
    const detail::lookup_function lookup = detail::current_lookup();
    const std::optional<event_loop::duration> timeout = options.timeout;
    detail::lookup_request request{std::move(host), std::move(service), std::move(options)};
    if (!timeout) {
        // The caller waits for the lookup (a cancelled caller too: run_blocking's rule).
        co_return co_await run_blocking(&run_lookup, lookup, std::move(request));
    }
    co_return co_await lookup_with_timeout(lookup, std::move(request), *timeout);
}

} // namespace corio::net
