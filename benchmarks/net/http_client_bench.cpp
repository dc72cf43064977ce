// SPDX-License-Identifier: MIT
// http_client_bench.cpp - requests per second of corio::http::client_session: GETs of a 100-byte
// body over 1, 16 and 64 keep-alive connections, one task per connection, all on one client
// thread. This is the client's whole per-request cost (building the request, the pool, the
// system calls, parsing the head, collecting the body) as a user of the public API pays it.
//
// Two servers:
//   * corio_server: corio::http::server on a loop of its own thread in this process, so the
//     figure needs nothing installed, but it also measures that server (two cores: one each);
//   * external: the URL in CORIO_BENCH_URL (e.g. http://127.0.0.1:8080/100b.txt), normally
//     nginx as benchmarks/net/compare_http_clients.sh starts it, where wrk and libcurl are
//     measured against the same server. Without the variable these runs report an error. For an
//     https:// URL, CORIO_BENCH_CAFILE names the CA that signed the server's certificate.
//
// http_client_new_connection (external only) opens a new connection for every request, one
// request at a time ("Connection: close"), so for https:// each iteration is a TLS handshake:
// full ones with resumption off, resumed ones with it on (benchmarks/net/compare_tls_handshakes.sh
// runs them next to libcurl and openssl s_time).
//
// Each run first opens every connection and completes two requests per connection, untimed, so
// the timed part is the steady state: every iteration is one completed request, counted as the
// tasks finish them while all connections stay busy. Times are wall-clock, since the server's
// side runs on another core; the CPU column is the client thread's CPU time per request.
#include <corio/http/client.hpp>

#include <corio/http/server.hpp>
#include <corio/net/address.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sync/semaphore.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t body_size = 100;

corio::task<corio::http::server_response> serve_body(corio::http::server_request& /*request*/) {
    co_return corio::http::server_response::text(200, std::string(body_size, 'x'));
}

// corio's HTTP server answering GET /100b.txt, on an event loop of its own thread.
class server_thread {
public:
    server_thread() {
        std::promise<std::uint16_t> listening;
        std::future<std::uint16_t> port = listening.get_future();
        thread_ = std::thread([this, &listening] { run(listening); });
        try {
            port_ = port.get();
        } catch (...) {
            stop_requested_.set_value();
            thread_.join();
            throw;
        }
    }
    server_thread(const server_thread&) = delete;
    server_thread& operator=(const server_thread&) = delete;
    ~server_thread() {
        loop_->post([this] { app_->stop(); });
        stop_requested_.set_value();
        thread_.join();
    }

    [[nodiscard]] std::string url() const {
        return "http://127.0.0.1:" + std::to_string(port_) + "/100b.txt";
    }

private:
    void run(std::promise<std::uint16_t>& listening) {
        corio::event_loop loop;
        corio::http::server app;
        try {
            app.route("GET", "/100b.txt", serve_body);
            app.listen(corio::net::address::loopback_v4(0));
        } catch (...) {
            listening.set_exception(std::current_exception());
            return;
        }
        loop_ = &loop;
        app_ = &app;
        listening.set_value(app.local_address().port());
        try {
            loop.run_until_complete(app.serve());
        } catch (const std::exception& failure) {
            std::fprintf(stderr, "http_client_bench: the server failed: %s\n", failure.what());
        }
        // The destructor posts to this loop, so it must live until then.
        stop_requested_.get_future().wait();
    }

    std::promise<void> stop_requested_;
    std::thread thread_;
    corio::event_loop* loop_ = nullptr;
    corio::http::server* app_ = nullptr;
    std::uint16_t port_ = 0;
};

// What the requesting tasks share with the task that counts their completions.
struct load {
    corio::semaphore completed{0}; // one permit per finished request
    bool stopping = false;
    std::string failure;
    std::size_t last_body_size = 0;
};

// One connection's worth of load: a GET, its whole body, the next GET, until told to stop.
corio::task<> keep_requesting(corio::http::client_session& session, const std::string& url,
                              load& shared) {
    try {
        while (!shared.stopping) {
            corio::http::response reply = co_await session.get(url);
            const std::string body = co_await reply.text();
            if (reply.status() != 200) {
                throw std::runtime_error("status " + std::to_string(reply.status()) + " from " +
                                         url);
            }
            shared.last_body_size = body.size();
            shared.completed.release();
        }
    } catch (const std::exception& failure) {
        if (shared.failure.empty()) {
            shared.failure = failure.what();
        }
        shared.stopping = true;
        shared.completed.release(); // wakes the counting task, which then reports the failure
    }
}

