// SPDX-License-Identifier: MIT
// client_transport.hpp - the I/O a client driver supplies: its clock, name resolution and TCP
// connections. Everything else a request does is written once, in client_flow.
//
// The async driver (client.cpp) answers with the event loop: its clock (virtual in tests),
// resolution on the blocking pool, connections through the reactor. The blocking driver
// (blocking_client.cpp) answers with steady_clock, getaddrinfo on the calling thread and blocking
// sockets whose awaits never suspend, so the same coroutines run to the end on the caller's
// thread without an event loop. Both are stateless, so one object of each serves every session
// and outlives every response. Thread-safety: const and stateless.
#pragma once

#include "request_deadlines.hpp"

#include <corio/net/address.hpp>
#include <corio/net/byte_stream.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace corio::http::detail {

class client_transport {
public:
    using time_point = client_clock::time_point;
    using duration = client_clock::duration;

    // Now, on the clock every deadline of the request is measured on.
    [[nodiscard]] virtual time_point now() const = 0;
    // The loop that timers may be armed on, or null for a driver without one (the pool then
    // expires idle connections when it is next looked at).
    [[nodiscard]] virtual event_loop* loop() const noexcept = 0;
    // Every address of `host`, in the order to try them. Throws net::resolve_error.
    [[nodiscard]] virtual task<std::vector<net::address>> resolve(std::string host,
                                                                  std::uint16_t port) const = 0;
    // A TCP connection to `peer`, given up after `limit`: corio::timeout_error then, and
    // std::system_error when refused or unreachable.
    [[nodiscard]] virtual task<std::unique_ptr<net::byte_stream>>
    connect(net::address peer, std::optional<duration> limit) const = 0;

protected:
    client_transport() = default;
    ~client_transport() = default;
    client_transport(const client_transport&) = default;
    client_transport& operator=(const client_transport&) = default;
};

} // namespace corio::http::detail
