// SPDX-License-Identifier: MIT
// server.hpp - corio::http::server, a small HTTP/1.1 server that routes requests to coroutines.
//
//     corio::http::server app;
//     app.route("GET", "/hello", hello);   // hello: task<server_response>(server_request&)
//     app.listen(corio::net::address::loopback_v4(8080));
//     co_await app.serve();                // until app.stop()
//
// Every accepted connection is a task of its own; on it, requests are read (body included), handed
// to their handler and answered strictly in order, with keep-alive and pipelining (RFC 9112).
// Requests the server must refuse (malformed, too large, too slow) get their 4xx/5xx from the
// server itself, then the connection closes. With server_options::tls set it serves HTTPS: each
// connection first completes a TLS handshake, bounded by handshake_timeout, and one that stalls
// or fails costs only that connection. A client that closes or resets its connection while its
// handler runs gets that handler cancelled (cancelled_error at its next suspension point) and
// nothing written; see request_handler. Not thread-safe: use a server on the thread of the loop
// that was current at listen(), and destroy it before that loop.
#pragma once

#include <corio/http/headers.hpp>
#include <corio/net/address.hpp>
#include <corio/net/tls_context.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

CORIO_EXPORT_BEGIN
namespace corio::http {

struct server_request {
    std::string method; // as sent, case-sensitive ("GET")
    std::string target; // the request-target as sent ("/a/b?x=1")
    std::string path;   // "/a/b", not percent-decoded ("*" for "OPTIONS *")
    std::string query;  // "x=1", without the '?'
    int version_minor = 1;
    headers fields;
    headers trailers; // the trailer section of a chunked body, if any
    std::string body; // the whole body (Content-Length or chunked), already read and decoded
    net::address peer;
};

struct server_response {
    int status = 200;   // 200-999: informational (1xx) responses are the server's business
    std::string reason; // empty: the standard phrase for the status
    headers fields;     // Content-Length, Transfer-Encoding and Connection are set by the server
    std::string body;   // not sent for HEAD requests, 204 and 304

    // A text/plain; charset=utf-8 response.
    [[nodiscard]] static server_response text(int status, std::string body);
};

// Handles one request. The handler object is kept alive until the task it returned finishes, so
// a coroutine lambda may use its captures; `request` stays valid until then too.
// If the client leaves while the handler runs, the handler is cancelled, as Go cancels a
// request's context: a handler still running after 10 ms gets its connection watched (without
// reading from it), and end of stream or a reset there cancels the handler's task, closes the
// connection and writes nothing; the request counts as finished, not served. A client that only
// half-closes (shuts down its sending side and waits for the answer) cannot be told apart and is
// treated as gone, unless it had pipelined further requests before (`nc -N` sends everything,
// then its FIN): those requests are not watched. Bytes arriving meanwhile (a pipelined request, or
// under TLS any record, even close_notify) end the watch for that request: a client that pipelines
// and then leaves is not noticed until the server writes to it.
using request_handler = std::function<task<server_response>(server_request&)>;

// What a client may send before the server refuses the request and closes: 431 for a head over
// a limit, 414 for a request line over max_line_bytes (its target, in practice), 413 for too
// many bytes of chunk extensions.
struct request_limits {
    std::size_t max_head_bytes = 64 * 1024; // request line + header fields; also the trailers
    std::size_t max_header_count = 100;     // header fields; trailer fields count separately
    // Any one line, without its CRLF: the request line (414 beyond), a header field line (431),
    // a chunk-size or trailer line (431).
    std::size_t max_line_bytes = 8 * 1024;
    // All the chunk extensions (";name=value" after a chunk size) of one request body together;
    // 413 beyond. They mean nothing to the server, and many small chunks with long extensions
    // would otherwise cost parsing work without counting towards max_body_bytes.
    std::size_t max_chunk_extension_bytes = 4 * 1024;
};

struct server_options {
    request_limits limits{};
    std::size_t max_body_bytes = 8 * 1024 * 1024; // decoded body; 413 beyond
    // A connection with no request under way is closed silently after this long (keep-alive).
    event_loop::duration idle_timeout = std::chrono::seconds(15);
    // From a request's first byte until its head and body have arrived; 408 beyond.
    event_loop::duration read_timeout = std::chrono::seconds(30);
    // To send one response (or the interim 100 Continue); the connection is dropped beyond.
    event_loop::duration write_timeout = std::chrono::seconds(30);
    std::string server_name = "corio"; // the Server header; empty: none
    // Set to serve HTTPS: the certificate chain and key, e.g.
    //     options.tls = corio::net::tls_server_options::from_files("chain.pem", "key.pem");
    // ALPN accepts "http/1.1" only, whatever tls->alpn_protocols says: nothing else is spoken.
    std::optional<net::tls_server_options> tls;
    // HTTPS: from accepting a connection until its TLS handshake is done; dropped beyond.
    event_loop::duration handshake_timeout = std::chrono::seconds(10);
};

namespace detail {
struct server_state;
}

class server {
public:
    // Throws std::invalid_argument for an invalid server_name, net::tls_error if options.tls
    // names a certificate or key that cannot be used.
    explicit server(server_options options = {});
    // A server destroyed while serving stops accepting and cancels its connection tasks at once
    // (requests in flight get no response); serve() then returns once they have unwound.
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Exact match on the path (no decoding, no patterns); method "*" matches any method. A GET
    // route also answers HEAD, without the body. Registering a method and path again replaces
    // the handler. Throws std::invalid_argument for a method that is not a token or "*", a path
    // not starting with '/' (other than "*"), or an empty handler.
    void route(std::string method, std::string path, request_handler handler);

    // Binds now (port 0 picks a free one), so local_address() is valid before serve().
    // Throws std::system_error if the address cannot be bound, usage_error if called twice.
    void listen(const net::address& endpoint, int backlog = 512);
    // The bound address; throws usage_error before listen().
    [[nodiscard]] net::address local_address() const;

    // Accepts connections and serves each in its own task until stop(); then returns once every
    // connection has finished. (A connection the server closes after a response first waits,
    // up to 2 s, for the client to close its side, so that a TCP reset cannot destroy the
    // response: RFC 9112 §9.6.) Cancelling it cancels every connection and throws
    // cancelled_error once they have unwound. Throws usage_error if listen() was not called
    // (unless stop() was) or if it is already running.
    [[nodiscard]] task<> serve();

    // Graceful shutdown, safe to call at any time and more than once: stops accepting at once;
    // requests already under way are read, handled and answered (with "Connection: close");
    // connections waiting for a next request close now; no further request is read. With a
    // grace period, the connections still running when it ends are cancelled (their handlers
    // get cancelled_error, their clients no response) and serve() returns once they unwound; a
    // later stop() may shorten the period, never lengthen it.
    void stop(std::optional<event_loop::duration> grace = std::nullopt);

    [[nodiscard]] std::size_t connections_accepted() const noexcept;
    // Final responses written in full, including the ones the server generated (404, 400, ...).
    [[nodiscard]] std::size_t requests_served() const noexcept;
    [[nodiscard]] std::size_t open_connections() const noexcept;
    // Connections stop()'s grace period ended (0 until it has).
    [[nodiscard]] std::size_t connections_cancelled_after_grace() const noexcept;

private:
    // Connection tasks share it, so nothing they use dies with the server object.
    std::shared_ptr<detail::server_state> state_;
};

} // namespace corio::http
CORIO_EXPORT_END
