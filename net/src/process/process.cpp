// SPDX-License-Identifier: MIT
// The portable part of child processes: pipes, the child_process handle and run_process.
#include <corio/net/buffered_stream.hpp>
#include <corio/net/process.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/task_group.hpp>

#include "process_state.hpp"

#include <array>
#include <cerrno>
#include <string>
#include <utility>

namespace corio::net {

std::string exit_status::to_string() const {
    if (exited()) {
        return "exited with code " + std::to_string(code_);
    }
    return "killed by signal " + std::to_string(signal_);
}

spawn_error::spawn_error(std::error_code code, const std::string& program)
    : std::system_error(code, "spawn " + program)
    , program_(program) {}

task<std::size_t> process_pipe::read_some(std::span<std::byte> buffer, deadline until) {
    if (direction_ != direction::from_child) {
        throw usage_error("read_some on a child's stdin pipe: it only writes");
    }
    co_return co_await handle_.read_some(buffer, until);
}

task<> process_pipe::write_all(std::span<const std::byte> data, deadline until) {
    if (direction_ != direction::to_child) {
        throw usage_error("write_all on a child's stdout or stderr pipe: it only reads");
    }
    while (!data.empty()) {
#if defined(_WIN32)
        const std::size_t written = co_await handle_.write_some(data, until);
#else
        // A Unix socket (process.hpp): send(2) with MSG_NOSIGNAL, so a child that exited makes
        // this fail with EPIPE instead of raising SIGPIPE in the parent.
        const std::size_t written = co_await handle_.send_some(data, until);
#endif
        data = data.subspan(written);
    }
}

task<> process_pipe::shutdown_write(deadline /*until*/) {
    if (direction_ != direction::to_child) {
        throw usage_error("shutdown_write on a child's stdout or stderr pipe: it only reads");
    }
    handle_.close(); // the child reads end of input once no write end is left open
    co_return;
}

child_process::child_process() noexcept = default;
child_process::child_process(std::unique_ptr<detail::process_state> state) noexcept
    : state_(std::move(state)) {}
child_process::child_process(child_process&& other) noexcept = default;
child_process& child_process::operator=(child_process&& other) noexcept = default;
child_process::~child_process() = default;

detail::process_state& child_process::state() const {
    if (!state_) {
        throw usage_error("use of an empty corio::net::child_process");
    }
    return *state_;
}

std::int64_t child_process::id() const {
    return state().id;
}

namespace {

process_pipe& pipe_of(detail::process_state& state, std::size_t index, const char* name) {
    if (!state.piped[index]) {
        throw usage_error(std::string("the child's ") + name +
                          " is not a pipe: spawn it with stdio::pipe for " + name);
    }
    return state.pipes[index];
}

} // namespace

process_pipe& child_process::stdin_pipe() {
    return pipe_of(state(), 0, "stdin");
}
process_pipe& child_process::stdout_pipe() {
    return pipe_of(state(), 1, "stdout");
}
process_pipe& child_process::stderr_pipe() {
    return pipe_of(state(), 2, "stderr");
}

task<exit_status> child_process::wait() {
    detail::process_state& process = state();
    co_return co_await detail::wait_for_exit(process);
}

std::optional<exit_status> child_process::try_wait() {
    return detail::poll_exit(state());
}

void child_process::kill() {
    detail::signal_process(state(), true);
}

void child_process::terminate() {
    detail::signal_process(state(), false);
}

child_process spawn_process(const process_options& options) {
    if (options.program.empty()) {
        throw usage_error("spawn_process with an empty program name");
    }
    (void)event_loop::current(); // usage_error without a loop, before anything starts
    return child_process{detail::start_process(options)};
}

namespace {

bool is_broken_pipe(const std::system_error& failure) {
#if defined(_WIN32)
    constexpr int broken_pipe = 109; // ERROR_BROKEN_PIPE
    constexpr int no_data = 232;     // ERROR_NO_DATA: the pipe is being closed
    if (failure.code().value() == broken_pipe || failure.code().value() == no_data) {
        return true;
    }
#endif
    return failure.code() == std::errc::broken_pipe ||
           failure.code() == std::errc::connection_reset;
}

// Writes `input`, then closes stdin. A child that exits without reading it all is not an error
// here (asyncio's communicate() ignores it as well): its exit status tells what happened.
task<> feed_input(process_pipe& pipe, std::string input) {
    try {
        if (!input.empty()) {
            co_await pipe.write_all(input);
        }
    } catch (const std::system_error& failure) {
        if (!is_broken_pipe(failure)) {
            throw;
        }
    }
    co_await pipe.shutdown_write();
}

task<std::string> collect_output(process_pipe& pipe, std::size_t limit, const char* name) {
    std::string collected;
    std::array<std::byte, 16 * 1024> chunk{};
    for (;;) {
        const std::size_t got = co_await pipe.read_some(chunk);
        if (got == 0) {
            co_return collected;
        }
        if (got > limit - collected.size()) {
            throw limit_overrun_error(std::string("child's ") + name + " longer than " +
                                          std::to_string(limit) + " bytes",
                                      collected.size() + got, limit);
        }
        collected.append(reinterpret_cast<const char*>(chunk.data()), got);
    }
}

task<> collect_into(process_pipe& pipe, std::size_t limit, const char* name, std::string& sink) {
    sink = co_await collect_output(pipe, limit, name);
}

} // namespace

task<process_output> run_process(process_options options, std::string input,
                                 std::size_t output_limit) {
    options.stdin_mode = stdio::pipe;
    options.stdout_mode = stdio::pipe;
    options.stderr_mode = stdio::pipe;
    // On any exit from here (limit, cancellation, an error) `child` is destroyed, which kills
    // and reaps the process; the group, destroyed first, has let its tasks finish by then.
    child_process child = spawn_process(options);
    process_output result;
    {
        // A task_group rather than gather(): clang 14 with ASan cannot assemble gather's
        // instantiation in this unit ("Cannot represent a difference across sections").
        task_group group;
        group.spawn(feed_input(child.stdin_pipe(), std::move(input)));
        group.spawn(collect_into(child.stdout_pipe(), output_limit, "stdout", result.out));
        group.spawn(collect_into(child.stderr_pipe(), output_limit, "stderr", result.err));
        co_await group.wait();
    }
    result.status = co_await child.wait();
    co_return result;
}

} // namespace corio::net
