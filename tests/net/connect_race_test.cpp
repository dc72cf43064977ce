// SPDX-License-Identifier: MIT
// Happy Eyeballs (connect_race.hpp): the order of the attempts, the 250 ms head start, the move
// on after a failure, the losers' cleanup, the error naming every address; then the same through
// tcp_stream::connect(host, port) and the async HTTP client. A "dead route" without a network: an
// attempt that hangs (the test's own attempt function, or a listener whose queue is full, whose
// SYNs get no answer).
#include <corio/http/client.hpp>
#include <corio/http/error.hpp>
#include <corio/net/tcp_listener.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/task_group.hpp>

#include "connect_race.hpp"
#include "http/full_listener.hpp"
#include "resolver_seam.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using corio::net::address;
using corio::net::tcp_stream;
using corio::net::detail::attempt_failure;
using corio::net::detail::attempt_function;
using corio::net::detail::race_connections;

namespace {

using clock_type = std::chrono::steady_clock;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

address ip(const char* text, std::uint16_t port) {
    return *address::from_ip(text, port);
}

template <class Body>
void run(Body body) {
    corio_test::leak_check check;
    {
        corio::event_loop loop;
        loop.run_until_complete(body());
        corio_test::expect_loop_is_clean(loop);
    }
}

TEST(ConnectRace, AddressesAlternateFamiliesIpv6First) {
    const std::vector<address> resolved{ip("192.0.2.1", 80), ip("192.0.2.2", 80),
                                        ip("2001:db8::1", 80), ip("192.0.2.3", 80),
                                        ip("2001:db8::2", 80)};
    std::vector<std::string> order;
    for (const address& each : corio::net::detail::interleave_families(resolved)) {
        order.push_back(each.ip_string());
    }
    EXPECT_EQ(order, (std::vector<std::string>{"2001:db8::1", "192.0.2.1", "2001:db8::2",
                                               "192.0.2.2", "192.0.2.3"}));
}

// An attempt that never answers (until cancelled), one that is refused at once, and a real one
// to the test's listener.
corio::task<tcp_stream> hang_forever(address /*peer*/) {
    co_await corio::sleep_for(1h);
    throw std::logic_error("the hanging attempt was not cancelled");
}

corio::task<tcp_stream> refuse_at_once(address peer) {
    co_await corio::sleep_for(0ms);
    throw std::system_error(std::make_error_code(std::errc::connection_refused),
                            "connect to " + peer.to_string());
}

TEST(ConnectRace, AHangingFirstAddressLetsTheSecondWinAfterTheAttemptDelay) {
    run([]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        const address dead = ip("2001:db8::dead", listener.local_address().port());
        const address alive = listener.local_address();
        const attempt_function<tcp_stream> attempt = [dead](address peer) {
            return peer == dead ? hang_forever(peer) : tcp_stream::connect(peer, 10s);
        };
        std::vector<attempt_failure> failures;
        const auto started = clock_type::now();
        std::vector<address> candidates{dead, alive};
        auto winner = co_await race_connections(std::move(candidates), attempt, failures);
        const auto took = clock_type::now() - started;
        EXPECT_TRUE(winner);
        if (!winner) {
            co_return; // (ASSERT_* cannot return from a coroutine)
        }
        EXPECT_EQ(winner->peer, alive);
        EXPECT_TRUE(failures.empty()); // the hanging one lost: cancelled, not failed
        EXPECT_GE(took, 240ms) << "the second attempt did not wait for the attempt delay";
        EXPECT_LT(took, 2s) << "the hanging attempt held up the race";
        tcp_stream accepted = co_await listener.accept();
        EXPECT_EQ(accepted.peer_address(), winner->connection.local_address());
    });
}

TEST(ConnectRace, AFailedAttemptStartsTheNextAtOnce) {
    run([]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        const address refused = ip("::1", 1);
        const attempt_function<tcp_stream> attempt = [refused](address peer) {
            return peer == refused ? refuse_at_once(peer) : tcp_stream::connect(peer, 10s);
        };
        std::vector<attempt_failure> failures;
        const auto started = clock_type::now();
        std::vector<address> candidates{refused, listener.local_address()};
        auto winner = co_await race_connections(std::move(candidates), attempt, failures);
        EXPECT_LT(clock_type::now() - started, 200ms) << "the next attempt waited for the delay";
        EXPECT_TRUE(winner);
        if (!winner) {
            co_return; // (ASSERT_* cannot return from a coroutine)
        }
        EXPECT_EQ(failures.size(), 1u);
        if (failures.size() != 1u) {
            co_return; // (ASSERT_* cannot return from a coroutine)
        }
        EXPECT_EQ(failures[0].peer, refused);
        (void)co_await listener.accept();
    });
}

