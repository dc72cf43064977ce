// SPDX-License-Identifier: MIT
#include "io_uring_reactor.hpp"

#include "../sys/handle_ops.hpp"
#include "../sys/posix/nonblocking_call.hpp"

#include <corio/runtime/detail/os_error.hpp>

#include <linux/io_uring.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <system_error>
#include <unistd.h>

namespace corio::detail {

namespace {

// user_data values that are not slots. Slots are aligned to at least 8 bytes, so their addresses
// never collide with these; a timeout's user_data carries its generation above the tag bits.
constexpr std::uint64_t ignored_tag = 0; // ASYNC_CANCEL / TIMEOUT_REMOVE: their CQE says nothing
constexpr std::uint64_t wake_tag = 1;    // the eventfd read
constexpr std::uint64_t timeout_tag = 2; // IORING_OP_TIMEOUT (kernels without EXT_ARG)
// An exchange's send, on the slot's address: its CQE comes only if the send failed or was short.
constexpr std::uint64_t exchange_send_tag = 4;
constexpr std::uint64_t tag_mask = 7;
// Linux never moves more than this in one read/write (MAX_RW_COUNT); every transfer may be short.
constexpr std::size_t max_transfer = 0x7ffff000;
// IORING_OP_READ/WRITE offset meaning "the file position" (what a pipe or socket needs).
constexpr std::uint64_t current_position = ~std::uint64_t{0};

template <class T>
std::atomic_ref<T> shared(T* field) noexcept {
    return std::atomic_ref<T>(*field);
}

std::uint64_t as_user_data(const void* pointer) noexcept {
    return reinterpret_cast<std::uintptr_t>(pointer);
}

__kernel_timespec to_timespec(std::chrono::nanoseconds duration) noexcept {
    const auto count = std::max<std::chrono::nanoseconds::rep>(duration.count(), 0);
    __kernel_timespec spec{};
    spec.tv_sec = count / 1'000'000'000;
    spec.tv_nsec = count % 1'000'000'000;
    return spec;
}

} // namespace

struct io_uring_reactor::registration final : completion_registration {
    bool is_regular_file = false; // read/write at io_operation::offset
};

// Everything the kernel may read or write for one operation, besides the caller's data buffer,
// and where its SQE stands. The slot's in_kernel says an SQE with its user_data is queued and its
// CQE not reaped yet.
struct io_uring_reactor::ring_request {
    // A recycled slot: the bookkeeping starts fresh. The kernel-facing fields (address, message,
    // part, scratch) keep stale bytes: every kind of operation writes the ones it lends the
    // kernel before its SQE goes out (queue_operation, start), and reads back only what the
    // kernel wrote. A bookkeeping field added below must be reset here as well.
    void recycle() noexcept {
        polling = false;
        neutralised = false;
        reissue_queued = false;
        reissue_as_poll = false;
        kind = io_kind::read;
        sqe_position = 0;
        next_reissue = nullptr;
    }

