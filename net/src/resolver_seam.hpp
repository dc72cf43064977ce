// SPDX-License-Identifier: MIT
// resolver_seam.hpp - where tests put a lookup of their own in place of getaddrinfo().
//
// A slow or failing resolver is impossible to get from real DNS on demand, and tests must not
// use the network; with set_lookup_function a test makes resolve() run its function on the pool
// instead (a sleep, then an answer, say). The function is read when resolve() starts, so a lookup
// already running keeps the one it started with. Thread-safe (an atomic pointer).
#pragma once

#include "sys/socket_ops.hpp"

#include <vector>

namespace corio::net::detail {

using lookup_function = std::vector<address> (*)(const lookup_request&);

// Null restores getaddrinfo().
void set_lookup_function(lookup_function lookup) noexcept;

} // namespace corio::net::detail
