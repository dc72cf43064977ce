// SPDX-License-Identifier: MIT
// process.hpp - child processes whose stdin, stdout and stderr are streams on the event loop:
// asyncio's create_subprocess_exec, tokio::process::Command.
//
//     using corio::net::stdio;
//     corio::net::child_process child = corio::net::spawn_process(
//         {.program = "cat", .stdin_mode = stdio::pipe, .stdout_mode = stdio::pipe});
//     co_await child.stdin_pipe().write_all("hello\n");
//     co_await child.stdin_pipe().shutdown_write();            // cat sees the end of its input
//     corio::net::buffered_reader out{child.stdout_pipe()};    // read_line() etc. work on it
//     std::optional<std::string> line = co_await out.read_line(1024); // "hello"
//     corio::net::exit_status status = co_await child.wait();  // to_string(): "exited with code 0"
//
//     corio::net::process_options git{.program = "git", .args = {"status"}};
//     corio::net::process_output result = co_await corio::net::run_process(git);
//     // result.status, result.out, result.err (each stream up to a limit, 1 MiB by default)
//
// The program is a path, or a name looked up in PATH (the parent's PATH). It receives `args` as
// its argv[1...] without any shell in between (quoted by the Windows rules there), the
// environment `env` (or the parent's), and starts in `working_directory` (or the parent's).
// Each standard stream is inherited, connected to the null device, or a pipe: a process_pipe,
// a byte_stream (so buffered_reader / buffered_stream work on it) registered with the loop's
// reactor like a socket. A spawn that fails (no such program, a bad directory) throws
// spawn_error naming the program and the OS error; nothing is left behind.
//
// Why it lives in corio::net: the pipes are byte_streams, the interface the buffered readers and
// HTTP are written against, and byte_stream lives here.
//
// How the exit is noticed without blocking: on Linux and macOS each child watches SIGCHLD with a
// corio::signal_set made before the process starts (so no exit is missed); wait() reaps with
// waitpid(pid, WNOHANG) and otherwise waits for the next SIGCHLD. (Linux's pidfd would avoid
// signals; it is not used: the reactor contract has no "readable" operation to wait on one.)
// Another part of the program that reaps every child (waitpid(-1), SIGCHLD set to SIG_IGN before
// the child's set existed) takes the status away: wait() then throws std::system_error ECHILD.
// On Windows a thread-pool wait on the process handle posts to the loop.
// The parent's end of the child's stdin is a Unix socket pair on POSIX, not a pipe: a write to a
// pipe whose reader has exited raises SIGPIPE, which kills the parent unless the whole process
// ignores it; a socket write with MSG_NOSIGNAL (SO_NOSIGPIPE on macOS) fails with EPIPE instead,
// and corio does not change process-wide signal dispositions behind the program's back.
//
// Policy. Cancelling a task that waits in wait() only stops the waiting: the child keeps running
// and the same child_process can be waited for again. Destroying a child_process whose process
// has not been reaped kills it (SIGKILL / TerminateProcess) and reaps it before the destructor
// returns, so a child never outlives its owner unnoticed and never stays a zombie (tokio's
// kill_on_drop, always on; asyncio and tokio otherwise let it run). To let a program finish,
// co_await wait() before the object goes. run_process() owns its child the same way: cancelling
// it kills the child.
// Not thread-safe: use a child_process on the thread of the loop it was spawned on.
#pragma once

#include <corio/net/byte_stream.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio::net {

// What a child's standard stream is connected to.
enum class stdio {
    inherit, // the parent's own stream
    null,    // /dev/null or NUL: reads see end of input, writes vanish
    pipe,    // a process_pipe in the parent
};

// Made with designated initializers: {.program = "cat", .stdout_mode = stdio::pipe}. Every
// member has an initializer, `{}` included, so that g++ 12's -Wextra does not warn about the ones
// left out.
struct process_options {
    std::string program{};           // a path, or a name looked up in PATH
    std::vector<std::string> args{}; // argv[1...]; argv[0] is `program`
    // "NAME=value" entries, the child's whole environment; nullopt: the parent's.
    std::optional<std::vector<std::string>> env{};
    std::string working_directory{}; // empty: the parent's
    stdio stdin_mode = stdio::inherit;
    stdio stdout_mode = stdio::inherit;
    stdio stderr_mode = stdio::inherit;
};

