// SPDX-License-Identifier: MIT
// corio_get.cpp - corio-get, a command-line HTTP client fetching many URLs at once.
//
//     corio-get [--timeout SECONDS] [--max-redirects N] [--concurrency N] [--body]
//               [--cacert FILE] [--insecure] [--raw] [--verbose] URL...
//
// Every URL is fetched concurrently on ONE client_session (one event loop, one connection pool),
// with at most N requests in flight (default 16): a corio::semaphore holds the others back. One
// line per URL comes out in the order given, each as soon as those before it are done:
//     URL STATUS BYTES SECONDS           a response arrived (whatever its status)
//     URL error: KIND: MESSAGE           KIND: resolve, connect, timeout, protocol, too-large,
//                                        redirect, closed, tls or usage (a malformed URL)
// --timeout bounds each request as a whole (client_timeouts::total), --max-redirects how many
// redirects it follows. --body, with a single URL, writes the body to stdout instead of the line
// (an error line then goes to stderr). https:// URLs are verified against the system's trusted
// CAs; --cacert FILE trusts the CAs in FILE too, and --insecure skips verification altogether
// (with a warning on stderr). Compressed bodies (gzip, deflate) are decoded unless --raw, which
// keeps them as sent; BYTES counts what is delivered. --verbose first says on stderr which I/O
// backend the event loop runs ("corio-get: reactor backend: epoll"; CORIO_BACKEND picks another,
// docs/design.md). Exit status: 0 if every URL got a response, 1 if any failed, 2 for a bad
// command line (with a message on stderr).
#include "example_trace.hpp"

#include <corio/http/client.hpp>
#include <corio/http/error.hpp>
#include <corio/http/response.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sync/semaphore.hpp>
#include <corio/runtime/task.hpp>
#include <corio/runtime/task_group.hpp>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#if defined(_WIN32)
#include <cstdio>  // stdout
#include <fcntl.h> // _O_BINARY
#include <io.h>    // _setmode
#endif

