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
// https://man7.org/linux/man-pages/man7/io_uring.7.html
//
// One io_uring_enter per loop turn. start() only writes an SQE (and publishes the ring's tail) and
// reports the operation pending; nothing reaches the kernel until wait() calls io_uring_enter once
// with the number of queued SQEs *and* IORING_ENTER_GETEVENTS, so the loop's whole turn of I/O
// costs one system call. The timeout goes with that call (IORING_ENTER_EXT_ARG with a
// struct io_uring_getevents_arg, kernel 5.11+); older kernels get an IORING_OP_TIMEOUT SQE instead.
// wait() does not block while completions are already known (reaped earlier, or still in the CQ
// ring): then it enters without waiting, or not at all if there is nothing to submit.
//
// Slots. What the kernel may read or write while an operation is in flight besides the caller's
// data buffer (the accepted peer's address and its length, a msghdr and iovec for
// receive_from/send_to, the connect address, peek's scratch byte) lives in a slot from a
// backend-owned free list (completion_slots.hpp, shared with iocp_reactor). A slot's address is its
// SQE's user_data; small integers (below alignof(slot)) tag the wake-up read, timeouts and cancel
// requests instead. op.backend_data points at the slot while the operation is pending. A slot that
// is still in the kernel when the reactor is destroyed (an owner that broke the contract) is leaked
// on purpose.
//
// Would-block. io_uring polls a socket internally when a receive/send/accept finds nothing to do,
// but a read/write on an O_NONBLOCK pipe comes back as -EAGAIN, and connect on a non-blocking
// socket may come back as -EINPROGRESS. The backend then issues an IORING_OP_POLL_ADD for the
// direction the operation needs, with the same user_data, and re-issues the operation (for
// connect: reads SO_ERROR) when it fires. Re-issues found while reaping are kept on a list and
// written to the SQ at the start of the next wait(), so reaping never has to submit.
//
// Cancellation. cancel() on an SQE the kernel has not consumed yet turns it into IORING_OP_NOP
// (same user_data), so the kernel never starts it; otherwise it queues IORING_OP_ASYNC_CANCEL
// naming the op's user_data (the cancel's own CQE is ignored). Either way the op comes back once:
// -ECANCELED/-EINTR are reported `cancelled`; an operation that had finished first comes back
// with its real result and `cancelled == false`. abandon() does the same and then, if the kernel
// held the op, calls io_uring_enter until the op's CQE has been reaped (other CQEs are kept for
// the next wait()): after that the kernel is done with the caller's buffer. deregister_handle()
// cancels every operation on the handle and keeps the registration alive, counted, until its last
// CQE (the slots point at it); the kernel holds its own file reference meanwhile, so the caller
// may close the descriptor at once.
//
// Full queues. A full SQ makes start() submit what is queued (io_uring_enter without waiting) and
// retry, so no operation is refused. The CQ (twice the SQ) may overflow when many operations end
// between two waits: the backend requires IORING_FEAT_NODROP (5.5+), under which the kernel keeps
// the overflowed CQEs; IORING_SQ_CQ_OVERFLOW in the SQ flags makes wait() reap and enter again to
// flush them, and EBUSY from io_uring_enter makes it reap and retry. EINTR is retried.
//
// Wake-ups. An 8-byte read of an eventfd is kept in flight; wake() writes the eventfd, once per
// wake-up (deduplicated by an atomic flag, as in epoll_reactor), and the read's CQE ends the
// wait. Only wake() is thread-safe.
//
// Files. A regular file is read/written at io_operation::offset (append_offset: offset -1, the
// file position, which O_APPEND - how corio::file opens for appending - puts at the end), so
// completes_file_io() is true: corio::file's I/O goes through the ring, not the blocking pool.
//
// Exchanges (io_kind::exchange: send a request, then receive its reply) are a linked pair of
// SQEs: IORING_OP_SEND with MSG_WAITALL, IOSQE_IO_LINK and IOSQE_CQE_SKIP_SUCCESS, then
// IORING_OP_RECV. Both are submitted by the same io_uring_enter; a send that succeeds in full posts
// no CQE, so that enter waits for the reply instead of returning with the send's completion, and a
// request and its response cost one system call. A send that fails or comes up short posts its CQE
// (user_data: the slot's address | exchange_send_tag) and the kernel cancels the receive without a
// CQE of its own (REQ_F_SKIP_LINK_CQES), so either way exactly one CQE comes per exchange. Needs
// IORING_FEAT_CQE_SKIP (5.17) and MSG_WAITALL on sends (5.18, known by IORING_FEAT_LINKED_FILE,
// which came with it); without them completes_exchanges() is false and io_object splits
// exchanges into a send and a receive.
//
// Quirks: accept gives a non-blocking, close-on-exec socket (accept_flags SOCK_NONBLOCK |
// SOCK_CLOEXEC), like accept4 in the readiness backends, and skips ECONNABORTED; send and send_to
// pass MSG_NOSIGNAL; receive_from's `truncated` is MSG_TRUNC in the msghdr the kernel writes back.
//
#pragma once

