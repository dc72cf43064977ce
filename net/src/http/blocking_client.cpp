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
#include "redirect_policy.hpp"
#include "request_deadlines.hpp"
#include "sys/blocking_socket.hpp"
#include "sys/socket_ops.hpp"

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace corio::http {

namespace detail {

using net::detail::blocking_socket;
using time_point = client_clock::time_point;

struct idle_connection {
    blocking_socket socket;
    time_point since;
};

struct blocking_state {
    client_options options;
    std::map<pool_key, std::deque<idle_connection>> idle; // per origin, oldest first
    std::size_t idle_count = 0;
    std::size_t opened = 0;

    // The most recent idle connection to `key`'s origin - the least likely to have been closed
    // by the server meanwhile - after closing every expired one. There is no timer to expire
    // them, so this is where it happens.
    std::optional<blocking_socket> checkout(const pool_key& key, time_point now) {
        close_expired(now);
        const auto found = idle.find(key);
        if (found == idle.end()) {
            return std::nullopt;
        }
        blocking_socket socket = std::move(found->second.back().socket);
        found->second.pop_back();
        --idle_count;
        if (found->second.empty()) {
            idle.erase(found);
        }
        return socket;
    }

    void checkin(const pool_key& key, blocking_socket socket, time_point now) {
        idle[key].push_back(idle_connection{std::move(socket), now});
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
// blocking calls. A body read to its end returns the connection to the pool if reusable; any
// other way out closes it.
class blocking_exchange {
public:
    blocking_exchange(blocking_state& state, pool_key key, blocking_socket socket, bool reused,
                      const client_request& request, std::string url_text,
                      const exchange_settings& settings)
        : state_(state)
        , key_(std::move(key))
        , socket_(std::move(socket))
        , core_(request, std::move(url_text), settings)
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
            } catch (const corio::timeout_error&) {
                core_.timed_out(until);
            } catch (const std::system_error& failure) {
                core_.io_failed(failure.code());
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
            received = socket_.read_some(core_.receive_buffer(), until.at);
        } catch (const corio::timeout_error&) {
            core_.timed_out(until);
        } catch (const std::system_error& failure) {
            core_.io_failed(failure.code());
        }
        core_.received(received);
    }

    // The message is complete: pool the connection if both sides allow it.
    void release() {
        if (core_.reusable() && socket_.is_open()) {
            state_.checkin(key_, std::move(socket_), client_clock::now());
        }
        socket_.close();
    }

    blocking_state& state_;
    pool_key key_;
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

// Sends `request` and reads the response head, retrying once on a fresh connection when
// retry_on_fresh_connection() allows it.
std::unique_ptr<blocking_exchange> open_exchange(blocking_state& state,
                                                 const client_request& request,
                                                 const exchange_settings& settings) {
    const std::string url_text = request.target.to_string();
    const std::string head = checked_request_head(request, url_text);
    const pool_key key{std::string(request.target.scheme()), std::string(request.target.host()),
                       request.target.port()};
    std::optional<blocking_socket> pooled = state.checkout(key, client_clock::now());
    bool retried = false;
    while (true) {
        const bool reused = pooled.has_value();
        blocking_socket socket;
        if (reused) {
            socket = std::move(*pooled);
            pooled.reset();
        } else {
            socket = connect_to(request.target, url_text, settings.deadlines);
            ++state.opened;
        }
        auto exchange = std::make_unique<blocking_exchange>(state, key, std::move(socket), reused,
                                                            request, url_text, settings);
        try {
            exchange->send(head, request.body);
            exchange->receive_head();
            return exchange;
        } catch (const connection_closed_error&) {
            if (!retry_on_fresh_connection(request, exchange->reused(), exchange->received_any(),
                                           retried)) {
                throw;
            }
        }
        retried = true;
    }
}

blocking_response perform(blocking_state& state, std::string method, std::string_view url_text,
                          const headers& extra, std::string body) {
    const client_options& options = state.options;
    const exchange_settings settings = make_exchange_settings(options, client_clock::now());
    client_request request{std::move(method), url::parse(url_text),
                           merge_fields(options.default_headers, extra), std::move(body)};
    redirect_chain chain{options.max_redirects};
    while (true) {
        std::unique_ptr<blocking_exchange> exchange = open_exchange(state, request, settings);
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
    }
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

blocking_response blocking_session::get(std::string_view url, headers extra) {
    return request("GET", url, std::move(extra));
}

blocking_response blocking_session::head(std::string_view url, headers extra) {
    return request("HEAD", url, std::move(extra));
}

blocking_response blocking_session::post(std::string_view url, std::string body, headers extra) {
    return request("POST", url, std::move(extra), std::move(body));
}

blocking_response blocking_session::request(std::string method, std::string_view url, headers extra,
                                            std::string body) {
    if (!state_) {
        throw corio::usage_error("request on a moved-from corio::http::blocking_session");
    }
    return detail::perform(*state_, std::move(method), url, extra, std::move(body));
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
