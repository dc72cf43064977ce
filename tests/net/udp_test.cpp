// SPDX-License-Identifier: MIT
// udp_socket on real loopback sockets (127.0.0.1 and ::1), through the platform's reactor.
#include <corio/net/udp_socket.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp>

#include "support/leak_check.hpp"
#include "support/socket_helpers.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;
using corio::net::address;
using corio::net::udp_socket;

namespace {

std::string text(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Every exchange here stays on the loopback interface, but UDP promises nothing: a deadline
// turns a lost datagram into a failed test instead of a hang.
corio::event_loop::time_point soon() {
    return corio::now() + 5s;
}

corio::task<> exchange_a_datagram_and_its_echo(address loopback) {
    auto server = udp_socket::bind(loopback);
    auto client = udp_socket::bind(loopback);
    const address server_address = server.local_address();
    EXPECT_NE(server_address.port(), 0);
    EXPECT_EQ(server_address.family(), loopback.family());

    EXPECT_EQ(co_await client.send_to("ping", server_address, soon()), 4U);
    std::array<std::byte, 64> buffer{};
    const auto got = co_await server.receive_from(buffer, soon());
    EXPECT_EQ(got.size, 4U);
    EXPECT_FALSE(got.truncated);
    EXPECT_EQ(text(std::span(buffer).first(got.size)), "ping");
    EXPECT_EQ(got.sender, client.local_address());

    co_await server.send_to(std::span(buffer).first(got.size), got.sender, soon());
    const auto echo = co_await client.receive_from(buffer, soon());
    EXPECT_EQ(text(std::span(buffer).first(echo.size)), "ping");
    EXPECT_EQ(echo.sender, server_address);
}

TEST(Udp, ASendToReachesAReceiveFromWithItsSenderOverIpv4) {
    corio_test::leak_check check;
    corio::event_loop loop;
    loop.run_until_complete(exchange_a_datagram_and_its_echo(address::loopback_v4()));
    corio_test::expect_loop_is_clean(loop);
}

TEST(Udp, ASendToReachesAReceiveFromWithItsSenderOverIpv6) {
    corio_test::leak_check check;
    corio::event_loop loop;
    loop.run_until_complete(exchange_a_datagram_and_its_echo(address::loopback_v6()));
    corio_test::expect_loop_is_clean(loop);
}

TEST(Udp, AConnectedSocketSendsAndReceivesWithItsPeerOnly) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto server = udp_socket::bind(address::loopback_v4());
        auto client = udp_socket::bind(address::loopback_v4());
        auto stranger = udp_socket::bind(address::loopback_v4());
        client.connect(server.local_address());
        EXPECT_EQ(client.peer_address(), server.local_address());

        co_await client.send("hello");
        std::array<std::byte, 64> buffer{};
        const auto got = co_await server.receive_from(buffer, soon());
        EXPECT_EQ(text(std::span(buffer).first(got.size)), "hello");
        // A datagram from anyone but the peer is dropped by the OS; the peer's arrives.
        co_await stranger.send_to("intruder", client.local_address());
        co_await server.send_to("reply", got.sender);
        const auto reply = co_await client.receive(buffer, soon());
        EXPECT_EQ(text(std::span(buffer).first(reply.size)), "reply");
        EXPECT_FALSE(reply.truncated);
    };
    corio::run(main_task());
}

TEST(Udp, ADatagramLargerThanTheBufferIsReportedTruncatedAndTheNextOneArrivesWhole) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto server = udp_socket::bind(address::loopback_v4());
        auto client = udp_socket::bind(address::loopback_v4());
        client.connect(server.local_address());
        const std::string big(1000, 'x');
        co_await client.send(big);
        co_await client.send("small");
        std::array<std::byte, 10> buffer{};
        const auto first = co_await server.receive_from(buffer, soon());
        EXPECT_TRUE(first.truncated);
        EXPECT_EQ(first.size, buffer.size()); // bytes copied, not the datagram's size
        EXPECT_EQ(text(buffer), std::string(10, 'x'));
        const auto second = co_await server.receive_from(buffer, soon());
        EXPECT_FALSE(second.truncated);
        EXPECT_EQ(text(std::span(buffer).first(second.size)), "small");

        // The same through a connected socket's receive().
        server.connect(client.local_address());
        co_await server.send(big);
        const auto third = co_await client.receive(buffer, soon());
        EXPECT_TRUE(third.truncated);
        EXPECT_EQ(third.size, buffer.size());
    };
    corio::run(main_task());
}

corio::task<> expect_port_unreachable(bool receive_already_pending) {
    address nobody;
    {
        auto gone = udp_socket::bind(address::loopback_v4());
        nobody = gone.local_address();
    } // closed: the port has no socket now
    auto client = udp_socket::bind(address::loopback_v4());
    client.connect(nobody);
    std::array<std::byte, 16> buffer{};
    auto receive = [&]() -> corio::task<> {
        try {
            (void)co_await client.receive(buffer, soon());
            ADD_FAILURE() << "the receive succeeded";
        } catch (const corio::net::port_unreachable_error& error) {
            EXPECT_EQ(error.code(), std::errc::connection_refused);
            EXPECT_NE(std::string(error.what()).find(nobody.to_string()), std::string::npos)
                << error.what();
        }
    };
    if (receive_already_pending) {
        auto pending = corio::spawn(receive());
        co_await corio::sleep_for(1ms);
        co_await client.send("anyone?");
        co_await pending;
    } else {
        co_await client.send("anyone?");
        co_await corio::sleep_for(50ms); // the ICMP reply is immediate on loopback
        co_await receive();
    }
}