#include "completion_slots.hpp"
#include "reactor_backend.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

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
    [[nodiscard]] bool completes_exchanges() const noexcept override { return links_exchanges_; }
    [[nodiscard]] io_registration& register_handle(native_handle_t handle) override;
    void deregister_handle(io_registration& registration) noexcept override;
    [[nodiscard]] bool start(io_operation& op) noexcept override;
    void cancel(io_operation& op) noexcept override;
    void abandon(io_operation& op) noexcept override;
    void wait(std::optional<std::chrono::nanoseconds> timeout,
              io_operation_list& completed) override;
    void wake() noexcept override;
    [[nodiscard]] std::size_t registered_handles() const noexcept override {
        return slots_.registrations();
    }
    [[nodiscard]] std::size_t pending_operations() const noexcept override {
        return slots_.pending();
    }

    // For tests: how many io_uring_enter calls this reactor has made (one per wait() in the
    // common case), and forcing the IORING_OP_TIMEOUT path that kernels without
    // IORING_FEAT_EXT_ARG use.
    [[nodiscard]] std::size_t enter_calls() const noexcept { return enter_calls_; }
    void use_timeout_operations_for_testing() noexcept { has_ext_arg_ = false; }
    // For tests: CQEs that named a slot the kernel no longer held (always 0 unless a kind of
    // operation posts more completions than the backend expects).
    [[nodiscard]] std::size_t stray_completions() const noexcept { return stray_completions_; }
    // For tests: behave as on a kernel that cannot link an exchange (io_object then splits it).
    void split_exchanges_for_testing() noexcept { links_exchanges_ = false; }

private:
    struct registration;
    struct ring_request;
    using slot = completion_slot<ring_request, registration>;

    // The rings, as mapped from the kernel.
    struct rings {
        void* sq_map = nullptr;
        std::size_t sq_map_size = 0;
        void* cq_map = nullptr; // == sq_map with IORING_FEAT_SINGLE_MMAP
        std::size_t cq_map_size = 0;
        void* sqes_map = nullptr;
        std::size_t sqes_map_size = 0;
        unsigned* sq_head = nullptr;
        unsigned* sq_tail = nullptr;
        unsigned* sq_flags = nullptr;
        unsigned sq_mask = 0;
        unsigned sq_entries = 0;
        unsigned* cq_head = nullptr;
        unsigned* cq_tail = nullptr;
        unsigned cq_mask = 0;
        void* cqes = nullptr; // io_uring_cqe[]
        void* sqes = nullptr; // io_uring_sqe[]
    };

    void set_up(unsigned queue_entries);
    void tear_down() noexcept;
    // The next free SQE (zeroed), submitting queued ones first if the SQ is full.
    void* next_sqe() noexcept;
    // Room for `count` SQEs in one submission (an exchange's linked pair must not be split).
    void reserve_sqes(unsigned count) noexcept;
    [[nodiscard]] unsigned unsubmitted() const noexcept;
    int enter(unsigned to_submit, unsigned min_complete, unsigned flags, const void* argument,
              std::size_t argument_size) noexcept;
    void submit_queued() noexcept;
    // False if the ring has failed (the operation then holds the error).
    [[nodiscard]] bool queue_operation(slot& request) noexcept;
    void queue_poll(slot& request) noexcept;
    void queue_wake_read() noexcept;
    void queue_cancel(slot& request) noexcept;
    void arm_timeout(std::chrono::nanoseconds timeout) noexcept;
    void flush_reissues() noexcept;
    bool reap() noexcept;
    void on_completion(std::uint64_t user_data, int result) noexcept;
    void finish(slot& done, int result) noexcept;
    // An exchange whose send failed or came up short (the only way its send posts a CQE).
    void finish_failed_exchange_send(slot& done, int result) noexcept;
    void request_cancel(slot& request) noexcept;
    [[nodiscard]] bool completions_known() const noexcept;

    int ring_fd_ = -1;
    int wake_fd_ = -1;
    rings ring_;
    unsigned sq_tail_ = 0; // our copy of the SQ tail: SQEs written so far
    bool has_ext_arg_ = false;
    bool links_exchanges_ = false; // IORING_FEAT_CQE_SKIP and MSG_WAITALL sends (5.18+)
    std::atomic<bool> wake_pending_{false};
    bool wake_armed_ = false; // the eventfd read is in the kernel (or queued for it)
    bool woken_ = false;      // a wake-up was reaped outside wait(): the next wait() must not block
    std::unique_ptr<std::uint64_t> wake_counter_; // the eventfd read's buffer
    std::uint64_t timeout_generation_ = 0;        // IORING_OP_TIMEOUT fallback: the current one
    bool timeout_armed_ = false;
    alignas(8) unsigned char timeout_spec_[16]{}; // the armed timeout's __kernel_timespec
    std::size_t enter_calls_ = 0;
    std::size_t stray_completions_ = 0;
    completion_slots<ring_request, registration> slots_;
    slot* reissue_head_ = nullptr; // slots to queue again at the next wait() (FIFO)
    slot* reissue_tail_ = nullptr;
};

static_assert(!std::is_abstract_v<io_uring_reactor>,
              "io_uring_reactor implements the whole contract");

} // namespace corio::detail