    bool polling = false;        // that SQE is the would-block POLL_ADD, not the operation
    bool neutralised = false;    // that SQE was turned into a NOP before the kernel saw it
    bool reissue_queued = false; // waiting on the re-issue list
    bool reissue_as_poll = false;
    io_kind kind = io_kind::read; // op->kind, kept for when abandon() has cleared op
    char scratch = 0;             // peek's byte
    unsigned sqe_position = 0;    // where its SQE was written (sq tail before it)
    slot* next_reissue = nullptr;
    sockaddr_storage address{}; // accept's/receive_from's peer, connect's/send_to's target
    socklen_t address_length = 0;
    msghdr message{};
    iovec part{};
};

io_uring_reactor::io_uring_reactor(unsigned queue_entries)
    : wake_counter_(std::make_unique<std::uint64_t>(0)) {
    static_assert(alignof(slot) > tag_mask, "a slot's address must never look like a tag");
    try {
        set_up(queue_entries);
    } catch (...) {
        tear_down();
        throw;
    }
}

void io_uring_reactor::set_up(unsigned queue_entries) {
    io_uring_params params{};
    // SUBMIT_ALL: one bad SQE does not hold back the ones behind it. COOP_TASKRUN: completions
    // are delivered when we enter the kernel, which we do every turn, instead of interrupting us.
    params.flags = IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
    ring_fd_ = static_cast<int>(::syscall(__NR_io_uring_setup, queue_entries, &params));
    if (ring_fd_ < 0 && errno == EINVAL) {
        params = io_uring_params{}; // a kernel older than 5.19: the plain ring
        params.flags = IORING_SETUP_CLAMP;
        ring_fd_ = static_cast<int>(::syscall(__NR_io_uring_setup, queue_entries, &params));
    }
    if (ring_fd_ < 0) {
        throw_os_error(errno, "io_uring_setup");
    }
    if ((params.features & IORING_FEAT_NODROP) == 0) {
        // Before 5.5 a full completion queue drops completions: an operation would never return.
        throw_os_error(ENOTSUP, "io_uring_setup (no IORING_FEAT_NODROP: kernel older than 5.5)");
    }
    has_ext_arg_ = (params.features & IORING_FEAT_EXT_ARG) != 0;
#if defined(IORING_FEAT_CQE_SKIP) && defined(IORING_FEAT_LINKED_FILE)
    // A linked exchange needs the send's success to post nothing (CQE_SKIP, 5.17) and a short
    // send to fail the link rather than let the receive start (MSG_WAITALL on sends, 5.18, which
    // no flag names; LINKED_FILE came in the same release).
    links_exchanges_ = (params.features & IORING_FEAT_CQE_SKIP) != 0 &&
                       (params.features & IORING_FEAT_LINKED_FILE) != 0;
#endif

    ring_.sq_map_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    ring_.cq_map_size = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
    const bool single_map = (params.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single_map) {
        ring_.sq_map_size = ring_.cq_map_size = std::max(ring_.sq_map_size, ring_.cq_map_size);
    }
    const auto map = [this](std::size_t size, off_t what, const char* name) {
        void* where = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                             ring_fd_, what);
        if (where == MAP_FAILED) {
            throw_os_error(errno, name);
        }
        return where;
    };
    ring_.sq_map = map(ring_.sq_map_size, IORING_OFF_SQ_RING, "mmap(IORING_OFF_SQ_RING)");
    ring_.cq_map = single_map
                       ? ring_.sq_map
                       : map(ring_.cq_map_size, IORING_OFF_CQ_RING, "mmap(IORING_OFF_CQ_RING)");
    ring_.sqes_map_size = params.sq_entries * sizeof(io_uring_sqe);
    ring_.sqes_map = map(ring_.sqes_map_size, IORING_OFF_SQES, "mmap(IORING_OFF_SQES)");

    auto* sq = static_cast<unsigned char*>(ring_.sq_map);
    auto* cq = static_cast<unsigned char*>(ring_.cq_map);
    ring_.sq_head = reinterpret_cast<unsigned*>(sq + params.sq_off.head);
    ring_.sq_tail = reinterpret_cast<unsigned*>(sq + params.sq_off.tail);
    ring_.sq_flags = reinterpret_cast<unsigned*>(sq + params.sq_off.flags);
    ring_.sq_mask = *reinterpret_cast<unsigned*>(sq + params.sq_off.ring_mask);
    ring_.sq_entries = *reinterpret_cast<unsigned*>(sq + params.sq_off.ring_entries);
    ring_.cq_head = reinterpret_cast<unsigned*>(cq + params.cq_off.head);
    ring_.cq_tail = reinterpret_cast<unsigned*>(cq + params.cq_off.tail);
    ring_.cq_mask = *reinterpret_cast<unsigned*>(cq + params.cq_off.ring_mask);
    ring_.cqes = cq + params.cq_off.cqes;
    ring_.sqes = ring_.sqes_map;
    // The SQ ring holds indexes into the SQE array. Ours are the identity: SQE i is always
    // published as ring entry i, so an SQE's ring position also says where it is.
    auto* array = reinterpret_cast<unsigned*>(sq + params.sq_off.array);
    for (unsigned i = 0; i < ring_.sq_entries; ++i) {
        array[i] = i;
    }
    sq_tail_ = *ring_.sq_tail;

    // Blocking on purpose: io_uring polls it for us, while an O_NONBLOCK read would come back
    // as -EAGAIN.
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        throw_os_error(errno, "eventfd");
    }
}

io_uring_reactor::~io_uring_reactor() {
    tear_down();
}