// How a process ended: it exited with a code, or (POSIX) a signal killed it.
class exit_status {
public:
    static exit_status exited_with(int code) noexcept { return exit_status{code, 0}; }
    static exit_status killed_by(int signal) noexcept { return exit_status{0, signal}; }

    [[nodiscard]] bool exited() const noexcept { return signal_ == 0; }
    // The exit code (0 unless exited()).
    [[nodiscard]] int code() const noexcept { return code_; }
    // The signal that ended it (0 if it exited). Never set on Windows, where kill() and
    // terminate() end the process with exit code 1.
    [[nodiscard]] int signal() const noexcept { return signal_; }
    [[nodiscard]] bool success() const noexcept { return exited() && code_ == 0; }
    // "exited with code 3", "killed by signal 9".
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const exit_status&, const exit_status&) = default;

private:
    exit_status(int code, int signal) noexcept
        : code_(code)
        , signal_(signal) {}
    int code_;
    int signal_;
};

// A spawn that failed: the program was not found or not executable, the working directory does
// not exist, ... code() is the OS error, program() what was asked for; what() names both
// ("spawn no-such-program: No such file or directory").
class spawn_error : public std::system_error {
public:
    spawn_error(std::error_code code, const std::string& program);
    [[nodiscard]] const std::string& program() const noexcept { return program_; }

private:
    std::string program_;
};

// The parent's end of one of a child's standard streams. stdout and stderr pipes only read,
// the stdin pipe only writes (the other direction throws usage_error); shutdown_write() closes
// the stdin pipe, which the child reads as end of input.
class process_pipe final : public byte_stream {
public:
    enum class direction { to_child, from_child };

    process_pipe() = default;
    process_pipe(io_object handle, direction way) noexcept
        : handle_(std::move(handle))
        , direction_(way) {}

    using byte_stream::write_all;

    task<std::size_t> read_some(std::span<std::byte> buffer, deadline until = {}) override;
    task<> write_all(std::span<const std::byte> data, deadline until = {}) override;
    task<> shutdown_write(deadline until = {}) override;
    void close() noexcept override { handle_.close(); }
    [[nodiscard]] bool is_open() const noexcept override { return handle_.is_open(); }
    [[nodiscard]] direction way() const noexcept { return direction_; }

private:
    io_object handle_;
    direction direction_ = direction::from_child;
};

namespace detail {
struct process_state;
} // namespace detail

class child_process {
public:
    child_process() noexcept;
    explicit child_process(std::unique_ptr<detail::process_state> state) noexcept;
    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&& other) noexcept;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    // Kills and reaps a process that has not been reaped yet (see the policy above).
    ~child_process();

    [[nodiscard]] bool valid() const noexcept { return state_ != nullptr; }
    // The OS process id.
    [[nodiscard]] std::int64_t id() const;

    // The pipes asked for with stdio::pipe; usage_error for a stream that is not a pipe.
    [[nodiscard]] process_pipe& stdin_pipe();
    [[nodiscard]] process_pipe& stdout_pipe();
    [[nodiscard]] process_pipe& stderr_pipe();

    // Waits until the process ends and returns how (at once if it has been reaped already;
    // any number of calls and waiting tasks). Cancellable: the process keeps running.
    task<exit_status> wait();
    // The status if the process has ended (and reaps it), nullopt if it still runs.
    std::optional<exit_status> try_wait();
    // Ends the process at once: SIGKILL, or TerminateProcess with exit code 1. Nothing happens
    // if it has been reaped already.
    void kill();
    // Asks it to end: SIGTERM; on Windows there is no such request and this is kill().
    void terminate();

private:
    detail::process_state& state() const;
    std::unique_ptr<detail::process_state> state_;
};

// Starts a child process; throws spawn_error if it cannot be started, std::system_error if a pipe
// cannot be made, usage_error with no event loop on the thread or an empty program name.
child_process spawn_process(const process_options& options);

// A finished process and what it wrote.
struct process_output {
    exit_status status = exit_status::exited_with(0);
    std::string out;
    std::string err;
};

// Runs a program to completion (asyncio's communicate()): `input` is written to its stdin, which
// is then closed, while stdout and stderr are read concurrently; then waits for the exit. The
// stream settings of `options` are replaced by pipes. More than `output_limit` bytes on either
// stream kills the child and throws limit_overrun_error (buffered_stream.hpp); cancelling the
// task kills it too.
task<process_output> run_process(process_options options, std::string input = {},
                                 std::size_t output_limit = std::size_t{1} << 20);

} // namespace corio::net
CORIO_EXPORT_END
