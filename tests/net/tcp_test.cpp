// SPDX-License-Identifier: MIT
#include <corio/net/tcp_stream.hpp>

#include <corio/net/resolver.hpp>
#include <corio/net/tcp_listener.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/sleep.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <system_error>

using namespace std::chrono_literals;
using corio::net::address;

namespace {

std::span<const std::byte> bytes(const std::string& text) {
    return std::as_bytes(std::span{text});
}

corio::task<std::string> read_to_end(corio::net::tcp_stream& stream) {
    std::string all;
    std::array<std::byte, 256> buffer{};
    for (;;) {
        const std::size_t n = co_await stream.read_some(buffer);
        if (n == 0) {
            co_return all;
        }
        all.append(reinterpret_cast<const char*>(buffer.data()), n);
    }
}

TEST(Tcp, AClientAndAServerExchangeBytesOverIpv4Loopback) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        const std::uint16_t port = listener.local_address().port();
        EXPECT_NE(port, 0);
        auto server = [&]() -> corio::task<std::string> {
            address peer;
            corio::net::tcp_stream connection = co_await listener.accept(&peer);
            EXPECT_TRUE(peer.is_loopback());
            std::string request = co_await read_to_end(connection);
            co_await connection.write_all(bytes("echo:" + request));
            co_return request;
        };
        auto client = [&]() -> corio::task<std::string> {
            auto stream = co_await corio::net::tcp_stream::connect(address::loopback_v4(port));
            EXPECT_EQ(stream.peer_address().port(), port);
            co_await stream.write_all(bytes("hello"));
            stream.shutdown_write();
            co_return co_await read_to_end(stream);
        };
        auto [received, answer] = co_await corio::gather(server(), client());
        EXPECT_EQ(received, "hello");
        EXPECT_EQ(answer, "echo:hello");
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(Tcp, WorksOverIpv6Loopback) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::net::tcp_listener listener;
        try {
            listener = corio::net::tcp_listener::bind(address::loopback_v6(0));
        } catch (const std::system_error& error) {
            // A machine without IPv6 (e.g. disabled in a container) cannot run this test: say so.
            ADD_FAILURE() << "IPv6 loopback unavailable here: " << error.what();
            co_return;
        }
        const std::uint16_t port = listener.local_address().port();
        auto server = [&]() -> corio::task<> {
            auto connection = co_await listener.accept();
            co_await connection.write_all(bytes("v6"));
        };
        auto client = [&]() -> corio::task<std::string> {
            auto stream = co_await corio::net::tcp_stream::connect("::1", port);
            EXPECT_EQ(stream.local_address().family(), corio::net::address_family::ipv6);
            co_return co_await read_to_end(stream);
        };
        auto [unused, answer] = co_await corio::gather(server(), client());
        EXPECT_EQ(answer, "v6");
    };
    corio::run(main_task());
}

TEST(Tcp, ConnectingByNameResolvesLocalhost) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto addresses = co_await corio::net::resolve("localhost", 80);
        EXPECT_FALSE(addresses.empty());
        for (const address& a : addresses) {
            EXPECT_TRUE(a.is_loopback()) << a.to_string();
            EXPECT_EQ(a.port(), 80);
        }
    };
    corio::run(main_task());
}

TEST(Tcp, ResolvingAnUnknownNameThrowsResolveErrorNamingTheHost) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        try {
            (void)co_await corio::net::resolve("no-such-host.invalid", 80);
            ADD_FAILURE() << "resolution should fail";
        } catch (const corio::net::resolve_error& error) {
            EXPECT_EQ(error.host(), "no-such-host.invalid");
        }
    };
    corio::run(main_task());
}

TEST(Tcp, ConnectingToAClosedPortThrowsConnectionRefused) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        std::uint16_t port = 0;
        {
            auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
            port = listener.local_address().port();
        }
        try {
            (void)co_await corio::net::tcp_stream::connect(address::loopback_v4(port));
            ADD_FAILURE() << "connect should fail";
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code(), std::errc::connection_refused);
        }
    };
    corio::run(main_task());
}

TEST(Tcp, AFailedConnectNamesTheAddressItTried) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        std::uint16_t port = 0;
        {
            auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
            port = listener.local_address().port();
        }
        const std::string expected = "connect to 127.0.0.1:" + std::to_string(port) + ": ";
        try {
            (void)co_await corio::net::tcp_stream::connect(address::loopback_v4(port));
            ADD_FAILURE() << "connect should fail";
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code(), std::errc::connection_refused);
            // "connect to 127.0.0.1:1: Connection refused" (the OS's words after the colon).
            EXPECT_EQ(std::string(error.what()).rfind(expected, 0), 0U) << error.what();
        }
        try {
            (void)co_await corio::net::tcp_stream::connect("127.0.0.1", port); // by name too
            ADD_FAILURE() << "connect should fail";
        } catch (const std::system_error& error) {
            EXPECT_EQ(std::string(error.what()).rfind(expected, 0), 0U) << error.what();
        }
    };
    corio::run(main_task());
}

TEST(Tcp, AReadPastItsDeadlineThrowsTimeoutError) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        auto silent_server = [&]() -> corio::task<corio::net::tcp_stream> {
            co_return co_await listener.accept();
        };
        auto client = [&]() -> corio::task<> {
            auto stream = co_await corio::net::tcp_stream::connect(listener.local_address());
            std::array<std::byte, 4> buffer{};
            EXPECT_THROW((void)co_await stream.read_some(buffer, corio::now() + 10ms),
                         corio::timeout_error);
        };
        auto [kept_open, done] = co_await corio::gather(silent_server(), client());
    };
    corio::run(main_task());
}

TEST(Tcp, CancellingAPendingAcceptLeavesNothingBehind) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        auto acceptor = [&]() -> corio::task<> { (void)co_await listener.accept(); };
        auto handle = corio::spawn(acceptor());
        co_await corio::sleep_for(1ms);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

} // namespace
