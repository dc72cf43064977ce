// SPDX-License-Identifier: MIT
// tls_stream: the driver of a TLS engine. The engine transforms bytes (tls_engine.hpp); this file
// does the I/O, moving ciphertext between the engine and the transport byte_stream.
#include <corio/net/tls_stream.hpp>

#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/error.hpp>

#include "tls_engine.hpp"

#include <algorithm>
#include <exception>
#include <system_error>
#include <utility>

namespace corio::net {

namespace {

// What one transport read asks for: a whole record fits.
constexpr std::size_t receive_size = 16 * 1024 + 512;
// Plaintext encrypted before the records are written: bounds the memory a large write takes.
constexpr std::size_t write_chunk = 64 * 1024;

bool is_reset(const std::error_code& code) noexcept {
    return code == std::errc::connection_reset || code == std::errc::broken_pipe ||
           code == std::errc::connection_aborted;
}

// A transport failure during the handshake: a reset is the peer refusing TLS, so it is a
// tls_error; anything else passes through unchanged.
[[noreturn]] void rethrow_handshake_transport_failure() {
    try {
        throw;
    } catch (const std::system_error& failure) {
        if (is_reset(failure.code())) {
            throw tls_error(tls_failure::peer_reset,
                            "peer reset: the connection was reset during the TLS handshake (" +
                                failure.code().message() + ")");
        }
        throw;
    }
}

// Clears the flushing flag however flush() ends.
class flush_guard {
public:
    explicit flush_guard(bool& flag) noexcept
        : flag_(flag) {
        flag_ = true;
    }
    ~flush_guard() { flag_ = false; }
    flush_guard(const flush_guard&) = delete;
    flush_guard& operator=(const flush_guard&) = delete;

private:
    bool& flag_;
};

} // namespace

tls_stream::tls_stream(std::unique_ptr<byte_stream> transport,
                       std::unique_ptr<detail::tls_engine> engine) noexcept
    : transport_(std::move(transport))
    , engine_(std::move(engine)) {}

tls_stream::tls_stream(tls_stream&& other) noexcept = default;
tls_stream& tls_stream::operator=(tls_stream&& other) noexcept = default;
tls_stream::~tls_stream() = default;

task<tls_stream> tls_stream::connect(std::unique_ptr<byte_stream> transport,
                                     const tls_context& context, tls_peer peer, deadline until) {
    tls_stream stream{std::move(transport), detail::make_tls_client_engine(context.impl(), peer)};
    co_await stream.handshake(until);
    co_return std::move(stream);
}

task<tls_stream> tls_stream::connect(std::string host, std::uint16_t port,
                                     const tls_context& context,
                                     std::optional<event_loop::duration> timeout) {
    deadline until;
    if (timeout) {
        until = event_loop::current().now() + *timeout;
    }
    tcp_stream tcp = co_await tcp_stream::connect(host, port, timeout);
    // Named, not a temporary in the co_await expression: g++ 12 destroys such temporaries twice.
    tls_peer peer{std::move(host), port};
    std::unique_ptr<byte_stream> transport = std::make_unique<tcp_byte_stream>(std::move(tcp));
    co_return co_await connect(std::move(transport), context, std::move(peer), until);
}

task<tls_stream> tls_stream::accept(std::unique_ptr<byte_stream> transport,
                                    const tls_context& context, deadline until) {
    tls_stream stream{std::move(transport), detail::make_tls_server_engine(context.impl())};
    co_await stream.handshake(until);
    co_return std::move(stream);
}

task<> tls_stream::handshake(deadline until) {
    for (;;) {
        detail::tls_progress progress = detail::tls_progress::want_input;
        std::exception_ptr failure;
        try {
            progress = engine_->handshake();
        } catch (const tls_error&) {
            failure = std::current_exception();
        }
        if (engine_->has_output()) {
            // The next flight - or, after a failure, the alert that tells the peer why.
            try {
                co_await flush(until);
            } catch (const cancelled_error&) {
                throw;
            } catch (...) {
                if (!failure) {
                    rethrow_handshake_transport_failure();
                }
                // Otherwise the handshake's own failure says more than the alert's fate.
            }
        }
        if (failure) {
            std::rethrow_exception(failure);
        }
        if (progress == detail::tls_progress::done) {
            co_return;
        }
        std::size_t received = 0;
        try {
            received = co_await transport_->read_some(engine_->input_space(receive_size), until);
        } catch (const cancelled_error&) {
            throw;
        } catch (...) {
            rethrow_handshake_transport_failure();
        }
        if (received == 0) {
            engine_->input_ended(); // the engine's next step reports how the handshake broke off
        } else {
            engine_->input_received(received);
        }
    }
}

task<> tls_stream::flush(deadline until) {
    if (flushing_) {
        co_return; // a flush under way writes these records too: it loops until none are left
    }
    const flush_guard guard{flushing_};
    while (engine_->has_output()) {
        sending_.clear();
        engine_->take_output(sending_);
        co_await transport_->write_all(sending_, until);
    }
    sending_.clear();
}

task<std::size_t> tls_stream::read_some(std::span<std::byte> buffer, deadline until) {
    if (buffer.empty()) {
        co_return 0;
    }
    for (;;) {
        const detail::tls_read_result result = engine_->read(buffer);
        if (engine_->has_output()) {
            co_await flush(until); // rare after the handshake: an alert, say
        }
        if (result.progress == detail::tls_progress::done) {
            co_return result.size;
        }
        if (result.progress == detail::tls_progress::closed) {
            co_return 0;
        }
        const std::size_t received =
            co_await transport_->read_some(engine_->input_space(receive_size), until);
        if (received == 0) {
            engine_->input_ended(); // the next read() says whether close_notify came first
        } else {
            engine_->input_received(received);
        }
    }
}

task<> tls_stream::write_all(std::span<const std::byte> data, deadline until) {
    while (!data.empty()) {
        const std::size_t size = std::min(data.size(), write_chunk);
        engine_->write(data.first(size));
        data = data.subspan(size);
        co_await flush(until);
    }
}

task<> tls_stream::shutdown_write(deadline until) {
    engine_->close_notify();
    co_await flush(until);
    co_await transport_->shutdown_write(until);
}

void tls_stream::close() noexcept {
    if (transport_) {
        transport_->close();
    }
}

bool tls_stream::is_open() const noexcept {
    return transport_ && transport_->is_open();
}

std::string_view tls_stream::alpn_protocol() const noexcept {
    return engine_->alpn_protocol();
}

tls_version tls_stream::version() const noexcept {
    return engine_->version();
}

bool tls_stream::session_resumed() const noexcept {
    return engine_->session_resumed();
}

} // namespace corio::net
