// SPDX-License-Identifier: MIT
// tls_stream: the driver of a TLS engine. The engine transforms bytes (tls_engine.hpp); this file
// does the I/O, moving ciphertext between the engine and the transport byte_stream.
//
// A read and a write may run at once, and each may need the other direction: a read can produce
// records to send (an alert, a key update), a write can need input (a post-handshake message the
// peer split across records). So both go through one pump: flush() writes whatever the engine has
// produced, receive() feeds it the transport's next bytes, and a task that finds the other doing
// the same waits for it to finish instead of writing or reading beside it. Waiting only happens
// when two tasks really overlap; the blocking client, which has one task and no loop, never
// waits.
#include <corio/net/tls_stream.hpp>

#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/sync/event.hpp>

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
// An idle stream keeps no bigger write buffer than this (one large write grows it to ~64 KiB).
constexpr std::size_t retained_sending = 32 * 1024;

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

} // namespace

struct tls_stream::pump {
    std::vector<std::byte> sending; // the records being written to the transport now
    bool flushing = false;          // a flush is writing to the transport
    bool receiving = false;         // a read from the transport is under way
    bool write_broken = false;      // a flush stopped part-way: the record stream is cut
    corio::event flushed;           // set whenever no flush is under way
    corio::event received;          // set whenever no read is under way
};

namespace {

// Marks one direction busy for as long as it lives, and wakes the tasks waiting for it after.
class busy_mark {
public:
    busy_mark(bool& busy, corio::event& idle) noexcept
        : busy_(busy)
        , idle_(idle) {
        busy_ = true;
        idle_.clear();
    }
    ~busy_mark() {
        busy_ = false;
        idle_.set();
    }
    busy_mark(const busy_mark&) = delete;
    busy_mark& operator=(const busy_mark&) = delete;

private:
    bool& busy_;
    corio::event& idle_;
};

} // namespace

tls_stream::tls_stream(std::unique_ptr<byte_stream> transport,
                       std::unique_ptr<detail::tls_engine> engine)
    : transport_(std::move(transport))
    , engine_(std::move(engine))
    , pump_(std::make_unique<pump>()) {}

tls_stream::tls_stream(tls_stream&& other) noexcept = default;
tls_stream& tls_stream::operator=(tls_stream&& other) noexcept = default;
tls_stream::~tls_stream() = default;

task<tls_stream> tls_stream::connect(std::unique_ptr<byte_stream> transport, tls_context context,
                                     tls_peer peer, deadline until) {
    tls_stream stream{std::move(transport), detail::make_tls_client_engine(context.impl(), peer)};
    co_await stream.handshake(until);
    co_return std::move(stream);
}

task<tls_stream> tls_stream::connect(std::string host, std::uint16_t port, tls_context context,
                                     std::optional<event_loop::duration> timeout) {
    deadline until;
    if (timeout) {
        until = event_loop::current().now() + *timeout;
    }
    tcp_stream tcp = co_await tcp_stream::connect(host, port, timeout);
    // Named, not built inside the co_await expression: g++ 12 destroys an aggregate temporary
    // there twice.
    tls_peer peer{std::move(host), port};
    std::unique_ptr<byte_stream> transport = std::make_unique<tcp_byte_stream>(std::move(tcp));
    co_return co_await connect(std::move(transport), std::move(context), std::move(peer), until);
}

task<tls_stream> tls_stream::accept(std::unique_ptr<byte_stream> transport, tls_context context,
                                    deadline until) {
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
        try {
            co_await receive(until);
        } catch (const cancelled_error&) {
            throw;
        } catch (...) {
            rethrow_handshake_transport_failure();
        }
    }
}

task<> tls_stream::flush(deadline until) {
    pump& shared = *pump_;
    for (;;) {
        if (shared.write_broken) {
            throw tls_error(tls_failure::protocol,
                            "protocol: an earlier write failed or was cancelled in the middle of "
                            "a record, so nothing more can be written on this connection");
        }
        if (!engine_->has_output()) {
            co_return;
        }
        if (shared.flushing) {
            // Another task is writing: its loop takes these records too. Wait for it to end,
            // then look again (it may have failed, or more may have come meanwhile).
            co_await shared.flushed.wait();
            continue;
        }
        const busy_mark writing{shared.flushing, shared.flushed};
        try {
            while (engine_->has_output()) {
                shared.sending.clear();
                engine_->take_output(shared.sending);
                co_await transport_->write_all(shared.sending, until);
            }
        } catch (...) {
            shared.write_broken = true; // some of the records may have gone out, some not
            throw;
        }
        shared.sending.clear();
        if (shared.sending.capacity() > retained_sending) {
            shared.sending.shrink_to_fit();
        }
        co_return;
    }
}

task<> tls_stream::receive(deadline until) {
    pump& shared = *pump_;
    if (shared.receiving) {
        // Another task is reading: what it receives goes to the engine, for both of us.
        co_await shared.received.wait();
        co_return;
    }
    const busy_mark reading{shared.receiving, shared.received};
    const std::size_t received =
        co_await transport_->read_some(engine_->input_space(receive_size), until);
    if (received == 0) {
        engine_->input_ended(); // the engine's next step says whether close_notify came first
    } else {
        engine_->input_received(received);
    }
}

task<std::size_t> tls_stream::read_some(std::span<std::byte> buffer, deadline until) {
    if (buffer.empty()) {
        co_return 0;
    }
    for (;;) {
        if (!engine_->has_buffered_input()) {
            // Nothing to decrypt: read() would only say so. Before waiting for the peer, send
            // what we produced - it may be waiting for that.
            co_await flush(until);
            co_await receive(until);
        }
        const detail::tls_read_result result = engine_->read(buffer);
        if (result.progress == detail::tls_progress::done) {
            // Anything the read produced (a key update, say) goes out with the next flush; data
            // already decrypted is never held back behind a write.
            co_return result.size;
        }
        if (result.progress == detail::tls_progress::closed) {
            co_return 0;
        }
        // Before waiting for the peer: it may be waiting for what we produced.
        co_await flush(until);
        co_await receive(until);
    }
}

task<> tls_stream::write_all(std::span<const std::byte> data, deadline until) {
    while (!data.empty()) {
        const detail::tls_write_result result =
            engine_->write(data.first(std::min(data.size(), write_chunk)));
        data = data.subspan(result.size);
        co_await flush(until);
        if (result.progress == detail::tls_progress::want_input) {
            co_await receive(until); // a post-handshake message is half in: the rest first
        }
    }
}

task<> tls_stream::shutdown_write(deadline until) {
    engine_->close_notify();
    co_await flush(until); // every record before it, then close_notify
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
