// SPDX-License-Identifier: MIT
// connect_race.hpp - Happy Eyeballs (RFC 8305, simplified): connect to the first of several
// addresses that answers, without letting a dead one cost a whole connect timeout.
//
// interleave_families() orders the resolver's answer as RFC 8305 section 4 says: IPv6 first,
// then the families alternate, each in the resolver's order. race_connections() then starts the
// first attempt, and the next one when the running ones have not succeeded within the Connection
// Attempt Delay (250 ms, section 5) or at once when one fails. The first success wins; the other
// attempts are cancelled and awaited until they have unwound, so their sockets are closed (and
// off the reactor) before the winner is returned. When every attempt failed, the caller gets
// each address with its error and makes its own message of them.
//
// Written once for tcp_stream::connect(host, port) and the async HTTP client, whose attempts
// return different things: the attempt itself is the caller's function, which also bounds its
// time. Needs a running loop (the attempts are tasks). Not thread-safe.
#pragma once

#include <corio/net/address.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/join_set.hpp>
#include <corio/runtime/task.hpp>
#include <corio/runtime/wait_for.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace corio::net::detail {

// RFC 8305's recommended Connection Attempt Delay.
inline constexpr std::chrono::milliseconds connection_attempt_delay{250};

// RFC 8305 section 4: IPv6 first, then IPv4, IPv6, ... while both last; each family keeps the
// order the resolver gave it.
std::vector<address> interleave_families(const std::vector<address>& addresses);

struct attempt_failure {
    address peer;
    std::exception_ptr error;
};

// "[::1]:80: Connection refused; 127.0.0.1:80: connect to 127.0.0.1:80 timed out"
std::string describe_failures(const std::vector<attempt_failure>& failures);

// Rethrows the failure of a single attempt as it was; for several, an exception of the last
// one's kind (corio::timeout_error if that was a timeout, std::system_error with its code
// otherwise) whose message names every address and its error.
[[noreturn]] void throw_connect_failures(const std::string& host,
                                         const std::vector<attempt_failure>& failures);

template <class Connection>
struct race_winner {
    Connection connection;
    address peer;
};

template <class Connection>
using attempt_function = std::function<task<Connection>(address)>;

namespace race_internals {

template <class Connection>
struct outcome {
    std::size_t index = 0;
    std::optional<Connection> connection;
    std::exception_ptr error;
};

// The attempt's failure is its result, not the task's: only cancellation ends it otherwise.
template <class Connection>
task<outcome<Connection>> run_attempt(const attempt_function<Connection>& attempt, address peer,
                                      std::size_t index) {
    outcome<Connection> result;
    result.index = index;
    try {
        result.connection.emplace(co_await attempt(peer));
    } catch (const cancelled_error&) {
        throw;
    } catch (...) {
        result.error = std::current_exception();
    }
    co_return result;
}

template <class Connection>
task<std::optional<join_handle<outcome<Connection>>>>
next_finished(join_set<outcome<Connection>>& attempts) {
    co_return co_await attempts.next();
}

} // namespace race_internals

// `failures` receives, in the order they failed, the attempts that failed; `ordered` is tried in
// its order (interleave it first). Returns nullopt when every address failed (or there was none).
template <class Connection>
task<std::optional<race_winner<Connection>>>
race_connections(std::vector<address> ordered, attempt_function<Connection> attempt,
                 std::vector<attempt_failure>& failures,
                 event_loop::duration attempt_delay = connection_attempt_delay) {
    using outcome = race_internals::outcome<Connection>;
    std::optional<race_winner<Connection>> winner;
    join_set<outcome> attempts;
    std::size_t started = 0;
    auto start_next = [&] {
        attempts.spawn(race_internals::run_attempt(attempt, ordered[started], started));
        ++started;
    };
    if (!ordered.empty()) {
        start_next();
    }
    // A cancelled race still closes its attempts before it ends (below): the cancellation is
    // held until then.
    std::exception_ptr cancelled;
    try {
        while (!attempts.empty()) {
            std::optional<join_handle<outcome>> done;
            if (started < ordered.size()) {
                try {
                    done =
                        co_await wait_for(race_internals::next_finished(attempts), attempt_delay);
                } catch (const corio::timeout_error&) {
                    start_next(); // nothing succeeded within the delay: the next address joins
                    continue;
                }
            } else {
                done = co_await race_internals::next_finished(attempts);
            }
            if (!done || done->cancelled()) {
                continue;
            }
            outcome finished = done->result();
            if (finished.connection) {
                winner.emplace(race_winner<Connection>{std::move(*finished.connection),
                                                       ordered[finished.index]});
                break;
            }
            failures.push_back(attempt_failure{ordered[finished.index], finished.error});
            if (started < ordered.size()) {
                start_next(); // a failure needs no delay: the next address goes at once
            }
        }
    } catch (const cancelled_error&) {
        cancelled = std::current_exception();
    }
    // The losers: cancelled, and awaited until they have unwound, so that their sockets are
    // closed now rather than whenever the loop gets to them. One that connected meanwhile is
    // dropped (closed) with its outcome.
    attempts.cancel();
    while (co_await race_internals::next_finished(attempts)) {
    }
    if (cancelled) {
        std::rethrow_exception(cancelled);
    }
    co_return winner;
}

} // namespace corio::net::detail
