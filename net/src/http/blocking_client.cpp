// SPDX-License-Identifier: MIT
// The blocking driver: blocking sockets and a plain keep-alive pool around the same sans-I/O
// pieces client_session uses (exchange_core, connect_plan, redirect_chain, client_request).
#include <corio/http/blocking_client.hpp>

#include <corio/http/error.hpp>
#include <corio/net/address.hpp>
#include <corio/net/resolver.hpp>
#include <corio/runtime/error.hpp>

#include "client_request.hpp"
#include "connect_plan.hpp"
#include "connection_pool.hpp"
#include "exchange_core.hpp"
#include "receive_buffer.hpp"
#include "redirect_policy.hpp"
#include "request_deadlines.hpp"
#include "request_template.hpp"
#include "sys/blocking_socket.hpp"
#include "sys/socket_ops.hpp"

#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace corio::http {

namespace detail {

using net::detail::blocking_socket;
using time_point = client_clock::time_point;

struct idle_connection {
    blocking_socket socket;
    receive_buffer buffer; // kept for the connection's next exchange
    time_point since;
};

struct blocking_state {
    client_options options;
    request_templates templates;
    std::unordered_map<pool_key, std::deque<idle_connection>, pool_key_hash> idle; // oldest first
    std::size_t idle_count = 0;
    std::size_t opened = 0;

    // The most recent idle connection to `key`'s origin - the least likely to have been closed
    // by the server meanwhile - after closing every expired one. There is no timer to expire
    // them, so this is where it happens.
    std::optional<idle_connection> checkout(const pool_key& key, time_point now) {
        close_expired(now);
        const auto found = idle.find(key);
        if (found == idle.end() || found->second.empty()) {
            return std::nullopt;
        }
        idle_connection newest = std::move(found->second.back());
        found->second.pop_back();
        --idle_count;
        // An emptied entry stays: the connection normally comes back to it when the response
        // is read, and the next close_expired() drops the entry if it does not.
        return newest;
    }

    void checkin(const pool_key& key, blocking_socket socket, receive_buffer buffer,
                 time_point now) {
        buffer.recycle();
        idle[key].push_back(idle_connection{std::move(socket), std::move(buffer), now});
        ++idle_count;
    }

    void close_expired(time_point now) noexcept {
        for (auto it = idle.begin(); it != idle.end();) {
            std::deque<idle_connection>& connections = it->second;
            while (!connections.empty() &&
                   connections.front().since + options.pool_idle_timeout <= now) {
                connections.pop_front(); // closes it
                --idle_count;
            }
            it = connections.empty() ? idle.erase(it) : std::next(it);
        }
    }

    void close_idle() noexcept {
        idle.clear();
        idle_count = 0;
    }
};

struct blocking_response_access {
    static blocking_response make(response_head& head, const url& final_url,
                                  std::vector<std::string> history, std::string body) {
        return blocking_response{
            head.status, std::move(head.reason), head.version_minor, std::move(head.fields),
            final_url,   std::move(history),     std::move(body)};
    }
};

namespace {

// One request and its response on one connection: the I/O for an exchange_core, done with
// blocking calls. A body read to its end returns the connection, with its receive buffer, to
// the pool if reusable; any other way out closes it.
class blocking_exchange {
public:
    blocking_exchange(blocking_state& state, std::shared_ptr<const request_template> request,
                      bool request_keeps_alive, idle_connection connection, bool reused,
                      const exchange_settings& settings)
        : state_(state)
        , socket_(std::move(connection.socket))
        , core_(std::move(request), request_keeps_alive, settings, std::move(connection.buffer))
        , reused_(reused) {}

    void send(std::string_view head, std::string_view body) {
        core_.start_sending(head, body);
        for (;;) {
            const std::string_view slice = core_.next_send_slice();
            if (slice.empty()) {
                break;
            }
            const io_deadline until = core_.next_deadline(client_clock::now());
            try {
                socket_.write_all(std::as_bytes(std::span(slice)), until.at);
            } catch (...) {
                core_.rethrow_io_failure(until);
            }
            core_.sent(slice.size());
        }
    }

