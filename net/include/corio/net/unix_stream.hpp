// SPDX-License-Identifier: MIT
// unix_stream.hpp - a connected Unix domain stream socket: a byte stream to another process on
// the same host, named by a socket file (or, on Linux, an abstract name) instead of an IP port.
//
//     using corio::net::address;
//     auto stream = co_await corio::net::unix_stream::connect(address::unix_path("/run/app.sock"));
//     co_await stream.write_all("status\n");
//     std::size_t n = co_await stream.read_some(buffer);       // 0: the peer closed its side
//     corio::net::buffered_stream text{corio::net::unix_byte_stream{std::move(stream)}};
//
// asyncio's open_unix_connection. A class of its own rather than a tcp_stream that also takes
// Unix addresses: the two differ in what they offer (no TCP_NODELAY, no host names to resolve,
// no port) and a type that says "local IPC" keeps the TCP-only calls from being made on it. The
// I/O is the same code underneath: io_object and the reactor's receive/send/connect, with
// deadlines and cancellation as on tcp_stream. POSIX only: on Windows, connect() and
// unix_listener::bind() throw std::system_error with std::errc::address_family_not_supported.
// Not thread-safe: use a stream from tasks of the loop that created it.
#pragma once

#include <corio/net/address.hpp>
#include <corio/net/byte_stream.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio::net {

class unix_stream {
public:
    unix_stream() = default;
    // Adopts a connected socket (from unix_listener::accept, say).
    explicit unix_stream(io_object socket) noexcept
        : socket_(std::move(socket)) {}

    // Connects to the Unix domain address `peer` (usage_error for an IP address). Failures name
    // it: "connect to /run/app.sock: No such file or directory" (no socket file there),
    // "...: Connection refused" (a file, but nobody accepts on it).
    static task<unix_stream> connect(address peer,
                                     std::optional<event_loop::duration> timeout = {});

    [[nodiscard]] bool is_open() const noexcept { return socket_.is_open(); }

    // At least one byte, or 0 at end of stream.
    transfer_awaiter read_some(std::span<std::byte> buffer, deadline until = {}) {
        return socket_.receive_some(buffer, until);
    }
    transfer_awaiter write_some(std::span<const std::byte> data, deadline until = {}) {
        return socket_.send_some(data, until);
    }
    task<> write_all(std::span<const std::byte> data, deadline until = {});
    task<> write_all(std::string_view text, deadline until = {}) {
        return write_all(std::as_bytes(std::span<const char>(text.data(), text.size())), until);
    }

    // The peer reads end of stream; reading from this side still works.
    void shutdown_write();
    void close() noexcept { socket_.close(); }

    [[nodiscard]] address local_address() const;
    [[nodiscard]] address peer_address() const;
    [[nodiscard]] native_handle_t native_handle() const noexcept { return socket_.native_handle(); }

private:
    io_object socket_;
};

// A unix_stream as a byte_stream, for buffered_stream and the HTTP layer.
class unix_byte_stream final : public byte_stream {
public:
    explicit unix_byte_stream(unix_stream stream) noexcept
        : stream_(std::move(stream)) {}

    using byte_stream::write_all;

    task<std::size_t> read_some(std::span<std::byte> buffer, deadline until) override {
        co_return co_await stream_.read_some(buffer, until);
    }
    task<> write_all(std::span<const std::byte> data, deadline until) override {
        return stream_.write_all(data, until);
    }
    task<> shutdown_write(deadline /*until*/) override {
        stream_.shutdown_write(); // never waits, as on TCP
        co_return;
    }
    void close() noexcept override { stream_.close(); }
    [[nodiscard]] bool is_open() const noexcept override { return stream_.is_open(); }

    [[nodiscard]] unix_stream& stream() noexcept { return stream_; }

private:
    unix_stream stream_;
};

} // namespace corio::net
CORIO_EXPORT_END
