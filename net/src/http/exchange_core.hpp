// SPDX-License-Identifier: MIT
// exchange_core.hpp - one request and its response, minus the I/O: what the async and blocking
// client drivers share around the response_reader.
//
// A driver writes the slices next_send_slice() hands out (the head, with a small body in the same
// write), each under next_deadline(); reads into receive_space() and reports received(); and
// calls next() for the reader's events, whose errors come stamped with the URL. When a deadline
// passes or the stream fails, rethrow_send_failure() / absorb_read_failure() turn the stream's
// error into the typed one whose message says which timeout fired and what the exchange was
// doing. It owns no connection and does no I/O; the driver closes or pools the connection, and
// pools the receive buffer's memory with it (take_buffer()). One per request; not thread-safe.
#pragma once

#include "client_transport.hpp"
#include "content_decoder.hpp"
#include "message_parser.hpp"
#include "receive_buffer.hpp"
#include "request_deadlines.hpp"
#include "request_template.hpp"
#include "response_reader.hpp"

#include <corio/http/client_options.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace corio::http::detail {

// What every exchange of one request (redirects included) shares.
struct exchange_settings {
    request_deadlines deadlines;
    reader_limits limits;
    const client_transport* io; // the driver: its clock times every read and send
    // io->loop(), asked once per request: with a loop, its clock is read directly, which saves
    // a virtual call and a thread-local lookup on every read and send.
    event_loop* loop;
    bool decode_content; // undo gzip and deflate (client_options::decoding)
};

// The settings of a request that starts now, on `io`'s clock.
[[nodiscard]] exchange_settings make_exchange_settings(const client_options& options,
                                                       const client_transport& io);

class exchange_core {
public:
    // `request` says the method and the URL errors name; `request_keeps_alive` is false when
    // the request asks for "Connection: close". `buffer` is memory to read into, from the
    // connection's previous exchange, say.
    exchange_core(std::shared_ptr<const request_template> request, bool request_keeps_alive,
                  const exchange_settings& settings, receive_buffer buffer = {});
    exchange_core(const exchange_core&) = delete;
    exchange_core& operator=(const exchange_core&) = delete;

    // ---- sending ----
    // `head` and `body` must stay alive until everything is sent.
    void start_sending(std::string_view head, std::string_view body);
    // The next slice to write (empty once all is sent); sent() once it is written.
    [[nodiscard]] std::string_view next_send_slice() const noexcept;
    void sent(std::size_t size) noexcept;
    // Whether next_send_slice() is the request's last: after it, the response is read.
    [[nodiscard]] bool sending_last_slice() const noexcept;

    // ---- receiving ----
    // Where to read the next bytes to.
    [[nodiscard]] std::span<std::byte> receive_space();
    // `size` bytes arrived in receive_space(); 0 means end of stream.
    void received(std::size_t size) noexcept;
    // The reader's next event, with the body decoded if it came compressed and the settings say
    // so. Throws protocol_error, too_large_error or connection_closed_error carrying the URL.
    [[nodiscard]] response_reader::step next();

    // The rest of the body is to be dropped, not read: stop decoding it (a redirect's body, or
    // one the caller discards), so that dropping a compressed body costs no inflating.
    void skip_decoding() noexcept { decoder_.reset(); }

    // ---- deadlines and failures ----
    // For a read or a send slice starting now.
    [[nodiscard]] io_deadline next_deadline() const;
    // In a catch (...) around a send with deadline `until`: rethrows the stream's
    // corio::timeout_error as an http timeout_error naming the timeout that fired and what was
    // under way, std::system_error as connection_closed_error with the system's reason,
    // net::tls_error as tls_error, and anything else (cancellation) unchanged.
    [[noreturn]] void rethrow_send_failure(const io_deadline& until) const;
    // The same for a read, with one exception: a TLS peer that closed without close_notify is
    // harmless where the framing does not depend on the close (the head, a Content-Length or
    // chunked body: the reader sees the end and judges). Then this returns, and the driver
    // reports end of stream with received(0). Only a body that runs until the close is at risk
    // of truncation, and that throws tls_error.
    void absorb_read_failure(const io_deadline& until) const;

    // ---- the response ----
    [[nodiscard]] response_head& head() noexcept { return reader_.head(); }
    [[nodiscard]] const body_framing& framing() const noexcept { return reader_.framing(); }
    [[nodiscard]] bool expects_body() const noexcept { return reader_.expects_body(); }
    [[nodiscard]] bool at_end() const noexcept { return reader_.at_end(); }
    [[nodiscard]] bool reusable() const noexcept { return reader_.reusable(); }
    [[nodiscard]] bool received_any() const noexcept { return reader_.received_any(); }
    [[nodiscard]] const request_template& request() const noexcept { return *request_; }
    [[nodiscard]] const std::string& url() const noexcept { return request_->url_text; }
    // The receive buffer's memory, for the connection's next exchange; after the end only.
    [[nodiscard]] receive_buffer take_buffer() noexcept { return reader_.take_buffer(); }
    // How much to reserve for the whole body: the announced length, capped, since the number is
    // the server's word and the limit is only checked as the bytes arrive.
    [[nodiscard]] std::size_t body_size_hint() const noexcept;
    // While draining a body to keep the connection: false once more than `limit` bytes of it
    // have been read, or are announced - then opening a new connection is cheaper.
    [[nodiscard]] bool worth_draining(std::size_t limit) const noexcept;

private:
    [[nodiscard]] std::string_view activity() const noexcept;
    // next() for a compressed body: pieces come out of the decoder, which the reader feeds.
    [[nodiscard]] response_reader::step next_decoded();
    [[noreturn]] void timed_out(const io_deadline& fired) const;
    [[noreturn]] void io_failed(const std::error_code& reason) const;
    [[noreturn]] void tls_failed(const std::exception& failure) const;

    std::shared_ptr<const request_template> request_;
    response_reader reader_;
    exchange_settings settings_;
    std::string coalesced_;
    std::string_view pending_[2];
    std::size_t sending_ = 2; // index into pending_; 2 once everything is sent
    bool head_received_ = false;
    std::unique_ptr<content_decoder> decoder_; // for a compressed body being decoded
    std::uint64_t decoded_bytes_ = 0;
};

} // namespace corio::http::detail
