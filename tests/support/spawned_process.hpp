// SPDX-License-Identifier: MIT
// spawned_process.hpp - a program running next to the test (POSIX): the test reads its stdout as
// it comes, sends it signals and waits for its exit, as a user at a terminal would.
//
// For servers among the examples: start one on port 0, read the port from its first line, talk
// to it, then stop it with SIGTERM. run_process (child_process.hpp) is for programs that run to
// their end by themselves. A process still running when the object goes is killed (SIGKILL) and
// reaped, so a failed test leaves nothing behind. Not thread-safe.
#pragma once

#ifndef _WIN32

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace corio_test {

class spawned_process {
public:
    // Starts `program` with `args` (argv[1]...), its stdout on a pipe, stdin and stderr shared with
    // the test. Throws std::runtime_error if it cannot be started.
    spawned_process(const std::string& program, const std::vector<std::string>& args);
    ~spawned_process();
    spawned_process(const spawned_process&) = delete;
    spawned_process& operator=(const spawned_process&) = delete;

    // Reads stdout until it holds `text` or `limit` passes; returns all read so far.
    std::string read_until(const std::string& text, std::chrono::milliseconds limit);
    // Sends `signal`; false if that failed.
    bool send_signal(int signal) const;
    // The exit status, or -1 if it did not exit normally within `limit`.
    int wait_for_exit(std::chrono::milliseconds limit);

private:
    pid_t pid_ = -1;
    int stdout_ = -1;
    std::string output_;
};

} // namespace corio_test

#endif
