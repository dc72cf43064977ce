// SPDX-License-Identifier: MIT
// tls_peers.hpp - TLS servers that misbehave on purpose, for the client side's error paths.
//
// misbehaving() and over_tls() are connection handlers for the scriptable raw_http_server (on the
// test's loop, or on a server_thread for the blocking client): the first reads the ClientHello,
// then stalls, resets, closes or answers with plain HTTP; the second completes the handshake
// and lets the test script what follows. legacy_tls_server is a real TLS server (OpenSSL
// directly, on a thread of its own) that speaks only TLS 1.0, which corio refuses. All listen on
// 127.0.0.1 at an ephemeral port. Not thread-safe.
#pragma once

#include "http/raw_http_server.hpp"

#include <corio/net/tls_context.hpp>
#include <corio/net/tls_stream.hpp>
#include <corio/runtime/task.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>

namespace corio_test::tls_peers {

enum behaviour : unsigned char {
    stall_after_hello, // says nothing until the client gives up
    reset_after_hello, // closes with a TCP reset (SO_LINGER 0)
    close_after_hello, // closes normally, mid-handshake
    answer_garbage,    // answers like a plain HTTP server
};

// A raw_http_server handler that reads the ClientHello, then misbehaves as `how` says, and
// returns once the client has gone.
[[nodiscard]] raw_http_server::handler misbehaving(behaviour how);

// A raw_http_server handler that completes a server handshake with `context` (kept by
// reference: it must outlive the server) and then hands the TLS stream to `then` - which may
// misbehave at the HTTP level, closing without close_notify, say.
using tls_handler = std::function<corio::task<>(corio::net::tls_stream&)>;
[[nodiscard]] raw_http_server::handler over_tls(const corio::net::tls_context& context,
                                                tls_handler then);

class legacy_tls_server {
public:
    legacy_tls_server();
    ~legacy_tls_server();
    legacy_tls_server(const legacy_tls_server&) = delete;
    legacy_tls_server& operator=(const legacy_tls_server&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

private:
    void run() noexcept;

    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace corio_test::tls_peers
