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
#include "connection_pool.hpp"
#include "redirect_policy.hpp"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace corio::http {

namespace detail {

struct session_state {
    client_options options;
    std::shared_ptr<connection_pool> pool;
};

struct response_access {
    static response make(std::unique_ptr<client_exchange> exchange, const url& final_url,
                         std::vector<std::string> history) {
        response_head& head = exchange->head();
        const int status = head.status;
        const int version_minor = head.version_minor;
        std::string reason = std::move(head.reason);
        headers fields = std::move(head.fields);
        if (exchange->complete()) {
            exchange.reset(); // bodiless: the connection is back in the pool already
        }
        return response{status,    std::move(reason),  version_minor,      std::move(fields),
                        final_url, std::move(history), std::move(exchange)};
    }
};

namespace {

// A redirect's body is read and dropped to keep its connection, unless it is bigger than this.
constexpr std::size_t redirect_drain_limit = 64 * 1024;

std::string total_timeout_message(const client_timeouts& timeouts, const std::string& doing) {
    return "total timeout (" + describe_duration(*timeouts.total) + ") expired while " + doing;
}

// Resolves the host, then tries its addresses in order, each attempt bounded by the connect
// timeout or what is left of the total one, whichever is shorter.
task<std::unique_ptr<net::byte_stream>> connect_to(const url& target, const std::string& url_text,
                                                   const client_timeouts& timeouts,
                                                   std::optional<event_loop::time_point> total) {
    std::vector<net::address> candidates;
    try {
        candidates = co_await net::resolve(std::string(target.host()), target.port());
    } catch (const net::resolve_error& failure) {
        throw resolve_error(url_text, failure.what());
    }
    event_loop& loop = event_loop::current();
    if (total && *total <= loop.now()) {
        // getaddrinfo() cannot be interrupted, so a slow resolver is only caught here.
        throw timeout_error(
            url_text, total_timeout_message(timeouts, "resolving " + std::string(target.host())));
    }
    std::string last_failure;
    bool last_timed_out = false;
    for (const net::address& candidate : candidates) {
        const std::string peer = candidate.to_string();
        std::optional<event_loop::duration> attempt = timeouts.connect;
        bool bounded_by_total = false;
        if (total) {
            const event_loop::duration left = *total - loop.now();
            if (left <= event_loop::duration::zero()) {
                throw timeout_error(url_text,
                                    total_timeout_message(timeouts, "connecting to " + peer));
            }
            if (!attempt || left < *attempt) {
                attempt = left;
                bounded_by_total = true;
            }
        }
        try {
            net::tcp_stream stream = co_await net::tcp_stream::connect(candidate, attempt);
            co_return std::make_unique<net::tcp_byte_stream>(std::move(stream));
        } catch (const corio::timeout_error&) {
            if (bounded_by_total) {
                throw timeout_error(url_text,
                                    total_timeout_message(timeouts, "connecting to " + peer));
            }
            last_timed_out = true;
            last_failure = "connect timeout (" + describe_duration(*timeouts.connect) +
                           ") expired connecting to " + peer;
        } catch (const std::system_error& failure) {
            last_timed_out = false;
            last_failure = "cannot connect to " + peer + ": " + failure.code().message();
        }
    }
    if (last_timed_out) {
        throw timeout_error(url_text, last_failure);
    }
    throw connect_error(url_text, last_failure);
}

// Sends `request` and reads the response head. A request that fails on a pooled connection
// before any byte of the response arrived is retried once on a fresh connection if it is
// idempotent: the server most likely closed the idle connection as we reused it.
task<std::unique_ptr<client_exchange>> open_exchange(const session_state& state,
                                                     const client_request& request,
                                                     const exchange_settings& settings) {
    const std::string url_text = request.target.to_string();
    if (request.target.scheme() == "https") {
        throw tls_error(url_text, "TLS is not available in this build");
    }
    std::string head;
    try {
        head = serialize_request_head(request);
    } catch (const std::invalid_argument& failure) {
        throw error(error_kind::usage, url_text, failure.what());
    }
    const client_timeouts& timeouts = state.options.timeouts;
    pool_key key{std::string(request.target.scheme()), std::string(request.target.host()),
                 request.target.port()};
    connection_lease lease;
    try {
        lease = co_await state.pool->acquire(std::move(key), settings.total_deadline);
    } catch (const corio::timeout_error&) {
        throw timeout_error(url_text,
                            total_timeout_message(timeouts, "waiting for a free connection to " +
                                                                request.target.host_header()));
    }
    bool retried = false;
    while (true) {
        if (lease.stream() == nullptr) {
            lease.attach(
                co_await connect_to(request.target, url_text, timeouts, settings.total_deadline));
        }
        auto exchange =
            std::make_unique<client_exchange>(std::move(lease), request, url_text, settings);
        try {
            co_await exchange->send(head, request.body);
            co_await exchange->receive_head();
            co_return std::move(exchange);
        } catch (const connection_closed_error&) {
            if (retried || !exchange->reused() || exchange->received_any() ||
                !is_idempotent(request.method)) {
                throw;
            }
        }
        lease = exchange->take_slot();
        retried = true;
    }
}

task<response> perform(std::shared_ptr<session_state> state, std::string method,
                       std::string url_text, headers extra, std::string body) {
    if (!state) {
        throw corio::usage_error("request on a moved-from corio::http::client_session");
    }
    const client_options& options = state->options;
    exchange_settings settings;
    settings.read_timeout = options.timeouts.read;
    settings.total_timeout = options.timeouts.total;
    if (options.timeouts.total) {
        settings.total_deadline = event_loop::current().now() + *options.timeouts.total;
    }
    settings.limits.max_head_bytes = options.limits.max_head_bytes;
    settings.limits.max_header_count = options.limits.max_header_count;
    settings.limits.max_body_bytes = options.limits.max_body_bytes;

    client_request request{std::move(method), url::parse(url_text),
                           merge_fields(options.default_headers, extra), std::move(body)};
    std::vector<redirect_hop> hops;
    while (true) {
        std::unique_ptr<client_exchange> exchange =
            co_await open_exchange(*state, request, settings);
        const response_head& head = exchange->head();
        std::optional<client_request> next =
            follow_redirect(request, head.status, head.fields, hops, options.max_redirects);
        if (!next) {
            std::vector<std::string> history;
            history.reserve(hops.size());
            for (redirect_hop& hop : hops) {
                history.push_back(std::move(hop.url));
            }
            co_return response_access::make(std::move(exchange), request.target,
                                            std::move(history));
        }
        try {
            co_await exchange->drain(redirect_drain_limit);
        } catch (const timeout_error&) {
            throw; // the request's deadline passed: the next hop could not make it either
        } catch (const error&) {
            // Only the redirect's own body was broken; its connection is closed, the chain goes on.
        }
        hops.push_back(redirect_hop{request.method, request.target.to_string()});
        request = std::move(*next);
    }
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

// Not a coroutine: the URL view is copied now, so a temporary string may be passed.
task<response> client_session::request(std::string method, std::string_view url, headers extra,
                                       std::string body) {
    return detail::perform(state_, std::move(method), std::string(url), std::move(extra),
                           std::move(body));
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
