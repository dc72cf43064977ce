// SPDX-License-Identifier: MIT
#include "response_reader.hpp"

#include <corio/http/error.hpp>

#include <algorithm>
#include <string>
#include <utility>

namespace corio::http::detail {

response_reader::response_reader(std::string request_method, bool request_keeps_alive,
                                 const reader_limits& limits, receive_buffer buffer)
    : method_(std::move(request_method))
    , request_keeps_alive_(request_keeps_alive)
    , limits_(limits)
    , buffer_(std::move(buffer)) {
    parse_limits_.max_head_bytes = limits.max_head_bytes;
    parse_limits_.max_header_count = limits.max_header_count;
    // A response line is bounded by the head limit only: servers the client chose to talk to
    // send long Set-Cookie and Content-Security-Policy lines, and the head limit bounds memory.
    parse_limits_.max_head_line_bytes = limits.max_head_bytes;
    parse_limits_.max_chunk_extension_bytes = limits.max_chunk_extension_bytes;
    buffer_.recycle();
}

std::span<std::byte> response_reader::prepare(std::size_t size) {
    return buffer_.prepare(size);
}

void response_reader::commit(std::size_t size) noexcept {
    buffer_.commit(size);
    received_any_ = received_any_ || size > 0;
}

void response_reader::eof() noexcept {
    eof_ = true;
}

receive_buffer response_reader::take_buffer() noexcept {
    return std::move(buffer_);
}

bool response_reader::expects_body() const noexcept {
    switch (state_) {
    case state::head:
        return true;
    case state::body:
        return framing_.kind != body_kind::none &&
               !(framing_.kind == body_kind::content_length && framing_.length == 0);
    case state::end:
    case state::failed:
        break;
    }
    return false;
}

bool response_reader::reusable() const noexcept {
    return state_ == state::end && framing_.kind != body_kind::until_close &&
           response_keeps_alive_ && request_keeps_alive_ && buffer_.empty() && !eof_;
}

const headers& response_reader::trailers() const noexcept {
    static const headers none;
    return chunked_ ? chunked_->trailers() : none;
}

response_reader::step response_reader::next() {
    switch (state_) {
    case state::head:
        return parse_head();
    case state::body:
        switch (framing_.kind) {
        case body_kind::none:
            state_ = state::end;
            return {reader_event::end, {}};
        case body_kind::content_length:
            return read_content_length();
        case body_kind::chunked:
            return read_chunked();
        case body_kind::until_close:
            return read_until_close();
        }
        break;
    case state::end:
        return {reader_event::end, {}};
    case state::failed:
        break;
    }
    throw connection_closed_error({}, "the response cannot be read after an earlier error");
}

response_reader::step response_reader::parse_head() {
    while (true) {
        const std::string_view input = buffer_.unread();
        const parse_result result = parse_response_head(input, parse_limits_, head_);
        if (result.status == parse_status::error) {
            fail_parse(result.error);
        }
        if (result.status == parse_status::need_more) {
            if (!eof_) {
                return {reader_event::need_more, {}};
            }
            fail_closed(received_any_ ? "connection closed before the response head was complete"
                                      : "connection closed before any response byte arrived");
        }
        buffer_.consume(result.consumed);
        if (head_.status >= 200) {
            break;
        }
        // Interim responses (100 Continue, 103 Early Hints...) precede the real one. 101 would
        // switch protocols, which only a request asking to upgrade may cause; corio never asks.
        if (head_.status == 101) {
            state_ = state::failed;
            throw protocol_error({},
                                 "unexpected 101 Switching Protocols (no upgrade was requested)");
        }
        if (++interim_responses_ > limits_.max_interim_responses) {
            fail_too_large("more than " + std::to_string(limits_.max_interim_responses) +
                           " interim (1xx) responses");
        }
    }
    const response_disposition disposition = dispose_response(method_, head_);
    if (disposition.framed.error != parse_error::none) {
        fail_parse(disposition.framed.error);
    }
    framing_ = disposition.framed.framing;
    // Decided now, because the driver may move the fields out of head().
    response_keeps_alive_ = disposition.keeps_alive;
    content_encoded_ = disposition.content_encoding;
    remaining_ = framing_.length;
    if (framing_.kind == body_kind::chunked) {
        chunked_ = std::make_unique<chunked_decoder>(parse_limits_);
    }
    state_ = state::body;
    return {reader_event::head, {}};
}

response_reader::step response_reader::read_content_length() {
    if (framing_.length > limits_.max_body_bytes) {
        // Known up front, so refuse before reading any of it rather than deliver half.
        fail_too_large("response body of " + std::to_string(framing_.length) +
                       " bytes (Content-Length) exceeds the limit of " +
                       std::to_string(limits_.max_body_bytes) + " bytes");
    }
    if (remaining_ == 0) {
        state_ = state::end;
        return {reader_event::end, {}};
    }
    const std::string_view input = buffer_.unread();
    if (input.empty()) {
        if (eof_) {
            fail_closed("connection closed after " + std::to_string(framing_.length - remaining_) +
                        " of " + std::to_string(framing_.length) + " body bytes");
        }
        return {reader_event::need_more, {}};
    }
    const auto size = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
    buffer_.consume(size);
    remaining_ -= size;
    return deliver(input.substr(0, size));
}

response_reader::step response_reader::read_chunked() {
    while (true) {
        if (chunked_done_) {
            state_ = state::end;
            return {reader_event::end, {}};
        }
        const std::string_view input = buffer_.unread();
        if (input.empty()) {
            if (eof_) {
                fail_closed("connection closed in the middle of a chunked body");
            }
            return {reader_event::need_more, {}};
        }
        const chunked_decoder::step decoded = chunked_->decode(input);
        buffer_.consume(decoded.consumed);
        if (decoded.status == parse_status::error) {
            fail_parse(decoded.error);
        }
        chunked_done_ = decoded.status == parse_status::done;
        if (!decoded.data.empty()) {
            return deliver(decoded.data);
        }
    }
}

response_reader::step response_reader::read_until_close() {
    const std::string_view input = buffer_.unread();
    if (!input.empty()) {
        buffer_.consume(input.size());
        return deliver(input);
    }
    if (eof_) {
        state_ = state::end;
        return {reader_event::end, {}};
    }
    return {reader_event::need_more, {}};
}

response_reader::step response_reader::deliver(std::string_view data) {
    // body_bytes_ never exceeds the limit, so the subtraction cannot wrap.
    if (data.size() > limits_.max_body_bytes - body_bytes_) {
        fail_too_large("response body exceeds the limit of " +
                       std::to_string(limits_.max_body_bytes) + " bytes");
    }
    body_bytes_ += data.size();
    return {reader_event::data, data};
}

void response_reader::fail_parse(parse_error error) {
    state_ = state::failed;
    if (is_size_limit(error)) {
        throw too_large_error({}, std::string(describe(error)));
    }
    throw protocol_error({}, std::string(describe(error)));
}

void response_reader::fail_closed(const std::string& message) {
    state_ = state::failed;
    throw connection_closed_error({}, message);
}

void response_reader::fail_too_large(const std::string& message) {
    state_ = state::failed;
    throw too_large_error({}, message);
}

} // namespace corio::http::detail
