// SPDX-License-Identifier: MIT
// process_state.hpp - what a child_process owns, and the few calls each platform implements
// (process_posix.cpp, process_windows.cpp); process.cpp holds the portable rest.
#pragma once

#include <corio/net/process.hpp>

#include <array>
#include <memory>
#include <optional>

#if !defined(_WIN32)
#include <corio/runtime/signal.hpp>
#endif

namespace corio::net::detail {

struct process_state {
    process_state() = default;
    process_state(const process_state&) = delete;
    process_state& operator=(const process_state&) = delete;
    // Kills and reaps the process if nobody has reaped it yet (process.hpp's policy).
    ~process_state();

    std::array<process_pipe, 3> pipes; // stdin, stdout, stderr
    std::array<bool, 3> piped{};       // which of them the options asked to be pipes
    std::optional<exit_status> status; // set once the process has been reaped
    std::int64_t id = 0;
#if defined(_WIN32)
    void* process = nullptr; // the process HANDLE
    struct exit_watch;
    std::shared_ptr<exit_watch> watch; // the thread-pool wait and the waiting tasks
#else
    int pid = -1;
    // Made before the process starts, so its SIGCHLD cannot be missed.
    std::unique_ptr<signal_set> child_signals;
#endif
};

// Platform calls.
std::unique_ptr<process_state> start_process(const process_options& options);
std::optional<exit_status> poll_exit(process_state& state);
task<exit_status> wait_for_exit(process_state& state);
void signal_process(process_state& state, bool forcefully);

} // namespace corio::net::detail
