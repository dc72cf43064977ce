// SPDX-License-Identifier: MIT
// tls_stream.hpp - TLS over any byte_stream: the same reads and writes, encrypted and
// authenticated.
//
//     auto context = corio::net::tls_context::client();
//     corio::net::tls_stream tls = co_await corio::net::tls_stream::connect("example.com", 443,
//                                                                            context, 10s);
//     co_await tls.write_all("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
//
// The reactor does all the socket I/O; the TLS library only turns plaintext into records and
// back, through memory buffers (see docs/design.md, "TLS"). So a tls_stream runs on every
// reactor backend, wraps any byte_stream (a TCP connection, or the blocking client's socket),
// and is itself a byte_stream, so HTTP speaks through it unchanged. The handshake happens in
// connect() / accept(), bounded by their deadline; a failure throws tls_error saying which
// (tls_error.hpp). Afterwards reads and writes behave as on the transport: deadlines throw
// corio::timeout_error, the transport's own failures come through as they are, and everything is
// cancellable, the handshake included (cancelling closes the connection and frees everything).
// read_some() returns 0 once the peer sent close_notify; a transport that ends without one throws
// tls_error (tls_failure::truncated), because an attacker could have cut the data short. One
// read and one write may be in flight at once, as on a socket: what either produces for the
// other direction (an alert, a key update) goes out in order, and a write returns only once its
// records are written. A write that fails or is cancelled part-way through a record leaves the
// stream unwritable (tls_error). Not thread-safe otherwise.
#pragma once

#include <corio/net/byte_stream.hpp>
#include <corio/net/tls_context.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio::net {

namespace detail {
class tls_engine;
} // namespace detail

// Whom a client connects to: `name` is checked against the certificate and sent as SNI (unless
// it is an IP literal, which RFC 6066 leaves out of SNI); with `port` it keys the session cache.
struct tls_peer {
    std::string name;
    std::uint16_t port = 0;
};

class tls_stream final : public byte_stream {
public:
    tls_stream(tls_stream&& other) noexcept;
    tls_stream& operator=(tls_stream&& other) noexcept;
    tls_stream(const tls_stream&) = delete;
    tls_stream& operator=(const tls_stream&) = delete;
    ~tls_stream() override;

    // The client side of a handshake over `transport`, which must be connected to `peer`. The
    // context is taken by value (a shared handle): the task may start after the caller's is gone.
    static task<tls_stream> connect(std::unique_ptr<byte_stream> transport, tls_context context,
                                    tls_peer peer, deadline until = {});
    // Resolves `host`, connects over TCP and handshakes; `timeout` bounds all of it.
    static task<tls_stream> connect(std::string host, std::uint16_t port, tls_context context,
                                    std::optional<event_loop::duration> timeout = {});
    // The server side of a handshake over an accepted `transport`.
    static task<tls_stream> accept(std::unique_ptr<byte_stream> transport, tls_context context,
                                   deadline until = {});

    task<std::size_t> read_some(std::span<std::byte> buffer, deadline until) override;
    task<> write_all(std::span<const std::byte> data, deadline until) override;
    using byte_stream::write_all; // and write_all(std::string_view, deadline)
    // Sends close_notify, then ends the transport's write side; reading still works.
    task<> shutdown_write(deadline until) override;
    // Closes the transport at once, without close_notify (shutdown_write() first for a clean
    // end).
    void close() noexcept override;
    [[nodiscard]] bool is_open() const noexcept override;

    // Negotiated by the handshake:
    [[nodiscard]] std::string_view alpn_protocol() const noexcept; // empty without ALPN
    [[nodiscard]] tls_version version() const noexcept;
    [[nodiscard]] bool session_resumed() const noexcept;

    [[nodiscard]] byte_stream& transport() noexcept { return *transport_; }

private:
    struct pump;

    tls_stream(std::unique_ptr<byte_stream> transport, std::unique_ptr<detail::tls_engine> engine);

    // Drives the handshake to its end: the engine produces and consumes the flights.
    task<> handshake(deadline until);
    // Writes what the engine has produced, until it has nothing more (waiting for a flush another
    // task has under way, then writing what is left).
    task<> flush(deadline until);
    // Feeds the engine the transport's next bytes: reads them, or waits for the read another
    // task has under way, whose bytes serve both.
    task<> receive(deadline until);

    std::unique_ptr<byte_stream> transport_;
    std::unique_ptr<detail::tls_engine> engine_;
    std::unique_ptr<pump> pump_; // what a concurrent read and write share
};

} // namespace corio::net
CORIO_EXPORT_END
