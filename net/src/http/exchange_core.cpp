// SPDX-License-Identifier: MIT
#include "exchange_core.hpp"

#include <corio/http/error.hpp>
#include <corio/net/tls_error.hpp>
#include <corio/runtime/error.hpp>

#include <algorithm>
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
// The most body_size_hint() suggests reserving.
constexpr std::uint64_t max_reservation = 1024 * 1024;

} // namespace

exchange_settings make_exchange_settings(const client_options& options,
                                         const client_transport& io) {
    reader_limits limits;
    limits.max_head_bytes = options.limits.max_head_bytes;
    limits.max_header_count = options.limits.max_header_count;
    limits.max_body_bytes = options.limits.max_body_bytes;
    limits.max_chunk_extension_bytes = options.limits.max_chunk_extension_bytes;
    return exchange_settings{request_deadlines{options.timeouts, io.now()}, limits, &io, io.loop(),
                             options.decoding == content_decoding::decode};
}

exchange_core::exchange_core(std::shared_ptr<const request_template> request,
                             bool request_keeps_alive, const exchange_settings& settings,
                             receive_buffer buffer)
    : request_(std::move(request))
    , reader_(request_->method, request_keeps_alive, settings.limits, std::move(buffer))
    , settings_(settings) {}

void exchange_core::start_sending(std::string_view head, std::string_view body) {
    if (!body.empty() && body.size() <= coalesce_limit) {
        coalesced_.clear();
        coalesced_.reserve(head.size() + body.size());
        coalesced_.append(head).append(body);
        head = coalesced_;
        body = {};
    }
    pending_[0] = head;
    pending_[1] = body;
    sending_ = 0;
    sent(0); // skips the empty parts
}

std::string_view exchange_core::next_send_slice() const noexcept {
    return sending_ < 2 ? pending_[sending_].substr(0, send_slice) : std::string_view();
}

void exchange_core::sent(std::size_t size) noexcept {
    if (sending_ < 2) {
        pending_[sending_].remove_prefix(size);
    }
    while (sending_ < 2 && pending_[sending_].empty()) {
        ++sending_;
    }
}

bool exchange_core::sending_last_slice() const noexcept {
    return sending_ < 2 && pending_[sending_].size() <= send_slice &&
           (sending_ == 1 || pending_[1].empty());
}

std::span<std::byte> exchange_core::receive_space() {
    return reader_.prepare(receive_size);
}

void exchange_core::received(std::size_t size) noexcept {
    if (size == 0) {
        reader_.eof();
    } else {
        reader_.commit(size);
    }
}

response_reader::step exchange_core::next() {
    try {
        if (decoder_) {
            return next_decoded();
        }
        const response_reader::step step = reader_.next();
        if (step.event == reader_event::head) {
            head_received_ = true;
            if (settings_.decode_content && reader_.content_encoded() && reader_.expects_body()) {
                decoder_ =
                    content_decoder::for_response(reader_.head().status, reader_.head().fields);
            }
        }
        return step;
    } catch (error& failure) {
        // The reader never sees the URL; the request's is the one to report.
        if (failure.url().empty()) {
            failure.set_url(url());
        }
        throw;
    }
}

response_reader::step exchange_core::next_decoded() {
    for (;;) {
        const std::string_view decoded = decoder_->next();
        if (!decoded.empty()) {
            // Checked piece by piece, each at most content_decoder::output_piece bytes: a bomb
            // stops here after bounded work.
            if (decoded.size() > settings_.limits.max_body_bytes - decoded_bytes_) {
                throw too_large_error({}, "decoded response body exceeds the limit of " +
                                              std::to_string(settings_.limits.max_body_bytes) +
                                              " bytes");
            }
            decoded_bytes_ += decoded.size();
            return {reader_event::data, decoded};
        }
        const response_reader::step step = reader_.next();
        if (step.event == reader_event::data) {
            decoder_->feed(step.data);
            continue;
        }
        if (step.event == reader_event::end) {
            decoder_->finish();
        }
        return step;
    }
}

io_deadline exchange_core::next_deadline() const {
    const client_clock::time_point now =
        settings_.loop != nullptr ? settings_.loop->now() : settings_.io->now();
    return settings_.deadlines.next_io(now);
}

void exchange_core::timed_out(const io_deadline& fired) const {
    throw timeout_error(url(), settings_.deadlines.expired(fired, activity()));
}

void exchange_core::io_failed(const std::error_code& reason) const {
    throw connection_closed_error(url(), "connection failed while " + std::string(activity()) +
                                             ": " + reason.message());
}

void exchange_core::tls_failed(const std::exception& failure) const {
    throw tls_error(url(), failure.what());
}

void exchange_core::rethrow_send_failure(const io_deadline& until) const {
    try {
        throw;
    } catch (const corio::timeout_error&) {
        timed_out(until);
    } catch (const std::system_error& failure) {
        io_failed(failure.code());
    } catch (const net::tls_error& failure) {
        tls_failed(failure);
    }
}

void exchange_core::absorb_read_failure(const io_deadline& until) const {
    try {
        throw;
    } catch (const net::tls_error& failure) {
        const bool body_until_close =
            head_received_ && reader_.framing().kind == body_kind::until_close;
        if (failure.failure() != net::tls_failure::truncated || body_until_close) {
            tls_failed(failure);
        }
        // An unclean close where the framing tells the end anyway: an end of stream.
    } catch (...) {
        rethrow_send_failure(until);
    }
}

std::string_view exchange_core::activity() const noexcept {
    if (sending_ < 2) {
        return "sending the request";
    }
    return head_received_ ? "reading the response body" : "waiting for the response head";
}

std::size_t exchange_core::body_size_hint() const noexcept {
    const body_framing& framing = reader_.framing();
    if (framing.kind != body_kind::content_length) {
        return 0;
    }
    return static_cast<std::size_t>(std::min(framing.length, max_reservation));
}

bool exchange_core::worth_draining(std::size_t limit) const noexcept {
    const body_framing& framing = reader_.framing();
    const std::uint64_t read = reader_.body_bytes();
    if (read > limit) {
        return false;
    }
    return framing.kind != body_kind::content_length || framing.length - read <= limit;
}

} // namespace corio::http::detail
