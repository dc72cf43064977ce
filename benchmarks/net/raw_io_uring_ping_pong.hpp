// SPDX-License-Identifier: MIT
// raw_io_uring_ping_pong.hpp - the socket ping-pong's io_uring floor: the same 1-byte ping-pong as
// raw_ping_pong (socket_ping_pong.hpp), written directly against io_uring(7) with
// <linux/io_uring.h> and syscall(), with no runtime and no liburing.
//
// Why this is the floor. With epoll every message costs three system calls (epoll_wait, read,
// write). With io_uring a program describes its sends and receives as submission queue entries
// (SQEs) in a ring shared with the kernel, and one io_uring_enter(2) both submits them and waits
// for completions (CQEs). A round trip has two messages and each needs the program to act (B must
// see the ping before it can echo it, A must see the echo before the next ping), so no program can
// do it in fewer than two passes through the kernel. This one makes exactly two io_uring_enter
// calls per round trip and nothing else:
//
//     enter #1: submit A's send(ping) and A's recv; wait for 2 CQEs: A's send and B's recv
//               (B's recv has been in flight since the previous turn)
//     enter #2: submit B's send(echo) and B's recv; wait for 2 CQEs: B's send and A's recv
//
// Both sides' receives are always in flight, so a message is taken by the kernel as soon as it
// arrives, and each enter waits for exactly the two completions the turn produces (a send CQE and
// the peer's recv CQE), which makes the count deterministic. The rings are mapped once; SQEs are
// indexed directly (sq_array[i] = i), as the minimum setup needs.
// Linux only; throws std::system_error (as the other floors) if io_uring cannot be set up here.
#pragma once

#include "socket_ping_pong.hpp"

#include <linux/io_uring.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace corio_bench {

namespace raw_uring {

// The rings are shared with the kernel: the head/tail indices are read and written with
// acquire/release ordering, as io_uring(7) requires.
inline std::uint32_t load_acquire(const std::uint32_t* index) {
    return std::atomic_ref<const std::uint32_t>(*index).load(std::memory_order_acquire);
}
inline void store_release(std::uint32_t* index, std::uint32_t value) {
    std::atomic_ref<std::uint32_t>(*index).store(value, std::memory_order_release);
}

class ring {
public:
    explicit ring(unsigned entries) {
        io_uring_params params{};
        fd_ = static_cast<int>(::syscall(__NR_io_uring_setup, entries, &params));
        if (fd_ < 0) {
            throw_errno("io_uring_setup");
        }
        // A failed mmap must not leak what was already made: a constructor that throws runs no
        // destructor.
        try {
            sq_ring_size_ = params.sq_off.array + params.sq_entries * sizeof(std::uint32_t);
            cq_ring_size_ = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
            single_mmap_ = (params.features & IORING_FEAT_SINGLE_MMAP) != 0;
            if (single_mmap_) {
                sq_ring_size_ = cq_ring_size_ = std::max(sq_ring_size_, cq_ring_size_);
            }
            sq_ring_ = map(sq_ring_size_, IORING_OFF_SQ_RING);
            cq_ring_ = single_mmap_ ? sq_ring_ : map(cq_ring_size_, IORING_OFF_CQ_RING);
            sqe_size_ = params.sq_entries * sizeof(io_uring_sqe);
            sqes_ = static_cast<io_uring_sqe*>(map(sqe_size_, IORING_OFF_SQES));
        } catch (...) {
            release();
            throw;
        }
        sq_tail_ = field(sq_ring_, params.sq_off.tail);
        sq_mask_ = *field(sq_ring_, params.sq_off.ring_mask);
        cq_head_ = field(cq_ring_, params.cq_off.head);
        cq_tail_ = field(cq_ring_, params.cq_off.tail);
        cq_mask_ = *field(cq_ring_, params.cq_off.ring_mask);
        cqes_ = reinterpret_cast<io_uring_cqe*>(static_cast<char*>(cq_ring_) + params.cq_off.cqes);
        // SQE i always sits in sq_array slot i: the indirection is set up once.
        std::uint32_t* sq_array = field(sq_ring_, params.sq_off.array);
        for (std::uint32_t i = 0; i < params.sq_entries; ++i) {
            sq_array[i] = i;
        }
    }

    ~ring() { release(); }
    ring(const ring&) = delete;
    ring& operator=(const ring&) = delete;

    // Queues a send or recv of `length` bytes at `data` on `fd`; the CQE's user_data is `fd`.
    // Only two SQEs are queued per turn, far below the ring's size, so the SQ is never full.
    void queue(std::uint8_t opcode, int fd, void* data, std::size_t length) {
        io_uring_sqe& sqe = sqes_[local_tail_ & sq_mask_];
        std::memset(&sqe, 0, sizeof sqe);
        sqe.opcode = opcode;
        sqe.fd = fd;
        sqe.addr = reinterpret_cast<std::uintptr_t>(data);
        sqe.len = static_cast<std::uint32_t>(length);
        sqe.user_data = static_cast<std::uint64_t>(fd);
        ++local_tail_;
        ++to_submit_;
    }

