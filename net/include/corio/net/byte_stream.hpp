// SPDX-License-Identifier: MIT
// byte_stream.hpp - the interface HTTP talks to: an ordered, reliable, connected byte stream.
//
// Plain TCP implements it today (tcp_byte_stream below); a TLS stream will implement it by
// wrapping a tcp_stream, and the HTTP client and server will not change. Reads and writes take
// an optional deadline (timeout_error once it passes) and are cancellable.
// Not thread-safe: use a stream from tasks of the loop that created it.
#pragma once

#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <memory>
#include <span>

namespace corio::net {

class byte_stream {
public:
    virtual ~byte_stream() = default;

    // At least one byte, or 0 once the peer has finished sending.
    virtual task<std::size_t> read_some(std::span<std::byte> buffer, deadline until) = 0;
    virtual task<> write_all(std::span<const std::byte> data, deadline until) = 0;
    // Sends end of stream (TCP FIN; TLS close_notify), keeping the read side open.
    virtual void shutdown_write() = 0;
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

    task<std::size_t> read_some(std::span<std::byte> buffer, deadline until) override {
        co_return co_await stream_.read_some(buffer, until);
    }
    task<> write_all(std::span<const std::byte> data, deadline until) override {
        return stream_.write_all(data, until);
    }
    void shutdown_write() override { stream_.shutdown_write(); }
    void close() noexcept override { stream_.close(); }
    [[nodiscard]] bool is_open() const noexcept override { return stream_.is_open(); }

    [[nodiscard]] tcp_stream& tcp() noexcept { return stream_; }

private:
    tcp_stream stream_;
};

} // namespace corio::net
