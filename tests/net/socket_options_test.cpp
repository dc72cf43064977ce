// SPDX-License-Identifier: MIT
// socket_options.hpp on real loopback sockets: each option read back through the getter and
// through getsockopt() on the native handle, and the observable effects that are cheap to show
// (linger 0 resets the peer; reuse_address binds beside a TIME_WAIT connection; reuse_port lets
// two listeners share a port).
#include <corio/net/socket_options.hpp>

#include <corio/net/tcp_listener.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

#include <array>
#include <chrono>
#include <cstddef>
#include <iostream>
#include <system_error>
#include <utility>

using namespace std::chrono_literals;
using corio::net::address;
using corio::net::tcp_listener;
using corio::net::tcp_stream;

namespace {

template <class Body>
void run(Body body) {
    corio_test::leak_check check;
    {
        corio::event_loop loop;
        loop.run_until_complete(body());
        corio_test::expect_loop_is_clean(loop);
    }
}

#if defined(_WIN32)
// Wine's closesocket() ends the connection with a FIN even after SO_LINGER {1, 0} (Windows sends
// an RST, as documented for a "hard close"), so under Wine only the option's value is checked.
bool running_under_wine() {
    const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}
#endif

// getsockopt() straight on the handle, as the OS sees it.
template <class Value>
Value os_option(corio::native_handle_t handle, int level, int name) {
    Value value{};
#if defined(_WIN32)
    int length = sizeof value;
    EXPECT_EQ(::getsockopt(static_cast<SOCKET>(handle), level, name,
                           reinterpret_cast<char*>(&value), &length),
              0);
#else
    socklen_t length = sizeof value;
    EXPECT_EQ(::getsockopt(handle, level, name, &value, &length), 0);
#endif
    return value;
}

// A connected pair on 127.0.0.1: the client's end and the server's.
corio::task<std::pair<tcp_stream, tcp_stream>> connected_pair(tcp_listener& listener) {
    tcp_stream client = co_await tcp_stream::connect(listener.local_address());
    tcp_stream server = co_await listener.accept();
    co_return std::pair<tcp_stream, tcp_stream>{std::move(client), std::move(server)};
}

TEST(SocketOptions, KeepAliveReadsBackAsSet) {
    run([]() -> corio::task<> {
        auto listener = tcp_listener::bind(address::loopback_v4(0));
        auto [client, server] = co_await connected_pair(listener);
        EXPECT_FALSE(client.keep_alive().enabled);
        corio::net::keep_alive_options wanted;
        wanted.idle = 30s;
        wanted.interval = 7s;
#if defined(_WIN32)
        client.set_keep_alive(wanted); // idle and interval go in, but cannot be read back
        const corio::net::keep_alive_options got = client.keep_alive();
        EXPECT_TRUE(got.enabled);
        EXPECT_FALSE(got.idle);
        wanted.probes = 3;
        try {
            client.set_keep_alive(wanted);
            ADD_FAILURE() << "Windows took a probe count";
        } catch (const corio::net::socket_option_error& failure) {
            EXPECT_EQ(failure.option(), "keep_alive.probes");
            EXPECT_EQ(failure.code(), std::errc::not_supported);
        }
#else
        wanted.probes = 3;
        client.set_keep_alive(wanted);
        const corio::net::keep_alive_options got = client.keep_alive();
        EXPECT_TRUE(got.enabled);
        EXPECT_EQ(got.idle, 30s);
        EXPECT_EQ(got.interval, 7s);
        EXPECT_EQ(got.probes, 3);
        EXPECT_EQ(os_option<int>(client.native_handle(), SOL_SOCKET, SO_KEEPALIVE), 1);
        EXPECT_EQ(os_option<int>(client.native_handle(), IPPROTO_TCP, TCP_KEEPINTVL), 7);
        EXPECT_EQ(os_option<int>(client.native_handle(), IPPROTO_TCP, TCP_KEEPCNT), 3);
#if defined(TCP_KEEPIDLE)
        EXPECT_EQ(os_option<int>(client.native_handle(), IPPROTO_TCP, TCP_KEEPIDLE), 30);
#endif
#endif
        client.set_keep_alive({.enabled = false}); // designated: no missing-initializer warning
        EXPECT_FALSE(client.keep_alive().enabled);
        EXPECT_EQ(os_option<int>(client.native_handle(), SOL_SOCKET, SO_KEEPALIVE), 0);
    });
}

TEST(SocketOptions, BufferSizesReadBackAsTheOsHasThem) {
    run([]() -> corio::task<> {
        auto listener = tcp_listener::bind(address::loopback_v4(0));
        auto [client, server] = co_await connected_pair(listener);
        client.set_receive_buffer_size(96 * 1024);
        client.set_send_buffer_size(48 * 1024);
        const std::size_t receive = client.receive_buffer_size();
        const std::size_t send = client.send_buffer_size();
        EXPECT_EQ(receive, static_cast<std::size_t>(
                               os_option<int>(client.native_handle(), SOL_SOCKET, SO_RCVBUF)));
        EXPECT_EQ(send, static_cast<std::size_t>(
                            os_option<int>(client.native_handle(), SOL_SOCKET, SO_SNDBUF)));
        // At least what was asked (Linux doubles it for its bookkeeping).
        EXPECT_GE(receive, 96u * 1024);
        EXPECT_GE(send, 48u * 1024);
    });
}

TEST(SocketOptions, LingerReadsBackAndZeroResetsThePeer) {
    run([]() -> corio::task<> {
        auto listener = tcp_listener::bind(address::loopback_v4(0));
        auto [client, server] = co_await connected_pair(listener);
        EXPECT_FALSE(server.linger());
        server.set_linger(5s);
        EXPECT_EQ(server.linger(), 5s);
        server.set_linger(std::nullopt);
        EXPECT_FALSE(server.linger());
        server.set_linger(0s);
        EXPECT_EQ(server.linger(), 0s);
        const auto raw = os_option<::linger>(server.native_handle(), SOL_SOCKET, SO_LINGER);
        EXPECT_NE(raw.l_onoff, 0);
        EXPECT_EQ(raw.l_linger, 0);
        server.close(); // an RST, not a FIN
        std::array<std::byte, 16> buffer{};
        try {
            const std::size_t got = co_await client.read_some(buffer, corio::now() + 5s);
#if defined(_WIN32)
            if (got == 0 && running_under_wine()) {
                std::cout << "[   NOTE   ] Wine closed with a FIN despite linger 0\n";
                co_return;
            }
#endif
            ADD_FAILURE() << "the peer saw " << got << " bytes (0: an orderly end), not a reset";
        } catch (const std::system_error& failure) {
            EXPECT_EQ(failure.code(), std::errc::connection_reset) << failure.what();
        }
    });
}

TEST(SocketOptions, NoDelayIsOnForCorioStreamsAndReadsBack) {
    run([]() -> corio::task<> {
        auto listener = tcp_listener::bind(address::loopback_v4(0));
        auto [client, server] = co_await connected_pair(listener);
        EXPECT_TRUE(client.no_delay());
        EXPECT_TRUE(server.no_delay());
        client.set_no_delay(false);
        EXPECT_FALSE(client.no_delay());
        EXPECT_EQ(os_option<int>(client.native_handle(), IPPROTO_TCP, TCP_NODELAY), 0);
    });
}

TEST(SocketOptions, OutOfRangeValuesGetAnErrorNamingTheOption) {
    run([]() -> corio::task<> {
        auto listener = tcp_listener::bind(address::loopback_v4(0));
        auto [client, server] = co_await connected_pair(listener);
        try {
            corio::net::keep_alive_options zero;
            zero.idle = 0s;
            client.set_keep_alive(zero);
            ADD_FAILURE() << "an idle time of 0 s was taken";
        } catch (const corio::net::socket_option_error& failure) {
            EXPECT_EQ(failure.option(), "keep_alive.idle");
            EXPECT_EQ(failure.code(), std::errc::invalid_argument);
        }
        try {
            client.set_linger(100000s);
            ADD_FAILURE() << "a linger of 100000 s was taken";
        } catch (const corio::net::socket_option_error& failure) {
            EXPECT_EQ(failure.option(), "linger");
        }
        try {
            client.set_receive_buffer_size(std::size_t{1} << 40);
            ADD_FAILURE() << "a 1 TiB buffer was taken";
        } catch (const corio::net::socket_option_error& failure) {
            EXPECT_EQ(failure.option(), "receive_buffer_size");
        }
    });
}

TEST(SocketOptions, ListenerOptionsAreSetBeforeBinding) {
    corio::net::listener_options options;
    options.receive_buffer_size = 128 * 1024;
    options.reuse_address = false;
    run([&]() -> corio::task<> {
        auto listener = tcp_listener::bind(address::loopback_v4(0), options);
        EXPECT_FALSE(listener.reuse_address());
        EXPECT_GE(listener.receive_buffer_size(), 128u * 1024);
        EXPECT_EQ(listener.receive_buffer_size(),
                  static_cast<std::size_t>(
                      os_option<int>(listener.native_handle(), SOL_SOCKET, SO_RCVBUF)));
        auto reusing = tcp_listener::bind(address::loopback_v4(0));
#if defined(_WIN32)
        EXPECT_FALSE(reusing.reuse_address()); // SO_EXCLUSIVEADDRUSE instead, see the header
#else
        EXPECT_TRUE(reusing.reuse_address());
        EXPECT_EQ(os_option<int>(reusing.native_handle(), SOL_SOCKET, SO_REUSEADDR), 1);
#endif
        co_return;
    });
}

#if defined(_WIN32)
TEST(SocketOptions, ReusePortIsATypedErrorOnWindows) {
    corio::event_loop loop;
    corio::net::listener_options options;
    options.reuse_port = true;
    try {
        (void)tcp_listener::bind(address::loopback_v4(0), options);
        ADD_FAILURE() << "reuse_port was taken";
    } catch (const corio::net::socket_option_error& failure) {
        EXPECT_EQ(failure.option(), "reuse_port");
        EXPECT_EQ(failure.code(), std::errc::not_supported);
    }
}
#else
TEST(SocketOptions, ReusePortLetsTwoListenersShareAPort) {
    corio::net::listener_options options;
    options.reuse_port = true;
    run([&]() -> corio::task<> {
        auto first = tcp_listener::bind(address::loopback_v4(0), options);
        EXPECT_TRUE(first.reuse_port());
        EXPECT_EQ(os_option<int>(first.native_handle(), SOL_SOCKET, SO_REUSEPORT), 1);
        auto second = tcp_listener::bind(first.local_address(), options);
        EXPECT_EQ(second.local_address(), first.local_address());
        try {
            (void)tcp_listener::bind(first.local_address()); // without it: refused
            ADD_FAILURE() << "a third listener bound the port without reuse_port";
        } catch (const std::system_error& failure) {
            EXPECT_EQ(failure.code(), std::errc::address_in_use);
        }
        co_return;
    });
}

TEST(SocketOptions, ReuseAddressBindsBesideATimeWaitConnection) {
    run([]() -> corio::task<> {
        address where;
        {
            auto listener = tcp_listener::bind(address::loopback_v4(0));
            where = listener.local_address();
            auto [client, server] = co_await connected_pair(listener);
            server.close(); // the server closes first, so its end of the connection (on the
                            // listener's port) goes to TIME_WAIT once the client closes too
            std::array<std::byte, 16> buffer{};
            EXPECT_EQ(co_await client.read_some(buffer), 0u);
            client.close();
            co_await corio::sleep_for(50ms); // the client's FIN reaches the server's end
        }
        corio::net::listener_options strict;
        strict.reuse_address = false;
        try {
            (void)tcp_listener::bind(where, strict);
            ADD_FAILURE() << "bound beside TIME_WAIT without reuse_address";
        } catch (const std::system_error& failure) {
            EXPECT_EQ(failure.code(), std::errc::address_in_use) << failure.what();
        }
        auto again = tcp_listener::bind(where); // reuse_address is the default
        EXPECT_EQ(again.local_address(), where);
    });
}
#endif

} // namespace
