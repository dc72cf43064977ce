// SPDX-License-Identifier: MIT
// The one place that chooses the backend for the platform being built.
#include "reactor_backend.hpp"

#if defined(__linux__)
#include "epoll_reactor.hpp"
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
#include "kqueue_reactor.hpp"
#elif defined(_WIN32)
#include "iocp_reactor.hpp"
#endif

namespace corio::detail {

std::unique_ptr<reactor_backend> make_reactor() {
#if defined(__linux__)
    return std::make_unique<epoll_reactor>();
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    return std::make_unique<kqueue_reactor>();
#elif defined(_WIN32)
    return std::make_unique<iocp_reactor>();
#else
#error "corio has no reactor backend for this platform"
#endif
}

} // namespace corio::detail
