// SPDX-License-Identifier: MIT
// leak_check.hpp - proves a test leaves nothing behind: coroutine frames, file descriptors, and
// the loop's timers, reactor registrations, pending I/O and tasks.
#pragma once

#include <corio/runtime/event_loop.hpp>

#include <cstddef>

namespace corio_test {

// Open file descriptors of this process (POSIX: counts /proc/self/fd or /dev/fd; Windows: its
// file handles: sockets, pipes, files).
std::size_t open_fd_count();

// Fails the current test if the loop still holds timers, registrations, pending I/O or tasks.
void expect_loop_is_clean(const corio::event_loop& loop);

// Snapshot at construction, comparison at destruction: frames and descriptors must balance.
class leak_check {
public:
    leak_check();
    ~leak_check();
    leak_check(const leak_check&) = delete;
    leak_check& operator=(const leak_check&) = delete;

private:
    std::ptrdiff_t frames_;
    std::size_t fds_;
};

} // namespace corio_test
