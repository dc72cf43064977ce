// SPDX-License-Identifier: MIT
// completion_slots.hpp - the bookkeeping of completion backends: operations in the kernel's hands.
//
// io_uring and IOCP hand an operation to the kernel and hear about it once, when it has finished.
// Until then the kernel may read or write memory the backend lent it besides the caller's buffer
// (an OVERLAPPED, a msghdr, the peer's address), so that memory cannot live in the io_operation,
// whose owner may abandon it. It lives in a *slot*, and the life of a slot is the same for both
// backends, so it is written here once:
//   acquire()           start(): a slot for the operation, from a free list (no allocation
//                       once warm); the operation counts as pending, its registration as busy;
//   finished_at_once()  start() got the result synchronously: the slot goes back, nothing is
//                       reported;
//   report()            the kernel's completion came (or the backend gave up on the operation):
//                       the operation waits for the next wait(), the slot goes back;
//   orphan()            abandon(): the operation is forgotten, but the slot stays with the
//                       kernel until its completion arrives; then release() recycles it;
//   deregister()        the registration lives on, counted, while slots still point at it, and
//                       is deleted with the last one (the kernel's completions name it).
// A slot is `completion_slot<Kernel, Registration>`: the backend's kernel-visible part first (so
// an OVERLAPPED* handed back by the port is the slot's address), then the common fields.
// What stays in each backend is only how it talks to the kernel: issuing, cancelling, waiting.
// Not thread-safe: owned by one backend, on the loop thread.
#pragma once

#include "../sys/handle_ops.hpp"

#include <corio/runtime/detail/io_operation.hpp>

#include <cstddef>
#include <memory>
#include <type_traits>
#include <vector>

namespace corio::detail {

// A completion backend's per-handle state; backends derive their registration from it.
struct completion_registration : io_registration {
    bool deregistered = false; // deregister_handle() ran; deleted with its last slot
    std::size_t in_flight = 0; // slots acquired for this handle and not released yet
};

template <class Kernel, class Registration>
struct completion_slot {
    // What the kernel may read or write while the operation is in flight: first, so that the
    // address of its first member (IOCP's OVERLAPPED) is the slot's.
    Kernel kernel{};
    io_operation* op = nullptr; // null once abandon() orphaned the slot
    Registration* owner = nullptr;
    // The kernel holds it: its completion has not been processed yet. The backend says when.
    bool in_kernel = false;
    bool cancel_requested = false; // cancel(), abandon() or deregistration asked for its end
    completion_slot* next_free = nullptr;
};

template <class Kernel, class Registration>
class completion_slots {
public:
    using slot = completion_slot<Kernel, Registration>;

    completion_slots() = default;
    completion_slots(const completion_slots&) = delete;
    completion_slots& operator=(const completion_slots&) = delete;
    // A slot the kernel still holds belongs to an owner that broke the contract (destroyed the
    // loop under a pending operation): it is leaked on purpose, since the kernel may still write
    // into it. The backend takes back what it can first (its destructor).
    ~completion_slots() {
        for (auto& each : slots_) {
            if (each->in_kernel) {
                (void)each.release();
            }
        }
    }

    // ---- registrations ----
    Registration& adopt(std::unique_ptr<Registration> registration) noexcept {
        // Here, not at the class: backends declare the class with Registration still incomplete.
        static_assert(std::is_base_of_v<completion_registration, Registration>);
        ++registrations_;
        return *registration.release();
    }
    // True if slots still point at it: the backend must cancel them (their completions delete it).
    [[nodiscard]] bool deregister(Registration& registration) noexcept {
        --registrations_;
        registration.deregistered = true;
        if (registration.in_flight == 0) {
            delete &registration;
            return false;
        }
        return true;
    }
    [[nodiscard]] std::size_t registrations() const noexcept { return registrations_; }

