// SPDX-License-Identifier: MIT
#include "connect_plan.hpp"

#include <corio/http/error.hpp>

#include <utility>

namespace corio::http::detail {

connect_plan::connect_plan(const request_deadlines& deadlines, std::string url_text,
                           std::string host)
    : deadlines_(deadlines)
    , url_(std::move(url_text))
    , host_(std::move(host)) {}

void connect_plan::resolve_failed(const std::string& reason) const {
    throw resolve_error(url_, reason);
}

void connect_plan::resolved(time_point now) const {
    if (deadlines_.total_passed(now)) {
        throw timeout_error(url_, deadlines_.total_expired("resolving " + host_));
    }
}

std::optional<connect_plan::duration> connect_plan::attempt(const net::address& peer,
                                                            time_point now) {
    peer_ = peer.to_string();
    if (deadlines_.total_passed(now)) {
        throw timeout_error(url_, deadlines_.total_expired("connecting to " + peer_));
    }
    const request_deadlines::connect_budget budget = deadlines_.connect_attempt(now);
    bounded_by_total_ = budget.is_total;
    return budget.limit;
}

std::optional<connect_plan::duration> connect_plan::attempt_limit(time_point now) const {
    check_total(now, "connecting to " + host_);
    return deadlines_.connect_attempt(now).limit;
}

void connect_plan::check_total(time_point now, const std::string& doing) const {
    if (deadlines_.total_passed(now)) {
        throw timeout_error(url_, deadlines_.total_expired(doing));
    }
}

void connect_plan::record(std::string peer, const std::string& reason) {
    tried_.push_back(std::move(peer) + ": " + reason);
}

void connect_plan::attempt_timed_out() {
    if (bounded_by_total_) {
        throw timeout_error(url_, deadlines_.total_expired("connecting to " + peer_));
    }
    last_kind_ = failure_kind::timeout;
    last_failure_ = deadlines_.connect_expired(peer_);
    record(peer_, "connect timeout");
}

void connect_plan::attempt_timed_out(const net::address& peer) {
    peer_ = peer.to_string();
    bounded_by_total_ = false;
    attempt_timed_out();
}

void connect_plan::attempt_failed(const std::error_code& reason) {
    last_kind_ = failure_kind::connect;
    last_failure_ = "cannot connect to " + peer_ + ": " + reason.message();
    record(peer_, reason.message());
}

void connect_plan::attempt_failed(const net::address& peer, const std::error_code& reason) {
    peer_ = peer.to_string();
    attempt_failed(reason);
}

void connect_plan::give_up() const {
    std::string message = last_failure_;
    if (tried_.size() > 1) {
        message += " (every address failed: ";
        for (std::size_t i = 0; i < tried_.size(); ++i) {
            message += (i == 0 ? "" : "; ") + tried_[i];
        }
        message += ")";
    }
    switch (last_kind_) {
    case failure_kind::timeout:
        throw timeout_error(url_, message);
    case failure_kind::tls:
        throw tls_error(url_, message);
    case failure_kind::connect:
        break;
    }
    throw connect_error(url_, message);
}

void connect_plan::handshake_timed_out() {
    const std::string handshake = "the TLS handshake with " + peer_;
    if (bounded_by_total_) {
        throw timeout_error(url_, deadlines_.total_expired("in " + handshake));
    }
    last_kind_ = failure_kind::timeout;
    last_failure_ = deadlines_.connect_expired_during(handshake);
    record(peer_, "TLS handshake timeout");
}

void connect_plan::handshake_failed(const std::string& reason, bool final) {
    if (final) {
        throw tls_error(url_, reason);
    }
    last_kind_ = failure_kind::tls;
    last_failure_ = reason;
    record(peer_, reason);
}

} // namespace corio::http::detail
