// SPDX-License-Identifier: MIT
// connect_plan.hpp - how a client reaches an origin, minus the I/O: resolve the host, then try
// its addresses in order until one accepts, then (https) the TLS handshake.
//
// The driver resolves and connects and reports each outcome here; the plan says how long each
// attempt may take (the connect timeout or what is left of the total one, whichever is shorter;
// a TLS handshake shares its attempt's time) and turns failures into the request's error:
// resolve_error, timeout_error naming the timeout that fired, connect_error with the last
// address's reason, or tls_error; when several addresses failed, the message goes on to list
// each one's error. Every error carries the request's URL. A TLS failure about the
// certificate or the protocol version ends the plan (the next address would present the same
// certificate); one that may be the path's fault (a timeout, a reset, a broken-off handshake)
// lets the next address try, as a refused connection does. One plan per connection; not
// thread-safe.
#pragma once

#include "request_deadlines.hpp"

#include <corio/net/address.hpp>

#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace corio::http::detail {

class connect_plan {
public:
    using time_point = request_deadlines::time_point;
    using duration = request_deadlines::duration;

    // `deadlines` must outlive the plan.
    connect_plan(const request_deadlines& deadlines, std::string url_text, std::string host);

    // Resolution failed with `reason` (net::resolve_error's what()): throws resolve_error.
    [[noreturn]] void resolve_failed(const std::string& reason) const;
    // Resolution finished at `now`. getaddrinfo() cannot be interrupted, so a slow resolver is
    // only caught here: throws timeout_error if the total deadline passed meanwhile.
    void resolved(time_point now) const;

    // Before trying `peer` at `now`: how long the attempt may take (nullopt: unbounded). Throws
    // timeout_error if the total deadline has passed.
    [[nodiscard]] std::optional<duration> attempt(const net::address& peer, time_point now);
    // The attempt ran out of time: throws timeout_error if that was the total deadline, otherwise
    // remembers it and the driver tries the next address.
    void attempt_timed_out();
    // The attempt failed (refused, unreachable...); the driver tries the next address.
    void attempt_failed(const std::error_code& reason);
    // The async client races its addresses (net/src/connect_race.hpp), so several attempts run
    // at once and report out of turn: these take the address with them instead of keeping it
    // between attempt() and the outcome. attempt_limit() is attempt() without that state.
    [[nodiscard]] std::optional<duration> attempt_limit(time_point now) const;
    void attempt_timed_out(const net::address& peer);
    void attempt_failed(const net::address& peer, const std::error_code& reason);
    // Throws the total timeout's timeout_error, for `doing`, if it has passed at `now`.
    void check_total(time_point now, const std::string& doing) const;

    // Every address failed: throws the last one's error (timeout_error, tls_error or
    // connect_error).
    [[noreturn]] void give_up() const;

    // The TLS handshake after the attempt's TCP connection ran out of the attempt's time: throws
    // timeout_error if that was the total deadline, otherwise the next address is tried.
    void handshake_timed_out();
    // The TLS handshake failed with `reason` (net::tls_error's what()): throws tls_error if
    // `final`, otherwise remembers it and the next address is tried.
    void handshake_failed(const std::string& reason, bool final);

private:
    const request_deadlines& deadlines_;
    std::string url_;
    std::string host_;
    std::string peer_;
    bool bounded_by_total_ = false;
    enum class failure_kind : unsigned char { connect, timeout, tls };
    std::string last_failure_ = "no address to connect to";
    failure_kind last_kind_ = failure_kind::connect;
    // "peer: reason" of every failed address, for the message when several failed.
    std::vector<std::string> tried_;
    void record(std::string peer, const std::string& reason);
};

} // namespace corio::http::detail
