// SPDX-License-Identifier: MIT
// io_backend.hpp - which kernel interface an event loop waits on for I/O.
//
// Every loop drives its sockets, pipes and timers through one reactor backend: epoll or io_uring
// on Linux, kqueue on macOS and the BSDs, IOCP on Windows. Programs normally leave the choice to
// corio (io_backend::automatic). A backend can be named in loop_options::backend, and the
// environment variable CORIO_BACKEND (auto, epoll, io_uring, kqueue, iocp) overrides that for
// every loop of a program, so the same binary can be run, tested or benchmarked on each
// (`CORIO_BACKEND=io_uring ./my-server`). In code:
//
//     corio::loop_options options;
//     options.backend = corio::io_backend::epoll;
//     corio::event_loop loop{options};
//     std::cout << loop.backend_name() << "\n"; // "epoll"
//
// automatic is the platform's default: IOCP on Windows, kqueue on macOS and the BSDs, and on
// Linux epoll for now (io_uring becomes the default once it measures at least as fast on every
// networking benchmark: docs/performance.md). Naming a backend that cannot run here (kqueue on
// Linux, io_uring on a kernel that lacks or forbids it) makes the loop's constructor throw
// std::system_error saying why; an unknown CORIO_BACKEND value throws std::invalid_argument
// (docs/errors.md).
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <optional>
#include <string_view>

CORIO_EXPORT_BEGIN
namespace corio {

enum class io_backend {
    automatic, // the platform's default (see above)
    epoll,     // Linux: readiness, emulating completions
    io_uring,  // Linux: the kernel's submission and completion rings
    kqueue,    // macOS, FreeBSD, NetBSD, OpenBSD: readiness, emulating completions
    iocp,      // Windows: I/O completion ports
};

// The name CORIO_BACKEND uses for it: "auto", "epoll", "io_uring", "kqueue" or "iocp" (and what
// event_loop::backend_name() returns for the running one). "unknown" for a value outside the enum.
[[nodiscard]] std::string_view to_string(io_backend backend) noexcept;

// The backend a name (as to_string spells it, case-sensitive) stands for; nullopt for any other
// text. Does not say whether the backend exists on this platform.
[[nodiscard]] std::optional<io_backend> parse_io_backend(std::string_view name) noexcept;

} // namespace corio
CORIO_EXPORT_END
