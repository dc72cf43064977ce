// SPDX-License-Identifier: MIT
// Child processes: real children (tests/net/process_child.cpp) with piped, null and inherited
// standard streams; a payload larger than any pipe buffer both ways at once (a write-then-read
// parent would deadlock); arguments, environment, working directory, exit codes and signals;
// spawn failures; cancellation of wait(), destruction of a running child (killed and reaped: no
// zombie), and no descriptor left open.
#include <corio/net/buffered_stream.hpp>
#include <corio/net/process.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/wait_for.hpp>
#include <corio/runtime/yield.hpp>

#include "support/child_process.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#if !defined(_WIN32)
#include <cerrno>
#include <sys/wait.h>
#endif

using namespace std::chrono_literals;
using corio::net::child_process;
using corio::net::exit_status;
using corio::net::process_options;
using corio::net::spawn_process;
using corio::net::stdio;

namespace {

const std::string child_program = CORIO_PROCESS_CHILD;

process_options child(std::vector<std::string> args) {
    process_options options;
    options.program = child_program;
    options.args = std::move(args);
    return options;
}

process_options piped_child(std::vector<std::string> args) {
    process_options options = child(std::move(args));
    options.stdin_mode = stdio::pipe;
    options.stdout_mode = stdio::pipe;
    options.stderr_mode = stdio::pipe;
    return options;
}

corio::task<std::string> read_all(corio::net::process_pipe& pipe) {
    std::string all;
    std::array<std::byte, 8192> chunk{};
    while (const std::size_t got = co_await pipe.read_some(chunk)) {
        all.append(reinterpret_cast<const char*>(chunk.data()), got);
    }
    co_return all;
}

corio::task<> write_and_close(corio::net::process_pipe& pipe, std::string data) {
    co_await pipe.write_all(data);
    co_await pipe.shutdown_write();
}

// When the last signal_set of a loop goes (a child's SIGCHLD watch), the loop's signal reader
// task is cancelled and ends on a later turn: give it those turns (this task is the one left).
corio::task<> signal_reader_finished(corio::event_loop& loop) {
    for (int turn = 0; turn < 100 && loop.stats().live_tasks > 1; ++turn) {
        co_await corio::yield_now();
    }
}

// Runs `body` on a fresh loop, then checks that the loop, the frames and the descriptors are
// back where they were, and (POSIX) that this process has no child left, zombie or not.
template <class Body>
void run_checked(Body body) {
    {
        corio_test::leak_check leaks;
        corio::event_loop loop;
        loop.run_until_complete(body());
        loop.run_until_complete(signal_reader_finished(loop));
        corio_test::expect_loop_is_clean(loop);
    }
#if !defined(_WIN32)
    int raw = 0;
    const pid_t left = ::waitpid(-1, &raw, WNOHANG);
    const int error = errno;
    EXPECT_EQ(left, -1) << "a child process was left behind";
    EXPECT_EQ(error, ECHILD);
#endif
}

std::string std_string(const std::filesystem::path& path) {
    return path.string();
}

} // namespace

TEST(Process, EchoesAPayloadLargerThanThePipeBuffersBothWaysAtOnce) {
    run_checked([]() -> corio::task<> {
        child_process echo = spawn_process(piped_child({"echo"}));
        std::string payload(4 << 20, '\0');
        for (std::size_t index = 0; index < payload.size(); ++index) {
            payload[index] = static_cast<char>('a' + index % 23);
        }
        // Writing it all before reading would stall: the child blocks on its full stdout.
        corio::task<> writing = write_and_close(echo.stdin_pipe(), payload);
        corio::task<std::string> reading = read_all(echo.stdout_pipe());
        auto [written, echoed] = co_await corio::gather(std::move(writing), std::move(reading));
        (void)written;
        EXPECT_EQ(echoed.size(), payload.size());
        EXPECT_TRUE(echoed == payload);
        const exit_status status = co_await echo.wait();
        EXPECT_TRUE(status.success()) << status.to_string();
    });
}

TEST(Process, ArgumentsArriveAsGivenWithSpacesQuotesAndBackslashes) {
    run_checked([]() -> corio::task<> {
        const std::vector<std::string> args{
            "two words", "say \"hi\"", "back\\slash\\", "trailing\\\\\"", "", "tab\there", "plain"};
        std::vector<std::string> all{"args"};
        all.insert(all.end(), args.begin(), args.end());
        child_process printer = spawn_process(piped_child(all));
        co_await printer.stdin_pipe().shutdown_write();
        const std::string out = co_await read_all(printer.stdout_pipe());
        EXPECT_EQ(corio_test::lines_of(out), args);
        EXPECT_TRUE((co_await printer.wait()).success());
    });
}

TEST(Process, TheEnvironmentIsTheGivenOneOrTheParents) {
    run_checked([]() -> corio::task<> {
        process_options given = piped_child({"env", "CORIO_PROCESS_TEST"});
        given.env = corio_test::environment_with({"CORIO_PROCESS_TEST=hello world"});
        child_process with_env = spawn_process(given);
        EXPECT_EQ(co_await read_all(with_env.stdout_pipe()), "hello world\n");
        EXPECT_TRUE((co_await with_env.wait()).success());

        child_process inherited = spawn_process(piped_child({"env", "CORIO_PROCESS_TEST"}));
        EXPECT_EQ(co_await read_all(inherited.stdout_pipe()), "<unset>\n");
        EXPECT_TRUE((co_await inherited.wait()).success());
    });
}