void io_uring_reactor::tear_down() noexcept {
    if (ring_.sqes != nullptr) {
        // Take back what the kernel still holds (the wake-up read; operations of an owner that
        // broke the contract), so that it never writes into memory freed below.
        slots_.for_each([this](slot& each) {
            if (each.in_kernel && !each.kernel.neutralised) {
                queue_cancel(each);
            }
        });
        if (wake_armed_) {
            if (auto* sqe = static_cast<io_uring_sqe*>(next_sqe())) {
                sqe->opcode = IORING_OP_ASYNC_CANCEL;
                sqe->addr = wake_tag;
                sqe->user_data = ignored_tag;
                shared(ring_.sq_tail).store(sq_tail_, std::memory_order_release);
            }
        }
        for (int round = 0; round < 100 && (slots_.any_in_kernel() || wake_armed_); ++round) {
            const int result = enter(unsubmitted(), 0, IORING_ENTER_GETEVENTS, nullptr, 0);
            if (!reap()) {
                if (result < 0 && result != -EINTR && result != -EBUSY) {
                    break;
                }
                ::usleep(1000);
            }
        }
        // Slots the kernel still holds are leaked by slots_ (completion_slots.hpp).
        if (wake_armed_) {
            (void)wake_counter_.release();
        }
    }
    if (ring_.sqes_map != nullptr) {
        ::munmap(ring_.sqes_map, ring_.sqes_map_size);
    }
    if (ring_.cq_map != nullptr && ring_.cq_map != ring_.sq_map) {
        ::munmap(ring_.cq_map, ring_.cq_map_size);
    }
    if (ring_.sq_map != nullptr) {
        ::munmap(ring_.sq_map, ring_.sq_map_size);
    }
    ring_ = rings{};
    if (wake_fd_ >= 0) {
        ::close(wake_fd_);
        wake_fd_ = -1;
    }
    if (ring_fd_ >= 0) {
        ::close(ring_fd_);
        ring_fd_ = -1;
    }
}

bool io_uring_reactor::completes_file_io() const noexcept {
    return true;
}

io_registration& io_uring_reactor::register_handle(native_handle_t handle) {
    struct stat status {};
    if (::fstat(handle, &status) != 0) {
        throw_os_error(errno, "fstat");
    }
    if (S_ISDIR(status.st_mode)) {
        throw_file_handed_to_reactor("io_uring");
    }
    auto state = std::make_unique<registration>();
    state->handle = handle;
    state->is_regular_file = S_ISREG(status.st_mode);
    return slots_.adopt(std::move(state));
}

void io_uring_reactor::deregister_handle(io_registration& base) noexcept {
    auto& state = static_cast<registration&>(base);
    if (!slots_.deregister(state)) {
        return;
    }
    // Every pending operation comes back as cancelled (or with its result, if it had finished);
    // the slots point at the registration, so it lives until the last one is released.
    slots_.for_each([this, &state](slot& each) {
        if (each.owner == &state) {
            request_cancel(each);
        }
    });
}

unsigned io_uring_reactor::unsubmitted() const noexcept {
    return sq_tail_ - shared(ring_.sq_head).load(std::memory_order_acquire);
}

int io_uring_reactor::enter(unsigned to_submit, unsigned min_complete, unsigned flags,
                            const void* argument, std::size_t argument_size) noexcept {
    ++enter_calls_;
    const long result = ::syscall(__NR_io_uring_enter, ring_fd_, to_submit, min_complete, flags,
                                  argument, argument_size);
    return result < 0 ? -errno : static_cast<int>(result);
}

void io_uring_reactor::submit_queued() noexcept {
    while (unsubmitted() != 0) {
        const int result = enter(unsubmitted(), 0, 0, nullptr, 0);
        if (result > 0 || result == -EINTR) {
            continue;
        }
        if (result == -EBUSY || result == -EAGAIN) {
            // The completion queue is full (and overflowing): make room, then submit again.
            // Reaping only records results; it never queues SQEs, so this cannot recurse.
            reap();
            if ((shared(ring_.sq_flags).load(std::memory_order_relaxed) & IORING_SQ_CQ_OVERFLOW) !=
                0) {
                (void)enter(0, 0, IORING_ENTER_GETEVENTS, nullptr, 0);
                reap();
            }
            continue;
        }
        return; // the ring itself failed: next_sqe() reports it
    }
}

void* io_uring_reactor::next_sqe() noexcept {
    if (sq_tail_ - shared(ring_.sq_head).load(std::memory_order_acquire) >= ring_.sq_entries) {
        submit_queued(); // full: hand the kernel what is queued, without waiting
        if (unsubmitted() >= ring_.sq_entries) {
            return nullptr;
        }
    }
    auto* sqe = static_cast<io_uring_sqe*>(ring_.sqes) + (sq_tail_ & ring_.sq_mask);
    std::memset(sqe, 0, sizeof *sqe);
    ++sq_tail_;
    return sqe;
}

void io_uring_reactor::reserve_sqes(unsigned count) noexcept {
    if (ring_.sq_entries - (sq_tail_ - shared(ring_.sq_head).load(std::memory_order_acquire)) <
        count) {
        submit_queued();
    }
}

