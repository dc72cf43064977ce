// SPDX-License-Identifier: MIT
#include "client_exchange.hpp"

#include <corio/http/error.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>

#include <span>
#include <system_error>
#include <utility>

namespace corio::http::detail {

client_exchange::client_exchange(connection_lease lease, const client_request& request,
                                 std::string url_text, const exchange_settings& settings)
    : lease_(std::move(lease))
    , core_(request, std::move(url_text), settings)
    , reused_(lease_.reused()) {}

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

task<> client_exchange::receive() {
    const io_deadline until = core_.next_deadline(event_loop::current().now());
    std::size_t received = 0;
    try {
        received = co_await lease_.stream()->read_some(core_.receive_buffer(), until.at);
    } catch (const corio::timeout_error&) {
        core_.timed_out(until);
    } catch (const std::system_error& failure) {
        core_.io_failed(failure.code());
    }
    core_.received(received);
}

task<> client_exchange::send(std::string_view head, std::string_view body) {
    try {
        core_.start_sending(head, body);
        for (;;) {
            const std::string_view slice = core_.next_send_slice();
            if (slice.empty()) {
                break;
            }
            const io_deadline until = core_.next_deadline(event_loop::current().now());
            try {
                co_await lease_.stream()->write_all(std::as_bytes(std::span(slice)), until.at);
            } catch (const corio::timeout_error&) {
                core_.timed_out(until);
            } catch (const std::system_error& failure) {
                core_.io_failed(failure.code());
            }
            core_.sent(slice.size());
        }
    } catch (...) {
        fail(false);
        throw;
    }
}

task<> client_exchange::receive_head() {
    try {
        while (core_.next().event != reader_event::head) {
            co_await receive();
        }
        if (!core_.expects_body()) {
            (void)core_.next(); // the end of the message: nothing to read
            lease_.release(core_.reusable());
        }
    } catch (...) {
        fail(false);
        throw;
    }
}

task<std::optional<std::string_view>> client_exchange::next_piece() {
    if (failed_) {
        throw connection_closed_error(core_.url(),
                                      "the response body is unavailable: an earlier read "
                                      "failed or was cancelled, and the connection was closed");
    }
    if (core_.at_end()) {
        co_return std::nullopt;
    }
    try {
        while (true) {
            const response_reader::step step = core_.next();
            if (step.event == reader_event::data) {
                co_return step.data;
            }
            if (step.event == reader_event::end) {
                lease_.release(core_.reusable());
                co_return std::nullopt;
            }
            co_await receive();
        }
    } catch (...) {
        fail(true);
        throw;
    }
}

task<> client_exchange::drain(std::size_t limit) {
    for (;;) {
        if (!core_.worth_draining(limit)) {
            fail(true); // cheaper to open a new connection than to read all that
            co_return;
        }
        const std::optional<std::string_view> piece = co_await next_piece();
        if (!piece) {
            co_return;
        }
    }
}

} // namespace corio::http::detail