namespace {

namespace http = corio::http;

constexpr std::string_view usage_text =
    "usage: corio-get [--timeout SECONDS] [--max-redirects N] [--concurrency N] [--body]\n"
    "                 [--cacert FILE] [--insecure] [--raw] [--verbose]\n"
    "                 [--trace FILE.json] [--timeline FILE.svg] [--dump-on-signal] URL...\n";

struct command_line {
    std::optional<double> timeout_seconds;
    int max_redirects = http::client_options{}.max_redirects;
    std::size_t concurrency = 16;
    bool body = false;
    bool help = false;
    std::string ca_file;
    bool insecure = false;
    bool raw = false;
    bool verbose = false;
    std::vector<std::string> urls;
    example::trace_settings trace; // --trace, --timeline, --dump-on-signal (docs/tracing.md)
};

// A bad command line: the message follows "corio-get: " on stderr, and the exit status is 2.
class usage_failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// `text` as a Number within [least, most]; `wanted` says what the flag takes, for the message.
template <class Number>
Number parse_number(std::string_view flag, std::string_view text, Number least, Number most,
                    std::string_view wanted) {
    Number value{};
    bool parsed = false;
    if constexpr (std::is_floating_point_v<Number>) {
        // Not std::from_chars: libc++ (macOS) has no floating-point overload. strtod on the
        // characters from_chars would take reads the same number.
        const std::string digits(text);
        char* end = nullptr;
        errno = 0;
        value = static_cast<Number>(std::strtod(digits.c_str(), &end));
        parsed = digits.find_first_not_of("0123456789.eE-") == std::string::npos && errno == 0 &&
                 end == digits.c_str() + digits.size();
    } else {
        const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
        parsed = status == std::errc() && end == text.data() + text.size();
    }
    if (text.empty() || !parsed || !(value >= least && value <= most)) {
        throw usage_failure(std::string(flag) + " wants " + std::string(wanted) + ", not '" +
                            std::string(text) + "'");
    }
    return value;
}

command_line parse_command_line(int argc, char** argv) {
    command_line parsed;
    bool options_done = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (options_done || !arg.starts_with("-") || arg == "-") {
            parsed.urls.emplace_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        if (arg == "-h" || arg == "--help") {
            parsed.help = true;
            continue;
        }
        if (arg == "--body") {
            parsed.body = true;
            continue;
        }
        if (arg == "--insecure") {
            parsed.insecure = true;
            continue;
        }
        if (arg == "--raw") {
            parsed.raw = true;
            continue;
        }
        if (arg == "--verbose") {
            parsed.verbose = true;
            continue;
        }
        if (std::string error; example::take_trace_flag(argc, argv, i, parsed.trace, error)) {
            if (!error.empty()) {
                throw usage_failure(error);
            }
            continue;
        }
        // "--flag VALUE" or "--flag=VALUE"
        const std::size_t equals = arg.find('=');
        const std::string_view flag = arg.substr(0, equals);
        if (flag != "--timeout" && flag != "--max-redirects" && flag != "--concurrency" &&
            flag != "--cacert") {
            throw usage_failure("unknown option '" + std::string(arg) + "'");
        }
        std::string_view value;
        if (equals != std::string_view::npos) {
            value = arg.substr(equals + 1);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            throw usage_failure(std::string(flag) + " needs a value");
        }
        if (flag == "--cacert") {
            if (value.empty()) {
                throw usage_failure("--cacert wants a file name");
            }
            parsed.ca_file = value;
        } else if (flag == "--timeout") {
            // At most ~31 years, so the deadline cannot overflow the clock.
            constexpr std::string_view seconds_wanted = "a number of seconds above 0 (up to 1e9)";
            const double seconds = parse_number<double>(flag, value, 0.0, 1e9, seconds_wanted);
            if (seconds <= 0) {
                throw usage_failure("--timeout wants " + std::string(seconds_wanted) + ", not '" +
                                    std::string(value) + "'");
            }
            parsed.timeout_seconds = seconds;
        } else if (flag == "--max-redirects") {
            parsed.max_redirects = parse_number<int>(
                flag, value, 0, std::numeric_limits<int>::max(), "a whole number, 0 or more");
        } else {
            parsed.concurrency = parse_number<std::size_t>(flag, value, 1, 100'000,
                                                           "a whole number from 1 to 100000");
        }
    }
    if (parsed.help) {
        return parsed;
    }
    if (parsed.urls.empty()) {
        throw usage_failure("no URL given");
    }
    if (parsed.body && parsed.urls.size() > 1) {
        throw usage_failure("--body takes a single URL (" + std::to_string(parsed.urls.size()) +
                            " given)");
    }
    return parsed;
}

// What one URL produced: its summary line (or error line), and its body under --body.
struct outcome {
    bool done = false;
    bool ok = false;
    std::string line;
    std::string body;
};

// Writes the outcomes in the order of the command line, each as soon as those before it are.
class ordered_output {
public:
    ordered_output(std::size_t count, bool body_mode)
        : outcomes_(count)
        , body_mode_(body_mode) {}

    outcome& slot(std::size_t index) noexcept { return outcomes_[index]; }

    void finished(std::size_t index) {
        outcomes_[index].done = true;
        while (next_ < outcomes_.size() && outcomes_[next_].done) {
            write(outcomes_[next_]);
            outcomes_[next_] = outcome{true, outcomes_[next_].ok, {}, {}}; // free the memory
            ++next_;
        }
    }

    [[nodiscard]] bool all_ok() const noexcept {
        for (const outcome& each : outcomes_) {
            if (!each.ok) {
                return false;
            }
        }
        return true;
    }

private:
    void write(const outcome& each) const {
        if (!body_mode_) {
            std::cout << each.line << '\n' << std::flush;
        } else if (each.ok) {
            std::cout.write(each.body.data(), static_cast<std::streamsize>(each.body.size()));
            std::cout.flush();
        } else {
            std::cerr << each.line << '\n';
        }
    }

