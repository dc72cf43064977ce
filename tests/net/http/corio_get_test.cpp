// SPDX-License-Identifier: MIT
// corio-get, black-box: runs the built binary (CORIO_GET_PATH) against loopback servers on a
// thread of their own and checks its stdout, stderr and exit status. Each run is killed after a
// time limit, so a hang fails the test instead of stalling it.
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/task.hpp>

#include "raw_http_server.hpp"
#include "server_thread.hpp"
#include "support/child_process.hpp"
#include "support/leak_check.hpp"
#include "support/socket_helpers.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using corio::net::tcp_stream;
using corio_test::raw_http_server;
using corio_test::received_request;
using corio_test::server_thread;

namespace {

using run_result = corio_test::process_result;
using corio_test::lines_of;

// Runs corio-get with `args`, capturing stdout and stderr; kills it after `limit`.
run_result run_corio_get(const std::vector<std::string>& args, std::chrono::seconds limit = 30s) {
    run_result result = corio_test::run_process(CORIO_GET_PATH, args, limit);
    EXPECT_FALSE(result.timed_out) << "corio-get ran past " << limit.count() << "s and was killed";
    return result;
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.starts_with(prefix);
}

// "URL STATUS BYTES SECONDS", SECONDS with three decimals. Returns the seconds, or nullopt (with
// a test failure) if the line is not of that shape.
std::optional<double> expect_success_line(const std::string& line, const std::string& url,
                                          int status, std::size_t bytes) {
    const std::string prefix =
        url + " " + std::to_string(status) + " " + std::to_string(bytes) + " ";
    if (!starts_with(line, prefix)) {
        ADD_FAILURE() << "expected '" << prefix << "SECONDS', got '" << line << "'";
        return std::nullopt;
    }
    const std::string seconds = line.substr(prefix.size());
    const std::size_t dot = seconds.find('.');
    if (dot == std::string::npos || seconds.size() - dot - 1 != 3 ||
        seconds.find_first_not_of("0123456789.") != std::string::npos) {
        ADD_FAILURE() << "SECONDS should have three decimals: '" << line << "'";
        return std::nullopt;
    }
    return std::stod(seconds);
}

// Routes for the error and success cases; each connection serves keep-alive requests until one
// of them ends it.
raw_http_server::handler test_site() {
    return [](tcp_stream& stream, std::size_t) -> corio::task<> {
        corio_test::request_buffer buffer;
        while (std::optional<received_request> request =
                   co_await corio_test::read_request(stream, buffer)) {
            const std::string& target = request->target;
            if (target.starts_with("/slow")) {
                co_await corio::sleep_for(300ms);
            }
            if (target == "/silent") {
                (void)co_await corio_test::read_until_closed(stream);
                co_return;
            }
            if (target == "/hangup") {
                co_return; // closes without a word
            }
            std::string reply;
            if (target == "/garbage") {
                reply = "HTTP/1.1 2OO OK\r\n\r\n";
            } else if (target == "/huge") {
                reply = "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n";
            } else if (target == "/ping" || target == "/pong") {
                reply = corio_test::response_text(
                    302, "", target == "/ping" ? "Location: /pong\r\n" : "Location: /ping\r\n");
            } else if (target.starts_with("/r/")) {
                // /r/N redirects to /r/N+1 until /r/3.
                const int step = std::stoi(target.substr(3));
                reply = step < 3 ? corio_test::response_text(
                                       302, "", "Location: /r/" + std::to_string(step + 1) + "\r\n")
                                 : corio_test::response_text(200, "end of the chain");
            } else if (target == "/missing") {
                reply = corio_test::response_text(404, "no such page");
            } else if (target == "/binary") {
                reply = corio_test::response_text(200, std::string("line\n\0\x01\xff end", 12));
            } else {
                reply = corio_test::response_text(200, "body of " + target);
            }
            co_await corio_test::write_text(stream, std::move(reply));
            if (target == "/huge") {
                (void)co_await corio_test::read_until_closed(stream);
                co_return;
            }
        }
    };
}

// Runs `body` against a test_site server; nothing may be left behind (descriptors included).
void with_site(const std::function<void(server_thread&)>& body) {
    corio_test::leak_check check;
    server_thread server{test_site()};
    body(server);
    server.stop();
}

// ---- success lines ----

TEST(CorioGet, PrintsOneLinePerUrlInTheOrderGiven) {
    with_site([](server_thread& server) {
        // The slow one finishes last but is printed first.
        const std::string slow = server.url("/slow/a");
        const std::string fast = server.url("/fast");
        const std::string missing = server.url("/missing");
        const run_result run = run_corio_get({slow, fast, missing});
        EXPECT_EQ(run.exit_code, 0) << run.err;
        EXPECT_EQ(run.err, "");
        const std::vector<std::string> lines = lines_of(run.out);
        ASSERT_EQ(lines.size(), 3U) << run.out;
        const std::optional<double> slow_seconds =
            expect_success_line(lines[0], slow, 200, std::string("body of /slow/a").size());
        const std::optional<double> fast_seconds =
            expect_success_line(lines[1], fast, 200, std::string("body of /fast").size());
        (void)expect_success_line(lines[2], missing, 404, std::string("no such page").size());
        if (slow_seconds && fast_seconds) {
            EXPECT_GE(*slow_seconds, 0.29);
            EXPECT_LT(*fast_seconds, *slow_seconds);
        }
    });
}

TEST(CorioGet, TheSameUrlTwiceGetsTwoLines) {
    with_site([](server_thread& server) {
        const run_result run = run_corio_get({server.url("/x"), server.url("/x")});
        EXPECT_EQ(run.exit_code, 0) << run.err;
        const std::vector<std::string> lines = lines_of(run.out);
        ASSERT_EQ(lines.size(), 2U) << run.out;
        for (const std::string& line : lines) {
            (void)expect_success_line(line, server.url("/x"), 200, 10);
        }
    });
}

// ---- error lines ----

TEST(CorioGet, EachErrorKindIsReportedOnItsLine) {
    // Closes every connection at once: a TLS handshake with it breaks off (and in a build
    // without TLS, https fails before connecting).
    server_thread hangs_up{[](tcp_stream&, std::size_t) -> corio::task<> { co_return; }};
    with_site([&hangs_up](server_thread& server) {
        const std::string refused =
            "http://127.0.0.1:" + std::to_string(corio_test::closed_loopback_port()) + "/";
        const std::string not_tls = "https://127.0.0.1:" + std::to_string(hangs_up.port()) + "/";
        const std::vector<std::pair<std::string, std::string>> cases{
            {server.url("/ok"), ""},
            {"not a url", "usage"},
            {"http://no-such-host.invalid/", "resolve"},
            {refused, "connect"},
            {server.url("/silent"), "timeout"},
            {server.url("/garbage"), "protocol"},
            {server.url("/huge"), "too-large"},
            {server.url("/ping"), "redirect"},
            {server.url("/hangup"), "closed"},
            {not_tls, "tls"},
        };
        std::vector<std::string> args{"--timeout", "1"};
        for (const auto& [url, kind] : cases) {
            args.push_back(url);
        }
        const run_result run = run_corio_get(args);
        EXPECT_EQ(run.exit_code, 1);
        EXPECT_EQ(run.err, "");
        const std::vector<std::string> lines = lines_of(run.out);
        ASSERT_EQ(lines.size(), cases.size()) << run.out;
        (void)expect_success_line(lines[0], server.url("/ok"), 200, 11);
        for (std::size_t i = 1; i < cases.size(); ++i) {
            const std::string prefix = cases[i].first + " error: " + cases[i].second + ": ";
            EXPECT_TRUE(starts_with(lines[i], prefix))
                << "expected '" << prefix << "MESSAGE', got '" << lines[i] << "'";
            EXPECT_GT(lines[i].size(), prefix.size()) << "no message: " << lines[i];
        }
    });
}

TEST(CorioGet, AnInvalidUrlIsAFailedUrlNotABadCommandLine) {
    const run_result run = run_corio_get({"http://a b/"});
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_TRUE(starts_with(run.out, "http://a b/ error: usage: ")) << run.out;
    EXPECT_EQ(run.err, "");
}

// ---- options ----

TEST(CorioGet, BodyWritesTheBodyInsteadOfTheLine) {
    with_site([](server_thread& server) {
        const run_result run = run_corio_get({"--body", server.url("/binary")});
        EXPECT_EQ(run.exit_code, 0) << run.err;
        EXPECT_EQ(run.out, std::string("line\n\0\x01\xff end", 12));
        EXPECT_EQ(run.err, "");
    });
}

TEST(CorioGet, BodyModeSendsAnErrorLineToStderr) {
    const std::string refused =
        "http://127.0.0.1:" + std::to_string(corio_test::closed_loopback_port()) + "/";
    const run_result run = run_corio_get({refused, "--body"});
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(run.out, "");
    EXPECT_TRUE(starts_with(run.err, refused + " error: connect: ")) << run.err;
}

TEST(CorioGet, MaxRedirectsLimitsTheChain) {
    with_site([](server_thread& server) {
        const std::string start = server.url("/r/0"); // 3 redirects to reach /r/3
        const run_result stopped = run_corio_get({"--max-redirects", "2", start});
        EXPECT_EQ(stopped.exit_code, 1);
        EXPECT_TRUE(
            starts_with(stopped.out, start + " error: redirect: too many redirects (limit 2)"))
            << stopped.out;
        const run_result enough = run_corio_get({"--max-redirects=3", start});
        EXPECT_EQ(enough.exit_code, 0) << enough.out;
        (void)expect_success_line(lines_of(enough.out).at(0), start, 200,
                                  std::string("end of the chain").size());
        const run_result none = run_corio_get({"--max-redirects", "0", start});
        EXPECT_TRUE(starts_with(none.out, start + " error: redirect: too many redirects (limit 0)"))
            << none.out;
    });
}

TEST(CorioGet, TimeoutBoundsEachRequest) {
    with_site([](server_thread& server) {
        const std::string silent = server.url("/silent");
        const run_result run = run_corio_get({"--timeout", "0.3", silent, server.url("/ok")});
        EXPECT_EQ(run.exit_code, 1);
        const std::vector<std::string> lines = lines_of(run.out);
        ASSERT_EQ(lines.size(), 2U) << run.out;
        EXPECT_TRUE(
            starts_with(lines[0], silent + " error: timeout: total timeout (300ms) expired"))
            << lines[0];
        (void)expect_success_line(lines[1], server.url("/ok"), 200, 11);
        EXPECT_GE(run.took, 300ms);
        EXPECT_LT(run.took, 10s);
    });
}

// Serves each request only after 200ms, so concurrent requests overlap at the server, which
// counts its connections open at once.
raw_http_server::handler slow_answers() {
    return [](tcp_stream& stream, std::size_t) -> corio::task<> {
        corio_test::request_buffer buffer;
        while (std::optional<received_request> request =
                   co_await corio_test::read_request(stream, buffer)) {
            co_await corio::sleep_for(200ms);
            co_await corio_test::write_text(stream, corio_test::response_text(200, "done"));
        }
    };
}

TEST(CorioGet, ConcurrencyCapsTheRequestsInFlight) {
    corio_test::leak_check check;
    server_thread server{slow_answers()};
    std::vector<std::string> args{"--concurrency", "2"};
    for (int i = 0; i < 6; ++i) {
        args.push_back(server.url("/" + std::to_string(i)));
    }
    const run_result run = run_corio_get(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(lines_of(run.out).size(), 6U);
    EXPECT_GE(run.took, 600ms) << "3 rounds of 2";
    server.stop();
    EXPECT_EQ(server.max_open(), 2U);
    EXPECT_EQ(server.accepted(), 2U) << "the two connections were reused";
}

TEST(CorioGet, ConcurrencyDefaultsTo16) {
    corio_test::leak_check check;
    server_thread server{slow_answers()};
    std::vector<std::string> args;
    for (int i = 0; i < 20; ++i) {
        args.push_back(server.url("/" + std::to_string(i)));
    }
    const run_result run = run_corio_get(args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(lines_of(run.out).size(), 20U);
    server.stop();
    EXPECT_EQ(server.max_open(), 16U);
}

// ---- the command line ----

TEST(CorioGet, ABadCommandLineExitsWith2) {
    const std::vector<std::vector<std::string>> bad{
        {},
        {"--timeout"},
        {"--timeout", "abc", "http://127.0.0.1:1/"},
        {"--timeout", "0", "http://127.0.0.1:1/"},
        {"--timeout=-1", "http://127.0.0.1:1/"},
        {"--max-redirects", "-1", "http://127.0.0.1:1/"},
        {"--max-redirects", "2x", "http://127.0.0.1:1/"},
        {"--concurrency", "0", "http://127.0.0.1:1/"},
        {"--concurrency", "", "http://127.0.0.1:1/"},
        {"--loud", "http://127.0.0.1:1/"},
        {"--body", "http://127.0.0.1:1/a", "http://127.0.0.1:1/b"},
        {"--body"},
    };
    for (const std::vector<std::string>& args : bad) {
        std::string shown;
        for (const std::string& arg : args) {
            shown += " '" + arg + "'";
        }
        const run_result run = run_corio_get(args);
        EXPECT_EQ(run.exit_code, 2) << shown;
        EXPECT_TRUE(starts_with(run.err, "corio-get: ")) << shown << ": " << run.err;
        EXPECT_EQ(run.out, "") << shown;
    }
}

TEST(CorioGet, VerboseNamesTheLoopsBackendOnStderr) {
    with_site([](server_thread& server) {
        const run_result run = run_corio_get({"--verbose", server.url("/x")});
        EXPECT_EQ(run.exit_code, 0) << run.err;
        // The backend CORIO_BACKEND names, else the platform's default.
        const char* named = std::getenv("CORIO_BACKEND");
        std::string backend = named != nullptr && *named != '\0' ? named : "auto";
        if (backend == "auto") {
#if defined(__linux__)
            backend = "epoll";
#elif defined(_WIN32)
            backend = "iocp";
#else
            backend = "kqueue";
#endif
        }
        EXPECT_EQ(lines_of(run.err),
                  std::vector<std::string>{"corio-get: reactor backend: " + backend})
            << run.err;
        const std::vector<std::string> lines = lines_of(run.out);
        ASSERT_EQ(lines.size(), 1U) << run.out;
        (void)expect_success_line(lines[0], server.url("/x"), 200, 10);
    });
}

TEST(CorioGet, HelpPrintsTheUsage) {
    const run_result run = run_corio_get({"--help"});
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_TRUE(starts_with(run.out, "usage: corio-get ")) << run.out;
}

} // namespace
