// SPDX-License-Identifier: MIT
// client_exchange.hpp - one request and its response on a leased connection: the client's I/O.
//
// Drives a response_reader over the lease's byte_stream: send(), receive_head(), next_piece().
// Failures become typed http errors carrying the URL, and a timeout says which one fired (read:
// the idle time per receive or send slice; total: the whole request; each I/O waits for the
// earlier). A failure or cancellation closes the connection; a body read to its end gives the
// slot back and pools the connection if reusable. Not thread-safe.
#pragma once

#include "client_request.hpp"
#include "connection_pool.hpp"
#include "message_parser.hpp"
#include "response_reader.hpp"

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace corio::http::detail {

struct exchange_settings {
    std::optional<event_loop::duration> read_timeout;
    std::optional<event_loop::duration> total_timeout; // for messages
    std::optional<event_loop::time_point> total_deadline;
    reader_limits limits;
};

// "250ms", "30s", "5min": how the error messages name a timeout.
[[nodiscard]] std::string describe_duration(event_loop::duration duration);

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

    [[nodiscard]] response_head& head() noexcept { return reader_.head(); }
    [[nodiscard]] const body_framing& framing() const noexcept { return reader_.framing(); }
    [[nodiscard]] bool complete() const noexcept { return reader_.at_end(); }
    // A read failed or was cancelled; the connection is closed.
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    [[nodiscard]] bool reused() const noexcept { return reused_; }
    [[nodiscard]] bool received_any() const noexcept { return reader_.received_any(); }
    [[nodiscard]] const std::string& url() const noexcept { return url_; }

    // After a failure: the slot, its connection closed, for a retry on a fresh connection.
    [[nodiscard]] connection_lease take_slot() noexcept;

private:
    struct io_deadline {
        std::optional<event_loop::time_point> at;
        bool is_total = false;
    };

    [[nodiscard]] io_deadline next_deadline() const;
    [[nodiscard]] std::string timeout_message(const io_deadline& fired,
                                              std::string_view doing) const;
    task<> receive(std::string_view doing);
    // The connection cannot be used any more: close it. `release_slot` gives the slot back too
    // (body failures); during the head the driver decides, since it may retry.
    void fail(bool release_slot) noexcept;

    connection_lease lease_;
    response_reader reader_;
    std::string url_;
    exchange_settings settings_;
    bool reused_;
    bool failed_ = false;
};

} // namespace corio::http::detail
