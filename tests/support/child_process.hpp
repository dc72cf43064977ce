// SPDX-License-Identifier: MIT
// child_process.hpp - run a program as a black box: its exit status, stdout and stderr.
//
// Tests of the examples and of corio-get start the real executables. The child gets an empty
// stdin, this process's environment with `environment` added (NAME=value entries replacing any
// of the same name), and is killed if it outlives `limit`, so a hang fails the test instead of
// stalling CI.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace corio_test {

struct process_result {
    int exit_code = -1; // -1: killed, or did not exit normally
    bool timed_out = false;
    std::string out;
    std::string err;
    std::chrono::steady_clock::duration took{};
};

process_result run_process(const std::string& program, const std::vector<std::string>& args,
                           std::chrono::seconds limit = std::chrono::seconds(60),
                           const std::vector<std::string>& environment = {});

// This process's environment ("NAME=value" entries) with `overrides` replacing or adding
// entries of the same name.
std::vector<std::string> environment_with(const std::vector<std::string>& overrides);

// Splits text into lines (without their line ends; a final line end adds no empty line).
std::vector<std::string> lines_of(const std::string& text);

} // namespace corio_test