    // Until the final head has arrived; a response without a body is complete then.
    void receive_head() {
        while (core_.next().event != reader_event::head) {
            receive();
        }
        if (!core_.expects_body()) {
            (void)core_.next(); // the end of the message: nothing to read
            release();
        }
    }

    std::string read_body() {
        std::string body;
        body.reserve(core_.body_size_hint());
        while (const std::optional<std::string_view> piece = next_piece()) {
            body.append(*piece);
        }
        return body;
    }

    // Reads the rest of the body and drops it, so the connection can be reused; closes the
    // connection instead if more than `limit` bytes remain.
    void drain(std::size_t limit) {
        for (;;) {
            if (!core_.worth_draining(limit)) {
                socket_.close(); // cheaper to open a new connection than to read all that
                return;
            }
            if (!next_piece()) {
                return;
            }
        }
    }

    [[nodiscard]] response_head& head() noexcept { return core_.head(); }
    [[nodiscard]] bool reused() const noexcept { return reused_; }
    [[nodiscard]] bool received_any() const noexcept { return core_.received_any(); }

private:
    std::optional<std::string_view> next_piece() {
        if (core_.at_end()) {
            return std::nullopt;
        }
        for (;;) {
            const response_reader::step step = core_.next();
            if (step.event == reader_event::data) {
                return step.data;
            }
            if (step.event == reader_event::end) {
                release();
                return std::nullopt;
            }
            receive();
        }
    }

    void receive() {
        const io_deadline until = core_.next_deadline(client_clock::now());
        std::size_t received = 0;
        try {
            received = socket_.read_some(core_.receive_space(), until.at);
        } catch (...) {
            core_.rethrow_io_failure(until);
        }
        core_.received(received);
    }

    // The message is complete: pool the connection if both sides allow it.
    void release() {
        if (core_.reusable() && socket_.is_open()) {
            state_.checkin(core_.request().origin, std::move(socket_), core_.take_buffer(),
                           client_clock::now());
        }
        socket_.close();
    }

