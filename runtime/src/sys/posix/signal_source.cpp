// SPDX-License-Identifier: MIT
// signal_source.cpp (POSIX) - the self-pipe trick: the handler writes each signal's number into a
// pipe per interested loop, and a small task on that loop reads the pipe and hands the numbers to
// its hub.
//
// A signal handler may run on any thread, between any two instructions, so it touches only
// lock-free atomics and write(2). The loops interested in signals occupy slots of a fixed table
// (a pipe's write end and a mask of signals); the handler walks the table. A loop leaving the
// table empties its slot and then waits until no handler is running, so no handler can write to
// a pipe after it has been closed (and its number reused). Installing and restoring the
// dispositions (sigaction) happens under a mutex, never in a handler.
#include "signal/signal_hub.hpp"

#include "sys/handle_ops.hpp"

#include <corio/runtime/error.hpp>
#include <corio/runtime/io_object.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <mutex>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace corio::detail {

namespace {

// Signal numbers 1-64 (Linux's real-time signals end at 64); a mask bit each.
constexpr int highest_signal = NSIG - 1 < 64 ? NSIG - 1 : 64;
constexpr std::size_t max_listening_loops = 64;

constexpr std::uint64_t bit_of(int signal) noexcept {
    return std::uint64_t{1} << static_cast<unsigned>(signal - 1);
}

struct listening_slot {
    std::atomic<int> pipe_write{-1};
    std::atomic<std::uint64_t> signals{0};
};

// Read by the handler: lock-free atomics only.
std::array<listening_slot, max_listening_loops> slots;
std::atomic<int> handlers_running{0};
static_assert(std::atomic<int>::is_always_lock_free &&
              std::atomic<std::uint64_t>::is_always_lock_free);

// Never read by the handler.
struct process_dispositions {
    std::mutex mutex;
    std::array<bool, max_listening_loops> slot_taken{};
    std::array<std::size_t, highest_signal + 1> watchers{}; // hubs watching each signal
    std::array<struct sigaction, highest_signal + 1> previous{};
};
process_dispositions& dispositions() {
    static process_dispositions instance;
    return instance;
}

void on_signal(int signal) {
    const int saved_errno = errno; // the interrupted code may be about to read errno
    handlers_running.fetch_add(1);
    const std::uint64_t bit = bit_of(signal);
    const auto number = static_cast<unsigned char>(signal);
    for (listening_slot& slot : slots) {
        if ((slot.signals.load() & bit) != 0) {
            const int pipe_write = slot.pipe_write.load();
            // A full pipe drops the byte: that loop has this many arrivals unread already, and
            // signals of one number coalesce anyway.
            if (pipe_write >= 0 && ::write(pipe_write, &number, 1) < 0) {
            }
        }
    }
    handlers_running.fetch_sub(1);
    errno = saved_errno;
}

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

class posix_signal_hub final : public signal_hub {
public:
    explicit posix_signal_hub(event_loop& loop)
        : signal_hub(loop) {
        int ends[2];
        if (::pipe(ends) != 0) {
            throw_errno("signal_set: pipe");
        }
        pipe_write_ = ends[1];
        for (const int end : ends) {
            if (::fcntl(end, F_SETFL, O_NONBLOCK) != 0 || ::fcntl(end, F_SETFD, FD_CLOEXEC) != 0) {
                const int error = errno;
                ::close(ends[0]);
                ::close(ends[1]);
                throw std::system_error(error, std::generic_category(), "signal_set: fcntl");
            }
        }
        try {
            pipe_read_ = io_object{ends[0]};
        } catch (...) {
            ::close(ends[0]);
            ::close(ends[1]);
            throw;
        }
        process_dispositions& process = dispositions();
        const std::scoped_lock lock{process.mutex};
        for (std::size_t index = 0; index < max_listening_loops; ++index) {
            if (!process.slot_taken[index]) {
                process.slot_taken[index] = true;
                slot_ = &slots[index];
                slot_->pipe_write.store(pipe_write_);
                return;
            }
        }
        ::close(pipe_write_);
        throw std::system_error(std::make_error_code(std::errc::too_many_files_open),
                                "signal_set: more than 64 loops are watching signals");
    }

