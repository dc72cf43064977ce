// SPDX-License-Identifier: MIT
// Child processes on Linux and macOS: posix_spawn, pipes and a socket pair registered with the
// reactor, and SIGCHLD (through a corio::signal_set) to notice the exit.
#include <corio/runtime/detail/os_error.hpp>
#include <corio/runtime/error.hpp>

#include "process_state.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

#if defined(__APPLE__)
#include <crt_externs.h> // a dylib cannot link `environ` directly: _NSGetEnviron()
#else
extern char** environ; // NOLINT: POSIX requires the declaration from the program
#endif

namespace corio::net::detail {

namespace {

class owned_fd {
public:
    owned_fd() = default;
    explicit owned_fd(int fd) noexcept
        : fd_(fd) {}
    owned_fd(owned_fd&& other) noexcept
        : fd_(std::exchange(other.fd_, -1)) {}
    owned_fd& operator=(owned_fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~owned_fd() { reset(); }
    [[nodiscard]] int get() const noexcept { return fd_; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset() noexcept {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    int fd_ = -1;
};

[[maybe_unused]] void set_close_on_exec(int fd) { // used where pipe2 or SOCK_CLOEXEC is missing
    if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
        corio::detail::throw_os_error(errno, "fcntl(FD_CLOEXEC)");
    }
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        corio::detail::throw_os_error(errno, "fcntl(O_NONBLOCK)");
    }
}

// The parent's end and the child's end of one standard stream.
struct stream_ends {
    owned_fd parent;
    owned_fd child;
};

// Both ends close-on-exec: the child gets its end through a dup2 file action, which clears the
// flag on the copy, and no other child (spawned by another thread meanwhile) inherits either.
// (macOS has neither pipe2 nor SOCK_CLOEXEC; there POSIX_SPAWN_CLOEXEC_DEFAULT closes whatever
// another thread's spawn could inherit in the instant before the flag is set.)
stream_ends make_output_pipe() {
    std::array<int, 2> fds{};
#if defined(__linux__)
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        corio::detail::throw_os_error(errno, "pipe2");
    }
#else
    if (::pipe(fds.data()) != 0) {
        corio::detail::throw_os_error(errno, "pipe");
    }
#endif
    stream_ends ends{owned_fd{fds[0]}, owned_fd{fds[1]}};
#if !defined(__linux__)
    set_close_on_exec(fds[0]);
    set_close_on_exec(fds[1]);
#endif
    set_nonblocking(ends.parent.get());
    return ends;
}

// stdin is a socket pair, not a pipe: see process.hpp (SIGPIPE).
stream_ends make_input_socket() {
    std::array<int, 2> fds{};
#if defined(SOCK_CLOEXEC)
    constexpr int type = SOCK_STREAM | SOCK_CLOEXEC;
#else
    constexpr int type = SOCK_STREAM;
#endif
    if (::socketpair(AF_UNIX, type, 0, fds.data()) != 0) {
        corio::detail::throw_os_error(errno, "socketpair");
    }
    stream_ends ends{owned_fd{fds[0]}, owned_fd{fds[1]}};
#if !defined(SOCK_CLOEXEC)
    set_close_on_exec(fds[0]);
    set_close_on_exec(fds[1]);
#endif
#if defined(SO_NOSIGPIPE)
    int one = 1;
    if (::setsockopt(ends.parent.get(), SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) != 0) {
        corio::detail::throw_os_error(errno, "setsockopt(SO_NOSIGPIPE)");
    }
#endif
    // The child reads nothing back through its stdin: it only needs the parent -> child way.
    ::shutdown(ends.child.get(), SHUT_WR);
    set_nonblocking(ends.parent.get());
    return ends;
}

// posix_spawn's two attribute objects, destroyed on every path.
class spawn_plan {
public:
    spawn_plan() {
        if (const int error = ::posix_spawn_file_actions_init(&actions_); error != 0) {
            corio::detail::throw_os_error(error, "posix_spawn_file_actions_init");
        }
        if (const int error = ::posix_spawnattr_init(&attributes_); error != 0) {
            ::posix_spawn_file_actions_destroy(&actions_);
            corio::detail::throw_os_error(error, "posix_spawnattr_init");
        }
    }
    ~spawn_plan() {
        ::posix_spawnattr_destroy(&attributes_);
        ::posix_spawn_file_actions_destroy(&actions_);
    }
    spawn_plan(const spawn_plan&) = delete;
    spawn_plan& operator=(const spawn_plan&) = delete;