bool io_uring_reactor::queue_operation(slot& request) noexcept {
    if (request.op->kind == io_kind::exchange) {
        reserve_sqes(2); // the linked pair goes to the kernel in one submission
    }
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    if (sqe == nullptr) {
        finish(request, -EAGAIN); // the ring has failed
        return false;
    }
    io_operation& op = *request.op;
    const registration& owner = *request.owner;
    const auto length = static_cast<__u32>(std::min(op.length, max_transfer));
    sqe->fd = owner.handle;
    switch (op.kind) {
    case io_kind::read:
    case io_kind::write:
        sqe->opcode = op.kind == io_kind::read ? IORING_OP_READ : IORING_OP_WRITE;
        sqe->addr = as_user_data(op.buffer);
        sqe->len = length;
        // append_offset becomes "the file position", which O_APPEND keeps at the end.
        sqe->off =
            owner.is_regular_file && op.offset != append_offset ? op.offset : current_position;
        break;
    case io_kind::receive:
        sqe->opcode = IORING_OP_RECV;
        sqe->addr = as_user_data(op.buffer);
        sqe->len = length;
        break;
    case io_kind::send:
        sqe->opcode = IORING_OP_SEND;
        sqe->addr = as_user_data(op.buffer);
        sqe->len = length;
        sqe->msg_flags = MSG_NOSIGNAL; // a peer's reset must surface as EPIPE, not kill us
        break;
    case io_kind::peek:
        sqe->opcode = IORING_OP_RECV;
        sqe->addr = as_user_data(&request.kernel.scratch);
        sqe->len = 1;
        sqe->msg_flags = MSG_PEEK;
        break;
    case io_kind::accept:
        request.kernel.address_length = sizeof request.kernel.address;
        sqe->opcode = IORING_OP_ACCEPT;
        sqe->addr = as_user_data(&request.kernel.address);
        sqe->addr2 = as_user_data(&request.kernel.address_length);
        sqe->accept_flags = SOCK_NONBLOCK | SOCK_CLOEXEC; // as accept4 in the readiness backends
        break;
    case io_kind::connect:
        sqe->opcode = IORING_OP_CONNECT;
        sqe->addr = as_user_data(&request.kernel.address);
        sqe->off = request.kernel.address_length;
        break;
    case io_kind::receive_from:
    case io_kind::send_to:
        request.kernel.part.iov_base = op.buffer;
        request.kernel.part.iov_len = std::min(op.length, max_transfer);
        request.kernel.message = msghdr{};
        request.kernel.message.msg_iov = &request.kernel.part;
        request.kernel.message.msg_iovlen = 1;
        if (op.kind == io_kind::receive_from) {
            request.kernel.message.msg_name = &request.kernel.address;
            request.kernel.message.msg_namelen = sizeof request.kernel.address;
            sqe->opcode = IORING_OP_RECVMSG;
        } else {
            if (op.address != nullptr) {
                request.kernel.message.msg_name = &request.kernel.address;
                request.kernel.message.msg_namelen = request.kernel.address_length;
            }
            sqe->opcode = IORING_OP_SENDMSG;
            sqe->msg_flags = MSG_NOSIGNAL;
        }
        sqe->addr = as_user_data(&request.kernel.message);
        sqe->len = 1;
        break;
    case io_kind::exchange: {
        // The send, linked to the receive that follows. MSG_WAITALL: a short send fails the link
        // (and posts its CQE) instead of letting the receive start with the request half sent.
        sqe->opcode = IORING_OP_SEND;
        sqe->addr = as_user_data(op.send_buffer);
        sqe->len = static_cast<__u32>(op.send_length); // start() refused longer ones
        sqe->msg_flags = MSG_NOSIGNAL | MSG_WAITALL;
#ifdef IOSQE_CQE_SKIP_SUCCESS
        sqe->flags = IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
#endif
        sqe->user_data = as_user_data(&request) | exchange_send_tag;
        request.kernel.sqe_position = sq_tail_ - 1;
        sqe = static_cast<io_uring_sqe*>(next_sqe()); // reserved above: never null, never submits
        sqe->fd = owner.handle;
        sqe->opcode = IORING_OP_RECV;
        sqe->addr = as_user_data(op.buffer);
        sqe->len = length;
        break;
    }
    }
    sqe->user_data = as_user_data(&request);
    request.in_kernel = true;
    request.kernel.polling = false;
    request.kernel.neutralised = false;
    if (op.kind != io_kind::exchange) {
        request.kernel.sqe_position = sq_tail_ - 1;
    }
    shared(ring_.sq_tail).store(sq_tail_, std::memory_order_release);
    return true;
}

void io_uring_reactor::queue_poll(slot& request) noexcept {
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    if (sqe == nullptr) {
        finish(request, -EAGAIN);
        slots_.report(request);
        return;
    }
    sqe->opcode = IORING_OP_POLL_ADD;
    sqe->fd = request.owner->handle;
    sqe->poll32_events = posix::waits_for_read(request.op->kind) ? POLLIN : POLLOUT;
    sqe->user_data = as_user_data(&request);
    request.in_kernel = true;
    request.kernel.polling = true;
    request.kernel.neutralised = false;
    request.kernel.sqe_position = sq_tail_ - 1;
    shared(ring_.sq_tail).store(sq_tail_, std::memory_order_release);
}