TEST(Udp, AConnectedSocketWhosePeerHasNoSocketThrowsPortUnreachable) {
    if (corio_test::running_under_wine()) {
        GTEST_SKIP() << "Wine 8 never reports an ICMP port unreachable on a UDP socket (a receive "
                        "waits for data); Windows reports WSAECONNRESET, Linux ECONNREFUSED";
    }
    corio_test::leak_check check;
    corio::event_loop loop;
    loop.run_until_complete(expect_port_unreachable(false));
    corio_test::expect_loop_is_clean(loop);
}

TEST(Udp, AReceiveAlreadyPendingWhenThePortUnreachableArrivesThrowsIt) {
    if (corio_test::running_under_wine()) {
        GTEST_SKIP() << "Wine 8 never reports an ICMP port unreachable on a UDP socket (a receive "
                        "waits for data); Windows reports WSAECONNRESET, Linux ECONNREFUSED";
    }
    corio_test::leak_check check;
    corio::event_loop loop;
    loop.run_until_complete(expect_port_unreachable(true));
    corio_test::expect_loop_is_clean(loop);
}

TEST(Udp, AnUnconnectedSocketKeepsReceivingAfterSendingToAPortWithNoSocket) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        address nobody;
        {
            auto gone = udp_socket::bind(address::loopback_v4());
            nobody = gone.local_address();
        }
        auto server = udp_socket::bind(address::loopback_v4());
        auto client = udp_socket::bind(address::loopback_v4());
        co_await server.send_to("into the void", nobody);
        co_await corio::sleep_for(20ms); // let the ICMP reply arrive
        co_await client.send_to("real", server.local_address());
        std::array<std::byte, 16> buffer{};
        const auto got = co_await server.receive_from(buffer, soon());
        EXPECT_EQ(text(std::span(buffer).first(got.size)), "real");
    };
    corio::run(main_task());
}

TEST(Udp, AReceivePastItsDeadlineThrowsTimeoutErrorAndTheSocketStillWorks) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        auto server = udp_socket::bind(address::loopback_v4());
        std::array<std::byte, 16> buffer{};
        EXPECT_THROW((void)co_await server.receive_from(buffer, corio::now() + 10ms),
                     corio::timeout_error);
        auto client = udp_socket::bind(address::loopback_v4());
        co_await client.send_to("after", server.local_address());
        const auto got = co_await server.receive_from(buffer, soon());
        EXPECT_EQ(text(std::span(buffer).first(got.size)), "after");
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(Udp, CancellingAPendingReceiveLeavesNothingBehind) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        auto server = udp_socket::bind(address::loopback_v6());
        auto receiver = [&]() -> corio::task<> {
            std::array<std::byte, 16> buffer{};
            (void)co_await server.receive_from(buffer);
        };
        auto handle = corio::spawn(receiver());
        co_await corio::sleep_for(1ms);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(Udp, ClosingTheSocketFailsAPendingReceiveWithOperationCanceled) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        auto server = udp_socket::bind(address::loopback_v4());
        auto receiver = [&]() -> corio::task<> {
            std::array<std::byte, 16> buffer{};
            try {
                (void)co_await server.receive(buffer);
                ADD_FAILURE() << "the receive succeeded";
            } catch (const std::system_error& error) {
                EXPECT_EQ(error.code(), std::errc::operation_canceled) << error.what();
            }
        };
        auto handle = corio::spawn(receiver());
        co_await corio::sleep_for(1ms);
        server.close();
        co_await handle;
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(Udp, ADatagramLargerThanUdpAllowsFailsWithMessageSize) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto server = udp_socket::bind(address::loopback_v4());
        auto client = udp_socket::bind(address::loopback_v4());
        const std::vector<std::byte> huge(70'000); // more than an IPv4 datagram can carry
        try {
            (void)co_await client.send_to(huge, server.local_address());
            ADD_FAILURE() << "the send succeeded";
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code(), std::errc::message_size) << error.what();
        }
    };
    corio::run(main_task());
}

TEST(Udp, ManySocketsOpenedAndClosedLeaveNoDescriptorOrRegistrationBehind) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        for (int i = 0; i < 50; ++i) {
            auto a = udp_socket::bind(address::loopback_v4());
            auto b = udp_socket::bind(address::loopback_v6());
            (void)a, (void)b;
        }
        co_return;
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(Udp, BindingTwiceToOnePortFailsWithAddressInUse) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto first = udp_socket::bind(address::loopback_v4());
    try {
        (void)udp_socket::bind(first.local_address());
        ADD_FAILURE() << "the second bind succeeded";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::address_in_use) << error.what();
    }
}

TEST(Udp, AUnixDomainAddressIsAUsageError) {
    corio::event_loop loop;
    EXPECT_THROW((void)udp_socket::bind(address::unix_path("/tmp/x.sock")), corio::usage_error);
}

} // namespace
