// SPDX-License-Identifier: MIT
// tls_engine.hpp - the contract every TLS backend implements: TLS as a byte transformer, sans I/O.
//
// An engine never touches a socket. tls_stream (the driver) moves bytes between it and the
// transport: ciphertext that arrived goes into input_space() / input_received(), ciphertext to
// send comes out of take_output(). In between, handshake(), read() and write() run the protocol
// and say what they need next: more input, or nothing (done). This is the seam a completion-based
// reactor wants - IOCP and io_uring hand over filled buffers, they do not ask "may I read?" - and
// it keeps the TLS library out of the event loop entirely.
//
// Backends: openssl_engine.cpp (OpenSSL 3, built when CMake finds it) and no_tls_engine.cpp
// (builds without a TLS library: creating a context throws tls_failure::unavailable, so no engine
// is ever made). A backend defines tls_context_impl and the four factory functions below.
// Errors are tls_error (tls_error.hpp). One engine per connection; not thread-safe.
#pragma once

#include <corio/net/tls_context.hpp>
#include <corio/net/tls_error.hpp>
#include <corio/net/tls_stream.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace corio::net::detail {

// What an engine call needs next.
enum class tls_progress : unsigned char {
    done,       // the call finished (the handshake is complete; bytes were read or written)
    want_input, // feed more ciphertext from the peer, then call again
    closed,     // read(): the peer sent close_notify; no more data will come
};

struct tls_read_result {
    tls_progress progress;
    std::size_t size = 0; // plaintext bytes read, for done
};

struct tls_write_result {
    tls_progress progress; // done, or want_input with part (or none) of the data taken
    std::size_t size = 0;  // plaintext bytes taken into records
};

class tls_engine {
public:
    virtual ~tls_engine() = default;
    tls_engine(const tls_engine&) = delete;
    tls_engine& operator=(const tls_engine&) = delete;

    // ---- ciphertext in ----
    // Room for at least `size` bytes of input; read into it, then input_received().
    [[nodiscard]] virtual std::span<std::byte> input_space(std::size_t size) = 0;
    virtual void input_received(std::size_t size) noexcept = 0;
    // The transport reached its end: no more input will come.
    virtual void input_ended() noexcept = 0;
    // Whether read() could produce anything without more input: ciphertext not yet taken, a
    // record taken but not yet decrypted or delivered, or the end of the input to report. When
    // false, a driver goes straight to the transport instead of asking read() to say so.
    [[nodiscard]] virtual bool has_buffered_input() const noexcept = 0;

    // ---- ciphertext out ----
    [[nodiscard]] virtual bool has_output() const noexcept = 0;
    // Swaps the pending output into `into` (which must be empty), handing over its memory.
    virtual void take_output(std::vector<std::byte>& into) noexcept = 0;

    // ---- the protocol ----
    // Advances the handshake. Throws tls_error when it fails - usually after queueing the alert
    // that tells the peer why, so write any output before passing the error on.
    [[nodiscard]] virtual tls_progress handshake() = 0;
    // Decrypts into `buffer`: done with at least one byte, want_input, or closed.
    [[nodiscard]] virtual tls_read_result read(std::span<std::byte> buffer) = 0;
    // Encrypts `data` into records (output): all of it, unless the engine first needs input (a
    // post-handshake message the peer split across records is half in): then want_input, with
    // how much it took. After the handshake only.
    [[nodiscard]] virtual tls_write_result write(std::span<const std::byte> data) = 0;
    // Queues close_notify.
    virtual void close_notify() = 0;

    // ---- after the handshake ----
    [[nodiscard]] virtual std::string_view alpn_protocol() const noexcept = 0;
    [[nodiscard]] virtual tls_version version() const noexcept = 0;
    [[nodiscard]] virtual bool session_resumed() const noexcept = 0;

protected:
    tls_engine() = default;
};

// The backend's factories. A client engine verifies `peer` as `context` says.
[[nodiscard]] std::shared_ptr<tls_context_impl>
make_tls_client_context(const tls_client_options& options);
[[nodiscard]] std::shared_ptr<tls_context_impl>
make_tls_server_context(const tls_server_options& options);
// An engine keeps its context alive. Both throw usage_error when the context is for the
// other side.
[[nodiscard]] std::unique_ptr<tls_engine>
make_tls_client_engine(std::shared_ptr<tls_context_impl> context, const tls_peer& peer);
[[nodiscard]] std::unique_ptr<tls_engine>
make_tls_server_engine(std::shared_ptr<tls_context_impl> context);

// tls_context's queries, answered by the backend.
[[nodiscard]] bool tls_backend_available() noexcept;
[[nodiscard]] bool is_server_context(const tls_context_impl& context) noexcept;
[[nodiscard]] std::size_t cached_session_count(const tls_context_impl& context) noexcept;

} // namespace corio::net::detail