void io_uring_reactor::queue_wake_read() noexcept {
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    if (sqe == nullptr) {
        return; // tried again at the next wait()
    }
    sqe->opcode = IORING_OP_READ;
    sqe->fd = wake_fd_;
    sqe->addr = as_user_data(wake_counter_.get());
    sqe->len = sizeof(std::uint64_t);
    sqe->off = current_position;
    sqe->user_data = wake_tag;
    wake_armed_ = true;
    shared(ring_.sq_tail).store(sq_tail_, std::memory_order_release);
}

void io_uring_reactor::queue_cancel(slot& request) noexcept {
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    if (sqe == nullptr) {
        return; // the ring has failed; nothing more will complete anyway
    }
    if (request.in_kernel && request.kernel.kind == io_kind::exchange) {
        // Either half may be the one in the kernel: the send while it waits for room, or the
        // receive once the send is done. Cancelling both in one submission hits whichever it is
        // (the kernel starts the receive only from task work, which never runs between the two);
        // a cancelled send fails the link, so the receive never starts. The miss is ignored.
        sqe->opcode = IORING_OP_ASYNC_CANCEL;
        sqe->addr = as_user_data(&request) | exchange_send_tag;
        sqe->user_data = ignored_tag;
        sqe = static_cast<io_uring_sqe*>(next_sqe());
        if (sqe == nullptr) {
            shared(ring_.sq_tail).store(sq_tail_, std::memory_order_release);
            return;
        }
        sqe->opcode = request.in_kernel ? IORING_OP_ASYNC_CANCEL : IORING_OP_NOP;
        sqe->addr = as_user_data(&request);
    } else if (request.in_kernel) {
        sqe->opcode = IORING_OP_ASYNC_CANCEL;
        sqe->addr = as_user_data(&request);
    } else {
        // Its CQE was reaped while next_sqe() made room: nothing to cancel any more.
        sqe->opcode = IORING_OP_NOP;
    }
    sqe->user_data = ignored_tag;
    shared(ring_.sq_tail).store(sq_tail_, std::memory_order_release);
}

void io_uring_reactor::request_cancel(slot& request) noexcept {
    if (request.cancel_requested) {
        return;
    }
    request.cancel_requested = true;
    if (request.kernel.reissue_queued || !request.in_kernel) {
        return; // the next wait() reports it cancelled instead of issuing it again
    }
    const unsigned head = shared(ring_.sq_head).load(std::memory_order_acquire);
    if (static_cast<int>(request.kernel.sqe_position - head) >= 0) {
        // The kernel has not seen the SQE yet: make it a NOP, so nothing is started at all.
        const auto neutralise = [this](unsigned position, unsigned char keep_flags) {
            auto* sqe = static_cast<io_uring_sqe*>(ring_.sqes) + (position & ring_.sq_mask);
            const std::uint64_t user_data = sqe->user_data;
            const auto flags = static_cast<unsigned char>(sqe->flags & keep_flags);
            std::memset(sqe, 0, sizeof *sqe);
            sqe->opcode = IORING_OP_NOP;
            sqe->flags = flags;
            sqe->user_data = user_data;
        };
        if (request.kernel.kind == io_kind::exchange) {
            // The send's NOP keeps its link and CQE_SKIP flags and so posts nothing; the
            // receive's NOP posts the exchange's one CQE, reported cancelled.
            neutralise(request.kernel.sqe_position, 0xff);
            neutralise(request.kernel.sqe_position + 1, 0);
        } else {
            neutralise(request.kernel.sqe_position, 0);
        }
        request.kernel.neutralised = true;
        return;
    }
    queue_cancel(request);
}

