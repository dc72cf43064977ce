// SPDX-License-Identifier: MIT
// Boost.Asio (C++20 awaitable + co_spawn) on the socket workloads of protocol.hpp, on one
// io_context run by one thread: ../net/socket_ping_pong.hpp's ping-pong as two coroutines,
// async_write_some and async_read_some on the same connected sockets (local::stream_protocol for
// the socketpair, ip::tcp for TCP), each adopted with assign().
#include "socket_workload.hpp"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>

namespace asio = boost::asio;

namespace {

template <class Socket>
asio::awaitable<void> ping(Socket& socket, corio_compare::countdown& keep_going,
                           std::size_t message_size) {
    std::array<char, corio_bench::read_buffer_size> buffer{};
    while (keep_going()) {
        co_await socket.async_write_some(asio::buffer(corio_bench::ping_bytes.data(), message_size),
                                         asio::use_awaitable);
        for (std::size_t received = 0; received < message_size;) {
            received += co_await socket.async_read_some(asio::buffer(buffer), asio::use_awaitable);
        }
    }
    socket.close(); // pong reads end of stream and finishes
}

// Echoes until end of stream.
template <class Socket>
asio::awaitable<void> pong(Socket& socket) {
    std::array<char, corio_bench::read_buffer_size> buffer{};
    for (;;) {
        boost::system::error_code failure; // end of stream is how the ping-pong ends
        const std::size_t received = co_await socket.async_read_some(
            asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, failure));
        if (failure) {
            co_return;
        }
        co_await asio::async_write(socket, asio::buffer(buffer.data(), received),
                                   asio::use_awaitable);
    }
}

template <class Socket>
void ping_pong(asio::io_context& context, Socket& a, Socket& b,
               corio_compare::countdown& keep_going, std::size_t message_size) {
    std::string failure;
    const auto remember = [&failure](const std::exception_ptr& thrown) {
        if (thrown) {
            try {
                std::rethrow_exception(thrown);
            } catch (const std::exception& error) {
                failure = error.what();
            }
        }
    };
    asio::co_spawn(context, pong(b), remember);
    asio::co_spawn(context, ping(a, keep_going, message_size), remember);
    context.run();
    context.restart();
    if (!failure.empty()) {
        throw std::runtime_error("asio ping-pong: " + failure);
    }
}

} // namespace

int main(int argc, char** argv) {
    const auto work =
        corio_compare::parse_parameterised_arguments(argc, argv, corio_compare::socket_families);
    if (!work) {
        return 2;
    }
    asio::io_context context{1};
    corio_compare::measure_ping_pong(
        "asio", *work, [&](corio_bench::connected_pair pair, corio_compare::countdown& keep_going) {
            const std::size_t size = corio_compare::message_size_of(*work);
            if (corio_compare::transport_of(*work) == corio_bench::transport::tcp) {
                asio::ip::tcp::socket a{context, asio::ip::tcp::v4(), pair.a};
                asio::ip::tcp::socket b{context, asio::ip::tcp::v4(), pair.b};
                ping_pong(context, a, b, keep_going, size);
            } else {
                asio::local::stream_protocol::socket a{context, asio::local::stream_protocol{},
                                                       pair.a};
                asio::local::stream_protocol::socket b{context, asio::local::stream_protocol{},
                                                       pair.b};
                ping_pong(context, a, b, keep_going, size);
            }
        });
    return 0;
}
