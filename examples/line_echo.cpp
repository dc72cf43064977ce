// SPDX-License-Identifier: MIT
// line_echo.cpp - a line-protocol server: every line a client sends comes back to it. It shows
// corio::net::buffered_stream: read_line() with a limit, buffered writes, deadlines, and what to
// do when a client breaks the protocol.
//
//     line_echo [--port N] [--max-line BYTES] [--idle-timeout SECONDS]
//     then: nc localhost N   (or telnet), type lines; Ctrl-C or `kill` stops the server
//
// A line ends with "\n" or "\r\n" and comes back with "\n". A client that breaks the rules gets
// one line saying why, then the server ends the connection:
//   a line longer than --max-line bytes (default 1024)  "error: line longer than 1024 bytes"
//   nothing received for --idle-timeout s (default 300) "error: idle for 300 s"
//   the server stopping (SIGTERM, SIGINT, Ctrl-C)      "error: server shutting down"
// A last line without a line end comes back all the same. On SIGTERM or SIGINT the server stops
// accepting, says goodbye to the clients it has, prints what it did and exits 0.
#include "example_trace.hpp"

#include <corio/net/buffered_stream.hpp>
#include <corio/net/tcp_listener.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp> // corio::now()
#include <corio/runtime/task_group.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

using namespace std::chrono_literals;

namespace {

constexpr std::string_view usage_text =
    "usage: line_echo [--port N] [--max-line BYTES] [--idle-timeout SECONDS]\n"
    "  --port N                listen on 127.0.0.1:N (default 7000; 0 picks a free port)\n"
    "  --max-line BYTES        the longest line, in bytes before its \"\\n\" (default 1024)\n"
    "  --idle-timeout SECONDS  end a connection silent for this long (default 300)\n"
    "  --trace FILE.json       record what the loop did, as Chrome trace JSON (docs/tracing.md)\n"
    "  --timeline FILE.svg     the same recording drawn as a timeline\n"
    "  --dump-on-signal        on SIGQUIT (Ctrl-\\), list every task and what it waits on\n";

struct settings {
    unsigned port = 7000;
    unsigned max_line = 1024;
    unsigned idle_seconds = 300;
    example::trace_settings trace;
};

struct counters {
    std::size_t connections = 0;
    std::size_t lines = 0;
};

// Serves one client until it ends the stream or breaks the protocol.
corio::task<> echo_lines(corio::net::tcp_stream socket, const settings& config, counters& count) {
    corio::net::buffered_stream conn{std::move(socket)};
    std::string farewell;
    try {
        // Each read_line has its own deadline: a client may stay as long as it keeps talking.
        while (std::optional<std::string> line = co_await conn.read_line(
                   config.max_line, corio::now() + std::chrono::seconds(config.idle_seconds))) {
            co_await conn.write_all(*line); // both go into the buffer, and the next read_line
            co_await conn.write_all("\n");  // flushes them before it waits for the client
            ++count.lines;
        }
        co_await conn.close(); // the client ended the stream between two lines: we end ours
        co_return;
    } catch (const corio::net::limit_overrun_error& overrun) {
        farewell = "error: line longer than " + std::to_string(overrun.limit()) + " bytes\n";
    } catch (const corio::net::incomplete_read_error& cut) {
        farewell = cut.partial() + "\n"; // a last line without its line end: echo it anyway
        ++count.lines;
    } catch (const corio::timeout_error&) {
        farewell = "error: idle for " + std::to_string(config.idle_seconds) + " s\n";
    } catch (const corio::cancelled_error&) {
        farewell = "error: server shutting down\n";
    }
    // Say why, end our side, then read until the client ends its own (for 2 s at most): a socket
    // closed with input still unread may be reset by the OS, and the client lose the reply.
    const auto grace = corio::now() + 2s;
    conn.reader().consume(conn.reader().buffered().size());
    co_await conn.write_all(farewell, grace);
    co_await conn.writer().close(grace);
    std::array<std::byte, 4096> ignored{};
    try {
        while (co_await conn.read_some(ignored, grace) > 0) {
        }
    } catch (const corio::timeout_error&) { // it did not: close all the same
    }
}

// A connection's failure (a reset, a client too slow to take its goodbye) ends that connection
// only: the others, and the server, go on.
corio::task<> serve_client(corio::net::tcp_stream socket, const settings& config, counters& count) {
    try {
        co_await echo_lines(std::move(socket), config, count);
    } catch (const corio::cancelled_error&) {
        throw;
    } catch (const std::exception& failure) {
        std::fprintf(stderr, "line_echo: a connection failed: %s\n", failure.what());
    }
}

corio::task<int> serve(settings config) {
    auto listener = corio::net::tcp_listener::bind(
        corio::net::address::loopback_v4(static_cast<std::uint16_t>(config.port)));
    std::printf("listening on %s\n", listener.local_address().to_string().c_str());
    std::fflush(stdout);
    counters count;
    corio::task_group clients;
    try {
        for (;;) {
            corio::net::tcp_stream socket = co_await listener.accept();
            ++count.connections;
            clients.spawn(serve_client(std::move(socket), config, count));
        }
    } catch (const corio::cancelled_error&) {
        // SIGTERM or SIGINT: loop_options::cancel_on_signal cancelled this task. Cancellation is
        // a request, not a state: from here on this task may wait again.
    }
    listener.close();
    clients.cancel(); // each client gets its goodbye line
    co_await clients.wait();
    std::printf("stopped: %zu connection(s), %zu line(s) echoed\n", count.connections, count.lines);
    co_return 0;
}

// A bad command line: the message follows "line_echo: " on stderr, and the exit status is 2.
class usage_failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

unsigned parse_number(std::string_view flag, std::string_view text, unsigned least, unsigned most) {
    unsigned value = 0;
    const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || status != std::errc() || end != text.data() + text.size() ||
        value < least || value > most) {
        throw usage_failure(std::string(flag) + " wants a whole number from " +
                            std::to_string(least) + " to " + std::to_string(most) + ", not '" +
                            std::string(text) + "'");
    }
    return value;
}

