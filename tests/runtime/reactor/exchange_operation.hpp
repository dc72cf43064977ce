// SPDX-License-Identifier: MIT
// exchange_operation.hpp - an io_kind::exchange for the reactor tests (the contract suite and
// io_uring's own), and the skip for backends that are never handed one (io_object splits the
// exchange into a send and a receive there, which io_object_test covers on every backend).
#pragma once

#include "reactor/reactor_backend.hpp"

#include <corio/runtime/detail/io_operation.hpp>

#include <cstddef>
#include <cstdio>

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

// True, after saying so, when `reactor` does not complete exchanges (completes_exchanges()).
inline bool lacks_exchanges(const corio::detail::reactor_backend& reactor) {
    if (reactor.completes_exchanges()) {
        return false;
    }
    std::printf("%.*s does not complete exchanges (on io_uring: a kernel before 5.18); io_object "
                "splits them\n",
                static_cast<int>(reactor.name().size()), reactor.name().data());
    return true;
}

} // namespace corio_test
