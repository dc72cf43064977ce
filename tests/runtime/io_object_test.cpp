// SPDX-License-Identifier: MIT
#include <corio/runtime/io_object.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"
#include "support/socket_helpers.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;

namespace {

std::span<const std::byte> bytes(const std::string& text) {
    return std::as_bytes(std::span{text});
}

struct connected_pair {
    corio::io_object a;
    corio::io_object b;
    connected_pair() {
        auto [x, y] = corio_test::stream_socket_pair();
        a = corio::io_object{x};
        b = corio::io_object{y};
    }
};

TEST(IoObject, BytesSentOnOneEndArriveOnTheOther) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        connected_pair pair;
        const std::string message = "hello, reactor";
        EXPECT_EQ(co_await pair.a.send_some(bytes(message)), message.size());
        std::array<std::byte, 64> buffer{};
        const std::size_t n = co_await pair.b.receive_some(buffer);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), n), message);
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(IoObject, AReceiveSuspendsUntilThePeerWrites) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        connected_pair pair;
        std::array<std::byte, 16> buffer{};
        auto reader = [&]() -> corio::task<std::size_t> {
            co_return co_await pair.b.receive_some(buffer);
        };
        auto writer = [&]() -> corio::task<std::size_t> {
            co_await corio::sleep_for(5ms);
            co_return co_await pair.a.send_some(bytes("ping"));
        };
        auto [received, sent] = co_await corio::gather(reader(), writer());
        EXPECT_EQ(received, 4U);
        EXPECT_EQ(sent, 4U);
        EXPECT_EQ(corio::event_loop::current().stats().pending_io, 0U);
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(IoObject, EndOfStreamReadsAsZeroBytes) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        connected_pair pair;
        pair.a.close();
        std::array<std::byte, 16> buffer{};
        EXPECT_EQ(co_await pair.b.receive_some(buffer), 0U);
    };
    corio::run(main_task());
}

TEST(IoObject, CancellingAPendingReceiveThrowsCancelledAndLeavesNoRegistrationBehind) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        connected_pair pair;
        std::array<std::byte, 16> buffer{};
        auto reader = [&]() -> corio::task<> { (void)co_await pair.b.receive_some(buffer); };
        auto handle = corio::spawn(reader());
        co_await corio::sleep_for(1ms);
        EXPECT_EQ(corio::event_loop::current().stats().pending_io, 1U);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
        EXPECT_EQ(corio::event_loop::current().stats().pending_io, 0U);
        // The socket still works after a cancelled read.
        (void)co_await pair.a.send_some(bytes("z"));
        EXPECT_EQ(co_await pair.b.receive_some(buffer), 1U);
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(IoObject, ClosingTheHandleFailsAPendingReceiveWithOperationCanceled) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        connected_pair pair;
        std::array<std::byte, 16> buffer{};
        auto reader = [&]() -> corio::task<> { (void)co_await pair.b.receive_some(buffer); };
        auto handle = corio::spawn(reader());
        co_await corio::sleep_for(1ms);
        pair.b.close();
        try {
            co_await handle;
            ADD_FAILURE() << "the read should have failed";
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code(), std::errc::operation_canceled);
        }
    };
    corio::run(main_task());
}

TEST(IoObject, ReadsOnAClosedObjectAreAUsageError) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::io_object closed;
        std::array<std::byte, 4> buffer{};
        EXPECT_THROW((void)closed.receive_some(buffer), corio::usage_error);
        co_return;
    };
    corio::run(main_task());
}