    ~posix_signal_hub() override {
        if (slot_ != nullptr) {
            leave_table();
        }
        ::close(pipe_write_);
    }

    posix_signal_hub(const posix_signal_hub&) = delete;
    posix_signal_hub& operator=(const posix_signal_hub&) = delete;

    // After make_shared: the reader task keeps the hub alive while it reads.
    void start_reading() {
        reader_ = loop().spawn(
            read_arrivals(std::static_pointer_cast<posix_signal_hub>(shared_from_this())));
    }

private:
    void watch(int signal) override {
        // Mark the slot first: an arrival between sigaction and the mark would miss this loop.
        slot_->signals.fetch_or(bit_of(signal));
        process_dispositions& process = dispositions();
        const std::scoped_lock lock{process.mutex};
        const auto index = static_cast<std::size_t>(signal);
        if (process.watchers[index] == 0) {
            struct sigaction action {};
            action.sa_handler = &on_signal;
            sigfillset(&action.sa_mask);  // one handler at a time per thread; nothing nests
            action.sa_flags = SA_RESTART; // the program's blocking calls are not interrupted
            if (::sigaction(signal, &action, &process.previous[index]) != 0) {
                const int error = errno;
                slot_->signals.fetch_and(~bit_of(signal));
                throw std::system_error(error, std::generic_category(),
                                        "signal_set: sigaction(" + std::to_string(signal) + ")");
            }
        }
        ++process.watchers[index];
    }

    void unwatch(int signal) noexcept override {
        slot_->signals.fetch_and(~bit_of(signal));
        process_dispositions& process = dispositions();
        const std::scoped_lock lock{process.mutex};
        const auto index = static_cast<std::size_t>(signal);
        if (--process.watchers[index] == 0) {
            ::sigaction(signal, &process.previous[index], nullptr);
        }
    }

    void retire() noexcept override {
        leave_table();
        // The reader ends at its next turn and lets go of the hub.
        reader_.cancel();
        reader_.detach();
    }

    void leave_table() noexcept {
        slot_->signals.store(0);
        slot_->pipe_write.store(-1);
        // A handler that read the old descriptor may still be writing to it.
        while (handlers_running.load() != 0) {
            std::this_thread::yield();
        }
        process_dispositions& process = dispositions();
        const std::scoped_lock lock{process.mutex};
        process.slot_taken[static_cast<std::size_t>(slot_ - slots.data())] = false;
        slot_ = nullptr;
    }

    static task<void> read_arrivals(std::shared_ptr<posix_signal_hub> hub) {
        std::array<std::byte, 64> arrivals{};
        for (;;) {
            const std::size_t count = co_await hub->pipe_read_.read_some(arrivals);
            if (count == 0) {
                co_return; // cannot happen while the hub holds the write end
            }
            for (const std::byte number : std::span{arrivals}.first(count)) {
                hub->deliver(static_cast<int>(number));
            }
        }
    }

    listening_slot* slot_ = nullptr;
    int pipe_write_ = -1;
    io_object pipe_read_;
    join_handle<void> reader_;
};

} // namespace

std::shared_ptr<signal_hub> signal_hub::make(event_loop& loop) {
    auto hub = std::make_shared<posix_signal_hub>(loop);
    hub->start_reading();
    return hub;
}

void check_watchable_signal(int signal) {
    if (signal < 1 || signal > highest_signal) {
        throw usage_error("signal_set: " + std::to_string(signal) + " is not a signal number");
    }
    if (signal == SIGKILL || signal == SIGSTOP) {
        throw usage_error("signal_set: SIGKILL and SIGSTOP cannot be caught");
    }
    // A handler that returns from these re-runs the faulting instruction: they are not events.
    if (signal == SIGSEGV || signal == SIGBUS || signal == SIGFPE || signal == SIGILL) {
        throw usage_error("signal_set: signal " + std::to_string(signal) +
                          " reports a fault in the program; it cannot be waited for");
    }
}

void end_process_by_signal(int signal) noexcept {
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(signal, &default_action, nullptr);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, signal);
    ::pthread_sigmask(SIG_UNBLOCK, &only, nullptr);
    ::raise(signal);
    std::_Exit(128 + signal); // a signal whose default is to be ignored
}

} // namespace corio::detail
