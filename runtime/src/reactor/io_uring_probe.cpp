// SPDX-License-Identifier: MIT
// Probing io_uring: the checks io_uring_probe.hpp lists, in the order the backend would meet them.
#include "io_uring_probe.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <system_error>
#include <vector>

namespace corio::detail {

namespace {

// Entries for the probe's ring: the smallest ring still exercises everything setup checks.
constexpr unsigned probe_ring_entries = 4;
// IORING_REGISTER_PROBE reports at most this many opcodes; more than any kernel defines so far.
constexpr unsigned probe_opcode_slots = 256;

int read_disabled_setting_from_proc() {
    std::FILE* file = std::fopen("/proc/sys/kernel/io_uring_disabled", "r");
    if (file == nullptr) {
        return -1;
    }
    int value = -1;
    if (std::fscanf(file, "%d", &value) != 1) {
        value = -1;
    }
    std::fclose(file);
    return value;
}

int setup_with_syscall(unsigned entries, io_uring_params& params) {
#if defined(__NR_io_uring_setup)
    const long ring = ::syscall(__NR_io_uring_setup, entries, &params);
    return ring < 0 ? -errno : static_cast<int>(ring);
#else
    (void)entries;
    (void)params;
    return -ENOSYS;
#endif
}

int register_probe_with_syscall(int ring, io_uring_probe& probe, unsigned ops) {
#if defined(__NR_io_uring_register)
    const long result = ::syscall(__NR_io_uring_register, ring, IORING_REGISTER_PROBE, &probe, ops);
    return result < 0 ? -errno : 0;
#else
    (void)ring;
    (void)probe;
    (void)ops;
    return -ENOSYS;
#endif
}

void close_ring_fd(int ring) {
    ::close(ring);
}

io_uring_probe_result unusable(int error, std::string reason) {
    return {false, std::error_code(error, std::generic_category()), std::move(reason)};
}

io_uring_probe_result unsupported(std::string reason) {
    return {false, std::make_error_code(std::errc::function_not_supported), std::move(reason)};
}

// "io_uring_setup: Operation not permitted (io_uring_disabled or seccomp)"
std::string failed_call(std::string_view call, int error) {
    std::string text = std::string(call) + ": " + std::generic_category().message(error);
    switch (error) {
    case EPERM:
        text += " (forbidden by kernel.io_uring_disabled, kernel.io_uring_group or seccomp)";
        break;
    case ENOSYS:
        text += " (this kernel has no io_uring)";
        break;
    case EINVAL:
        if (call.starts_with("IORING_REGISTER_PROBE")) {
            text += " (kernel older than 5.6)";
        }
        break;
    default:
        break;
    }
    return text;
}

// The ring probe_io_uring sets up, closed on every way out.
class probe_ring {
public:
    probe_ring(const io_uring_system& system, int ring) noexcept
        : system_(system)
        , ring_(ring) {}
    ~probe_ring() { system_.close_ring(ring_); }
    probe_ring(const probe_ring&) = delete;
    probe_ring& operator=(const probe_ring&) = delete;
    [[nodiscard]] int fd() const noexcept { return ring_; }

private:
    const io_uring_system& system_;
    int ring_;
};

} // namespace

io_uring_system real_io_uring_system() noexcept {
    return {read_disabled_setting_from_proc, setup_with_syscall, register_probe_with_syscall,
            close_ring_fd};
}

io_uring_probe_result probe_io_uring(const io_uring_system& system) {
    // 1 lets only the members of kernel.io_uring_group in: setup below says whether we are one.
    if (system.read_disabled_setting() == 2) {
        return unusable(EPERM, "io_uring is disabled (/proc/sys/kernel/io_uring_disabled is 2)");
    }

    io_uring_params params{};
    const int ring = system.setup(probe_ring_entries, params);
    if (ring < 0) {
        return unusable(-ring, failed_call("io_uring_setup", -ring));
    }
    const probe_ring owned(system, ring);

    for (const io_uring_feature& feature : io_uring_required_features) {
        if ((params.features & feature.flag) == 0) {
            return unsupported("the kernel lacks " + std::string(feature.name) +
                               " (io_uring_params::features)");
        }
    }

    // io_uring_probe ends in a flexible array of io_uring_probe_op: room for the header and
    // probe_opcode_slots entries, in storage aligned for both. The kernel refuses (EINVAL) a
    // probe that is not all zeros.
    std::vector<io_uring_probe_op> storage(
        (sizeof(io_uring_probe) + sizeof(io_uring_probe_op) - 1) / sizeof(io_uring_probe_op) +
        probe_opcode_slots);
    auto* probe = ::new (static_cast<void*>(storage.data())) io_uring_probe;
    std::memset(static_cast<void*>(probe), 0, storage.size() * sizeof(io_uring_probe_op));
    if (const int status = system.register_probe(owned.fd(), *probe, probe_opcode_slots);
        status < 0) {
        return unusable(-status, failed_call("IORING_REGISTER_PROBE", -status));
    }
    for (const io_uring_opcode& opcode : io_uring_required_opcodes) {
        const bool supported = opcode.code < probe->ops_len &&
                               (probe->ops[opcode.code].flags & IO_URING_OP_SUPPORTED) != 0;
        if (!supported) {
            return unsupported("the kernel lacks " + std::string(opcode.name));
        }
    }
    return {true, {}, {}};
}

const io_uring_probe_result& io_uring_probe_once() {
    // A function-local static: initialised once, by the first caller, while the others wait.
    static const io_uring_probe_result result = probe_io_uring(real_io_uring_system());
    return result;
}

} // namespace corio::detail