TEST(IoObject, ReadyDataStillYieldsToOtherTasksAfterTheBudget) {
    corio_test::leak_check check;
    corio::loop_options options;
    options.immediate_completion_budget = 4;
    auto main_task = []() -> corio::task<> {
        connected_pair pair;
        const std::string big(1000, 'x');
        (void)co_await pair.a.send_some(bytes(big));
        bool other_ran = false;
        auto other = [&]() -> corio::task<> {
            other_ran = true;
            co_return;
        };
        auto handle = corio::spawn(other());
        std::array<std::byte, 1> one{};
        int reads = 0;
        while (!other_ran) {
            (void)co_await pair.b.receive_some(one); // data is always there: never waits
            ++reads;
        }
        if (corio::event_loop::current().backend_name() == "io_uring") {
            // Nothing completes at once there: every receive waits for a loop turn, so the
            // other task runs after the first one already.
            EXPECT_GE(reads, 1);
        } else {
            EXPECT_EQ(reads, 4);
        }
        co_await handle;
    };
    corio::run(main_task(), options);
}

TEST(IoObject, MovingAnObjectKeepsItsRegistration) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        connected_pair pair;
        corio::io_object moved = std::move(pair.a);
        EXPECT_FALSE(pair.a.is_open());
        EXPECT_TRUE(moved.is_open());
        EXPECT_EQ(co_await moved.send_some(bytes("m")), 1U);
        EXPECT_EQ(corio::event_loop::current().stats().io_registrations, 2U);
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(IoObject, AcceptAndConnectOverLoopbackTcp) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        std::uint16_t port = 0;
        corio::io_object listener{corio_test::loopback_listener(port)};
        corio::io_object client{corio_test::tcp_socket()};
        auto accept_one = [&]() -> corio::task<corio::accepted_handle> {
            corio_test::socket_address peer{};
            co_return co_await listener.accept(peer.bytes, sizeof peer.bytes);
        };
        auto connect = [&]() -> corio::task<> {
            const auto address = corio_test::loopback_address(port);
            co_await client.connect(address.bytes, address.length);
        };
        auto [accepted, connected] = co_await corio::gather(accept_one(), connect());
        corio::io_object server_side{accepted.handle};
        EXPECT_GT(accepted.address_length, 0U);
        (void)co_await client.send_some(bytes("tcp"));
        std::array<std::byte, 8> buffer{};
        EXPECT_EQ(co_await server_side.receive_some(buffer), 3U);
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(IoObject, ConnectionRefusedSurfacesAsSystemError) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::io_object client{corio_test::tcp_socket()};
        const auto address = corio_test::loopback_address(corio_test::closed_loopback_port());
        try {
            co_await client.connect(address.bytes, address.length);
            ADD_FAILURE() << "connect should have failed";
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code(), std::errc::connection_refused);
        }
    };
    corio::run(main_task());
}

} // namespace

namespace {

TEST(IoObject, AReceiveWithADeadlineThrowsTimeoutErrorWhenNothingArrives) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = []() -> corio::task<> {
        connected_pair pair;
        std::array<std::byte, 8> buffer{};
        const auto start = corio::now();
        EXPECT_THROW((void)co_await pair.b.receive_some(buffer, corio::now() + 20ms),
                     corio::timeout_error);
        EXPECT_GE(corio::now() - start, 20ms);
        // The socket is intact afterwards: data sent now is read normally.
        (void)co_await pair.a.send_some(bytes("ok"));
        EXPECT_EQ(co_await pair.b.receive_some(buffer, corio::now() + 1s), 2U);
        EXPECT_EQ(corio::event_loop::current().stats().armed_timers, 0U);
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(IoObject, AReceiveThatCompletesBeforeItsDeadlineDisarmsTheTimer) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        connected_pair pair;
        std::array<std::byte, 8> buffer{};
        auto writer = [&]() -> corio::task<> {
            co_await corio::sleep_for(2ms);
            (void)co_await pair.a.send_some(bytes("in time"));
        };
        auto handle = corio::spawn(writer());
        EXPECT_EQ(co_await pair.b.receive_some(buffer, corio::now() + 10s), 7U);
        EXPECT_EQ(corio::event_loop::current().stats().armed_timers, 0U);
        co_await handle;
    };
    corio::run(main_task());
}

} // namespace