TEST(Process, StartsInTheGivenWorkingDirectory) {
    const std::filesystem::path directory =
        std::filesystem::temp_directory_path() / "corio process_test cwd";
    std::filesystem::create_directories(directory);
    run_checked([&]() -> corio::task<> {
        process_options options = piped_child({"cwd"});
        options.working_directory = std_string(directory);
        child_process printer = spawn_process(options);
        const std::vector<std::string> lines =
            corio_test::lines_of(co_await read_all(printer.stdout_pipe()));
        EXPECT_TRUE((co_await printer.wait()).success());
        EXPECT_EQ(lines.size(), 1U);
        if (!lines.empty()) {
            EXPECT_TRUE(std::filesystem::equivalent(lines[0], directory)) << lines[0];
        }
    });
    std::filesystem::remove(directory);
}

TEST(Process, WaitReturnsTheExitCode) {
    run_checked([]() -> corio::task<> {
        for (const int code : {0, 3, 255}) {
            child_process exiting = spawn_process(child({"exit", std::to_string(code)}));
            const exit_status status = co_await exiting.wait();
            EXPECT_EQ(status, exit_status::exited_with(code)) << status.to_string();
            // Reaped once; every later wait() and try_wait() gives the same answer.
            EXPECT_EQ(co_await exiting.wait(), status);
            EXPECT_EQ(exiting.try_wait(), status);
        }
    });
}

TEST(Process, KillAndTerminateEndTheProcess) {
    run_checked([]() -> corio::task<> {
        child_process killed = spawn_process(child({"sleep", "30000"}));
        EXPECT_FALSE(killed.try_wait().has_value());
        killed.kill();
        const exit_status by_kill = co_await killed.wait();
        child_process terminated = spawn_process(child({"sleep", "30000"}));
        terminated.terminate();
        const exit_status by_terminate = co_await terminated.wait();
#if defined(_WIN32)
        EXPECT_EQ(by_kill, exit_status::exited_with(1));
        EXPECT_EQ(by_terminate, exit_status::exited_with(1));
#else
        EXPECT_EQ(by_kill, exit_status::killed_by(SIGKILL)) << by_kill.to_string();
        EXPECT_EQ(by_kill.to_string(), "killed by signal " + std::to_string(SIGKILL));
        EXPECT_EQ(by_terminate, exit_status::killed_by(SIGTERM)) << by_terminate.to_string();
#endif
        EXPECT_FALSE(by_kill.success());
        killed.kill(); // reaped already: nothing to do, no error
    });
}

TEST(Process, AMissingProgramOrDirectoryIsASpawnErrorNamingIt) {
    run_checked([]() -> corio::task<> {
        try {
            process_options missing = piped_child({"echo"});
            missing.program = "corio-no-such-program";
            (void)spawn_process(missing);
            ADD_FAILURE() << "no spawn_error";
        } catch (const corio::net::spawn_error& failure) {
            EXPECT_EQ(failure.code(), std::errc::no_such_file_or_directory) << failure.what();
            EXPECT_EQ(failure.program(), "corio-no-such-program");
            EXPECT_NE(std::string(failure.what()).find("corio-no-such-program"), std::string::npos);
        }
        process_options bad_directory = piped_child({"cwd"});
        bad_directory.working_directory = "/corio/no/such/directory";
        EXPECT_THROW((void)spawn_process(bad_directory), corio::net::spawn_error);
        EXPECT_THROW((void)spawn_process(process_options{}), corio::usage_error);
        co_return;
    });
}

TEST(Process, ACancelledWaitLeavesTheChildRunningAndWaitableAgain) {
    run_checked([]() -> corio::task<> {
        child_process sleeper = spawn_process(child({"sleep", "30000"}));
        EXPECT_THROW(co_await corio::wait_for(sleeper.wait(), 50ms), corio::timeout_error);
        EXPECT_EQ(sleeper.try_wait(), std::nullopt)
            << "the policy: cancelling wait() kills nothing";
        sleeper.kill();
        EXPECT_FALSE((co_await sleeper.wait()).success());
    });
}

TEST(Process, DestroyingARunningChildKillsAndReapsIt) {
    std::int64_t id = 0;
    const auto started = std::chrono::steady_clock::now();
    run_checked([&]() -> corio::task<> {
        child_process sleeper = spawn_process(piped_child({"sleep", "30000"}));
        id = sleeper.id();
        co_return; // destroyed while it sleeps
    });
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << "the destructor waited it out";
#if !defined(_WIN32)
    // Reaped: neither a process nor a zombie by that id is ours any more.
    int raw = 0;
    const pid_t found = ::waitpid(static_cast<pid_t>(id), &raw, WNOHANG);
    const int error = errno;
    EXPECT_EQ(found, -1);
    EXPECT_EQ(error, ECHILD);
#else
    (void)id;
#endif
}