// nullopt for --help.
std::optional<settings> parse_command_line(int argc, char** argv) {
    settings parsed;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            return std::nullopt;
        }
        if (std::string error; example::take_trace_flag(argc, argv, i, parsed.trace, error)) {
            if (!error.empty()) {
                throw usage_failure(error);
            }
            continue;
        }
        if (arg != "--port" && arg != "--max-line" && arg != "--idle-timeout") {
            throw usage_failure("unexpected argument '" + std::string(arg) + "'");
        }
        if (i + 1 == argc) {
            throw usage_failure(std::string(arg) + " needs a value");
        }
        const std::string_view value = argv[++i];
        if (arg == "--port") {
            parsed.port = parse_number(arg, value, 0, 65535);
        } else if (arg == "--max-line") {
            parsed.max_line = parse_number(arg, value, 1, 16 * 1024 * 1024);
        } else {
            parsed.idle_seconds = parse_number(arg, value, 1, 24 * 3600);
        }
    }
    return parsed;
}

} // namespace

int main(int argc, char** argv) {
    std::optional<settings> config;
    try {
        config = parse_command_line(argc, argv);
    } catch (const usage_failure& failure) {
        std::fprintf(stderr, "line_echo: %s\n%s", failure.what(), usage_text.data());
        return 2;
    }
    if (!config) {
        std::fputs(usage_text.data(), stdout);
        return 0;
    }
    corio::loop_options options;
    options.cancel_on_signal = true; // SIGTERM and SIGINT cancel serve(), which winds down
    try {
        // corio::run(serve(*config), options), with --trace, --timeline and --dump-on-signal
        return example::run(serve(*config), config->trace, "line_echo", options);
    } catch (const std::exception& failure) {
        std::fprintf(stderr, "line_echo: %s\n", failure.what());
        return 1;
    }
}
