// SPDX-License-Identifier: MIT
// The HTTP client really sends each keep-alive request and waits for its response in one loop
// turn on io_uring (issue 16): client_exchange::round_trip hands the last slice to
// byte_stream::send_then_read, which io_uring submits as a linked send + receive, so a request
// costs one reactor wait (one io_uring_enter). The same request written with write_all() and its
// response read with read_some() costs two: the send's completion ends one wait and the receive
// needs another. Counted with loop.stats().waits against corio's own server on another thread.
#include "http_server_thread.hpp"

#include "reactor/io_uring_reactor.hpp"

#include <corio/http/client.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

constexpr int warm_up_requests = 5;   // connect, and the first request's allocations
constexpr int counted_requests = 200; // sequential, on the one keep-alive connection

// Reactor waits per request of `counted_requests` sequential GETs, after the warm-up.
corio::task<double> waits_per_request(corio::event_loop& loop, std::string url) {
    corio::http::client_session session;
    for (int i = 0; i < warm_up_requests; ++i) {
        corio::http::response response = co_await session.get(url);
        EXPECT_EQ(co_await response.text(), "hello\n");
    }
    const std::uint64_t waits_before = loop.stats().waits;
    for (int i = 0; i < counted_requests; ++i) {
        corio::http::response response = co_await session.get(url);
        EXPECT_EQ(co_await response.text(), "hello\n");
    }
    const std::uint64_t waits = loop.stats().waits - waits_before;
    EXPECT_EQ(session.connections_opened(), 1U);
    co_return static_cast<double>(waits) / counted_requests;
}

// The io_uring loop for the test, or the reason there cannot be one.
struct io_uring_loop {
    std::optional<corio::event_loop> loop;
    std::string skip_reason;

    explicit io_uring_loop() {
        try {
            // A ring of its own, only to ask whether this kernel links exchanges (5.18+).
            if (!corio::detail::io_uring_reactor().completes_exchanges()) {
                skip_reason = "this kernel cannot link an exchange (before 5.18): io_object "
                              "splits it and a request costs two waits";
                return;
            }
            corio::loop_options options;
            options.backend = corio::io_backend::io_uring;
            loop.emplace(options);
        } catch (const std::exception& error) {
            skip_reason = std::string("io_uring cannot run here: ") + error.what();
            return;
        }
        if (loop->backend_name() != "io_uring") {
            skip_reason = "the loop runs on " + std::string(loop->backend_name()) +
                          " (CORIO_BACKEND overrides loop_options::backend)";
            loop.reset();
        }
    }
};

TEST(HttpClientOnIoUring, AKeepAliveRequestIsOneReactorWait) {
    io_uring_loop client;
    if (!client.loop) {
        GTEST_SKIP() << client.skip_reason;
    }
    corio_test::http_server_thread server;
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/hello";
    const double waits = client.loop->run_until_complete(waits_per_request(*client.loop, url));
    // One per request; a little more if a timer or a wake-up shares the run.
    EXPECT_GE(waits, 0.9);
    EXPECT_LE(waits, 1.2) << "the client's requests are not exchanges on io_uring";
}

// What the count would be without the exchange: the same request written with write_all() and
// its response read with read_some() on the same loop and server. The send's completion ends
// one wait and the receive needs another, so the count above is the exchange's doing.
corio::task<double> waits_per_split_request(corio::event_loop& loop, std::uint16_t port) {
    corio::net::tcp_stream stream = co_await corio::net::tcp_stream::connect("127.0.0.1", port);
    constexpr std::string_view request = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    std::array<std::byte, 4096> buffer{};
    const auto round_trip = [&]() -> corio::task<> {
        co_await stream.write_all(request);
        std::string response;
        // The response ends with its 6-byte body, "hello\n" (Content-Length: 6).
        while (!response.ends_with("\r\n\r\nhello\n")) {
            const std::size_t got = co_await stream.read_some(buffer);
            if (got == 0) {
                throw std::runtime_error("the server closed the connection");
            }
            response.append(reinterpret_cast<const char*>(buffer.data()), got);
        }
    };
    for (int i = 0; i < warm_up_requests; ++i) {
        co_await round_trip();
    }
    const std::uint64_t waits_before = loop.stats().waits;
    for (int i = 0; i < counted_requests; ++i) {
        co_await round_trip();
    }
    co_return static_cast<double>(loop.stats().waits - waits_before) / counted_requests;
}

TEST(HttpClientOnIoUring, ASeparateSendAndReadCostTwoReactorWaits) {
    io_uring_loop client;
    if (!client.loop) {
        GTEST_SKIP() << client.skip_reason;
    }
    corio_test::http_server_thread server;
    const double waits =
        client.loop->run_until_complete(waits_per_split_request(*client.loop, server.port()));
    EXPECT_GE(waits, 1.8);
    EXPECT_LE(waits, 2.2);
}

} // namespace
