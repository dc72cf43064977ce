// SPDX-License-Identifier: MIT
// Soak: up to 10,000 concurrent keep-alive connections through corio::http::client_session and
// corio::http::server on 127.0.0.1, each worker sending PUT requests of random sizes whose body
// and expected response are derived from a per-request seed; a few requests are cancelled mid-
// flight (cancel() or a wait_for timeout) and a few raw connections are reset (SO_LINGER 0)
// after sending part of a request. Every response that completes is checked byte for byte; the
// only errors allowed are the typed ones cancellation produces. Two rounds in one process: no
// frame, fd, timer or registration left behind, heap in use after round 2 within 10% of round 1.
//
// The process holds both ends of every connection, so 10,000 connections need about 20,000
// descriptors: RLIMIT_NOFILE is raised to its hard limit and, if that is too low, the test runs
// with as many connections as fit and says so.
//
// CORIO_STRESS_CONNECTIONS (10,000), CORIO_STRESS_SECONDS (per round: 60 in optimised builds,
// 15 otherwise), CORIO_STRESS_MAX_BODY (16 KiB), CORIO_STRESS_SEED.
#include <corio/http/client.hpp>
#include <corio/http/error.hpp>
#include <corio/http/server.hpp>
#include <corio/net/address.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/task.hpp>
#include <corio/runtime/wait_for.hpp>

#include "stress_support.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using corio::http::client_session;
using corio::http::server_request;
using corio::http::server_response;

namespace {

// Deterministic text of `size` bytes from `seed` (printable, so a mismatch reads well).
std::string make_body(std::uint64_t seed, std::size_t size) {
    std::string body(size, '\0');
    std::uint64_t state = seed | 1U;
    for (char& c : body) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        c = static_cast<char>('a' + (state >> 59U));
    }
    return body;
}

std::uint64_t field_number(const server_request& request, std::string_view name) {
    const auto value = request.fields.get(name);
    return value ? std::stoull(std::string(*value)) : 0;
}

// PUT /echo: checks the body against X-Seed, waits X-Delay-Us (so that cancellations find it
// mid-flight), answers X-Response-Size bytes derived from the seed; 400 if the body was wrong.
corio::task<server_response> echo(server_request& request) {
    const std::uint64_t seed = field_number(request, "X-Seed");
    if (request.body != make_body(seed, request.body.size())) {
        co_return server_response::text(400, "request body does not match its seed");
    }
    if (const std::uint64_t delay = field_number(request, "X-Delay-Us"); delay != 0) {
        co_await corio::sleep_for(std::chrono::microseconds(delay));
    }
    co_return server_response::text(200,
                                    make_body(~seed, field_number(request, "X-Response-Size")));
}

struct soak_counts {
    std::size_t completed = 0;                // responses verified byte for byte
    std::size_t completed_despite_cancel = 0; // finished before the cancellation reached them
    std::size_t cancelled = 0;                // cancelled_error after cancel()
    std::size_t timed_out = 0;                // timeout_error from wait_for
    std::size_t resets = 0;                   // raw connections reset mid-request
    std::size_t wrong = 0;                    // a response that did not match
    std::size_t unexpected_errors = 0;
    std::string first_unexpected;
    std::size_t bytes = 0;

    void unexpected(const std::string& what) {
        if (unexpected_errors++ < 5) {
            first_unexpected += what + "\n";
        }
    }
};

struct soak_config {
    std::string url;
    corio::net::address server;
    std::size_t max_body = 0;
    corio::event_loop::time_point end{};
};