    std::vector<outcome> outcomes_;
    std::size_t next_ = 0;
    bool body_mode_;
};

corio::task<> fetch(http::client_session& session, corio::semaphore& in_flight,
                    const std::string& url, bool keep_body, outcome& result) {
    const corio::semaphore::permit permit = co_await in_flight.scoped_acquire();
    const auto started = std::chrono::steady_clock::now();
    try {
        http::response response = co_await session.get(url);
        std::size_t bytes = 0;
        if (keep_body) {
            result.body = co_await response.text();
            bytes = result.body.size();
        } else {
            // Counted, not kept: a long list of big downloads needs no memory for them.
            for (;;) {
                const std::optional<std::string> piece = co_await response.next_chunk();
                if (!piece) {
                    break;
                }
                bytes += piece->size();
            }
        }
        const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
        std::ostringstream line;
        line << url << ' ' << response.status() << ' ' << bytes << ' ' << std::fixed
             << std::setprecision(3) << seconds.count();
        result.line = line.str();
        result.ok = true;
    } catch (const http::error& failure) {
        result.line =
            url + " error: " + std::string(http::to_string(failure.kind())) + ": " + failure.what();
        result.ok = false;
    }
}

corio::task<> fetch_one_and_report(http::client_session& session, corio::semaphore& in_flight,
                                   const std::string& url, bool keep_body, ordered_output& output,
                                   std::size_t index) {
    co_await fetch(session, in_flight, url, keep_body, output.slot(index));
    output.finished(index);
}

corio::task<int> fetch_all(const command_line& command) {
    if (command.verbose) {
        std::cerr << "corio-get: reactor backend: " << corio::event_loop::current().backend_name()
                  << '\n';
    }
    http::client_options options;
    if (command.timeout_seconds) {
        options.timeouts.total = std::chrono::duration_cast<corio::event_loop::duration>(
            std::chrono::duration<double>(*command.timeout_seconds));
    }
    options.max_redirects = command.max_redirects;
    options.tls.ca_file = command.ca_file;
    options.tls.insecure_skip_verify = command.insecure;
    if (command.raw) {
        options.decoding = http::content_decoding::keep_encoded;
    }
    // The semaphore is the limit; the pool must not be a tighter one for a single host.
    options.max_connections_per_host = command.concurrency;
    http::client_session session{options};
    corio::semaphore in_flight{command.concurrency};
    ordered_output output{command.urls.size(), command.body};
    corio::task_group fetches;
    for (std::size_t i = 0; i < command.urls.size(); ++i) {
        fetches.spawn(
            fetch_one_and_report(session, in_flight, command.urls[i], command.body, output, i));
    }
    co_await fetches.wait();
    co_return output.all_ok() ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    command_line command;
    try {
        command = parse_command_line(argc, argv);
    } catch (const usage_failure& failure) {
        std::cerr << "corio-get: " << failure.what() << '\n' << usage_text;
        return 2;
    }
    if (command.help) {
        std::cout << usage_text;
        return 0;
    }
    if (command.insecure) {
        std::cerr << "corio-get: WARNING: --insecure: TLS certificates are NOT verified. Anyone on "
                     "the network path can read and change this traffic.\n";
    }
#if defined(_WIN32)
    if (command.body) {
        // --body writes the bytes as received: keep the C runtime's text mode from turning each
        // "\n" on stdout into "\r\n".
        ::_setmode(::_fileno(stdout), _O_BINARY);
    }
#endif
    try {
        // corio::run(fetch_all(command)), with --trace, --timeline and --dump-on-signal
        return example::run(fetch_all(command), command.trace, "corio-get");
    } catch (const std::exception& failure) {
        std::cerr << "corio-get: " << failure.what() << '\n';
        return 1;
    }
}
