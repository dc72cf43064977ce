// SPDX-License-Identifier: MIT
// exchange_operation.hpp - an io_kind::exchange for the reactor tests (the contract suite and
// io_uring's own), and the skip for backends that are never handed one (io_object splits the
// exchange into a send and a receive there, which io_object_test covers on every backend).
#pragma once

#include "reactor/reactor_backend.hpp"

#include <corio/runtime/detail/io_operation.hpp>

#include <cstddef>
#include <string>

namespace corio_test {

inline corio::detail::io_operation exchange_operation(corio::detail::io_registration& target,
                                                      const void* request, std::size_t request_size,
                                                      void* reply, std::size_t reply_size) {
    corio::detail::io_operation op;
    op.kind = corio::detail::io_kind::exchange;
    op.target = &target;
    op.send_buffer = request;
    op.send_length = request_size;
    op.buffer = reply;
    op.length = reply_size;
    return op;
}

// Why the exchange tests cannot run on `reactor` (empty when they can): a backend that does not
// complete exchanges (completes_exchanges()) is never handed one. For GTEST_SKIP().
inline std::string exchange_skip_reason(const corio::detail::reactor_backend& reactor) {
    if (reactor.completes_exchanges()) {
        return {};
    }
    return std::string(reactor.name()) + " does not complete exchanges (on io_uring: a kernel "
                                         "before 5.18); io_object splits them";
}

} // namespace corio_test