// One request and its whole response; false if the response was not what the seed predicts.
corio::task<bool> exchange(client_session& session, const soak_config& config, std::uint64_t seed,
                           std::size_t* bytes) {
    std::mt19937_64 random(seed);
    // Mostly small bodies, one in four up to max_body.
    auto size = [&] {
        return (random() % 4 == 0) ? random() % (config.max_body + 1) : random() % 1025;
    };
    const std::size_t request_size = size();
    const std::size_t response_size = size();
    const std::uint64_t delay_us = random() % 4 == 0 ? random() % 2000 : 0;
    corio::http::headers fields;
    fields.add("X-Seed", std::to_string(seed));
    fields.add("X-Response-Size", std::to_string(response_size));
    fields.add("X-Delay-Us", std::to_string(delay_us));
    corio::http::response answer = co_await session.request("PUT", config.url, std::move(fields),
                                                            make_body(seed, request_size));
    const std::string body = co_await answer.text();
    *bytes += request_size + body.size();
    co_return answer.status() == 200 && body == make_body(~seed, response_size);
}

// Sends part of a request on a connection of its own, then resets it (RST instead of FIN). The
// connect timeout is the client's default (30 s): with thousands of workers connecting at once the
// listen backlog overflows and a SYN waits for its retransmission (5 s timed out under ASan).
corio::task<> reset_mid_request(const soak_config& config, std::uint64_t seed) {
    corio::net::tcp_stream raw = co_await corio::net::tcp_stream::connect(config.server, 30s);
    const std::string request =
        "PUT /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Seed: " + std::to_string(seed) +
        "\r\nContent-Length: 100\r\n\r\n" + make_body(seed, 100);
    co_await raw.write_all(std::string_view(request).substr(0, seed % request.size()));
    raw.set_linger(0s);
    raw.close();
}

corio::task<> worker(client_session& session, const soak_config& config, std::uint64_t worker_seed,
                     soak_counts& counts) {
    std::mt19937_64 random(worker_seed);
    while (corio::event_loop::current().now() < config.end) {
        const std::uint64_t seed = random();
        const unsigned action = random() % 100;
        try {
            if (action < 2) { // cancel() at a random moment within 3 ms
                corio::join_handle<bool> request =
                    corio::spawn(exchange(session, config, seed, &counts.bytes));
                co_await corio::sleep_for(std::chrono::microseconds(random() % 3000));
                const bool asked = request.cancel();
                try {
                    const bool right = co_await request;
                    ++(right ? counts.completed_despite_cancel : counts.wrong);
                } catch (const corio::cancelled_error&) {
                    ++counts.cancelled;
                    if (!asked) {
                        counts.unexpected("cancelled_error without cancel()");
                    }
                }
            } else if (action < 4) { // a time limit that may end it mid-flight
                try {
                    const bool right =
                        co_await corio::wait_for(exchange(session, config, seed, &counts.bytes),
                                                 std::chrono::microseconds(random() % 3000));
                    ++(right ? counts.completed : counts.wrong);
                } catch (const corio::timeout_error&) {
                    ++counts.timed_out;
                }
            } else if (action < 5) {
                co_await reset_mid_request(config, seed);
                ++counts.resets;
            } else {
                const bool right = co_await exchange(session, config, seed, &counts.bytes);
                ++(right ? counts.completed : counts.wrong);
            }
        } catch (const corio::cancelled_error&) {
            throw; // the worker itself was cancelled: not expected, but not to be swallowed
        } catch (const std::exception& failure) {
            counts.unexpected(std::string("request ") + std::to_string(seed) + ": " +
                              failure.what());
        }
    }
}

struct round_result {
    std::size_t connections = 0;
    std::size_t peak_server_connections = 0;
};

