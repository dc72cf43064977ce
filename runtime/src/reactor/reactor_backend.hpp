// SPDX-License-Identifier: MIT
// reactor_backend.hpp - the contract every I/O backend implements (epoll, io_uring, kqueue, IOCP).
//
// The seam is *completion-style*: the loop says "start this operation" and later receives the
// operation back, finished, with its result. That is IOCP's and io_uring's native model; epoll and
// kqueue emulate it by attempting the system call at once and retrying it when the kernel reports
// readiness. Choosing this seam keeps the portable loop identical on every OS (docs/design.md).
//
// Rules every backend follows:
//  * start() either completes the operation synchronously (returns true, result filled in, and the
//    operation is never reported again) or takes it pending (returns false); a pending operation is
//    reported exactly once, through wait(), finished, cancelled or failed.
//  * cancel() never completes an operation synchronously: the cancelled operation comes back from
//    a later wait() (at once for readiness backends; when the kernel confirms for IOCP). If it had
//    already finished, it comes back with its real result and `cancelled == false`.
//  * abandon() is for owners that must free a pending operation *now* (a task destroyed at loop
//    shutdown): afterwards the backend neither touches nor reports it.
//  * wait() blocks for at most `timeout` (nullopt: no limit), returns early when wake() is called
//    from any thread, and never blocks while completions are already queued.
//  * completes_file_io() says whether read/write work on a regular file (opened for this backend:
//    overlapped on Windows) at io_operation::offset. Readiness backends say no: a regular file is
//    always "ready", so its calls would block the loop; corio::file runs them on the blocking pool.
//  * completes_exchanges() says whether start() takes io_kind::exchange, a send and then a receive
//    on one stream socket as one operation. Only a backend that can give the kernel both at once
//    says yes (io_uring: a linked pair of SQEs, one io_uring_enter for a request and its reply).
//    For the others io_object runs the same exchange as a send and then a receive, chained in the
//    send's completion without resuming the task: that emulation is the same for every backend,
//    so it is written once, above them, as corio::file's blocking pool is for completes_file_io().
//  * Only wake() is thread-safe; everything else runs on the loop thread.
#pragma once

#include <corio/runtime/detail/io_operation.hpp>
#include <corio/runtime/io_backend.hpp>
#include <corio/runtime/native_handle.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

namespace corio::detail {

class reactor_backend {
public:
    virtual ~reactor_backend() = default;

    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
    [[nodiscard]] virtual bool completes_file_io() const noexcept = 0;
    [[nodiscard]] virtual bool completes_exchanges() const noexcept = 0;

    // Starts tracking `handle`, which the caller made ready for this backend (non-blocking on
    // POSIX, overlapped on Windows). Throws std::system_error.
    [[nodiscard]] virtual io_registration& register_handle(native_handle_t handle) = 0;
    // Stops tracking it; its pending operations complete as cancelled. Does not close the handle.
    virtual void deregister_handle(io_registration& registration) noexcept = 0;

    [[nodiscard]] virtual bool start(io_operation& op) noexcept = 0;
    virtual void cancel(io_operation& op) noexcept = 0;
    virtual void abandon(io_operation& op) noexcept = 0;

    virtual void wait(std::optional<std::chrono::nanoseconds> timeout,
                      io_operation_list& completed) = 0;
    virtual void wake() noexcept = 0;

    [[nodiscard]] virtual std::size_t registered_handles() const noexcept = 0;
    [[nodiscard]] virtual std::size_t pending_operations() const noexcept = 0;

protected:
    reactor_backend() = default;
    reactor_backend(const reactor_backend&) = delete;
    reactor_backend& operator=(const reactor_backend&) = delete;
};

// The one place that picks a backend (make_reactor.cpp): `requested` is loop_options::backend,
// which the environment variable CORIO_BACKEND overrides (backend_choice.hpp says how the choice
// is made and what it throws).
std::unique_ptr<reactor_backend> make_reactor(io_backend requested = io_backend::automatic);

} // namespace corio::detail
