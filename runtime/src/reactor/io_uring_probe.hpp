// SPDX-License-Identifier: MIT
// io_uring_probe.hpp - can io_uring run corio here? Asked once per process, on Linux only.
//
// A kernel may lack io_uring (before 5.1, or built without it), forbid it (the sysctl
// kernel.io_uring_disabled, a container's seccomp filter: EPERM), or lack an operation corio
// needs. The probe finds out the way the backend would fail: it reads io_uring_disabled, sets up
// a small ring, checks the ring's features and asks the kernel which opcodes it supports
// (IORING_REGISTER_PROBE), then closes the ring. Written against <linux/io_uring.h> and
// syscall(2), like io_uring_reactor.
//
// The system calls go through io_uring_system, so tests can make each of them fail for real
// through this code (backend_choice_test.cpp).
#pragma once

#if defined(__linux__)

#include "backend_choice.hpp"

#include <linux/io_uring.h>

#include <array>
#include <string_view>

namespace corio::detail {

struct io_uring_opcode {
    unsigned char code;
    std::string_view name;
};

// Every io_uring operation io_uring_reactor submits: keep in step with io_uring_reactor.cpp. A
// kernel that lacks any of them gets epoll under `automatic`.
inline constexpr std::array<io_uring_opcode, 13> io_uring_required_opcodes{{
    {IORING_OP_READ, "IORING_OP_READ"},
    {IORING_OP_WRITE, "IORING_OP_WRITE"},
    {IORING_OP_RECV, "IORING_OP_RECV"},
    {IORING_OP_SEND, "IORING_OP_SEND"},
    {IORING_OP_RECVMSG, "IORING_OP_RECVMSG"},
    {IORING_OP_SENDMSG, "IORING_OP_SENDMSG"},
    {IORING_OP_ACCEPT, "IORING_OP_ACCEPT"},
    {IORING_OP_CONNECT, "IORING_OP_CONNECT"},
    {IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL"},
    {IORING_OP_TIMEOUT, "IORING_OP_TIMEOUT"},
    {IORING_OP_POLL_ADD, "IORING_OP_POLL_ADD"}, // the loop's wake-up: an eventfd polled
    {IORING_OP_TIMEOUT_REMOVE, "IORING_OP_TIMEOUT_REMOVE"},
    {IORING_OP_NOP, "IORING_OP_NOP"}, // an SQE neutralised after it was written
}};

// Ring features io_uring_reactor relies on (io_uring_params::features after setup), with names.
struct io_uring_feature {
    unsigned flag;
    std::string_view name;
};
inline constexpr std::array<io_uring_feature, 2> io_uring_required_features{{
    // A full completion queue keeps completions aside instead of dropping them (Linux 5.5):
    // without it an operation could never come back. io_uring_reactor refuses such a ring too.
    {IORING_FEAT_NODROP, "IORING_FEAT_NODROP"},
    // Waiting with a timeout inside io_uring_enter itself (IORING_ENTER_EXT_ARG, Linux 5.11), so
    // that a loop turn is one system call. (io_uring_reactor can do without, with a
    // IORING_OP_TIMEOUT per wait; `automatic` does not pick io_uring on such a kernel.)
    {IORING_FEAT_EXT_ARG, "IORING_FEAT_EXT_ARG"},
}};

// The system calls the probe makes. Each returns what the kernel does, with -errno for a failure.
struct io_uring_system {
    // /proc/sys/kernel/io_uring_disabled: 0 allowed, 1 only for the group in
    // kernel.io_uring_group, 2 forbidden; -1 when the file is absent (kernels before 6.6).
    int (*read_disabled_setting)() = nullptr;
    // io_uring_setup(2): the ring's file descriptor.
    int (*setup)(unsigned entries, io_uring_params& params) = nullptr;
    // io_uring_register(2) with IORING_REGISTER_PROBE: 0, `probe` filled for `ops` entries.
    int (*register_probe)(int ring, io_uring_probe& probe, unsigned ops) = nullptr;
    void (*close_ring)(int ring) = nullptr;
};

// The real calls.
[[nodiscard]] io_uring_system real_io_uring_system() noexcept;

// Probes through `system`; never throws except std::bad_alloc. Closes any ring it set up.
[[nodiscard]] io_uring_probe_result probe_io_uring(const io_uring_system& system);

// The real probe, made once per process (the first call, thread-safe) and remembered.
[[nodiscard]] const io_uring_probe_result& io_uring_probe_once();

} // namespace corio::detail

#endif // __linux__
