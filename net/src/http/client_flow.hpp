// SPDX-License-Identifier: MIT
// client_flow.hpp - what happens to a client request between the URL and the final response
// head, written once for both clients.
//
//   1. a slot on the origin's pool (waiting in line if max_connections_per_host are busy);
//   2. a pooled connection, or a new one: resolve, try the addresses in order (connect_plan),
//      and for https a TLS handshake that verifies the server (the connect timeout covers both);
//   3. the exchange: send the head and body, read up to the final head; an idempotent request
//      that failed on a stale pooled connection goes once more on a fresh one;
//   4. redirects: drain the 3xx's body (keeping its connection) and go back to 1 for the
//      Location, as redirect_policy says, until a response is final.
// The driver only supplies its I/O (client_transport): the async client its event loop, the
// blocking client its blocking sockets, whose awaits never suspend, so that it runs these same
// coroutines to the end with run_inline. Both get a `response` whose body is still to be read;
// the blocking client reads it at once. Not thread-safe: a session's requests share its core.
#pragma once

#include "client_transport.hpp"
#include "connection_pool.hpp"
#include "request_template.hpp"

#include <corio/http/client_options.hpp>
#include <corio/http/headers.hpp>
#include <corio/http/response.hpp>
#include <corio/net/tls_context.hpp>
#include <corio/runtime/task.hpp>

#include <memory>
#include <optional>
#include <string>

namespace corio::http::detail {

// A session's state, shared by its requests in flight (which keep it alive).
struct client_core {
    // Throws std::invalid_argument if max_connections_per_host is 0.
    client_core(client_options session_options, const client_transport& transport);

    client_options options;
    // options.default_headers plus what the session adds to every request (Accept-Encoding).
    headers default_fields;
    const client_transport& io;
    std::shared_ptr<connection_pool> pool;
    request_templates templates;
    // Made at the first https request, then shared by its connections (and its session cache).
    std::optional<net::tls_context> tls;
};

// `request` is the session's cached template for `method` and `url_spelling`, or null on a
// miss. Resolves once the final response head has arrived. Throws corio::http errors.
task<response> perform(std::shared_ptr<client_core> core,
                       std::shared_ptr<const request_template> request, std::string url_spelling,
                       std::string method, headers extra, std::string body);

} // namespace corio::http::detail