TEST(ConnectRace, WhenEveryAddressFailsTheErrorNamesEachOne) {
    run([]() -> corio::task<> {
        const attempt_function<tcp_stream> attempt = [](address peer) {
            return refuse_at_once(peer);
        };
        std::vector<attempt_failure> failures;
        std::vector<address> candidates{ip("::1", 1), ip("127.0.0.1", 1)};
        auto winner = co_await race_connections(std::move(candidates), attempt, failures);
        EXPECT_FALSE(winner);
        EXPECT_EQ(failures.size(), 2u);
        if (failures.size() != 2u) {
            co_return; // (ASSERT_* cannot return from a coroutine)
        }
        try {
            corio::net::detail::throw_connect_failures("example.test", failures);
        } catch (const std::system_error& failure) {
            EXPECT_EQ(failure.code(), std::errc::connection_refused);
            const std::string what = failure.what();
            EXPECT_TRUE(contains(what, "connect to example.test: every address failed")) << what;
            EXPECT_TRUE(contains(what, "[::1]:1: connect to [::1]:1")) << what;
            EXPECT_TRUE(contains(what, "127.0.0.1:1: connect to 127.0.0.1:1")) << what;
        }
    });
}

TEST(ConnectRace, CancellingTheRaceCancelsEveryAttempt) {
    run([]() -> corio::task<> {
        const attempt_function<tcp_stream> attempt = [](address peer) {
            return hang_forever(peer);
        };
        std::vector<attempt_failure> failures;
        std::vector<address> candidates{ip("192.0.2.1", 80), ip("192.0.2.2", 80)};
        auto race = corio::spawn(race_connections(std::move(candidates), attempt, failures));
        co_await corio::sleep_for(300ms); // both attempts running
        race.cancel();
        try {
            (void)co_await race;
            ADD_FAILURE() << "the race was not cancelled";
        } catch (const corio::cancelled_error&) {
        }
        EXPECT_TRUE(failures.empty());
    });
}

#if defined(__linux__) || defined(_WIN32)
// A real black hole: the full listener's SYNs go unanswered (Linux; Wine runs on it).
TEST(ConnectRace, ARealUnansweredAddressCostsTheDelayNotTheConnectTimeout) {
    corio_test::full_listener black_hole;
    ASSERT_TRUE(black_hole.fill()) << "the accept queue never filled up";
    run([&]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        const attempt_function<tcp_stream> attempt = [](address peer) {
            return tcp_stream::connect(peer, 10s);
        };
        std::vector<attempt_failure> failures;
        const auto started = clock_type::now();
        std::vector<address> candidates{black_hole.where, listener.local_address()};
        auto winner = co_await race_connections(std::move(candidates), attempt, failures);
        const auto took = clock_type::now() - started;
        EXPECT_TRUE(winner);
        if (!winner) {
            co_return; // (ASSERT_* cannot return from a coroutine)
        }
        EXPECT_EQ(winner->peer, listener.local_address());
        EXPECT_GE(took, 240ms);
        EXPECT_LT(took, 3s) << "waited for the black hole's connect timeout";
        (void)co_await listener.accept();
    });
}
#endif

TEST(ConnectRace, ConnectByNameFallsBackFromARefusedAddress) {
    // "localhost" is often ::1 and 127.0.0.1: the server listens on IPv4 only, so an IPv6
    // attempt is refused and the IPv4 one must follow at once.
    run([]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        const auto started = clock_type::now();
        tcp_stream stream =
            co_await tcp_stream::connect("localhost", listener.local_address().port(), 5s);
        EXPECT_LT(clock_type::now() - started, 2s);
        EXPECT_EQ(stream.peer_address(), listener.local_address());
        (void)co_await listener.accept();
    });
}

