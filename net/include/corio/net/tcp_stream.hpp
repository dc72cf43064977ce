// SPDX-License-Identifier: MIT
// tcp_stream.hpp - a connected TCP socket with awaitable reads and writes.
//
//     auto stream = co_await corio::net::tcp_stream::connect("example.com", 80, 5s);
//     co_await stream.write_all(request_bytes);
//     std::size_t n = co_await stream.read_some(buffer);   // 0: the peer closed its side
//
// connect() by name resolves first (resolver.hpp) and races the addresses Happy-Eyeballs style
// (RFC 8305): IPv6 and IPv4 alternate, IPv6 first; the next address starts when the running
// attempts have not connected within 250 ms, or at once when one fails; the first connection
// wins and the others are closed. If none connects, the error names every address and its error.
// Every operation goes through the reactor (io_object), takes an optional deadline (timeout_error
// when it passes) and is cancellable. IPv4 and IPv6. Not thread-safe: use a stream from tasks of
// the loop that created it.
#pragma once

#include <corio/net/address.hpp>
#include <corio/net/socket_options.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/task.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

CORIO_EXPORT_BEGIN
namespace corio::net {

using deadline = std::optional<event_loop::time_point>;

class tcp_stream {
public:
    tcp_stream() = default;
    // Adopts a connected socket (from tcp_listener::accept, say).
    explicit tcp_stream(io_object socket) noexcept
        : socket_(std::move(socket)) {}

    // Connects to `peer`; `timeout` bounds the connection attempt (timeout_error). Failures name
    // the address: std::system_error "connect to 127.0.0.1:1: Connection refused".
    static task<tcp_stream> connect(address peer, std::optional<event_loop::duration> timeout = {});
    // Resolves `host` and races its addresses (see above); `timeout` bounds the whole call, the
    // lookup (resolve_timeout_error) and every attempt (timeout_error). When
    // every address failed: the one failure as it was, or, for several, a std::system_error (a
    // corio::timeout_error if the last was a timeout) whose message lists each address's error.
    static task<tcp_stream> connect(std::string host, std::uint16_t port,
                                    std::optional<event_loop::duration> timeout = {});

    [[nodiscard]] bool is_open() const noexcept { return socket_.is_open(); }

    // Reads what is available (at least one byte, or 0 at end of stream).
    transfer_awaiter read_some(std::span<std::byte> buffer, deadline until = {}) {
        return socket_.receive_some(buffer, until);
    }
    // Waits until input is waiting (1) or the peer has finished sending (0), consuming nothing;
    // a reset peer throws std::system_error. See io_object::wait_for_input().
    transfer_awaiter wait_for_input(deadline until = {}) { return socket_.wait_for_input(until); }
    // Writes some of `data`; write_all() loops until all of it is written.
    transfer_awaiter write_some(std::span<const std::byte> data, deadline until = {}) {
        return socket_.send_some(data, until);
    }
    task<> write_all(std::span<const std::byte> data, deadline until = {});
    // Writes all of `request`, then reads what arrives of the reply (at least one byte, or 0 at
    // end of stream): the round trip of a request/response protocol. On io_uring it is one
    // reactor operation, so the request and the wait for its reply cost one system call; on the
    // other backends it is write_all() and read_some() without resuming the task in between.
    // The awaiter's sent() says how much of the request went out, also after an exception (keep
    // the awaiter in a variable to ask). Both buffers must stay valid until it is over.
    exchange_awaiter send_then_read(std::span<const std::byte> request, std::span<std::byte> reply,
                                    deadline until = {}) {
        return socket_.send_then_receive(request, reply, until);
    }
    // The same for text: `co_await stream.write_all("hello\n")`. Like `data`, the text must stay
    // valid until the returned task is awaited.
    task<> write_all(std::string_view text, deadline until = {}) {
        return write_all(std::as_bytes(std::span<const char>(text.data(), text.size())), until);
    }

    // Sends FIN: the peer reads end of stream; reading from this side still works.
    void shutdown_write();
    void close() noexcept { socket_.close(); }

    [[nodiscard]] address local_address() const;
    [[nodiscard]] address peer_address() const;
    // TCP_NODELAY: send small writes at once instead of coalescing them (Nagle's algorithm).
    void set_no_delay(bool enabled);
    [[nodiscard]] bool no_delay() const;
    // The options of socket_options.hpp (socket_option_error on failure).
    void set_keep_alive(const keep_alive_options& options);
    [[nodiscard]] keep_alive_options keep_alive() const;
    void set_receive_buffer_size(std::size_t bytes);
    [[nodiscard]] std::size_t receive_buffer_size() const;
    void set_send_buffer_size(std::size_t bytes);
    [[nodiscard]] std::size_t send_buffer_size() const;
    // 0 s: close() resets the connection; nullopt: the default graceful close.
    void set_linger(std::optional<std::chrono::seconds> timeout);
    [[nodiscard]] std::optional<std::chrono::seconds> linger() const;
    [[nodiscard]] native_handle_t native_handle() const noexcept { return socket_.native_handle(); }

private:
    io_object socket_;
};

} // namespace corio::net
CORIO_EXPORT_END
