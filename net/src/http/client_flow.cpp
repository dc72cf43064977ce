// SPDX-License-Identifier: MIT
#include "client_flow.hpp"

#include <corio/http/error.hpp>
#include <corio/net/address.hpp>
#include <corio/net/resolver.hpp>
#include <corio/net/tls_error.hpp>
#include <corio/net/tls_stream.hpp>
#include <corio/runtime/error.hpp>

#include "client_exchange.hpp"
#include "client_request.hpp"
#include "connect_plan.hpp"
#include "connect_race.hpp"
#include "content_decoder.hpp"
#include "exchange_core.hpp"
#include "redirect_policy.hpp"
#include "request_deadlines.hpp"

#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

namespace corio::http::detail {

client_core::client_core(client_options session_options, const client_transport& transport)
    : options(std::move(session_options))
    , default_fields(options.default_headers)
    , io(transport) {
    if (options.max_connections_per_host == 0) {
        throw std::invalid_argument("max_connections_per_host must be at least 1");
    }
    pool = std::make_shared<connection_pool>(options.max_connections_per_host,
                                             options.pool_idle_timeout, io);
    if (content_decoder::available() && !default_fields.contains("Accept-Encoding")) {
        default_fields.add("Accept-Encoding", content_decoder::accepted_codings);
    }
}

struct response_access {
    static response make(std::unique_ptr<client_exchange> exchange,
                         std::shared_ptr<const url> final_url, std::vector<std::string> history) {
        response_head& head = exchange->head();
        const int status = head.status;
        const int version_minor = head.version_minor;
        std::string reason = std::move(head.reason);
        headers fields = std::move(head.fields);
        if (exchange->complete()) {
            exchange.reset(); // bodiless: the connection is back in the pool already
        }
        return response{status,
                        std::move(reason),
                        version_minor,
                        std::move(fields),
                        std::move(final_url),
                        std::move(history),
                        std::move(exchange)};
    }
};

namespace {

// The template's URL, sharing its ownership: no copy.
std::shared_ptr<const url> url_of(std::shared_ptr<const request_template> request) {
    const url* target = &request->target;
    return {std::move(request), target};
}

// The session's TLS context, made at its first https request.
const net::tls_context& tls_context_of(client_core& core, const std::string& url_text) {
    if (!core.tls) {
        net::tls_client_options options = core.options.tls;
        options.alpn_protocols = {"http/1.1"}; // the one protocol this client speaks
        try {
            core.tls = net::tls_context::client(options);
        } catch (const net::tls_error& failure) {
            throw tls_error(url_text, failure.what());
        }
    }
    return *core.tls;
}

// A handshake failure the next address would repeat: the certificate is the server's, and so are
// the versions it speaks. Others (a reset, a timeout, a handshake broken off) may be this path's.
bool ends_the_plan(net::tls_failure failure) noexcept {
    switch (failure) {
    case net::tls_failure::untrusted_certificate:
    case net::tls_failure::expired_certificate:
    case net::tls_failure::hostname_mismatch:
    case net::tls_failure::protocol_version:
    case net::tls_failure::configuration:
    case net::tls_failure::unavailable:
        return true;
    case net::tls_failure::handshake_failure:
    case net::tls_failure::peer_reset:
    case net::tls_failure::truncated:
    case net::tls_failure::protocol:
        break;
    }
    return false;
}

// The TLS handshake on a connection to the plan's current peer, made at `started` with `limit`
// for the attempt: null when it failed in a way that lets the next address try (the plan has
// noted why); throws when the failure ends the plan.
task<std::unique_ptr<net::byte_stream>>
secure_connection(std::unique_ptr<net::byte_stream> stream, const net::tls_context& tls,
                  const url& target, connect_plan& plan, client_transport::time_point started,
                  std::optional<client_transport::duration> limit) {
    net::deadline until;
    if (limit) {
        until = started + *limit;
    }
    // Named, not a temporary in the co_await expression: g++ 12 destroys such temporaries
    // twice.
    net::tls_peer peer{std::string(target.host()), target.port()};
    try {
        net::tls_stream secured =
            co_await net::tls_stream::connect(std::move(stream), tls, std::move(peer), until);
        co_return std::make_unique<net::tls_stream>(std::move(secured));
    } catch (const corio::timeout_error&) {
        plan.handshake_timed_out();
    } catch (const net::tls_error& failure) {
        plan.handshake_failed(failure.what(), ends_the_plan(failure.failure()));
    } catch (const std::system_error& failure) {
        // Not a reset (that is a tls_error): the connection failed some other way.
        plan.handshake_failed("handshake failure: " + failure.code().message(), false);
    }
    co_return nullptr;
}

// One attempt of the race: its time is the plan's to give, from when it starts.
struct timed_connection {
    std::unique_ptr<net::byte_stream> stream;
    client_transport::time_point started;
    std::optional<client_transport::duration> limit;
};

task<timed_connection> timed_connect(const client_transport& io, const connect_plan& plan,
                                     net::address peer) {
    timed_connection made;
    made.started = io.now();
    made.limit = plan.attempt_limit(made.started);
    made.stream = co_await io.connect(peer, made.limit);
    co_return made;
}

// Tells the plan how an attempt of the race failed; throws if that ends the request.
void note_failure(connect_plan& plan, const client_transport& io, const url& target,
                  const net::detail::attempt_failure& failure) {
    try {
        std::rethrow_exception(failure.error);
    } catch (const corio::timeout_error&) {
        // The attempt's limit was the connect timeout, or what was left of the total one.
        plan.check_total(io.now(), "connecting to " + std::string(target.host()));
        plan.attempt_timed_out(failure.peer);
    } catch (const std::system_error& refused) {
        plan.attempt_failed(failure.peer, refused.code());
    }
}

void forget(std::vector<net::address>& addresses, const net::address& gone) {
    std::erase(addresses, gone);
}

// The async client: the addresses race (Happy Eyeballs, net/src/connect_race.hpp). After a
// handshake that failed in a way the next address may not repeat, the addresses not yet failed
// race again.
task<std::unique_ptr<net::byte_stream>> race_to(const client_transport& io, const url& target,
                                                const net::tls_context* tls, connect_plan& plan,
                                                std::vector<net::address> candidates) {
    std::vector<net::address> remaining = net::detail::interleave_families(candidates);
    const net::detail::attempt_function<timed_connection> attempt =
        [&io, &plan](net::address peer) { return timed_connect(io, plan, peer); };
    while (!remaining.empty()) {
        std::vector<net::detail::attempt_failure> failures;
        std::optional<net::detail::race_winner<timed_connection>> winner =
            co_await net::detail::race_connections(remaining, attempt, failures);
        for (const net::detail::attempt_failure& failure : failures) {
            note_failure(plan, io, target, failure);
            forget(remaining, failure.peer);
        }
        if (!winner) {
            break;
        }
        forget(remaining, winner->peer);
        timed_connection& made = winner->connection;
        if (tls == nullptr) {
            co_return std::move(made.stream);
        }
        (void)plan.attempt(winner->peer, made.started); // the handshake's errors name this peer
        std::unique_ptr<net::byte_stream> secured = co_await secure_connection(
            std::move(made.stream), *tls, target, plan, made.started, made.limit);
        if (secured) {
            co_return secured;
        }
    }
    plan.give_up();
}

// Resolves the host, then connects: the async client races the addresses (race_to); the
// blocking one, which has no loop to run attempts side by side, tries them in order, each
// bounded by connect_plan. For https, the handshake follows on the first connection made, within
// the same attempt's time.
task<std::unique_ptr<net::byte_stream>>
connect_to(client_core& core, const request_template& request, const request_deadlines& deadlines) {
    const url& target = request.target;
    const bool secure = target.scheme() == "https";
    // Before any I/O: a build without TLS, or a CA file that cannot be read, fails here.
    const net::tls_context* tls = secure ? &tls_context_of(core, request.url_text) : nullptr;
    const client_transport& io = core.io;
    connect_plan plan{deadlines, request.url_text, std::string(target.host())};
    std::vector<net::address> candidates;
    try {
        candidates = co_await io.resolve(std::string(target.host()), target.port());
    } catch (const net::resolve_error& failure) {
        plan.resolve_failed(failure.what());
    }
    plan.resolved(io.now());
    if (io.loop() != nullptr) {
        co_return co_await race_to(io, target, tls, plan, std::move(candidates));
    }
    for (const net::address& candidate : candidates) {
        const client_transport::time_point started = io.now();
        const std::optional<client_transport::duration> limit = plan.attempt(candidate, started);
        std::unique_ptr<net::byte_stream> stream;
        try {
            stream = co_await io.connect(candidate, limit);
        } catch (const corio::timeout_error&) {
            plan.attempt_timed_out();
            continue;
        } catch (const std::system_error& failure) {
            plan.attempt_failed(failure.code());
            continue;
        }
        if (tls == nullptr) {
            co_return stream;
        }
        std::unique_ptr<net::byte_stream> secured =
            co_await secure_connection(std::move(stream), *tls, target, plan, started, limit);
        if (secured) {
            co_return secured;
        }
    }
    plan.give_up();
}

// Sends `head` and `body` for `request` and reads the response head, retrying once on a fresh
// connection when retry_on_fresh_connection() allows it.
task<std::unique_ptr<client_exchange>>
open_exchange(client_core& core, const std::shared_ptr<const request_template>& request,
              bool keeps_alive, std::string_view head, std::string_view body,
              const exchange_settings& settings) {
    connection_pool& pool = *core.pool;
    // Now, not when the request began: on a redirect hop that was long ago, and a connection that
    // expired since must not be handed out.
    connection_lease lease = pool.try_acquire(request->origin, core.io.now());
    if (!lease.holds_slot()) {
        try {
            lease = co_await pool.acquire(request->origin, settings.deadlines.total());
        } catch (const corio::timeout_error&) {
            throw timeout_error(request->url_text, settings.deadlines.total_expired(
                                                       "waiting for a free connection to " +
                                                       request->target.host_header()));
        }
    }
    bool retried = false;
    while (true) {
        if (lease.stream() == nullptr) {
            lease.attach(co_await connect_to(core, *request, settings.deadlines));
        }
        auto exchange =
            std::make_unique<client_exchange>(std::move(lease), request, keeps_alive, settings);
        try {
            co_await exchange->round_trip(head, body);
            co_return std::move(exchange);
        } catch (const connection_closed_error&) {
            if (!retry_on_fresh_connection(request->method, exchange->reused(),
                                           exchange->received_any(), retried)) {
                throw;
            }
        }
        lease = exchange->take_slot();
        retried = true;
    }
}

// The response to `exchange`'s request may redirect: follows the chain until a response is
// final. A coroutine of its own, so that the common request, which is not redirected, does not
// carry the chain's state in its frame.
task<response> follow_redirects(client_core& core, std::shared_ptr<const request_template> first,
                                headers fields, std::string body,
                                std::unique_ptr<client_exchange> exchange,
                                const exchange_settings& settings) {
    client_request request{first->method, first->target, std::move(fields), std::move(body)};
    std::shared_ptr<const request_template> current = std::move(first);
    redirect_chain chain{core.options.max_redirects};
    while (true) {
        const response_head& head = exchange->head();
        std::optional<client_request> next = chain.follow(request, head.status, head.fields);
        if (!next) {
            break;
        }
        try {
            co_await exchange->drain(redirect_drain_limit);
        } catch (const error& failure) {
            if (ends_the_chain(failure)) {
                throw;
            }
        }
        exchange.reset(); // its slot is free for the next hop, to the same origin say
        request = std::move(*next);
        current = std::make_shared<const request_template>(request.method, request.target);
        const std::string next_head = checked_request_head(
            request.method, request.target, request.fields, request.body, current->url_text);
        exchange = co_await open_exchange(core, current, request_keeps_alive(request.fields),
                                          next_head, request.body, settings);
    }
    co_return response_access::make(std::move(exchange), url_of(std::move(current)),
                                    chain.history());
}

} // namespace

task<response> perform(std::shared_ptr<client_core> core,
                       std::shared_ptr<const request_template> request, std::string url_spelling,
                       std::string method, headers extra, std::string body) {
    if (!core) {
        throw corio::usage_error("request on a moved-from corio::http client session");
    }
    const exchange_settings settings = make_exchange_settings(core->options, core->io);
    if (!request) {
        request = core->templates.get(method, url_spelling);
    }
    const outgoing_request head(*request, core->default_fields, extra, body);
    std::unique_ptr<client_exchange> exchange = co_await open_exchange(
        *core, request, request_keeps_alive(head.fields()), head.text(), body, settings);
    const response_head& got = exchange->head();
    if (is_followed_redirect(got.status) && got.fields.contains("Location")) {
        co_return co_await follow_redirects(*core, std::move(request), head.fields(),
                                            std::move(body), std::move(exchange), settings);
    }
    co_return response_access::make(std::move(exchange), url_of(std::move(request)), {});
}

} // namespace corio::http::detail
