// SPDX-License-Identifier: MIT
#include "support/leak_check.hpp"

#include <corio/runtime/detail/promise_base.hpp>

#include <gtest/gtest.h>

#include <filesystem>

namespace corio_test {

#if !defined(_WIN32) // Windows counts handles instead: support/windows/handle_count.cpp
std::size_t open_fd_count() {
    std::error_code error;
    for (const char* dir : {"/proc/self/fd", "/dev/fd"}) {
        std::size_t count = 0;
        for (auto it = std::filesystem::directory_iterator(dir, error);
             !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
            ++count;
        }
        if (!error) {
            return count;
        }
    }
    return 0;
}
#endif

void expect_loop_is_clean(const corio::event_loop& loop) {
    const corio::loop_stats stats = loop.stats();
    EXPECT_EQ(stats.live_tasks, 0U) << "tasks still alive";
    EXPECT_EQ(stats.armed_timers, 0U) << "timers still armed";
    EXPECT_EQ(stats.io_registrations, 0U) << "handles still registered with the reactor";
    EXPECT_EQ(stats.pending_io, 0U) << "I/O operations still pending";
    EXPECT_EQ(stats.blocking_jobs, 0U) << "blocking jobs still running";
}

leak_check::leak_check()
    : frames_(corio::detail::live_frames_on_this_thread())
    , fds_(open_fd_count()) {}

leak_check::~leak_check() {
    EXPECT_EQ(corio::detail::live_frames_on_this_thread(), frames_) << "coroutine frames leaked";
    EXPECT_EQ(open_fd_count(), fds_) << "file descriptors leaked";
}

} // namespace corio_test