void io_uring_reactor::arm_timeout(std::chrono::nanoseconds timeout) noexcept {
    // Kernels without IORING_FEAT_EXT_ARG: the wait's timeout is an operation of its own. One is
    // armed at a time; a later wait replaces it, and a stale one's CQE is ignored by generation
    // (at worst it ends a later wait early, which only costs the loop a turn).
    if (timeout_armed_) {
        if (auto* sqe = static_cast<io_uring_sqe*>(next_sqe())) {
            sqe->opcode = IORING_OP_TIMEOUT_REMOVE;
            sqe->addr = (timeout_generation_ << 3) | timeout_tag;
            sqe->user_data = ignored_tag;
            shared(ring_.sq_tail).store(sq_tail_, std::memory_order_release);
        }
        timeout_armed_ = false;
    }
    auto* sqe = static_cast<io_uring_sqe*>(next_sqe());
    if (sqe == nullptr) {
        return;
    }
    ++timeout_generation_;
    // The kernel copies it when it consumes the SQE, but that is at the enter, after we return.
    const __kernel_timespec spec = to_timespec(timeout);
    static_assert(sizeof spec == sizeof timeout_spec_);
    std::memcpy(timeout_spec_, &spec, sizeof spec);
    sqe->opcode = IORING_OP_TIMEOUT;
    sqe->addr = as_user_data(&timeout_spec_);
    sqe->len = 1;
    sqe->off = 0; // a pure timeout, not "after n completions"
    sqe->user_data = (timeout_generation_ << 3) | timeout_tag;
    timeout_armed_ = true;
    shared(ring_.sq_tail).store(sq_tail_, std::memory_order_release);
}

void io_uring_reactor::flush_reissues() noexcept {
    while (slot* request = reissue_head_) {
        reissue_head_ = request->kernel.next_reissue;
        if (reissue_head_ == nullptr) {
            reissue_tail_ = nullptr;
        }
        request->kernel.next_reissue = nullptr;
        request->kernel.reissue_queued = false;
        if (request->op == nullptr) {
            slots_.release(*request); // abandoned while it waited here
        } else if (request->cancel_requested || request->owner->deregistered) {
            finish(*request, -ECANCELED);
            slots_.report(*request);
        } else if (request->kernel.reissue_as_poll) {
            queue_poll(*request);
        } else if (!queue_operation(*request)) {
            slots_.report(*request);
        }
    }
}

bool io_uring_reactor::reap() noexcept {
    bool any = false;
    unsigned head = *ring_.cq_head; // only we move the head
    for (;;) {
        const unsigned tail = shared(ring_.cq_tail).load(std::memory_order_acquire);
        if (head == tail) {
            break;
        }
        while (head != tail) {
            const auto& cqe = static_cast<const io_uring_cqe*>(ring_.cqes)[head & ring_.cq_mask];
            const std::uint64_t user_data = cqe.user_data;
            const int result = cqe.res;
            ++head;
            // Give the entry back before handling it: handling never enters the kernel.
            shared(ring_.cq_head).store(head, std::memory_order_release);
            on_completion(user_data, result);
            any = true;
        }
    }
    return any;
}