// The HTTP client gets two addresses for one name (through the resolver seam): the first a black
// hole, the second a server. It must answer after about the attempt delay, not the 10 s connect
// timeout.
address black_hole_address;
address server_address;
std::vector<address> two_addresses(const corio::net::detail::lookup_request& /*request*/) {
    return {black_hole_address, server_address};
}

#if defined(__linux__) || defined(_WIN32)
corio::task<> answer_one_request(corio::net::tcp_listener& listener) {
    tcp_stream connection = co_await listener.accept();
    std::string request;
    std::array<std::byte, 1024> buffer{};
    while (!contains(request, "\r\n\r\n")) {
        const std::size_t got = co_await connection.read_some(buffer);
        if (got == 0) {
            co_return;
        }
        request.append(reinterpret_cast<const char*>(buffer.data()), got);
    }
    co_await connection.write_all(
        std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"));
}

TEST(ConnectRace, TheHttpClientRacesTheAddressesOfAName) {
    corio_test::full_listener black_hole;
    ASSERT_TRUE(black_hole.fill()) << "the accept queue never filled up";
    run([&]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        black_hole_address = black_hole.where;
        server_address = listener.local_address();
        corio::net::detail::set_lookup_function(&two_addresses);
        corio::http::client_options options;
        options.timeouts.connect = 10s;
        corio::http::client_session session{options};
        corio::task_group group;
        group.spawn(answer_one_request(listener));
        const auto started = clock_type::now();
        try {
            const std::string url =
                "http://dual.test:" + std::to_string(server_address.port()) + "/";
            auto response = co_await session.get(url);
            EXPECT_EQ(response.status(), 200);
            EXPECT_EQ(co_await response.text(), "ok");
        } catch (...) {
            corio::net::detail::set_lookup_function(nullptr);
            throw;
        }
        corio::net::detail::set_lookup_function(nullptr);
        const auto took = clock_type::now() - started;
        EXPECT_GE(took, 240ms);
        EXPECT_LT(took, 3s) << "waited for the black hole's connect timeout";
        co_await group.wait();
    });
}

// tcp_stream::connect(host, port, timeout): the timeout bounds the whole race, not each attempt.
// Three unanswered addresses start at 0, 250 and 500 ms; with the timeout per attempt the last one
// would give up at 1.5 s.
std::vector<address> three_black_holes(const corio::net::detail::lookup_request& /*request*/) {
    return {black_hole_address, black_hole_address, black_hole_address};
}

TEST(ConnectRace, ConnectByNameGivesUpWhenItsTimeoutEndsWhateverTheAttemptsStillWaitFor) {
    corio_test::full_listener black_hole;
    ASSERT_TRUE(black_hole.fill()) << "the accept queue never filled up";
    black_hole_address = black_hole.where;
    corio::net::detail::set_lookup_function(&three_black_holes);
    run([&]() -> corio::task<> {
        const auto started = clock_type::now();
        try {
            (void)co_await tcp_stream::connect("dead.test", black_hole.where.port(), 1s);
            ADD_FAILURE() << "connected to a black hole";
        } catch (const corio::timeout_error& failure) {
            EXPECT_TRUE(contains(failure.what(), "timed out")) << failure.what();
        }
        const auto took = clock_type::now() - started;
        EXPECT_GE(took, 950ms);
        EXPECT_LT(took, 1400ms) << "each attempt had the whole timeout";
    });
    corio::net::detail::set_lookup_function(nullptr);
}
#endif

TEST(ConnectRace, TheHttpClientNamesEveryAddressThatFailed) {
    black_hole_address = ip("127.0.0.1", 1);
    server_address = ip("::1", 1);
    corio::net::detail::set_lookup_function(&two_addresses);
    run([]() -> corio::task<> {
        corio::http::client_session session;
        try {
            (void)co_await session.get("http://dual.test:1/");
            ADD_FAILURE() << "no error";
        } catch (const corio::http::connect_error& failure) {
            const std::string what = failure.what();
            EXPECT_TRUE(contains(what, "every address failed")) << what;
            EXPECT_TRUE(contains(what, "[::1]:1")) << what;
            EXPECT_TRUE(contains(what, "127.0.0.1:1")) << what;
        }
    });
    corio::net::detail::set_lookup_function(nullptr);
}

} // namespace
