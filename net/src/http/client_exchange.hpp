// SPDX-License-Identifier: MIT
// client_exchange.hpp - one request and its response on a leased connection: the I/O of both
// clients (the blocking one's streams never suspend, so the same awaits just block).
//
// Awaits the byte_stream for an exchange_core, which does everything else: the send slices, the
// deadline of each read or send (the read timeout or the total one, whichever comes first), the
// typed http errors with the URL and the timeout that fired. round_trip(), then next_piece().
// A failure or cancellation closes the connection; a body read to its end gives the slot back and
// pools the connection, with its receive buffer, if reusable. Not thread-safe.
#pragma once

#include "connection_pool.hpp"
#include "exchange_core.hpp"
#include "message_parser.hpp"
#include "request_template.hpp"

#include <corio/runtime/task.hpp>

#include <coroutine>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace corio::http::detail {

class client_exchange {
public:
    // next_piece()'s result. A piece already received (or the end) comes back without suspending
    // and without a coroutine of its own: most small bodies arrive with their head.
    class piece_awaiter {
    public:
        explicit piece_awaiter(client_exchange& exchange) noexcept
            : exchange_(exchange) {}

        bool await_ready() {
            if (exchange_.next_buffered_piece(piece_)) {
                return true;
            }
            read_ = exchange_.read_piece();
            return false;
        }
        template <corio::detail::corio_promise Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> parent) {
            reading_.emplace(read_.operator co_await());
            return reading_->await_suspend(parent);
        }
        std::optional<std::string_view> await_resume() {
            return reading_ ? reading_->await_resume() : piece_;
        }

    private:
        using read_task = task<std::optional<std::string_view>>;

        client_exchange& exchange_;
        std::optional<std::string_view> piece_;
        read_task read_;
        std::optional<read_task::awaiter> reading_;
    };

    // Reads with the memory of the lease's receive buffer.
    client_exchange(connection_lease lease, std::shared_ptr<const request_template> request,
                    bool request_keeps_alive, const exchange_settings& settings);
    client_exchange(const client_exchange&) = delete;
    client_exchange& operator=(const client_exchange&) = delete;
    // Closes the connection unless the body was read to its end.
    ~client_exchange() = default;

    // Writes the head, then the body, and reads until the final response head has arrived (see
    // head()): one coroutine for the whole round trip. A response without a body is complete
    // then, and its connection already released.
    task<> round_trip(std::string_view head, std::string_view body);
    // The next piece of the body (valid until the next call), or nullopt once it has ended.
    [[nodiscard]] piece_awaiter next_piece() noexcept { return piece_awaiter{*this}; }
    // Reads the rest of the body and drops it, undecoded, so the connection can be reused;
    // closes the connection instead if more than `limit` bytes remain.
    task<> drain(std::size_t limit);
    // The caller will drop the rest of the body: it need not be decoded.
    void skip_decoding() noexcept { core_.skip_decoding(); }

    [[nodiscard]] response_head& head() noexcept { return core_.head(); }
    [[nodiscard]] std::size_t body_size_hint() const noexcept { return core_.body_size_hint(); }
    [[nodiscard]] bool complete() const noexcept { return core_.at_end(); }
    // A read failed or was cancelled; the connection is closed.
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    [[nodiscard]] bool reused() const noexcept { return reused_; }
    [[nodiscard]] bool received_any() const noexcept { return core_.received_any(); }
    [[nodiscard]] const std::string& url() const noexcept { return core_.url(); }

    // After a failure: the slot, its connection closed, for a retry on a fresh connection.
    [[nodiscard]] connection_lease take_slot() noexcept;

private:
    // next_piece() as far as it goes without I/O: true with `piece` set (nullopt at the end),
    // or false if a read is needed.
    bool next_buffered_piece(std::optional<std::string_view>& piece);
    // next_piece() once next_buffered_piece() said a read is needed.
    task<std::optional<std::string_view>> read_piece();
    // The response is complete: the slot goes back, and the connection and its buffer to the
    // pool if reusable.
    void finish() noexcept;
    // The connection cannot be used any more: close it. `release_slot` gives the slot back too
    // (body failures); during the head the driver decides, since it may retry.
    void fail(bool release_slot) noexcept;

    connection_lease lease_;
    exchange_core core_;
    bool reused_;
    bool failed_ = false;
};

} // namespace corio::http::detail
