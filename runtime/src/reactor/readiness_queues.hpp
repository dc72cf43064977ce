// SPDX-License-Identifier: MIT
// readiness_queues.hpp - completion-style operations emulated on readiness notifications.
//
// epoll and kqueue both say "this handle may be readable/writable now", while the reactor
// contract promises "this operation has finished". The bridge is the same for both, so it lives
// here once: each handle remembers, per direction, whether it *may* still be ready and whether
// its end was closed, and keeps a FIFO queue of operations waiting for that direction.
//   start()   attempts the system call at once while the direction may be ready; otherwise (or
//             on EAGAIN) parks the operation in its queue;
//   drain()   after the backend learned of readiness, retries the queued operations in order
//             until one would block again (the draining rule edge-triggered modes require);
//   cancel()/abandon()/cancel_all() take operations out, as the contract describes.
// Operations finished outside a wait (cancelled, or drained) collect in a list the backend hands
// to the loop from wait(). What stays in each backend is only how it learns of readiness.
// Not thread-safe: owned by one backend, on the loop thread.
#pragma once

#include <corio/runtime/detail/io_operation.hpp>

#include <cstddef>

namespace corio::detail {

// A readiness backend's per-handle state; backends derive their registration from it.
struct readiness_state : io_registration {
    // "May be ready": attempt the call before waiting. Starts true: a fresh socket may already
    // hold data, and finding out costs one call either way.
    bool readable = true;
    bool writable = true;
    // The peer's FIN, a hang-up or an error was reported: from then on every attempt returns at
    // once (EOF or the error) and no further notification will come, so the short-transfer
    // shortcut must never park an operation again. Cleared only when a connect starts the
    // socket's life afresh.
    bool read_closed = false;
    bool write_closed = false;
    io_operation_list readers; // waiting to read (or accept), in arrival order
    io_operation_list writers; // waiting to write (or connect)
};

class readiness_queues {
public:
    // The contract's start(): true if `op` finished at once (its result is filled in).
    [[nodiscard]] bool start(io_operation& op) noexcept;
    // The contract's cancel(): a parked operation is reported cancelled by the next wait().
    void cancel(io_operation& op) noexcept;
    // The contract's abandon(): forget `op` wherever it is.
    void abandon(io_operation& op) noexcept;
    // Deregistration: every operation parked on `handle` is reported cancelled.
    void cancel_all(readiness_state& handle) noexcept;
    // The backend learned that one direction of `handle` may be ready: retry what waits there.
    void drain(readiness_state& handle, bool readers) noexcept;

    [[nodiscard]] bool has_finished() const noexcept { return !finished_.empty(); }
    // Hands every operation finished since the last call to `completed`.
    void take_finished(io_operation_list& completed) noexcept {
        completed.splice_back(finished_);
        unreported_ = 0;
    }
    // Started and not yet reported back: parked, or finished (or cancelled) and waiting for the
    // next wait() to report it. The loop's shutdown waits while this is not zero.
    [[nodiscard]] std::size_t pending() const noexcept { return parked_ + unreported_; }

private:
    void unqueue(io_operation& op) noexcept;
    void finish(io_operation& op) noexcept {
        finished_.push_back(op);
        ++unreported_;
    }

    io_operation_list finished_;
    std::size_t parked_ = 0;     // in a handle's readers or writers queue
    std::size_t unreported_ = 0; // in finished_
};

} // namespace corio::detail
