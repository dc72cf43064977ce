// SPDX-License-Identifier: MIT
#include "request_deadlines.hpp"

#include <corio/runtime/event_loop.hpp>

#include <type_traits>

namespace corio::http::detail {

// The async driver's clock is the loop's, the blocking one's steady_clock: one type for both.
static_assert(std::is_same_v<client_clock, event_loop::clock>);

std::string describe_duration(client_clock::duration duration) {
    using std::chrono::duration_cast;
    const auto ms = duration_cast<std::chrono::milliseconds>(duration).count();
    if (ms > 0 && ms % 60'000 == 0) {
        return std::to_string(ms / 60'000) + "min";
    }
    if (ms > 0 && ms % 1'000 == 0) {
        return std::to_string(ms / 1'000) + "s";
    }
    if (ms > 0) {
        return std::to_string(ms) + "ms";
    }
    return std::to_string(duration_cast<std::chrono::microseconds>(duration).count()) + "us";
}

request_deadlines::request_deadlines(const client_timeouts& timeouts, time_point start)
    : timeouts_(timeouts) {
    if (timeouts.total) {
        total_ = start + *timeouts.total;
    }
}

io_deadline request_deadlines::next_io(time_point now) const {
    io_deadline until{total_, true};
    if (timeouts_.read) {
        const time_point idle_limit = now + *timeouts_.read;
        if (!until.at || idle_limit < *until.at) {
            until = {idle_limit, false};
        }
    }
    return until;
}

request_deadlines::connect_budget request_deadlines::connect_attempt(time_point now) const {
    connect_budget budget{timeouts_.connect, false};
    if (total_) {
        const duration left = *total_ - now;
        if (!budget.limit || left < *budget.limit) {
            budget = {left, true};
        }
    }
    return budget;
}

std::string request_deadlines::expired(const io_deadline& fired, std::string_view doing) const {
    if (fired.is_total) {
        return total_expired(doing);
    }
    return "read timeout (" + describe_duration(*timeouts_.read) +
           ") expired: no data for that long while " + std::string(doing);
}

std::string request_deadlines::total_expired(std::string_view doing) const {
    const std::string limit =
        timeouts_.total ? " (" + describe_duration(*timeouts_.total) + ")" : std::string();
    return "total timeout" + limit + " expired while " + std::string(doing);
}

std::string request_deadlines::connect_expired(std::string_view peer) const {
    return "connect timeout (" + describe_duration(*timeouts_.connect) +
           ") expired connecting to " + std::string(peer);
}

std::string request_deadlines::connect_expired_during(std::string_view doing) const {
    return "connect timeout (" + describe_duration(*timeouts_.connect) + ") expired during " +
           std::string(doing);
}

} // namespace corio::http::detail