    // ---- operations ----
    // Clears `op`'s results and gives it a slot (op.backend_data points at it). Null if no memory.
    [[nodiscard]] slot* acquire(io_operation& op) noexcept {
        op.cancelled = false;
        op.truncated = false;
        op.error = 0;
        op.transferred = 0;
        op.sent_bytes = 0;
        op.backend_flags = 0;
        op.backend_data = nullptr;
        slot* fresh = free_;
        if (fresh != nullptr) {
            free_ = fresh->next_free;
            fresh->next_free = nullptr;
            fresh->cancel_requested = false; // op, owner and in_kernel were reset by release()
            // A backend whose kernel part is large resets only what must start fresh (`recycle`);
            // rewriting io_uring's 240-byte part cost 37 instructions per operation.
            if constexpr (requires(Kernel & kernel) { kernel.recycle(); }) {
                fresh->kernel.recycle();
            } else {
                fresh->kernel = Kernel{};
            }
        } else {
            try {
                slots_.push_back(std::make_unique<slot>());
            } catch (...) {
                return nullptr;
            }
            fresh = slots_.back().get();
        }
        fresh->op = &op;
        fresh->owner = static_cast<Registration*>(op.target);
        ++fresh->owner->in_flight;
        op.backend_data = fresh;
        ++started_;
        return fresh;
    }
    // start() has the result already: nothing will be reported.
    void finished_at_once(slot& done) noexcept {
        done.op->backend_data = nullptr;
        --started_;
        release(done);
    }
    // The operation has its result: the next wait() hands it to the loop.
    void report(slot& done) noexcept {
        io_operation& op = *done.op;
        op.backend_data = nullptr;
        --started_;
        finished_.push_back(op);
        ++unreported_;
        release(done);
    }
    // abandon() of an operation whose slot the kernel may still hold: from now on the operation
    // is neither touched nor reported; the slot waits for its completion (then release()).
    slot& orphan(io_operation& op) noexcept {
        auto& request = *static_cast<slot*>(op.backend_data);
        op.backend_data = nullptr;
        --started_;
        request.op = nullptr;
        return request;
    }
    // abandon() of an operation that had finished already (op.backend_data is null): take it out
    // of the finished list if it waits there, closing a socket it accepted that nobody will take.
    void forget_finished(io_operation& op) noexcept {
        for (io_operation* queued = finished_.front(); queued != nullptr; queued = queued->next) {
            if (queued == &op) {
                finished_.remove(op);
                --unreported_;
                if (op.kind == io_kind::accept && op.accepted != invalid_native_handle &&
                    op.error == 0 && !op.cancelled) {
                    close_native_handle(op.accepted);
                }
                return;
            }
        }
    }
    // Back to the free list; deletes a deregistered owner with its last slot.
    void release(slot& used) noexcept {
        Registration* owner = used.owner;
        used.op = nullptr;
        used.owner = nullptr;
        used.in_kernel = false;
        used.next_free = free_;
        free_ = &used;
        if (owner != nullptr && --owner->in_flight == 0 && owner->deregistered) {
            delete owner;
        }
    }

    // Every slot ever made, free or not (deregistration and teardown look for theirs).
    template <class Visit>
    void for_each(Visit&& visit) {
        for (auto& each : slots_) {
            visit(*each);
        }
    }

    // Whether the kernel still holds any slot (the backend's teardown waits for them).
    [[nodiscard]] bool any_in_kernel() const noexcept {
        for (const auto& each : slots_) {
            if (each->in_kernel) {
                return true;
            }
        }
        return false;
    }

    [[nodiscard]] bool has_finished() const noexcept { return !finished_.empty(); }
    // Hands every operation finished since the last call to `completed`.
    void take_finished(io_operation_list& completed) noexcept {
        completed.splice_back(finished_);
        unreported_ = 0;
    }
    // Started and not yet reported back: with the kernel, or finished and waiting for the next
    // wait(). The loop's shutdown waits while this is not zero.
    [[nodiscard]] std::size_t pending() const noexcept { return started_ + unreported_; }

private:
    std::vector<std::unique_ptr<slot>> slots_; // every slot ever made, in flight or free
    slot* free_ = nullptr;
    io_operation_list finished_;
    std::size_t registrations_ = 0;
    std::size_t started_ = 0;    // acquired, not finished, not abandoned
    std::size_t unreported_ = 0; // in finished_
};

} // namespace corio::detail
