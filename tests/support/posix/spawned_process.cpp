// SPDX-License-Identifier: MIT
#include "support/spawned_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace corio_test {

using clock_type = std::chrono::steady_clock;

spawned_process::spawned_process(const std::string& program, const std::vector<std::string>& args) {
    int out[2];
    if (::pipe(out) != 0) {
        throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> all{program};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(all.size() + 1);
    for (std::string& arg : all) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    const int failed =
        ::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    stdout_ = out[0];
    if (failed != 0) {
        ::close(stdout_);
        pid_ = -1;
        throw std::runtime_error(std::string("posix_spawn failed: ") + std::strerror(failed));
    }
}

spawned_process::~spawned_process() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    ::close(stdout_);
}

std::string spawned_process::read_until(const std::string& text, std::chrono::milliseconds limit) {
    const auto deadline = clock_type::now() + limit;
    while (output_.find(text) == std::string::npos && clock_type::now() < deadline) {
        pollfd ready{stdout_, POLLIN, 0};
        if (::poll(&ready, 1, 50) <= 0) {
            continue;
        }
        char buffer[512];
        const ssize_t got = ::read(stdout_, buffer, sizeof buffer);
        if (got <= 0) {
            break;
        }
        output_.append(buffer, static_cast<std::size_t>(got));
    }
    return output_;
}

bool spawned_process::send_signal(int signal) const {
    return pid_ > 0 && ::kill(pid_, signal) == 0;
}

int spawned_process::wait_for_exit(std::chrono::milliseconds limit) {
    const auto deadline = clock_type::now() + limit;
    while (pid_ > 0 && clock_type::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

} // namespace corio_test