    // The one system call of a turn: submits what was queued and waits for `wait_for` CQEs.
    void submit_and_wait(unsigned wait_for) {
        store_release(sq_tail_, local_tail_);
        for (;;) {
            const long result = ::syscall(__NR_io_uring_enter, fd_, to_submit_, wait_for,
                                          IORING_ENTER_GETEVENTS, nullptr, 0);
            if (result >= 0) {
                to_submit_ -= static_cast<unsigned>(result);
                if (to_submit_ == 0) {
                    return;
                }
                continue; // not everything was consumed: submit the rest
            }
            if (errno != EINTR) {
                throw_errno("io_uring_enter");
            }
        }
    }

    // Calls `on_completion(user_data, result)` for every CQE in the ring and marks them seen.
    template <class OnCompletion>
    void reap(OnCompletion&& on_completion) {
        std::uint32_t head = *cq_head_; // only this thread writes the head
        const std::uint32_t tail = load_acquire(cq_tail_);
        for (; head != tail; ++head) {
            const io_uring_cqe& cqe = cqes_[head & cq_mask_];
            on_completion(cqe.user_data, cqe.res);
        }
        store_release(cq_head_, head);
    }

private:
    void release() noexcept {
        if (sqes_ != nullptr) {
            ::munmap(sqes_, sqe_size_);
        }
        if (cq_ring_ != nullptr && cq_ring_ != sq_ring_) {
            ::munmap(cq_ring_, cq_ring_size_);
        }
        if (sq_ring_ != nullptr) {
            ::munmap(sq_ring_, sq_ring_size_);
        }
        ::close(fd_);
    }
    void* map(std::size_t size, off_t offset) const {
        void* address =
            ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, offset);
        if (address == MAP_FAILED) {
            throw_errno("mmap");
        }
        return address;
    }
    static std::uint32_t* field(void* base, std::uint32_t offset) {
        return reinterpret_cast<std::uint32_t*>(static_cast<char*>(base) + offset);
    }

    int fd_ = -1;
    bool single_mmap_ = false;
    std::size_t sq_ring_size_ = 0;
    std::size_t cq_ring_size_ = 0;
    std::size_t sqe_size_ = 0;
    void* sq_ring_ = nullptr;
    void* cq_ring_ = nullptr;
    io_uring_sqe* sqes_ = nullptr;
    io_uring_cqe* cqes_ = nullptr;
    std::uint32_t* sq_tail_ = nullptr;
    std::uint32_t* cq_head_ = nullptr;
    std::uint32_t* cq_tail_ = nullptr;
    std::uint32_t sq_mask_ = 0;
    std::uint32_t cq_mask_ = 0;
    std::uint32_t local_tail_ = 0;
    unsigned to_submit_ = 0;
};

} // namespace raw_uring

// Throws std::system_error when io_uring cannot be set up (old kernel, seccomp,
// kernel.io_uring_disabled): the benchmark reports that as a skip.
template <class KeepGoing>
void raw_io_uring_ping_pong(connected_pair pair, KeepGoing& keep_going) {
    struct closer {
        std::array<int, 2> fds;
        ~closer() {
            for (const int fd : fds) {
                ::close(fd);
            }
        }
    } close_both{{pair.a, pair.b}};
    raw_uring::ring uring{8};
    std::array<char, read_buffer_size> a_buffer{};
    std::array<char, read_buffer_size> b_buffer{};
    // B echoes from its own copy, so its next receive never writes into a buffer being sent.
    std::array<char, read_buffer_size> echo{};
    char ping = 'p';
    auto check = [](std::int32_t result, const char* what) {
        if (result <= 0) {
            throw std::runtime_error(std::string("raw io_uring ping-pong: ") + what +
                                     (result == 0 ? ": end of stream" : ": ") +
                                     (result < 0 ? std::strerror(-result) : ""));
        }
    };
    // B's receive is in flight before the first ping.
    uring.queue(IORING_OP_RECV, pair.b, b_buffer.data(), b_buffer.size());
    while (keep_going()) {
        // Turn 1: A pings and starts receiving the echo; B's receive takes the ping.
        uring.queue(IORING_OP_SEND, pair.a, &ping, 1);
        uring.queue(IORING_OP_RECV, pair.a, a_buffer.data(), a_buffer.size());
        uring.submit_and_wait(2);
        std::int32_t echoed_length = 0;
        uring.reap([&](std::uint64_t fd, std::int32_t result) {
            if (fd == static_cast<std::uint64_t>(pair.b)) {
                check(result, "B's recv");
                echoed_length = result;
                std::memcpy(echo.data(), b_buffer.data(), static_cast<std::size_t>(result));
            } else {
                check(result, "A's send");
            }
        });
        // Turn 2: B echoes and receives again; A's receive takes the echo.
        uring.queue(IORING_OP_SEND, pair.b, echo.data(), static_cast<std::size_t>(echoed_length));
        uring.queue(IORING_OP_RECV, pair.b, b_buffer.data(), b_buffer.size());
        uring.submit_and_wait(2);
        uring.reap([&](std::uint64_t fd, std::int32_t result) {
            check(result, fd == static_cast<std::uint64_t>(pair.a) ? "A's recv" : "B's send");
        });
    }
    // B's last receive is still in flight; closing the ring (and the sockets) cancels it.
}

} // namespace corio_bench
