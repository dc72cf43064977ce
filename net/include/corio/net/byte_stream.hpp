// SPDX-License-Identifier: MIT
// byte_stream.hpp - the interface HTTP talks to: an ordered, reliable, connected byte stream.
//
// Plain TCP implements it (tcp_byte_stream below), and so does TLS (tls_stream.hpp), which wraps
// another byte_stream: the HTTP client and server speak to both alike. Reads, writes and the
// shutdown take an optional deadline (timeout_error once it passes) and are cancellable.
// Not thread-safe: use a stream from tasks of the loop that created it.
#pragma once

#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

CORIO_EXPORT_BEGIN
namespace corio::net {

class byte_stream {
public:
    virtual ~byte_stream() = default;

    // At least one byte, or 0 once the peer has finished sending.
    virtual task<std::size_t> read_some(std::span<std::byte> buffer, deadline until) = 0;
    virtual task<> write_all(std::span<const std::byte> data, deadline until) = 0;
    // The same for text: `co_await stream.write_all("hello\n")`. A class that overrides the
    // other write_all() brings this one along with `using byte_stream::write_all;`.
    task<> write_all(std::string_view text, deadline until = {}) {
        return write_all(std::as_bytes(std::span<const char>(text.data(), text.size())), until);
    }
    // A request/response round trip: writes all of `request`, then reads what arrives of the
    // reply into `reply` (at least one byte, or 0 once the peer has finished sending). `sent` is
    // set to how much of the request is known to have gone out, also when this throws, so the
    // caller can tell a failed request from a failed reply. By default write_all() then
    // read_some(); plain TCP overrides it with tcp_stream::send_then_read(), one reactor
    // operation (and one system call) on io_uring.
    virtual task<std::size_t> send_then_read(std::span<const std::byte> request,
                                             std::span<std::byte> reply, deadline until,
                                             std::size_t& sent) {
        co_await write_all(request, until);
        sent = request.size();
        co_return co_await read_some(reply, until);
    }
    // Sends end of stream (TCP FIN; TLS close_notify, then FIN), keeping the read side open.
    virtual task<> shutdown_write(deadline until) = 0;
    virtual void close() noexcept = 0;
    [[nodiscard]] virtual bool is_open() const noexcept = 0;

protected:
    byte_stream() = default;
    byte_stream(const byte_stream&) = default;
    byte_stream& operator=(const byte_stream&) = default;
};

class tcp_byte_stream final : public byte_stream {
public:
    explicit tcp_byte_stream(tcp_stream stream) noexcept
        : stream_(std::move(stream)) {}

    using byte_stream::write_all;

    task<std::size_t> read_some(std::span<std::byte> buffer, deadline until) override {
        co_return co_await stream_.read_some(buffer, until);
    }
    task<> write_all(std::span<const std::byte> data, deadline until) override {
        return stream_.write_all(data, until);
    }
    task<std::size_t> send_then_read(std::span<const std::byte> request, std::span<std::byte> reply,
                                     deadline until, std::size_t& sent) override {
        exchange_awaiter exchanging = stream_.send_then_read(request, reply, until);
        try {
            const std::size_t received = co_await exchanging;
            sent = exchanging.sent();
            co_return received;
        } catch (...) {
            sent = exchanging.sent();
            throw;
        }
    }
    task<> shutdown_write(deadline /*until*/) override {
        stream_.shutdown_write(); // never waits: the FIN queues behind the data already sent
        co_return;
    }
    void close() noexcept override { stream_.close(); }
    [[nodiscard]] bool is_open() const noexcept override { return stream_.is_open(); }

    [[nodiscard]] tcp_stream& tcp() noexcept { return stream_; }

private:
    tcp_stream stream_;
};

} // namespace corio::net
CORIO_EXPORT_END
