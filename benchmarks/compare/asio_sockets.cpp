// SPDX-License-Identifier: MIT
// Boost.Asio (C++20 awaitable + co_spawn) on the socket workloads of protocol.hpp, on one
// io_context run by one thread: ../net/socket_ping_pong.hpp's ping-pong as two coroutines per
// connection, async_write_some and async_read_some on the same connected sockets
// (local::stream_protocol for the socketpair, ip::tcp for TCP), each adopted by the socket's
// constructor from its descriptor.
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
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

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

// A pinging and an echoing coroutine per connection, all on one io_context; the pings share
// `keep_going`. The sockets adopt the connections' descriptors and close them.
template <class Socket, class Protocol>
void ping_pong(asio::io_context& context, Protocol protocol,
               std::span<const corio_bench::connected_pair> connections,
               corio_compare::countdown& keep_going, std::size_t message_size) {
    std::vector<Socket> pinging;
    std::vector<Socket> echoing;
    pinging.reserve(connections.size()); // the coroutines hold references: no reallocation
    echoing.reserve(connections.size());
    for (const corio_bench::connected_pair& pair : connections) {
        pinging.emplace_back(context, protocol, pair.a);
        echoing.emplace_back(context, protocol, pair.b);
    }
    std::string failure;
    const auto remember = [&failure](const std::exception_ptr& thrown) {
        if (thrown && failure.empty()) {
            try {
                std::rethrow_exception(thrown);
            } catch (const std::exception& error) {
                failure = error.what();
            }
        }
    };
    for (std::size_t i = 0; i < connections.size(); ++i) {
        asio::co_spawn(context, pong(echoing[i]), remember);
        asio::co_spawn(context, ping(pinging[i], keep_going, message_size), remember);
    }
    context.run();
    context.restart();
    if (!failure.empty()) {
        throw std::runtime_error("asio ping-pong: " + failure);
    }
}

} // namespace

int main(int argc, char** argv) {
    asio::io_context context{1};
    return corio_compare::run_socket_program(
        argc, argv, "asio",
        [&](std::span<const corio_bench::connected_pair> connections,
            corio_compare::countdown& keep_going, corio_bench::transport kind,
            std::size_t message_size) {
            if (kind == corio_bench::transport::tcp) {
                ping_pong<asio::ip::tcp::socket>(context, asio::ip::tcp::v4(), connections,
                                                 keep_going, message_size);
            } else {
                ping_pong<asio::local::stream_protocol::socket>(
                    context, asio::local::stream_protocol{}, connections, keep_going, message_size);
            }
        });
}
