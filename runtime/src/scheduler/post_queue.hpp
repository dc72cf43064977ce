// SPDX-License-Identifier: MIT
// post_queue.hpp - callbacks handed to the loop by other threads (event_loop::post, finished
// blocking jobs), run by the loop in phase 2 of its turn (docs/design.md, "Loop phases").
//
// A Treiber stack: any thread pushes with one compare-and-swap and never blocks; the loop takes
// the whole stack with one exchange, reverses it (the stack is newest first) and runs the
// callbacks oldest first. The nodes are intrusive (detail::posted_node), so an internal wake-up
// such as a finished blocking job posts without allocating.
#pragma once

#include <corio/runtime/event_loop.hpp>

#include <atomic>
#include <cstddef>

namespace corio::detail {

class loop_instruments;

class post_queue {
public:
    post_queue() = default;
    post_queue(const post_queue&) = delete;
    post_queue& operator=(const post_queue&) = delete;

    // Any thread. The caller wakes the loop afterwards (reactor_backend::wake), whose seq_cst
    // orders this push before the wake flag.
    void push(posted_node& node) noexcept;

    // Loop thread: true if something may be queued. A relaxed load, so the fast path of a busy
    // turn pays no atomic read-modify-write when nothing was posted.
    [[nodiscard]] bool maybe_nonempty() const noexcept {
        return head_.load(std::memory_order_relaxed) != nullptr;
    }
    // Loop thread: true if nothing is queued, with everything written before a push visible.
    [[nodiscard]] bool empty() const noexcept {
        return head_.load(std::memory_order_acquire) == nullptr;
    }

    // Loop thread: runs, oldest first, every callback queued before the call (callbacks queued
    // while it runs wait for the next call). `instruments` (may be null) hears each one begin and
    // end. Returns how many ran.
    std::size_t run_all(loop_instruments* instruments) noexcept;

private:
    std::atomic<posted_node*> head_{nullptr}; // newest first
};

// A heap-allocated posted_node that runs `callback` once and frees itself; exceptions go to the
// loop's unhandled-exception handler. Used by event_loop::post().
[[nodiscard]] posted_node& make_posted_callback(unique_function<void()> callback);

} // namespace corio::detail
