// SPDX-License-Identifier: MIT
// client_options.hpp - how an HTTP client session behaves: timeouts, limits, pooling, TLS and
// content decoding. Both clients take the same options (client_session, the async one, and
// blocking_session), and behave the same under them.
//
//     corio::http::client_options options;
//     options.timeouts.total = std::chrono::seconds(10);
//     options.tls.ca_file = "ca.pem";            // trust one more CA for https://
//     corio::http::client_session session{options};
//
// Plain values with the defaults a browser-like client wants; nullopt timeouts mean no limit.
#pragma once

#include <corio/http/headers.hpp>
#include <corio/net/tls_context.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/event_loop.hpp>

#include <chrono>
#include <cstddef>
#include <optional>

CORIO_EXPORT_BEGIN
namespace corio::http {

// Like aiohttp.ClientTimeout; nullopt means no limit.
struct client_timeouts {
    // The whole request: waiting for a connection, resolving, connecting, redirects, the head
    // and reading the body.
    std::optional<event_loop::duration> total = std::chrono::minutes(5);
    // Each connection attempt (a host with several addresses gets one attempt per address),
    // the TLS handshake of https included.
    std::optional<event_loop::duration> connect = std::chrono::seconds(30);
    // The idle time allowed between two received pieces (and while sending the request).
    std::optional<event_loop::duration> read = std::chrono::seconds(60);
};

// Beyond any of them a request fails with too_large_error.
struct client_limits {
    // Each response head (status line and fields; one line may take all of it), and the
    // trailer section of a chunked body.
    std::size_t max_head_bytes = 64 * 1024;
    std::size_t max_header_count = 100;
    // The body as delivered: after decoding, for a compressed one (whose encoded size counts
    // too), so a small compressed body cannot expand without bound.
    std::size_t max_body_bytes = 64 * 1024 * 1024;
    // All the chunk extensions (";name=value" after a chunk size) of one chunked body together:
    // the client ignores them, and a server could otherwise send them without end at no cost in
    // body bytes. (A chunk-size or trailer line is bounded at 8 KiB, not configurable.)
    std::size_t max_chunk_extension_bytes = 4 * 1024;
};

// What happens to a body the server compressed (Content-Encoding gzip or deflate).
enum class content_decoding : unsigned char {
    // Decoded as it arrives; the fields still say how it was sent. "Accept-Encoding: gzip,
    // deflate" goes with every request whose fields do not name Accept-Encoding themselves.
    decode,
    // Delivered exactly as received (to save a .gz as is, say); the same Accept-Encoding is sent.
    keep_encoded,
};

struct client_options {
    client_timeouts timeouts{};
    client_limits limits{};
    int max_redirects = 10;
    // At least 1. Requests beyond it wait for a connection to that origin to become free.
    std::size_t max_connections_per_host = 16;
    // Pooled connections idle for longer are closed.
    event_loop::duration pool_idle_timeout = std::chrono::seconds(15);
    // Sent with every request unless the request's own fields name the same header
    // (e.g. a User-Agent replacing the default "corio/" and the version, "corio/0.1.0").
    headers default_headers{};
    // For https:// URLs: whom to trust (the system's CAs by default, plus any added here) or,
    // explicitly, not to verify at all. ALPN offers "http/1.1" only, whatever
    // tls.alpn_protocols says: nothing else is spoken.
    net::tls_client_options tls{};
    content_decoding decoding = content_decoding::decode;
};

} // namespace corio::http
CORIO_EXPORT_END
