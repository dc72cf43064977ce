// SPDX-License-Identifier: MIT
#include <corio/net/resolver.hpp>

#include <corio/runtime/run_blocking.hpp>

#include "sys/socket_ops.hpp"

namespace corio::net {

task<std::vector<address>> resolve(std::string host, std::uint16_t port) {
    if (auto literal = address::from_ip(host, port)) {
        co_return std::vector<address>{*literal};
    }
    co_return co_await run_blocking(&detail::resolve_blocking, std::move(host), port);
}

} // namespace corio::net
