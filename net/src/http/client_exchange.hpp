// SPDX-License-Identifier: MIT
// client_exchange.hpp - one request and its response on a leased connection: the async client's
// I/O.
//
// Awaits the byte_stream for an exchange_core, which does everything else: the send slices, the
// deadline of each read or send (the read timeout or the total one, whichever comes first), the
// typed http errors with the URL and the timeout that fired. send(), receive_head(), next_piece().
// A failure or cancellation closes the connection; a body read to its end gives the slot back and
// pools the connection if reusable. Not thread-safe.
#pragma once

#include "client_request.hpp"
#include "connection_pool.hpp"
#include "exchange_core.hpp"
#include "message_parser.hpp"

#include <corio/runtime/task.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace corio::http::detail {

class client_exchange {
public:
    client_exchange(connection_lease lease, const client_request& request, std::string url_text,
                    const exchange_settings& settings);
    client_exchange(const client_exchange&) = delete;
    client_exchange& operator=(const client_exchange&) = delete;
    // Closes the connection unless the body was read to its end.
    ~client_exchange() = default;

    // Writes the head, then the body.
    task<> send(std::string_view head, std::string_view body);
    // Reads until the final response head has arrived (see head()). A response without a body is
    // complete then, and its connection already released.
    task<> receive_head();
    // The next piece of the body (valid until the next call), or nullopt once it has ended.
    task<std::optional<std::string_view>> next_piece();
    // Reads the rest of the body and drops it, so the connection can be reused; closes the
    // connection instead if more than `limit` bytes remain.
    task<> drain(std::size_t limit);

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
    task<> receive();
    // The connection cannot be used any more: close it. `release_slot` gives the slot back too
    // (body failures); during the head the driver decides, since it may retry.
    void fail(bool release_slot) noexcept;

    connection_lease lease_;
    exchange_core core_;
    bool reused_;
    bool failed_ = false;
};

} // namespace corio::http::detail
