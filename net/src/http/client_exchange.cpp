// SPDX-License-Identifier: MIT
#include "client_exchange.hpp"

#include <corio/http/error.hpp>
#include <corio/runtime/error.hpp>

#include <chrono>
#include <span>
#include <system_error>
#include <utility>

namespace corio::http::detail {

namespace {

// Per receive: big enough that a bulk body arrives in few reads, small enough for thousands of
// concurrent responses.
constexpr std::size_t receive_size = 16 * 1024;
// Each slice of a large body gets its own read-timeout deadline, so a slow but moving upload is
// not cut off while a stalled one is.
constexpr std::size_t send_slice = 64 * 1024;
// Bodies up to this size are sent in the same write as the head.
constexpr std::size_t coalesce_limit = 16 * 1024;

} // namespace

std::string describe_duration(event_loop::duration duration) {
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

client_exchange::client_exchange(connection_lease lease, const client_request& request,
                                 std::string url_text, const exchange_settings& settings)
    : lease_(std::move(lease))
    , reader_(request.method, request_keeps_alive(request), settings.limits)
    , url_(std::move(url_text))
    , settings_(settings)
    , reused_(lease_.reused()) {}

client_exchange::io_deadline client_exchange::next_deadline() const {
    io_deadline until{settings_.total_deadline, true};
    if (settings_.read_timeout) {
        const event_loop::time_point idle_limit =
            event_loop::current().now() + *settings_.read_timeout;
        if (!until.at || idle_limit < *until.at) {
            until = {idle_limit, false};
        }
    }
    return until;
}

std::string client_exchange::timeout_message(const io_deadline& fired,
                                             std::string_view doing) const {
    if (fired.is_total) {
        const std::string limit =
            settings_.total_timeout ? " (" + describe_duration(*settings_.total_timeout) + ")" : "";
        return "total timeout" + limit + " expired while " + std::string(doing);
    }
    return "read timeout (" + describe_duration(*settings_.read_timeout) +
           ") expired: no data for that long while " + std::string(doing);
}

void client_exchange::fail(bool release_slot) noexcept {
    failed_ = true;
    lease_.close_connection();
    if (release_slot) {
        lease_.release(false);
    }
}

connection_lease client_exchange::take_slot() noexcept {
    lease_.close_connection();
    return std::move(lease_);
}

task<> client_exchange::receive(std::string_view doing) {
    const io_deadline until = next_deadline();
    std::size_t received = 0;
    try {
        received = co_await lease_.stream()->read_some(reader_.prepare(receive_size), until.at);
    } catch (const corio::timeout_error&) {
        throw http::timeout_error(url_, timeout_message(until, doing));
    } catch (const std::system_error& failure) {
        throw connection_closed_error(url_, "connection failed while " + std::string(doing) + ": " +
                                                failure.code().message());
    }
    if (received == 0) {
        reader_.eof();
    } else {
        reader_.commit(received);
    }
}

task<> client_exchange::send(std::string_view head, std::string_view body) {
    try {
        std::string coalesced;
        if (!body.empty() && body.size() <= coalesce_limit) {
            coalesced.reserve(head.size() + body.size());
            coalesced.append(head).append(body);
            head = coalesced;
            body = {};
        }
        for (std::string_view part : {head, body}) {
            while (!part.empty()) {
                const std::string_view slice = part.substr(0, send_slice);
                const io_deadline until = next_deadline();
                try {
                    co_await lease_.stream()->write_all(std::as_bytes(std::span(slice)), until.at);
                } catch (const corio::timeout_error&) {
                    throw http::timeout_error(url_, timeout_message(until, "sending the request"));
                } catch (const std::system_error& failure) {
                    throw connection_closed_error(url_,
                                                  "connection failed while sending the request: " +
                                                      failure.code().message());
                }
                part.remove_prefix(slice.size());
            }
        }
    } catch (...) {
        fail(false);
        throw;
    }
}

task<> client_exchange::receive_head() {
    try {
        while (reader_.next().event != reader_event::head) {
            co_await receive("waiting for the response head");
        }
        if (!reader_.expects_body()) {
            (void)reader_.next(); // the end of the message: nothing to read
            lease_.release(reader_.reusable());
        }
    } catch (error& failure) {
        if (failure.url().empty()) {
            failure.set_url(url_);
        }
        fail(false);
        throw;
    } catch (...) {
        fail(false);
        throw;
    }
}

task<std::optional<std::string_view>> client_exchange::next_piece() {
    if (failed_) {
        throw connection_closed_error(url_,
                                      "the response body is unavailable: an earlier read "
                                      "failed or was cancelled, and the connection was closed");
    }
    if (reader_.at_end()) {
        co_return std::nullopt;
    }
    try {
        while (true) {
            const response_reader::step step = reader_.next();
            if (step.event == reader_event::data) {
                co_return step.data;
            }
            if (step.event == reader_event::end) {
                lease_.release(reader_.reusable());
                co_return std::nullopt;
            }
            co_await receive("reading the response body");
        }
    } catch (error& failure) {
        if (failure.url().empty()) {
            failure.set_url(url_);
        }
        fail(true);
        throw;
    } catch (...) {
        fail(true);
        throw;
    }
}

task<> client_exchange::drain(std::size_t limit) {
    const body_framing& framing = reader_.framing();
    if (framing.kind == body_kind::content_length &&
        framing.length - reader_.body_bytes() > limit) {
        fail(true); // cheaper to open a new connection than to read all that
        co_return;
    }
    std::size_t dropped = 0;
    while (const std::optional<std::string_view> piece = co_await next_piece()) {
        dropped += piece->size();
        if (dropped > limit) {
            fail(true);
            co_return;
        }
    }
}

} // namespace corio::http::detail
