// SPDX-License-Identifier: MIT
// The one place that chooses the backend: resolve_backend() (backend_choice.cpp) decides from the
// option, CORIO_BACKEND and, on Linux, the process-wide io_uring probe; this file builds it.
#include "backend_choice.hpp"
#include "reactor_backend.hpp"

#include <cstdlib>
#include <system_error>

#if defined(__linux__)
#include "epoll_reactor.hpp"
#include "io_uring_probe.hpp"
#if defined(CORIO_HAVE_IO_URING_REACTOR)
#include "io_uring_reactor.hpp"
#endif
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
#include "kqueue_reactor.hpp"
#elif defined(_WIN32)
#include "iocp_reactor.hpp"
#endif

namespace corio::detail {

backend_platform this_platform() noexcept {
    backend_platform platform;
#if defined(__linux__)
    platform.native = io_backend::epoll;
#if defined(CORIO_HAVE_IO_URING_REACTOR)
    platform.io_uring_built = true;
#endif
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    platform.native = io_backend::kqueue;
#elif defined(_WIN32)
    platform.native = io_backend::iocp;
#else
#error "corio has no reactor backend for this platform"
#endif
    platform.automatic_prefers_io_uring = automatic_prefers_io_uring;
    return platform;
}

std::unique_ptr<reactor_backend> make_io_uring_reactor() {
#if defined(__linux__) && defined(CORIO_HAVE_IO_URING_REACTOR)
    return std::make_unique<io_uring_reactor>();
#else
    throw std::system_error(std::make_error_code(std::errc::function_not_supported),
                            "this build of corio has no io_uring backend "
                            "(CORIO_HAVE_IO_URING_REACTOR is not defined)");
#endif
}

namespace {

std::unique_ptr<reactor_backend> make_native_reactor() {
#if defined(__linux__)
    return std::make_unique<epoll_reactor>();
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    return std::make_unique<kqueue_reactor>();
#elif defined(_WIN32)
    return std::make_unique<iocp_reactor>();
#endif
}

io_uring_probe_result probe_io_uring_here() {
#if defined(__linux__)
    return io_uring_probe_once();
#else
    return {false, std::make_error_code(std::errc::function_not_supported),
            "io_uring exists only on Linux"};
#endif
}

} // namespace

std::unique_ptr<reactor_backend> make_reactor(io_backend requested) {
    const backend_choice choice = resolve_backend(
        requested, std::getenv(backend_environment_variable), this_platform(), probe_io_uring_here);
    if (choice.backend != io_backend::io_uring) {
        return make_native_reactor();
    }
    if (choice.named) {
        return make_io_uring_reactor(); // asked for by name: its failure is the caller's answer
    }
    // The probe's ring worked, but this one may not (the process ran out of locked memory or
    // file descriptors): `automatic` promises a working loop, so fall back as for a failed probe.
    try {
        return make_io_uring_reactor();
    } catch (const std::system_error&) {
        return make_native_reactor();
    }
}

} // namespace corio::detail