    static void check(int error, const char* call) {
        if (error != 0) {
            corio::detail::throw_os_error(error, call);
        }
    }
    posix_spawn_file_actions_t actions_{};
    posix_spawnattr_t attributes_{};
};

exit_status decode(int raw) noexcept {
    if (WIFSIGNALED(raw)) {
        return exit_status::killed_by(WTERMSIG(raw));
    }
    return exit_status::exited_with(WEXITSTATUS(raw));
}

} // namespace

std::unique_ptr<process_state> start_process(const process_options& options) {
    auto state = std::make_unique<process_state>();
    const std::array<stdio, 3> modes{options.stdin_mode, options.stdout_mode, options.stderr_mode};
    std::array<stream_ends, 3> ends;
    for (std::size_t index = 0; index < 3; ++index) {
        if (modes[index] == stdio::pipe) {
            ends[index] = index == 0 ? make_input_socket() : make_output_pipe();
            state->piped[index] = true;
        }
    }

    spawn_plan plan;
    for (std::size_t index = 0; index < 3; ++index) {
        const int target = static_cast<int>(index);
        switch (modes[index]) {
        case stdio::pipe:
            spawn_plan::check(
                ::posix_spawn_file_actions_adddup2(&plan.actions_, ends[index].child.get(), target),
                "posix_spawn_file_actions_adddup2");
            break;
        case stdio::null:
            spawn_plan::check(
                ::posix_spawn_file_actions_addopen(&plan.actions_, target, "/dev/null",
                                                   index == 0 ? O_RDONLY : O_WRONLY, 0),
                "posix_spawn_file_actions_addopen");
            break;
        case stdio::inherit:
#if defined(__APPLE__)
            // POSIX_SPAWN_CLOEXEC_DEFAULT closes every descriptor no action names; dup2 onto
            // itself keeps this one open.
            spawn_plan::check(::posix_spawn_file_actions_adddup2(&plan.actions_, target, target),
                              "posix_spawn_file_actions_adddup2");
#endif
            break;
        }
    }
    if (!options.working_directory.empty()) {
        spawn_plan::check(::posix_spawn_file_actions_addchdir_np(&plan.actions_,
                                                                 options.working_directory.c_str()),
                          "posix_spawn_file_actions_addchdir_np");
    }
    // The child starts with every signal at its default action and none blocked, whatever the
    // parent has done (ignored SIGPIPE, say, which an exec would otherwise pass on).
    sigset_t all_signals;
    sigfillset(&all_signals);
    sigdelset(&all_signals, SIGKILL);
    sigdelset(&all_signals, SIGSTOP);
    sigset_t no_signals;
    sigemptyset(&no_signals);
    spawn_plan::check(::posix_spawnattr_setsigdefault(&plan.attributes_, &all_signals),
                      "posix_spawnattr_setsigdefault");
    spawn_plan::check(::posix_spawnattr_setsigmask(&plan.attributes_, &no_signals),
                      "posix_spawnattr_setsigmask");
    auto flags = static_cast<short>(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
#if defined(POSIX_SPAWN_CLOEXEC_DEFAULT)
    flags = static_cast<short>(flags | POSIX_SPAWN_CLOEXEC_DEFAULT);
#endif
    spawn_plan::check(::posix_spawnattr_setflags(&plan.attributes_, flags),
                      "posix_spawnattr_setflags");

    std::vector<char*> argv;
    argv.reserve(options.args.size() + 2);
    argv.push_back(const_cast<char*>(options.program.c_str()));
    for (const std::string& arg : options.args) {
        argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    if (options.env) {
        envp.reserve(options.env->size() + 1);
        for (const std::string& entry : *options.env) {
            envp.push_back(const_cast<char*>(entry.c_str()));
        }
        envp.push_back(nullptr);
    }

    // Watching SIGCHLD starts before the process does, so its exit cannot go unnoticed.
    state->child_signals = std::make_unique<signal_set>(std::initializer_list<int>{SIGCHLD});

    // posix_spawnp looks a bare name up in PATH, as execvp does; glibc (2.24 and later) and
    // macOS report a failed exec (no such program, not executable, a bad working directory) as
    // the return value, so no child exists when it fails.
    pid_t pid = -1;
    const bool search_path = options.program.find('/') == std::string::npos;
#if defined(__APPLE__)
    char** parent_environment = *::_NSGetEnviron();
#else
    char** parent_environment = environ;
#endif
    char** environment = options.env ? envp.data() : parent_environment;
    const int error = search_path ? ::posix_spawnp(&pid, options.program.c_str(), &plan.actions_,
                                                   &plan.attributes_, argv.data(), environment)
                                  : ::posix_spawn(&pid, options.program.c_str(), &plan.actions_,
                                                  &plan.attributes_, argv.data(), environment);
    if (error != 0) {
        throw spawn_error(corio::detail::os_error_code(error), options.program);
    }
    state->pid = pid;
    state->id = pid;
    // From here the state's destructor kills and reaps the child if anything below throws.
    for (std::size_t index = 0; index < 3; ++index) {
        if (state->piped[index]) {
            ends[index].child.reset();
            state->pipes[index] = process_pipe{io_object{ends[index].parent.release()},
                                               index == 0 ? process_pipe::direction::to_child
                                                          : process_pipe::direction::from_child};
        }
    }
    return state;
}

std::optional<exit_status> poll_exit(process_state& state) {
    if (state.status) {
        return state.status;
    }
    for (;;) {
        int raw = 0;
        const pid_t reaped = ::waitpid(state.pid, &raw, WNOHANG);
        if (reaped == state.pid) {
            state.status = decode(raw);
            return state.status;
        }
        if (reaped == 0) {
            return std::nullopt;
        }
        if (errno == EINTR) {
            continue;
        }
        const int failure = errno;
        throw std::system_error(
            corio::detail::os_error_code(failure),
            "waitpid " + std::to_string(state.pid) +
                (failure == ECHILD ? " (another part of the program reaped the child, or SIGCHLD "
                                     "was set to SIG_IGN)"
                                   : ""));
    }
}

task<exit_status> wait_for_exit(process_state& state) {
    for (;;) {
        if (std::optional<exit_status> status = poll_exit(state)) {
            co_return *status;
        }
        // Any child's exit raises SIGCHLD; whichever it was, look again. The set keeps one that
        // arrived while nobody waited, so an exit between the poll and this wait is not lost.
        co_await state.child_signals->wait();
    }
}

void signal_process(process_state& state, bool forcefully) {
    // An unreaped child's pid stays ours (a zombie keeps it), so this cannot hit a stranger.
    if (state.status) {
        return;
    }
    if (::kill(state.pid, forcefully ? SIGKILL : SIGTERM) != 0) {
        corio::detail::throw_os_error(errno, "kill");
    }
}

process_state::~process_state() {
    if (pid > 0 && !status) {
        ::kill(pid, SIGKILL);
        int raw = 0;
        // Blocks only while the kernel tears the killed process down.
        while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
        }
    }
}

} // namespace corio::net::detail