void io_uring_reactor::on_completion(std::uint64_t user_data, int result) noexcept {
    if (user_data == ignored_tag) {
        return;
    }
    if (user_data == wake_tag) {
        wake_armed_ = false;
        // Clear only once the read is done, so a wake() racing with us either sees the flag still
        // set (its post is picked up by the loop's next drain) or writes the eventfd again.
        wake_pending_.store(false);
        woken_ = true;
        return;
    }
    if ((user_data & tag_mask) == timeout_tag) {
        if ((user_data >> 3) == timeout_generation_) {
            timeout_armed_ = false;
        }
        return;
    }
    slot& done = *reinterpret_cast<slot*>(static_cast<std::uintptr_t>(user_data & ~tag_mask));
    if (!done.in_kernel) {
        // Every slot's operation posts exactly one CQE that reaches here (an exchange's linked
        // pair included): a second one would be a bug, counted for the tests, never acted on.
        ++stray_completions_;
        return;
    }
    done.in_kernel = false;
    if (done.kernel.kind == io_kind::exchange) {
        // One CQE per exchange (io_uring_reactor.hpp): the send's if it failed, else the
        // receive's. Sockets never come back with -EAGAIN, so there is nothing to re-issue.
        if (done.op == nullptr) {
            slots_.release(done);
        } else {
            if ((user_data & tag_mask) == exchange_send_tag) {
                finish_failed_exchange_send(done, result);
            } else {
                finish(done, result);
                if (!done.kernel.neutralised) {
                    done.op->sent_bytes =
                        done.op->send_length; // the receive ran: the send was whole
                }
            }
            slots_.report(done);
        }
        return;
    }
    const bool wanted = done.op != nullptr && !done.cancel_requested && !done.owner->deregistered;
    const auto schedule = [this, &done](bool as_poll) {
        done.kernel.reissue_as_poll = as_poll;
        done.kernel.reissue_queued = true;
        (reissue_tail_ != nullptr ? reissue_tail_->kernel.next_reissue : reissue_head_) = &done;
        reissue_tail_ = &done;
    };
    if (done.kernel.polling) {
        done.kernel.polling = false;
        if (!wanted) {
            if (done.op == nullptr) {
                slots_.release(done);
                return;
            }
            finish(done, -ECANCELED); // it had not started: nothing was transferred
            slots_.report(done);
            return;
        }
        if (done.op->kind == io_kind::connect) {
            // Writable after EINPROGRESS: the attempt is over; SO_ERROR says how it went.
            int error = 0;
            socklen_t length = sizeof error;
            if (::getsockopt(done.owner->handle, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
                error = errno;
            }
            if (error == EINPROGRESS || error == EALREADY) {
                schedule(true);
                return;
            }
            finish(done, -error);
            slots_.report(done);
            return;
        }
        schedule(false);
        return;
    }
    if (wanted) {
        const io_kind kind = done.op->kind;
        if (result == -EAGAIN ||
            (kind == io_kind::connect && (result == -EINPROGRESS || result == -EALREADY))) {
            schedule(true); // an O_NONBLOCK pipe, or a connect still in progress
            return;
        }
        if (kind == io_kind::accept && result == -ECONNABORTED) {
            schedule(false); // reset while queued: the peer's loss; wait for the next one
            return;
        }
    }
    if (done.op == nullptr) {
        if (done.kernel.kind == io_kind::accept && result >= 0 && !done.kernel.neutralised) {
            ::close(result); // an abandoned accept that succeeded: nobody will take the socket
        }
        slots_.release(done);
        return;
    }
    finish(done, result);
    slots_.report(done);
}

void io_uring_reactor::finish_failed_exchange_send(slot& done, int result) noexcept {
    io_operation& op = *done.op;
    // A short send (result below send_length) had no error the kernel reported: the caller sends
    // the rest. A failed one moved nothing (the kernel reports a partial count instead).
    op.sent_bytes = result > 0 ? static_cast<std::size_t>(result) : 0;
    if (result >= 0 && (done.cancel_requested || done.owner->deregistered)) {
        // Cancelled after part of the request went out: the kernel reports the part (sent_bytes
        // says how much); the operation as a whole was cancelled.
        result = -ECANCELED;
    }
    finish(done, std::min(result, 0));
    op.transferred = 0; // the receive never started
}

void io_uring_reactor::finish(slot& done, int result) noexcept {
    io_operation& op = *done.op;
    op.error = 0;
    op.transferred = 0;
    if (done.kernel.neutralised || result == -ECANCELED ||
        (result == -EINTR && (done.cancel_requested || done.owner->deregistered))) {
        op.cancelled = true;
        return;
    }
    if (result < 0) {
        if (done.owner->deregistered) {
            // The contract: deregistration completes pending operations as cancelled, whatever
            // closing the handle under them made the kernel say.
            op.cancelled = true;
            return;
        }
        op.error = -result;
        return;
    }
    switch (op.kind) {
    case io_kind::read:
    case io_kind::write:
    case io_kind::receive:
    case io_kind::send:
    case io_kind::send_to:
    case io_kind::peek: // 1: a byte is waiting (still queued); 0: end of stream
    case io_kind::exchange:
        op.transferred = static_cast<std::size_t>(result);
        return;
    case io_kind::receive_from:
        op.transferred = static_cast<std::size_t>(result);
        op.truncated = (done.kernel.message.msg_flags & MSG_TRUNC) != 0;
        if (op.address != nullptr) {
            std::memcpy(op.address, &done.kernel.address,
                        std::min<std::size_t>(done.kernel.message.msg_namelen, op.address_length));
            op.address_length = done.kernel.message.msg_namelen;
        }
        return;
    case io_kind::accept:
        op.accepted = result;
        if (op.address != nullptr) {
            std::memcpy(op.address, &done.kernel.address,
                        std::min<std::size_t>(done.kernel.address_length, op.address_length));
            op.address_length = done.kernel.address_length;
        }
        return;
    case io_kind::connect:
        return;
    }
}

bool io_uring_reactor::start(io_operation& op) noexcept {
    slot* request = slots_.acquire(op);
    if (request == nullptr) {
        op.error = ENOMEM;
        return true;
    }
    if (op.kind == io_kind::exchange &&
        (!links_exchanges_ || op.send_length == 0 || op.send_length > max_exchange_send)) {
        slots_.finished_at_once(*request);
        op.error = EINVAL; // io_object splits exchanges this ring cannot link, and empty ones
        return true;
    }
    const bool copies_address =
        op.kind == io_kind::connect || (op.kind == io_kind::send_to && op.address != nullptr);
    if (copies_address && (op.address == nullptr || op.address_length > sizeof(sockaddr_storage))) {
        slots_.finished_at_once(*request);
        op.error = EINVAL; // no such address: fail at once, as connect(2) would
        return true;
    }
    request->kernel.kind = op.kind;
    if (copies_address) {
        // The kernel reads the address when it consumes the SQE, at the next wait(): the
        // caller's copy need not live that long.
        std::memcpy(&request->kernel.address, op.address, op.address_length);
        request->kernel.address_length = op.address_length;
    }
    if (!queue_operation(*request)) {
        // The ring could not take it (it has failed): return its error now rather than lose it.
        slots_.finished_at_once(*request);
        return true;
    }
    return false;
}

void io_uring_reactor::cancel(io_operation& op) noexcept {
    if (op.backend_data == nullptr) {
        return; // already finished and queued for reporting, or never started
    }
    request_cancel(*static_cast<slot*>(op.backend_data));
}

void io_uring_reactor::abandon(io_operation& op) noexcept {
    if (op.backend_data == nullptr) {
        // Finished, and perhaps reaped by an earlier abandon() and waiting to be reported.
        slots_.forget_finished(op);
        return;
    }
    slot& request = slots_.orphan(op); // its CQE is recycled, never reported
    request_cancel(request);
    if (request.kernel.reissue_queued || !request.in_kernel || request.kernel.neutralised) {
        return; // the kernel does not hold it (or holds only a NOP)
    }
    // The kernel may write into the caller's buffer until the operation completes: enter until
    // its CQE has been reaped (other completions wait for the next wait()).
    while (request.in_kernel) {
        const int result = enter(unsubmitted(), 1, IORING_ENTER_GETEVENTS, nullptr, 0);
        if (!reap() && result < 0 && result != -EINTR && result != -EBUSY && result != -EAGAIN) {
            return; // the ring itself failed
        }
    }
}

bool io_uring_reactor::completions_known() const noexcept {
    return slots_.has_finished() || woken_ ||
           shared(ring_.cq_tail).load(std::memory_order_acquire) != *ring_.cq_head ||
           (shared(ring_.sq_flags).load(std::memory_order_relaxed) & IORING_SQ_CQ_OVERFLOW) != 0;
}

void io_uring_reactor::wait(std::optional<std::chrono::nanoseconds> timeout,
                            io_operation_list& completed) {
    flush_reissues();
    if (!wake_armed_) {
        queue_wake_read();
    }
    if (completions_known()) {
        timeout = std::chrono::nanoseconds::zero();
    }
    const auto deadline = timeout ? std::chrono::steady_clock::now() + *timeout
                                  : std::chrono::steady_clock::time_point::max();
    for (;;) {
        int result = 0;
        if (timeout && timeout->count() <= 0) {
            const bool overflowing = (shared(ring_.sq_flags).load(std::memory_order_relaxed) &
                                      IORING_SQ_CQ_OVERFLOW) != 0;
            if (unsubmitted() != 0 || overflowing) {
                result = enter(unsubmitted(), 0, IORING_ENTER_GETEVENTS, nullptr, 0);
            }
        } else if (!timeout) {
            result = enter(unsubmitted(), 1, IORING_ENTER_GETEVENTS, nullptr, 0);
        } else if (has_ext_arg_) {
            const __kernel_timespec spec = to_timespec(*timeout);
            io_uring_getevents_arg argument{};
            argument.ts = as_user_data(&spec);
            result = enter(unsubmitted(), 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
                           &argument, sizeof argument);
        } else {
            arm_timeout(*timeout);
            result = enter(unsubmitted(), 1, IORING_ENTER_GETEVENTS, nullptr, 0);
        }
        if (result == -EINTR) {
            if (timeout) {
                timeout = std::max(std::chrono::nanoseconds::zero(),
                                   std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       deadline - std::chrono::steady_clock::now()));
            }
            continue;
        }
        if (result == -EBUSY || result == -EAGAIN) {
            // Completions could not be flushed (or requests allocated): reap to make room; the
            // reaped completions are reason enough not to block on the retry.
            reap();
            timeout = std::chrono::nanoseconds::zero();
            continue;
        }
        if (result < 0 && result != -ETIME) {
            throw_os_error(-result, "io_uring_enter");
        }
        break;
    }
    reap();
    // Completions the kernel kept aside while the CQ was full (IORING_FEAT_NODROP): flushing them
    // into the ring takes another enter, needed only after an overflow.
    for (int round = 0; round < 64 && (shared(ring_.sq_flags).load(std::memory_order_relaxed) &
                                       IORING_SQ_CQ_OVERFLOW) != 0;
         ++round) {
        const int result = enter(0, 0, IORING_ENTER_GETEVENTS, nullptr, 0);
        if (!reap() && result < 0 && result != -EINTR && result != -EBUSY) {
            break;
        }
    }
    woken_ = false; // a wake-up reaped just now has done its job: this wait returns
    slots_.take_finished(completed);
}

void io_uring_reactor::wake() noexcept {
    if (!wake_pending_.exchange(true)) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
    }
}

} // namespace corio::detail
