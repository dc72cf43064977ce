// SPDX-License-Identifier: MIT
// tcp_stream.hpp - a connected TCP socket with awaitable reads and writes.
//
//     auto stream = co_await corio::net::tcp_stream::connect("example.com", 80, 5s);
//     co_await stream.write_all(request_bytes);
//     std::size_t n = co_await stream.read_some(buffer);   // 0: the peer closed its side
//
// connect() by name resolves first (resolver.hpp) and tries every address in order, throwing the
// last error if none accepts. Every operation goes through the reactor (io_object), takes an
// optional deadline (timeout_error when it passes) and is cancellable. IPv4 and IPv6.
// Not thread-safe: use a stream from tasks of the loop that created it.
#pragma once

#include <corio/net/address.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/task.hpp>

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
    // Resolves `host` and connects to its addresses in order; `timeout` bounds each attempt.
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
    [[nodiscard]] native_handle_t native_handle() const noexcept { return socket_.native_handle(); }

private:
    io_object socket_;
};

} // namespace corio::net
CORIO_EXPORT_END
