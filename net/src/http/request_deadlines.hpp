// SPDX-License-Identifier: MIT
// request_deadlines.hpp - a client request's timeouts as deadlines, and the words that name them.
//
// Both client drivers (async and blocking) make one per request from client_timeouts, which fixes
// the total deadline; each read or send then gets the earlier of it and "now + read timeout", and
// each connection attempt the shorter of the connect timeout and what is left of the total. When
// a deadline passes, the message says which timeout fired ("read timeout (100ms) expired: ...").
// The caller passes the time (the loop's clock or steady_clock), so nothing here needs an event
// loop. A plain value.
#pragma once

#include <corio/http/client.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace corio::http::detail {

// event_loop::clock, which the blocking client reads directly.
using client_clock = std::chrono::steady_clock;

// The deadline of one read or send, and which timeout set it.
struct io_deadline {
    std::optional<client_clock::time_point> at;
    bool is_total = false;
};

// "250ms", "30s", "5min": how the error messages name a timeout.
[[nodiscard]] std::string describe_duration(client_clock::duration duration);

class request_deadlines {
public:
    using time_point = client_clock::time_point;
    using duration = client_clock::duration;

    // The request starts at `start`: the total timeout runs from there.
    request_deadlines(const client_timeouts& timeouts, time_point start);

    [[nodiscard]] const client_timeouts& timeouts() const noexcept { return timeouts_; }
    [[nodiscard]] std::optional<time_point> total() const noexcept { return total_; }
    [[nodiscard]] bool total_passed(time_point now) const noexcept {
        return total_ && *total_ <= now;
    }

    // For a read or send starting at `now`.
    [[nodiscard]] io_deadline next_io(time_point now) const;
    // For a connection attempt starting at `now` (nullopt limit: unbounded). Check
    // total_passed() first: a total deadline already gone would give no time at all.
    struct connect_budget {
        std::optional<duration> limit;
        bool is_total = false;
    };
    [[nodiscard]] connect_budget connect_attempt(time_point now) const;

    // "read timeout (1min) expired: no data for that long while <doing>", or the total one's.
    [[nodiscard]] std::string expired(const io_deadline& fired, std::string_view doing) const;
    // "total timeout (5min) expired while <doing>"
    [[nodiscard]] std::string total_expired(std::string_view doing) const;
    // "connect timeout (30s) expired connecting to <peer>"
    [[nodiscard]] std::string connect_expired(std::string_view peer) const;
    // "connect timeout (30s) expired during <doing>"
    [[nodiscard]] std::string connect_expired_during(std::string_view doing) const;

private:
    client_timeouts timeouts_;
    std::optional<time_point> total_;
};

} // namespace corio::http::detail