TEST(Process, ReadLineWorksOnTheChildsStdout) {
    run_checked([]() -> corio::task<> {
        child_process lines = spawn_process(piped_child({"lines", "2000"}));
        corio::net::buffered_reader out{lines.stdout_pipe()};
        int count = 0;
        while (std::optional<std::string> line = co_await out.read_line(100)) {
            ++count;
            EXPECT_EQ(*line, "line " + std::to_string(count));
        }
        EXPECT_EQ(count, 2000);
        EXPECT_TRUE((co_await lines.wait()).success());
    });
}

TEST(Process, StderrIsSeparateFromStdout) {
    run_checked([]() -> corio::task<> {
        child_process split = spawn_process(piped_child({"split", "to out", "to err"}));
        auto [out, err] =
            co_await corio::gather(read_all(split.stdout_pipe()), read_all(split.stderr_pipe()));
        EXPECT_EQ(out, "to out");
        EXPECT_EQ(err, "to err");
        EXPECT_TRUE((co_await split.wait()).success());
    });
}

TEST(Process, NullAndInheritedStreamsAreNotPipes) {
    run_checked([]() -> corio::task<> {
        process_options quiet = child({"spam", "200000"});
        quiet.stdout_mode = stdio::null;
        quiet.stdin_mode = stdio::null;
        child_process spammer = spawn_process(quiet);
        EXPECT_THROW((void)spammer.stdout_pipe(), corio::usage_error);
        EXPECT_TRUE((co_await spammer.wait()).success()) << "writes to the null device succeed";

        process_options no_input = child({"echo"});
        no_input.stdin_mode = stdio::null;
        child_process echo = spawn_process(no_input); // stdout inherited: the test's own
        EXPECT_TRUE((co_await echo.wait()).success()) << "reads from the null device end at once";
    });
}

TEST(Process, PipesRefuseTheDirectionTheyDoNotHave) {
    run_checked([]() -> corio::task<> {
        child_process echo = spawn_process(piped_child({"echo"}));
        std::array<std::byte, 4> buffer{};
        EXPECT_THROW(co_await echo.stdin_pipe().read_some(buffer), corio::usage_error);
        EXPECT_THROW(co_await echo.stdout_pipe().write_all("x"), corio::usage_error);
        co_await echo.stdin_pipe().shutdown_write();
        EXPECT_FALSE(echo.stdin_pipe().is_open());
        EXPECT_TRUE((co_await echo.wait()).success());
    });
}

TEST(Process, WritingToAChildThatExitedFailsInsteadOfKillingTheParent) {
    run_checked([]() -> corio::task<> {
        child_process exited = spawn_process(piped_child({"exit", "0"}));
        EXPECT_TRUE((co_await exited.wait()).success());
        const std::string payload(1 << 20, 'x');
        EXPECT_THROW(co_await exited.stdin_pipe().write_all(payload), std::system_error);
    });
}

TEST(Process, RunProcessCapturesBothStreamsAndFeedsInput) {
    // The tasks are made before each co_await, not inside it (g++ 12, README).
    run_checked([]() -> corio::task<> {
        corio::task<corio::net::process_output> echoing =
            corio::net::run_process(child({"echo"}), "fed through stdin\n");
        const corio::net::process_output echoed = co_await std::move(echoing);
        EXPECT_EQ(echoed.out, "fed through stdin\n");
        EXPECT_EQ(echoed.err, "");
        EXPECT_TRUE(echoed.status.success());

        corio::task<corio::net::process_output> splitting =
            corio::net::run_process(child({"split", "o", "e"}));
        const corio::net::process_output split = co_await std::move(splitting);
        EXPECT_EQ(split.out, "o");
        EXPECT_EQ(split.err, "e");
        corio::task<corio::net::process_output> failing =
            corio::net::run_process(child({"exit", "7"}));
        const corio::net::process_output failed = co_await std::move(failing);
        EXPECT_EQ(failed.status, exit_status::exited_with(7));
    });
}

TEST(Process, RunProcessKillsAChildThatWritesMoreThanTheLimit) {
    run_checked([]() -> corio::task<> {
        try {
            corio::task<corio::net::process_output> running =
                corio::net::run_process(child({"spam", "100000000"}), {}, 64 * 1024);
            (void)co_await std::move(running);
            ADD_FAILURE() << "no limit_overrun_error";
        } catch (const corio::net::limit_overrun_error& overrun) {
            EXPECT_EQ(overrun.limit(), 64U * 1024U);
            EXPECT_GT(overrun.buffered(), 64U * 1024U);
        }
    });
}

TEST(Process, CancellingRunProcessKillsTheChild) {
    const auto started = std::chrono::steady_clock::now();
    run_checked([]() -> corio::task<> {
        corio::task<corio::net::process_output> running =
            corio::net::run_process(child({"sleep", "30000"}));
        EXPECT_THROW((void)co_await corio::wait_for(std::move(running), 100ms),
                     corio::timeout_error);
    });
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}
