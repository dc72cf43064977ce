// SPDX-License-Identifier: MIT
#include <corio/http/client.hpp>

#include <corio/http/error.hpp>
#include <corio/net/address.hpp>
#include <corio/net/byte_stream.hpp>
#include <corio/net/resolver.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/error.hpp>

#include "client_exchange.hpp"
#include "client_request.hpp"
#include "connect_plan.hpp"
#include "connection_pool.hpp"
#include "exchange_core.hpp"
#include "redirect_policy.hpp"
#include "request_deadlines.hpp"
#include "request_template.hpp"

#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace corio::http {

namespace detail {

struct session_state {
    client_options options;
    std::shared_ptr<connection_pool> pool;
    request_templates templates;
};

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

// Resolves the host, then tries its addresses in order (connect_plan bounds each attempt).
task<std::unique_ptr<net::byte_stream>> connect_to(const url& target, const std::string& url_text,
                                                   const request_deadlines& deadlines) {
    connect_plan plan{deadlines, url_text, std::string(target.host())};
    std::vector<net::address> candidates;
    try {
        candidates = co_await net::resolve(std::string(target.host()), target.port());
    } catch (const net::resolve_error& failure) {
        plan.resolve_failed(failure.what());
    }
    event_loop& loop = event_loop::current();
    plan.resolved(loop.now());
    for (const net::address& candidate : candidates) {
        const std::optional<event_loop::duration> limit = plan.attempt(candidate, loop.now());
        try {
            net::tcp_stream stream = co_await net::tcp_stream::connect(candidate, limit);
            co_return std::make_unique<net::tcp_byte_stream>(std::move(stream));
        } catch (const corio::timeout_error&) {
            plan.attempt_timed_out();
        } catch (const std::system_error& failure) {
            plan.attempt_failed(failure.code());
        }
    }
    plan.give_up();
}

// Sends `head` and `body` for `request` and reads the response head, retrying once on a fresh
// connection when retry_on_fresh_connection() allows it.
task<std::unique_ptr<client_exchange>>
open_exchange(const session_state& state, const std::shared_ptr<const request_template>& request,
              bool keeps_alive, std::string_view head, std::string_view body,
              const exchange_settings& settings) {
    connection_pool& pool = *state.pool;
    // Now, not settings.start: on a redirect hop the request began long ago.
    connection_lease lease = pool.try_acquire(request->origin, event_loop::current().now());
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
            lease.attach(
                co_await connect_to(request->target, request->url_text, settings.deadlines));
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
task<response> follow_redirects(session_state& state, std::shared_ptr<const request_template> first,
                                headers fields, std::string body,
                                std::unique_ptr<client_exchange> exchange,
                                const exchange_settings& settings) {
    client_request request{first->method, first->target, std::move(fields), std::move(body)};
    std::shared_ptr<const request_template> current = std::move(first);
    redirect_chain chain{state.options.max_redirects};
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
        request = std::move(*next);
        current = std::make_shared<const request_template>(request.method, request.target);
        const std::string next_head = checked_request_head(
            request.method, request.target, request.fields, request.body, current->url_text);
        exchange = co_await open_exchange(state, current, request_keeps_alive(request.fields),
                                          next_head, request.body, settings);
    }
    co_return response_access::make(std::move(exchange), url_of(std::move(current)),
                                    chain.history());
}

// `request` is the cached template for `method` and `url_spelling`, or null on a miss.
task<response> perform(std::shared_ptr<session_state> state,
                       std::shared_ptr<const request_template> request, std::string url_spelling,
                       std::string method, headers extra, std::string body) {
    if (!state) {
        throw corio::usage_error("request on a moved-from corio::http::client_session");
    }
    const client_options& options = state->options;
    const exchange_settings settings = make_exchange_settings(options, event_loop::current().now());
    if (!request) {
        request = state->templates.get(method, url_spelling);
    }
    const outgoing_request head(*request, options.default_headers, extra, body);
    std::unique_ptr<client_exchange> exchange = co_await open_exchange(
        *state, request, request_keeps_alive(head.fields()), head.text(), body, settings);
    const response_head& got = exchange->head();
    if (is_followed_redirect(got.status) && got.fields.contains("Location")) {
        co_return co_await follow_redirects(*state, std::move(request), head.fields(),
                                            std::move(body), std::move(exchange), settings);
    }
    co_return response_access::make(std::move(exchange), url_of(std::move(request)), {});
}

} // namespace
} // namespace detail

client_session::client_session(client_options options)
    : state_(std::make_shared<detail::session_state>()) {
    state_->pool = std::make_shared<detail::connection_pool>(options.max_connections_per_host,
                                                             options.pool_idle_timeout);
    state_->options = std::move(options);
}

client_session::client_session(client_session&& other) noexcept = default;

client_session& client_session::operator=(client_session&& other) noexcept {
    if (this != &other) {
        if (state_) {
            state_->pool->shut_down();
        }
        state_ = std::move(other.state_);
    }
    return *this;
}

client_session::~client_session() {
    if (state_) {
        state_->pool->shut_down();
    }
}

task<response> client_session::get(std::string_view url, headers extra) {
    return request("GET", url, std::move(extra));
}

task<response> client_session::head(std::string_view url, headers extra) {
    return request("HEAD", url, std::move(extra));
}

task<response> client_session::post(std::string_view url, std::string body, headers extra) {
    return request("POST", url, std::move(extra), std::move(body));
}

// Not a coroutine: the URL view is looked up, or else copied, now, so a temporary string may be
// passed.
task<response> client_session::request(std::string method, std::string_view url, headers extra,
                                       std::string body) {
    std::shared_ptr<const detail::request_template> known;
    if (state_) {
        known = state_->templates.find(method, url);
    }
    std::string spelling;
    if (!known) {
        spelling.assign(url);
    }
    return detail::perform(state_, std::move(known), std::move(spelling), std::move(method),
                           std::move(extra), std::move(body));
}

std::size_t client_session::connections_opened() const noexcept {
    return state_ ? state_->pool->connections_opened() : 0;
}

std::size_t client_session::idle_connections() const noexcept {
    return state_ ? state_->pool->idle_connections() : 0;
}

void client_session::close() noexcept {
    if (state_) {
        state_->pool->close_idle();
    }
}

} // namespace corio::http
