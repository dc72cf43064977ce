// SPDX-License-Identifier: MIT
#include "client_exchange.hpp"

#include <corio/http/error.hpp>

#include <span>
#include <utility>

namespace corio::http::detail {

client_exchange::client_exchange(connection_lease lease,
                                 std::shared_ptr<const request_template> request,
                                 bool request_keeps_alive, const exchange_settings& settings)
    : lease_(std::move(lease))
    , core_(std::move(request), request_keeps_alive, settings, lease_.take_buffer())
    , reused_(lease_.reused()) {}

void client_exchange::finish() noexcept {
    const bool reusable = core_.reusable();
    lease_.release(reusable, core_.take_buffer());
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

// Reads and sends are written out here rather than in helper coroutines: each would be one more
// coroutine frame per request.
task<> client_exchange::round_trip(std::string_view head, std::string_view body) {
    try {
        core_.start_sending(head, body);
        for (;;) {
            const std::string_view slice = core_.next_send_slice();
            if (slice.empty()) {
                break;
            }
            const io_deadline until = core_.next_deadline();
            if (core_.sending_last_slice()) {
                // The last slice and the first read of the response go as one round trip
                // (byte_stream::send_then_read): on io_uring the request and the wait for its
                // response are one system call, where a send and then a read cost two.
                std::size_t sent = 0;
                std::size_t received = 0;
                bool accounted = false;
                try {
                    received = co_await lease_.stream()->send_then_read(
                        std::as_bytes(std::span(slice)), core_.receive_space(), until.at, sent);
                } catch (...) {
                    core_.sent(sent); // so the error says which half failed
                    accounted = true;
                    if (sent < slice.size()) {
                        core_.rethrow_send_failure(until);
                    }
                    core_.absorb_read_failure(until); // if it returns: an end of stream
                }
                if (!accounted) {
                    core_.sent(sent);
                }
                core_.received(received);
                break;
            }
            try {
                co_await lease_.stream()->write_all(std::as_bytes(std::span(slice)), until.at);
            } catch (...) {
                core_.rethrow_send_failure(until);
            }
            core_.sent(slice.size());
        }
        while (core_.next().event != reader_event::head) {
            const io_deadline until = core_.next_deadline();
            std::size_t received = 0;
            try {
                received = co_await lease_.stream()->read_some(core_.receive_space(), until.at);
            } catch (...) {
                core_.absorb_read_failure(until); // if it returns: an end of stream
            }
            core_.received(received);
        }
        if (!core_.expects_body()) {
            (void)core_.next(); // the end of the message: nothing to read
            finish();
        }
    } catch (...) {
        fail(false);
        throw;
    }
}

bool client_exchange::next_buffered_piece(std::optional<std::string_view>& piece) {
    if (failed_) {
        throw connection_closed_error(core_.url(),
                                      "the response body is unavailable: an earlier read "
                                      "failed or was cancelled, and the connection was closed");
    }
    piece.reset();
    if (core_.at_end()) {
        return true;
    }
    try {
        const response_reader::step step = core_.next();
        if (step.event == reader_event::data) {
            piece = step.data;
            return true;
        }
        if (step.event == reader_event::end) {
            finish();
            return true;
        }
        return false;
    } catch (...) {
        fail(true);
        throw;
    }
}

task<std::optional<std::string_view>> client_exchange::read_piece() {
    try {
        while (true) {
            const io_deadline until = core_.next_deadline();
            std::size_t received = 0;
            try {
                received = co_await lease_.stream()->read_some(core_.receive_space(), until.at);
            } catch (...) {
                core_.absorb_read_failure(until); // if it returns: an end of stream
            }
            core_.received(received);
            const response_reader::step step = core_.next();
            if (step.event == reader_event::data) {
                co_return step.data;
            }
            if (step.event == reader_event::end) {
                finish();
                co_return std::nullopt;
            }
        }
    } catch (...) {
        fail(true);
        throw;
    }
}

task<> client_exchange::drain(std::size_t limit) {
    core_.skip_decoding();
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
