// SPDX-License-Identifier: MIT
// response_reader.hpp - the client's sans-I/O response reader: bytes in, response events out.
//
// It holds the receive buffer and does no I/O, so async and blocking clients share it: read into
// prepare(n), commit() what arrived (eof() at end of stream), call next() until it asks for more.
// The buffer may come from the previous response on the connection and go back with it
// (take_buffer()), so that keep-alive exchanges reuse one buffer.
// next() yields the final head (1xx skipped), body pieces (views into the buffer), then the end
// with whether the connection may be reused. It applies RFC 9112 framing and the size limits
// (never truncating) and throws protocol_error, too_large_error or connection_closed_error with
// an empty URL, which the driver stamps. One reader per response; not thread-safe.
#pragma once

#include "chunked_decoder.hpp"
#include "message_parser.hpp"
#include "receive_buffer.hpp"

#include <corio/http/headers.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace corio::http::detail {

struct reader_limits {
    std::size_t max_head_bytes = 64 * 1024; // each head; and the trailer section
    std::size_t max_header_count = 100;     // fields per head; trailer fields likewise
    std::size_t max_body_bytes = 64 * 1024 * 1024;
    std::size_t max_interim_responses = 32;           // 1xx heads before the final one
    std::size_t max_chunk_extension_bytes = 4 * 1024; // one chunked body's, all together
};

enum class reader_event : unsigned char {
    need_more, // commit() more bytes (or eof()) before calling next() again
    head,      // head() holds the final response head; body_framing() says what follows
    data,      // a piece of the body (step::data)
    end,       // the message is complete; reusable() tells whether the connection may be kept
};

class response_reader {
public:
    struct step {
        reader_event event;
        // For data: a view into the buffer, valid until the next prepare().
        std::string_view data;
    };

    // `request_method` decides the framing (no body after HEAD); `request_keeps_alive` is false
    // when the request carried "Connection: close". `buffer` is memory to read into, such as the
    // one the connection's previous response was read with; its contents are dropped.
    response_reader(std::string request_method, bool request_keeps_alive,
                    const reader_limits& limits = {}, receive_buffer buffer = {});

    // `size` writable bytes after the unread ones; read into them, then commit() what arrived.
    // Invalidates views handed out before.
    [[nodiscard]] std::span<std::byte> prepare(std::size_t size);
    void commit(std::size_t size) noexcept;
    // The peer finished sending. A message it cut short makes next() throw
    // connection_closed_error; a body framed until close ends here.
    void eof() noexcept;

    // Throws protocol_error, too_large_error or connection_closed_error; once it has thrown,
    // the reader is spent and the connection must be closed.
    [[nodiscard]] step next();

    // Valid from the head event on. Non-const so the driver can move the fields out.
    [[nodiscard]] response_head& head() noexcept { return head_; }
    [[nodiscard]] const body_framing& framing() const noexcept { return framing_; }
    // True before the head event, and after it while body bytes may follow.
    [[nodiscard]] bool expects_body() const noexcept;
    // Has any byte of the response arrived? (A reused connection that fails before one did was
    // probably closed by the server while idle, so an idempotent request may be retried.)
    [[nodiscard]] bool received_any() const noexcept { return received_any_; }
    [[nodiscard]] bool at_end() const noexcept { return state_ == state::end; }
    // After the end event: both sides allow keep-alive, the body did not run until close, and
    // the peer sent nothing beyond the message.
    [[nodiscard]] bool reusable() const noexcept;
    // Body bytes delivered so far.
    [[nodiscard]] std::uint64_t body_bytes() const noexcept { return body_bytes_; }
    // From the head event on: the final head names a Content-Encoding (found in the same pass
    // over the fields as the framing, so a client need not look again).
    [[nodiscard]] bool content_encoded() const noexcept { return content_encoded_; }
    // Trailer fields of a chunked body, complete at the end event.
    [[nodiscard]] const headers& trailers() const noexcept;
    // The buffer's memory, for the connection's next response, once this one no longer needs
    // it (after the end event). The reader must not be given bytes afterwards.
    [[nodiscard]] receive_buffer take_buffer() noexcept;

private:
    enum class state : unsigned char { head, body, end, failed };

    [[nodiscard]] step parse_head();
    [[nodiscard]] step read_content_length();
    [[nodiscard]] step read_chunked();
    [[nodiscard]] step read_until_close();
    [[nodiscard]] step deliver(std::string_view data);
    [[noreturn]] void fail_parse(parse_error error);
    [[noreturn]] void fail_closed(const std::string& message);
    [[noreturn]] void fail_too_large(const std::string& message);

    std::string method_;
    bool request_keeps_alive_;
    reader_limits limits_;
    parse_limits parse_limits_;

    receive_buffer buffer_;
    bool eof_ = false;
    bool received_any_ = false;

    state state_ = state::head;
    response_head head_;
    std::size_t interim_responses_ = 0;
    body_framing framing_;
    bool response_keeps_alive_ = false;
    bool content_encoded_ = false;
    std::uint64_t remaining_ = 0; // content_length: body bytes still to come
    std::uint64_t body_bytes_ = 0;
    std::unique_ptr<chunked_decoder> chunked_;
    bool chunked_done_ = false; // the decoder finished in a step that still delivered data
};

} // namespace corio::http::detail
