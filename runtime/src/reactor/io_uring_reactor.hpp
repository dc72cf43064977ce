// SPDX-License-Identifier: MIT
// io_uring_reactor.hpp - the second Linux backend: io_uring(7), the kernel's completion queue.
//
// The reactor contract is completion-style (reactor_backend.hpp), and io_uring is completion-style
// too: start() writes a submission queue entry (SQE) into a ring shared with the kernel, and the
// kernel posts a completion queue entry (CQE) when the operation has finished. Submitting every
// queued SQE and waiting for completions happen in one io_uring_enter(2) per loop turn, which is
// how this backend gets below epoll's floor of a system call per operation.
// Written against the kernel interface (<linux/io_uring.h>, the three system calls, the rings
// mapped with mmap), as the other backends are written against theirs.
//
// STATUS: declaration only; the implementation (io_uring_reactor.cpp) is being written.
#pragma once

#include "reactor_backend.hpp"

#include <cstddef>

namespace corio::detail {

class io_uring_reactor final : public reactor_backend {
public:
    // Submission queue entries the ring is set up with (the completion queue gets twice as many).
    static constexpr unsigned default_queue_entries = 256;

    // Throws std::system_error with the errno of io_uring_setup (ENOSYS: no io_uring in this
    // kernel; EPERM: forbidden by io_uring_disabled or seccomp) or of mmap.
    explicit io_uring_reactor(unsigned queue_entries = default_queue_entries);
    ~io_uring_reactor() override;

    [[nodiscard]] std::string_view name() const noexcept override { return "io_uring"; }
    [[nodiscard]] bool completes_file_io() const noexcept override;
    [[nodiscard]] io_registration& register_handle(native_handle_t handle) override;
    void deregister_handle(io_registration& registration) noexcept override;
    [[nodiscard]] bool start(io_operation& op) noexcept override;
    void cancel(io_operation& op) noexcept override;
    void abandon(io_operation& op) noexcept override;
    void wait(std::optional<std::chrono::nanoseconds> timeout,
              io_operation_list& completed) override;
    void wake() noexcept override;
    [[nodiscard]] std::size_t registered_handles() const noexcept override;
    [[nodiscard]] std::size_t pending_operations() const noexcept override;
};

} // namespace corio::detail
