// SPDX-License-Identifier: MIT
#include "readiness_queues.hpp"

#include "../sys/posix/nonblocking_call.hpp"

#include <initializer_list>

namespace corio::detail {

// A parked operation's backend_data points at the queue holding it; null means it is not parked
// (finished and waiting to be reported, or never started).

bool readiness_queues::start(io_operation& op) noexcept {
    auto& state = static_cast<readiness_state&>(*op.target);
    const bool reading = posix::waits_for_read(op.kind);
    bool& may_be_ready = reading ? state.readable : state.writable;
    io_operation_list& queue = reading ? state.readers : state.writers;
    op.cancelled = false;
    op.truncated = false;
    op.backend_flags = 0;
    if (op.kind == io_kind::connect) {
        // An unconnected socket reports a hang-up; that says nothing about the connection to come.
        state.read_closed = state.write_closed = false;
    }
    const bool closed = reading ? state.read_closed : state.write_closed;
    // Queue behind earlier waiters so operations on one handle complete in order.
    if (queue.empty() && (may_be_ready || closed)) {
        if (posix::attempt(op) == posix::attempt_result::finished) {
            if (!closed && posix::looks_drained(op)) {
                may_be_ready = false;
            }
            return true;
        }
        may_be_ready = false;
    }
    op.backend_data = &queue;
    queue.push_back(op);
    ++parked_;
    return false;
}

void readiness_queues::unqueue(io_operation& op) noexcept {
    static_cast<io_operation_list*>(op.backend_data)->remove(op);
    op.backend_data = nullptr;
    --parked_;
}

void readiness_queues::cancel(io_operation& op) noexcept {
    if (op.backend_data == nullptr) {
        return; // already finished and queued for reporting, or never started
    }
    unqueue(op);
    op.cancelled = true;
    finish(op);
}

void readiness_queues::abandon(io_operation& op) noexcept {
    if (op.backend_data != nullptr) {
        unqueue(op);
        return;
    }
    // It may be sitting in finished_ waiting to be reported: take it out.
    for (io_operation* queued = finished_.front(); queued != nullptr; queued = queued->next) {
        if (queued == &op) {
            finished_.remove(op);
            --unreported_;
            return;
        }
    }
}

void readiness_queues::cancel_all(readiness_state& state) noexcept {
    for (io_operation_list* queue : {&state.readers, &state.writers}) {
        while (io_operation* op = queue->front()) {
            queue->remove(*op); // what unqueue() does, with the queue at hand
            op->backend_data = nullptr;
            --parked_;
            op->cancelled = true;
            finish(*op);
        }
    }
}

void readiness_queues::drain(readiness_state& state, bool readers) noexcept {
    io_operation_list& queue = readers ? state.readers : state.writers;
    bool& may_be_ready = readers ? state.readable : state.writable;
    const bool closed = readers ? state.read_closed : state.write_closed;
    may_be_ready = true;
    while (io_operation* op = queue.front()) {
        if (posix::attempt(*op) == posix::attempt_result::would_block) {
            may_be_ready = false;
            return;
        }
        unqueue(*op);
        finish(*op);
        if (!closed && posix::looks_drained(*op)) {
            may_be_ready = false;
            return;
        }
    }
}

} // namespace corio::detail
