// SPDX-License-Identifier: MIT
// request_reader.hpp - turns the bytes a client sends into complete requests, without any I/O.
//
// The server's connection task hands it what it read (receive(), or prepare/commit) and calls
// advance(), which gets as far as the bytes allow: the head (message_parser), then the body framed
// by Content-Length or chunked coding (chunked_decoder), at most max_body_bytes of it. It pauses
// once after the head, so the caller can answer "Expect: 100-continue" before the body is sent,
// and at the end of the message; bytes past it belong to the next (pipelined) request and stay
// buffered. A request the server must refuse becomes a failure carrying the status to answer.
// Being sans-I/O, any split of the input can be tested without sockets. Not thread-safe.
#pragma once

#include "chunked_decoder.hpp"
#include "message_parser.hpp"

#include <corio/http/server.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace corio::http::detail {

struct request_failure {
    int status = 0;      // 400, 413, 414, 417, 431, 501 or 505
    std::string message; // a sentence for the response body
};

class request_reader {
public:
    enum class step : unsigned char {
        need_more,    // receive more bytes (prepare, then commit), then call advance() again
        head_done,    // the head is valid and head() may be read; call advance() again for the body
        message_done, // the request is complete: take() it
        failed,       // failure() says what to answer; then close, the framing is lost
    };

    request_reader(const parse_limits& limits, std::size_t max_body_bytes);

    // Space for up to `capacity` received bytes, valid until commit(), which says how many
    // arrived (0 for none).
    [[nodiscard]] std::span<std::byte> prepare(std::size_t capacity);
    void commit(std::size_t received);
    // The other way in, for a caller that reads into memory of its own (the server's scratch
    // buffer, shared by every connection of a loop): keeps a copy of `received`, so that only
    // the bytes still pending cost memory per connection.
    void receive(std::span<const std::byte> received);
    // True when prepare() would hand out space inside the body itself (a Content-Length body
    // with nothing buffered): receiving there saves a copy, and the memory is the body's anyway.
    [[nodiscard]] bool receives_into_body() const noexcept;

    step advance();

    // True once a byte of the next request has been received. Empty lines before a request are
    // dropped on arrival (RFC 9112 §2.2), so a stray CRLF after a body does not count.
    [[nodiscard]] bool has_buffered_bytes() const noexcept { return !buffer_.empty(); }
    // After head_done (and after a failure found in a complete head).
    [[nodiscard]] bool head_complete() const noexcept { return head_complete_; }
    [[nodiscard]] const request_head& head() const noexcept { return head_; }
    // The request is a HEAD request, as far as it has been read: known once its method has
    // arrived, even if the rest of the head then failed, so that the error response (or the 408)
    // can leave its body out, as RFC 9110 §9.3.2 requires for every response to HEAD.
    [[nodiscard]] bool is_head_request() const noexcept { return head_.method == "HEAD"; }
    // The client sent "Expect: 100-continue" in an HTTP/1.1 request (HTTP/1.0 ones are ignored,
    // as RFC 9110 §10.1.1 requires).
    [[nodiscard]] bool expects_continue() const noexcept { return expects_continue_; }
    [[nodiscard]] const request_failure& failure() const noexcept { return failure_; }

    // After message_done: moves the request into `out` (all but `peer`) and starts on the next.
    void take(server_request& out);

private:
    enum class phase : unsigned char { head, length_body, chunked_body, complete, failed };

    step on_head(std::size_t head_size);
    step read_length_body();
    step read_chunked_body();
    step fail(int status, std::string message);
    void drop_leading_empty_lines();

    parse_limits limits_;
    std::size_t max_body_bytes_;
    phase phase_ = phase::head;
    // Received bytes not consumed yet, starting at the first byte of the message being parsed.
    std::string buffer_;
    std::size_t prepared_ = 0;
    // prepare() pointed straight into body_: a Content-Length body with nothing buffered.
    bool prepared_body_ = false;
    request_head head_;
    std::string path_;
    std::string query_;
    std::string body_;
    std::uint64_t body_remaining_ = 0;
    std::optional<chunked_decoder> decoder_;
    bool head_complete_ = false;
    bool expects_continue_ = false;
    request_failure failure_;
};

} // namespace corio::http::detail
