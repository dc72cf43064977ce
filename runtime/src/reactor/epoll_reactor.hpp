// SPDX-License-Identifier: MIT
// epoll_reactor.hpp - the Linux backend: epoll(7), edge-triggered, plus an eventfd for wake-ups.
//
// Each handle is added once with EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET and never modified, so
// waiting costs no epoll_ctl calls. Edge-triggered mode reports a *change* to ready, so the
// backend remembers per handle whether it may still be readable/writable: an operation is
// attempted at once while that flag is set; EAGAIN (or a short transfer, see looks_drained())
// clears it, and the operation queues until the next edge. On an edge the queued operations are
// retried in FIFO order until one would block again: that is the draining rule ET requires.
// That bookkeeping is shared with kqueue (readiness_queues.hpp); this file translates epoll's
// events into it.
// wake() writes the eventfd (once per wake-up, deduplicated by an atomic flag).
// Quirks: EPOLLRDHUP/EPOLLHUP/EPOLLERR wake both directions, so the retried call reports the
// EOF or error itself. See epoll(7), "Level-triggered and edge-triggered".
#pragma once

#include "reactor_backend.hpp"
#include "readiness_queues.hpp"

#include <array>
#include <atomic>
#include <cstddef>

struct epoll_event;

namespace corio::detail {

class epoll_reactor final : public reactor_backend {
public:
    epoll_reactor();
    ~epoll_reactor() override;

    [[nodiscard]] std::string_view name() const noexcept override { return "epoll"; }
    // epoll refuses regular files (EPERM); corio::file uses the blocking pool.
    [[nodiscard]] bool completes_file_io() const noexcept override { return false; }
    [[nodiscard]] bool completes_exchanges() const noexcept override { return false; }
    [[nodiscard]] io_registration& register_handle(native_handle_t handle) override;
    void deregister_handle(io_registration& registration) noexcept override;
    [[nodiscard]] bool start(io_operation& op) noexcept override;
    void cancel(io_operation& op) noexcept override;
    void abandon(io_operation& op) noexcept override;
    void wait(std::optional<std::chrono::nanoseconds> timeout,
              io_operation_list& completed) override;
    void wake() noexcept override;
    [[nodiscard]] std::size_t registered_handles() const noexcept override {
        return registrations_;
    }
    [[nodiscard]] std::size_t pending_operations() const noexcept override {
        return queues_.pending();
    }

private:
    void on_event(readiness_state& handle, std::uint32_t events) noexcept;

    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    std::atomic<bool> wake_pending_{false};
    std::size_t registrations_ = 0;
    readiness_queues queues_;
};

} // namespace corio::detail
