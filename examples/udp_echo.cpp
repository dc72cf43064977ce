// SPDX-License-Identifier: MIT
// udp_echo.cpp - a UDP echo server and its client in one program, on the loopback interface. It
// shows corio::net::udp_socket: receive_from / send_to on the server, a connected client with
// send / receive, a deadline turning a lost datagram into a retry, and a datagram larger than
// the receiver's buffer reported as truncated rather than cut silently.
//
//     udp_echo [--count N] [--ipv6]
//
// The server answers each datagram with the same bytes, or, when one did not fit its 512-byte
// buffer, with a line saying so. The client sends N short messages, waits 1 s for each echo
// (UDP may lose datagrams: it tries 3 times), then sends one 2000-byte datagram, and prints what
// came back. Exit status 0 when every echo came back, 1 otherwise, 2 for a bad command line.
#include "example_trace.hpp"

#include <corio/net/udp_socket.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp> // corio::now()

#include <array>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

using namespace std::chrono_literals;

namespace {

constexpr std::string_view usage_text =
    "usage: udp_echo [--count N] [--ipv6]\n"
    "  --count N  how many messages the client sends (default 3, at most 1000)\n"
    "  --ipv6     use ::1 instead of 127.0.0.1\n"
    "  --trace FILE.json, --timeline FILE.svg   record the run (docs/tracing.md)\n"
    "  --dump-on-signal   on SIGQUIT, list every task and what it waits on\n";

constexpr std::size_t server_buffer_size = 512;
constexpr std::size_t big_datagram_size = 2000;

struct settings {
    unsigned count = 3;
    bool ipv6 = false;
    example::trace_settings trace;
};

std::string_view as_text(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Echoes until cancelled. One socket serves every client: each datagram carries its sender.
corio::task<> serve(corio::net::udp_socket& socket) {
    std::array<std::byte, server_buffer_size> buffer{};
    for (;;) {
        const corio::net::udp_received_from got = co_await socket.receive_from(buffer);
        if (got.truncated) {
            // The rest of the datagram is gone: say so rather than echo a part as if it were all.
            co_await socket.send_to("truncated: the server's " + std::to_string(buffer.size()) +
                                        "-byte buffer held only the first " +
                                        std::to_string(got.size) + " bytes",
                                    got.sender);
        } else {
            co_await socket.send_to(std::span(buffer).first(got.size), got.sender);
        }
    }
}

// Sends `message` and waits for the answer, trying again when none comes within a second.
corio::task<std::optional<std::string>> ask(corio::net::udp_socket& socket, std::string message) {
    std::array<std::byte, 1024> buffer{};
    for (int attempt = 1; attempt <= 3; ++attempt) {
        co_await socket.send(message);
        try {
            const corio::net::udp_received got = co_await socket.receive(buffer, corio::now() + 1s);
            co_return std::string(as_text(std::span(buffer).first(got.size)));
        } catch (const corio::timeout_error&) {
            std::printf("client: no answer within 1 s (attempt %d of 3)\n", attempt);
        }
    }
    co_return std::nullopt;
}

corio::task<int> run(settings config) {
    using corio::net::address;
    const address loopback = config.ipv6 ? address::loopback_v6() : address::loopback_v4();
    corio::net::udp_socket server_socket = corio::net::udp_socket::bind(loopback);
    std::printf("server: listening on %s\n", server_socket.local_address().to_string().c_str());
    corio::join_handle<void> server = corio::spawn(serve(server_socket));

    corio::net::udp_socket client = corio::net::udp_socket::bind(loopback);
    client.connect(server_socket.local_address());
    unsigned echoed = 0;
    for (unsigned i = 1; i <= config.count; ++i) {
        const std::string message = "hello " + std::to_string(i);
        const std::optional<std::string> answer = co_await ask(client, message);
        std::printf("client: sent \"%s\", got back \"%s\"\n", message.c_str(),
                    answer ? answer->c_str() : "(nothing)");
        echoed += answer == message ? 1 : 0;
    }
    const std::optional<std::string> answer =
        co_await ask(client, std::string(big_datagram_size, 'x'));
    std::printf("client: sent %zu bytes, got back \"%s\"\n", big_datagram_size,
                answer ? answer->c_str() : "(nothing)");

    server.cancel();
    try {
        co_await server;
    } catch (const corio::cancelled_error&) { // how a cancelled server ends
    }
    std::printf("echoed %u of %u messages\n", echoed, config.count);
    co_return echoed == config.count ? 0 : 1;
}

class usage_failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

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
        if (arg == "--ipv6") {
            parsed.ipv6 = true;
            continue;
        }
        if (arg != "--count") {
            throw usage_failure("unexpected argument '" + std::string(arg) + "'");
        }
        if (i + 1 == argc) {
            throw usage_failure("--count needs a value");
        }
        const std::string_view value = argv[++i];
        const auto [end, status] =
            std::from_chars(value.data(), value.data() + value.size(), parsed.count);
        if (value.empty() || status != std::errc() || end != value.data() + value.size() ||
            parsed.count < 1 || parsed.count > 1000) {
            throw usage_failure("--count wants a whole number from 1 to 1000, not '" +
                                std::string(value) + "'");
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
        std::fprintf(stderr, "udp_echo: %s\n%s", failure.what(), usage_text.data());
        return 2;
    }
    if (!config) {
        std::fputs(usage_text.data(), stdout);
        return 0;
    }
    try {
        // corio::run(run(*config)), with --trace, --timeline and --dump-on-signal
        return example::run(run(*config), config->trace, "udp_echo");
    } catch (const std::exception& failure) {
        std::fprintf(stderr, "udp_echo: %s\n", failure.what());
        return 1;
    }
}
