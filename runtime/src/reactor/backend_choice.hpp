// SPDX-License-Identifier: MIT
// backend_choice.hpp - how a loop's reactor backend is chosen (docs/design.md, "Backends").
//
// The choice is a pure function, resolve_backend(), so that tests can drive every branch (each
// way io_uring can be unusable, every CORIO_BACKEND value) without a kernel that fails that way.
// make_reactor.cpp feeds it the real inputs (the option, getenv, the process-wide io_uring probe)
// and builds what it chose.
#pragma once

#include <corio/runtime/io_backend.hpp>

#include "reactor_backend.hpp"

#include <functional>
#include <memory>
#include <string>
#include <system_error>

namespace corio::detail {

// The environment variable that overrides loop_options::backend for a whole program.
inline constexpr const char* backend_environment_variable = "CORIO_BACKEND";

// Whether `automatic` picks io_uring (when the probe says it works) rather than epoll on Linux.
// Issue 16, part 5: io_uring becomes the default only once it measures at least as fast as epoll
// on every networking benchmark in the same run. Measured (docs/performance.md, "The default:
// epoll, for now"): io_uring was slower than epoll for the HTTP client at 1 and 64 connections
// and for the server at 64, so the default stays epoll.
inline constexpr bool automatic_prefers_io_uring = false;

// What probing io_uring found (io_uring_probe.hpp does the probing, on Linux).
struct io_uring_probe_result {
    bool usable = false;
    // Why not, as the system call's errno where one failed (EPERM, ENOSYS, ...), else
    // std::errc::function_not_supported for a missing opcode or feature.
    std::error_code error;
    // Why not, for people: "io_uring_setup: Operation not permitted (io_uring_disabled or
    // seccomp)", "the kernel lacks IORING_OP_SEND". Empty when usable.
    std::string reason;
};

// What this build of corio can run on this platform.
struct backend_platform {
    io_backend native = io_backend::epoll; // epoll, kqueue or iocp: never automatic or io_uring
    bool io_uring_built = false;           // io_uring_reactor is compiled in (Linux only)
    bool automatic_prefers_io_uring = false;
};

struct backend_choice {
    io_backend backend = io_backend::epoll; // never automatic
    std::string reason; // how it was chosen, for people ("automatic: ...", "CORIO_BACKEND=epoll")
    // Named by the option or CORIO_BACKEND rather than picked by `automatic`: then a backend
    // that fails to start is an error, not a reason to fall back.
    bool named = false;
};

// Chooses the backend for a loop that asked for `requested` (loop_options::backend), given
// CORIO_BACKEND's value (`environment`, nullptr or empty when unset; it wins over `requested`).
// `probe_io_uring` is called only when io_uring is a candidate.
// `automatic` gives the native backend, or io_uring when the platform prefers it and the probe
// says it works (otherwise the native one, with the probe's reason in `reason`).
// Throws std::invalid_argument for an unknown CORIO_BACKEND value (or an io_backend outside the
// enum), naming the variable, the value and the choices; std::system_error for a backend this
// platform or build cannot run (std::errc::function_not_supported), and for io_uring where the
// probe failed (the probe's error code, its reason in the message).
[[nodiscard]] backend_choice
resolve_backend(io_backend requested, const char* environment, const backend_platform& platform,
                const std::function<io_uring_probe_result()>& probe_io_uring);

// The platform this library was built for (make_reactor.cpp).
[[nodiscard]] backend_platform this_platform() noexcept;

// Builds the io_uring backend; throws std::system_error (std::errc::function_not_supported)
// when this build has no io_uring_reactor, i.e. CORIO_HAVE_IO_URING_REACTOR is not defined.
[[nodiscard]] std::unique_ptr<reactor_backend> make_io_uring_reactor();

} // namespace corio::detail