void run_round(std::uint64_t seed, int round_number, std::size_t connections,
               std::chrono::seconds duration, std::size_t max_body) {
    const auto started = std::chrono::steady_clock::now();
    soak_counts counts;
    std::size_t peak_open = 0;
    std::size_t accepted = 0;
    std::size_t opened = 0;
    corio::event_loop loop;
    loop.run_until_complete([&]() -> corio::task<> {
        corio::http::server_options server_options;
        // Workers keep every connection busy; long idle limits keep a pooled connection from
        // being closed by the server just as the client reuses it.
        server_options.idle_timeout = 120s;
        corio::http::server app{server_options};
        app.route("PUT", "/echo", echo);
        app.listen(corio::net::address::loopback_v4(0), 4096);
        corio::join_handle<> serving = corio::spawn(app.serve());

        corio::http::client_options options;
        options.max_connections_per_host = connections;
        options.pool_idle_timeout = 60s;
        options.timeouts.total = 60s;
        client_session session{options};
        soak_config config;
        config.server = app.local_address();
        config.url = "http://" + config.server.to_string() + "/echo";
        config.max_body = max_body;
        config.end = corio::event_loop::current().now() + duration;

        std::mt19937_64 random(seed * 31 + static_cast<std::uint64_t>(round_number));
        std::vector<corio::join_handle<>> workers;
        workers.reserve(connections);
        for (std::size_t i = 0; i < connections; ++i) {
            workers.push_back(corio::spawn(worker(session, config, random(), counts)));
        }
        while (corio::event_loop::current().now() < config.end) {
            co_await corio::sleep_for(100ms);
            peak_open = std::max(peak_open, app.open_connections());
        }
        for (corio::join_handle<>& running : workers) {
            co_await running;
        }
        accepted = app.connections_accepted();
        opened = session.connections_opened();
        session.close();
        app.stop();
        co_await serving;
    }());
    corio_test::expect_loop_is_clean(loop);

    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    corio_stress::report(
        "soak round " + std::to_string(round_number) + ": " + std::to_string(connections) +
        " workers, peak open server connections " + std::to_string(peak_open) + ", accepted " +
        std::to_string(accepted) + ", client opened " + std::to_string(opened) + "; " +
        std::to_string(counts.completed) + " responses verified (" +
        std::to_string(counts.bytes / 1024) + " KiB), " + std::to_string(counts.cancelled) +
        " cancelled, " + std::to_string(counts.timed_out) + " timed out, " +
        std::to_string(counts.completed_despite_cancel) + " finished before their cancel, " +
        std::to_string(counts.resets) + " resets; " + std::to_string(took.count()) + " ms");
    EXPECT_EQ(counts.wrong, 0U) << "responses that did not match their seed";
    EXPECT_EQ(counts.unexpected_errors, 0U) << counts.first_unexpected;
    EXPECT_GT(counts.completed, connections) << "hardly any request completed";
    // Every worker holds a connection of its own at the start: they are all open at once.
    EXPECT_GE(peak_open, connections * 9 / 10) << "the connections were not concurrent";
}

TEST(StressHttp, TenThousandKeepAliveConnectionsWithCancelsAndResetsTwice) {
    const std::size_t fd_limit = corio_stress::raise_fd_limit();
    const std::size_t wanted = corio_stress::environment_number("CORIO_STRESS_CONNECTIONS", 10'000);
    const std::size_t base_fds = corio_test::open_fd_count();
    // Two descriptors per connection (both ends live here), plus room for the resets' raw
    // connections and for server-side sockets still closing.
    const std::size_t fit = fd_limit > base_fds + 200 ? (fd_limit - base_fds - 200) * 9 / 20 : 1;
    const std::size_t connections = std::max<std::size_t>(1, std::min(wanted, fit));
    if (connections < wanted) {
        corio_stress::report("RLIMIT_NOFILE is " + std::to_string(fd_limit) + ": running " +
                             std::to_string(connections) + " connections instead of " +
                             std::to_string(wanted));
    }
    const std::chrono::seconds duration(corio_stress::environment_number(
        "CORIO_STRESS_SECONDS", corio_stress::unoptimised_build() ? 15 : 60));
    const std::size_t max_body =
        corio_stress::environment_number("CORIO_STRESS_MAX_BODY", 16 * 1024);

    corio_test::leak_check leaks;
    corio_stress::run_two_rounds(corio_stress::seed_from_environment(),
                                 [&](std::uint64_t seed, int round_number) {
                                     run_round(seed, round_number, connections, duration, max_body);
                                 });
}

} // namespace
