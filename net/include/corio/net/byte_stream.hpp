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