// The client's options for the server under test: CORIO_BENCH_CAFILE is trusted for https://.
corio::http::client_options bench_options() {
    corio::http::client_options options;
    if (const char* ca_file = std::getenv("CORIO_BENCH_CAFILE")) {
        options.tls.ca_file = ca_file;
    }
    return options;
}

corio::task<> measure(benchmark::State& state, std::string url, std::size_t connections) {
    corio::http::client_options options = bench_options();
    options.max_connections_per_host = connections;
    corio::http::client_session session{options};
    load shared;
    std::vector<corio::join_handle<>> workers;
    workers.reserve(connections);
    for (std::size_t i = 0; i < connections; ++i) {
        workers.push_back(corio::spawn(keep_requesting(session, url, shared)));
    }
    for (std::size_t i = 0; i < 2 * connections && shared.failure.empty(); ++i) {
        co_await shared.completed.acquire();
    }
    if (shared.failure.empty()) {
        for (auto _ : state) {
            co_await shared.completed.acquire();
            if (!shared.failure.empty()) {
                break;
            }
        }
    }
    if (!shared.failure.empty()) {
        state.SkipWithError(("request failed: " + shared.failure).c_str());
    }
    shared.stopping = true;
    for (corio::join_handle<>& worker : workers) {
        co_await worker; // each finishes the request it has in flight
    }
    state.counters["connections_opened"] = static_cast<double>(session.connections_opened());
    state.counters["body_bytes"] = static_cast<double>(shared.last_body_size);
}

enum class server_kind { corio_thread, external };

void http_client_get(benchmark::State& state, server_kind kind) {
    const auto connections = static_cast<std::size_t>(state.range(0));
    if (kind == server_kind::external) {
        const char* url = std::getenv("CORIO_BENCH_URL");
        if (url == nullptr || *url == '\0') {
            state.SkipWithError("CORIO_BENCH_URL is not set (e.g. "
                                "http://127.0.0.1:8080/100b.txt; compare_http_clients.sh sets it)");
            return;
        }
        corio::run(measure(state, url, connections));
    } else {
        const server_thread server;
        corio::run(measure(state, server.url(), connections));
    }
    state.SetItemsProcessed(state.iterations());
}
// CORIO_BENCH_ITERATIONS=N runs exactly N timed requests instead of as many as fit the time:
// callgrind and memcheck counts of two runs with different N then differ by exactly the
// difference in requests, so setup cancels out of the per-request figure.
void fixed_iterations(benchmark::internal::Benchmark* bench) {
    if (const char* count = std::getenv("CORIO_BENCH_ITERATIONS")) {
        bench->Iterations(std::strtoll(count, nullptr, 10));
    }
}

BENCHMARK_CAPTURE(http_client_get, corio_server, server_kind::corio_thread)
    ->ArgName("connections")
    ->Arg(1)
    ->Arg(16)
    ->Arg(64)
    ->UseRealTime()
    ->Apply(fixed_iterations);
BENCHMARK_CAPTURE(http_client_get, external, server_kind::external)
    ->ArgName("connections")
    ->Arg(1)
    ->Arg(16)
    ->Arg(64)
    ->UseRealTime()
    ->Apply(fixed_iterations);

// One request per connection, one at a time: connect (and handshake, for https), GET, close.
corio::task<> measure_new_connections(benchmark::State& state, std::string url, bool resume) {
    corio::http::client_options options = bench_options();
    options.tls.resume_sessions = resume;
    corio::http::client_session session{options};
    corio::http::headers close;
    close.add("Connection", "close");
    std::string failure;
    std::size_t received = 0;
    auto one = [&]() -> corio::task<> {
        corio::http::response reply = co_await session.get(url, close);
        received = (co_await reply.text()).size();
        if (reply.status() != 200) {
            throw std::runtime_error("status " + std::to_string(reply.status()));
        }
    };
    try {
        co_await one(); // untimed: loads the trust store, and (resumed) gets the first ticket
        for (auto _ : state) {
            co_await one();
        }
    } catch (const std::exception& error) {
        failure = error.what();
    }
    if (!failure.empty()) {
        state.SkipWithError(("request failed: " + failure).c_str());
    }
    state.counters["connections_opened"] = static_cast<double>(session.connections_opened());
    state.counters["body_bytes"] = static_cast<double>(received);
}

void http_client_new_connection(benchmark::State& state) {
    const char* url = std::getenv("CORIO_BENCH_URL");
    if (url == nullptr || *url == '\0') {
        state.SkipWithError("CORIO_BENCH_URL is not set (compare_tls_handshakes.sh sets it)");
        return;
    }
    corio::run(measure_new_connections(state, url, state.range(0) != 0));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(http_client_new_connection)
    ->ArgName("resumed")
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Apply(fixed_iterations);

} // namespace