    blocking_state& state_;
    blocking_socket socket_; // closed by the destructor unless pooled
    exchange_core core_;
    bool reused_;
};

// net::resolve's rule without the loop: IP literals need no lookup.
std::vector<net::address> resolve_now(const std::string& host, std::uint16_t port) {
    if (const std::optional<net::address> literal = net::address::from_ip(host, port)) {
        return {*literal};
    }
    return net::detail::resolve_blocking(host, port);
}

// Resolves the host, then tries its addresses in order (connect_plan bounds each attempt).
blocking_socket connect_to(const url& target, const std::string& url_text,
                           const request_deadlines& deadlines) {
    const std::string host(target.host());
    connect_plan plan{deadlines, url_text, host};
    std::vector<net::address> candidates;
    try {
        candidates = resolve_now(host, target.port());
    } catch (const net::resolve_error& failure) {
        plan.resolve_failed(failure.what());
    }
    plan.resolved(client_clock::now());
    for (const net::address& candidate : candidates) {
        const time_point now = client_clock::now();
        const std::optional<client_clock::duration> limit = plan.attempt(candidate, now);
        std::optional<time_point> until;
        if (limit) {
            until = now + *limit;
        }
        try {
            return blocking_socket::connect(candidate, until);
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
std::unique_ptr<blocking_exchange>
open_exchange(blocking_state& state, const std::shared_ptr<const request_template>& request,
              bool keeps_alive, std::string_view head, std::string_view body,
              const exchange_settings& settings) {
    // Now, not settings.start: on a redirect hop the request began long ago, and a connection
    // that has expired since must not be handed out.
    std::optional<idle_connection> pooled = state.checkout(request->origin, client_clock::now());
    bool retried = false;
    while (true) {
        const bool reused = pooled.has_value();
        idle_connection connection{};
        if (reused) {
            connection = std::move(*pooled);
            pooled.reset();
        } else {
            connection.socket = connect_to(request->target, request->url_text, settings.deadlines);
            ++state.opened;
        }
        auto exchange = std::make_unique<blocking_exchange>(
            state, request, keeps_alive, std::move(connection), reused, settings);
        try {
            exchange->send(head, body);
            exchange->receive_head();
            return exchange;
        } catch (const connection_closed_error&) {
            if (!retry_on_fresh_connection(request->method, exchange->reused(),
                                           exchange->received_any(), retried)) {
                throw;
            }
        }
        retried = true;
    }
}

// The response to `exchange`'s request may redirect: follows the chain until a response is
// final, as client_session does.
blocking_response follow_redirects(blocking_state& state,
                                   const std::shared_ptr<const request_template>& first,
                                   const headers& fields, std::string body,
                                   std::unique_ptr<blocking_exchange> exchange,
                                   const exchange_settings& settings) {
    client_request request{first->method, first->target, fields, std::move(body)};
    redirect_chain chain{state.options.max_redirects};
    while (true) {
        response_head& head = exchange->head();
        std::optional<client_request> next = chain.follow(request, head.status, head.fields);
        if (!next) {
            std::string text = exchange->read_body();
            return blocking_response_access::make(head, request.target, chain.history(),
                                                  std::move(text));
        }
        try {
            exchange->drain(redirect_drain_limit);
        } catch (const error& failure) {
            if (ends_the_chain(failure)) {
                throw;
            }
        }
        request = std::move(*next);
        const auto current =
            std::make_shared<const request_template>(request.method, request.target);
        const std::string next_head = checked_request_head(
            request.method, request.target, request.fields, request.body, current->url_text);
        exchange = open_exchange(state, current, request_keeps_alive(request.fields), next_head,
                                 request.body, settings);
    }
}

blocking_response perform(blocking_state& state, std::string_view method, std::string_view url_text,
                          const headers& extra, std::string body) {
    const client_options& options = state.options;
    const exchange_settings settings = make_exchange_settings(options, client_clock::now());
    const std::shared_ptr<const request_template> request = state.templates.get(method, url_text);
    const outgoing_request head(*request, options.default_headers, extra, body);
    std::unique_ptr<blocking_exchange> exchange = open_exchange(
        state, request, request_keeps_alive(head.fields()), head.text(), body, settings);
    response_head& got = exchange->head();
    if (is_followed_redirect(got.status) && got.fields.contains("Location")) {
        return follow_redirects(state, request, head.fields(), std::move(body), std::move(exchange),
                                settings);
    }
    std::string text = exchange->read_body();
    return blocking_response_access::make(got, request->target, {}, std::move(text));
}

} // namespace
} // namespace detail

blocking_response::blocking_response(int status, std::string reason, int version_minor,
                                     headers fields, url final_url,
                                     std::vector<std::string> history, std::string body)
    : status_(status)
    , reason_(std::move(reason))
    , version_minor_(version_minor)
    , fields_(std::move(fields))
    , final_url_(std::move(final_url))
    , history_(std::move(history))
    , body_(std::move(body)) {}

blocking_session::blocking_session(client_options options)
    : state_(std::make_unique<detail::blocking_state>()) {
    if (options.max_connections_per_host == 0) {
        throw std::invalid_argument("max_connections_per_host must be at least 1");
    }
    state_->options = std::move(options);
}

blocking_session::blocking_session(blocking_session&& other) noexcept = default;
blocking_session& blocking_session::operator=(blocking_session&& other) noexcept = default;
blocking_session::~blocking_session() = default;

blocking_response blocking_session::get(std::string_view url, const headers& extra) {
    return request("GET", url, extra);
}

blocking_response blocking_session::head(std::string_view url, const headers& extra) {
    return request("HEAD", url, extra);
}

blocking_response blocking_session::post(std::string_view url, std::string body,
                                         const headers& extra) {
    return request("POST", url, extra, std::move(body));
}

blocking_response blocking_session::request(std::string_view method, std::string_view url,
                                            const headers& extra, std::string body) {
    if (!state_) {
        throw corio::usage_error("request on a moved-from corio::http::blocking_session");
    }
    return detail::perform(*state_, method, url, extra, std::move(body));
}

std::size_t blocking_session::connections_opened() const noexcept {
    return state_ ? state_->opened : 0;
}

std::size_t blocking_session::idle_connections() const noexcept {
    return state_ ? state_->idle_count : 0;
}

void blocking_session::close() noexcept {
    if (state_) {
        state_->close_idle();
    }
}

} // namespace corio::http
