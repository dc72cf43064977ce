// SPDX-License-Identifier: MIT
// connection_pool.hpp - the client's keep-alive connections and the per-origin limit on them.
//
// A request takes a *slot* on its origin (scheme, host, port) - at most max_per_host; later
// requests queue first come first served, cancellably, until a deadline - then the most recent
// idle connection, or opens one. A lease returns the slot, and its connection only if reusable;
// a pooled connection keeps its receive buffer, so the next exchange on it allocates none.
// Idle connections expire through one timer armed for the oldest (no polling; checkout skips
// expired ones too) - or, for a driver without an event loop (client_transport::loop() null), at
// the next checkout, which then closes every expired one. Leases keep the pool alive, so
// responses may outlive their session. Not thread-safe: use it on one loop (or, without one, on
// one thread at a time), and close it before that loop is destroyed.
#pragma once

#include "client_transport.hpp"
#include "pool_key.hpp"
#include "receive_buffer.hpp"

#include <corio/net/byte_stream.hpp>
#include <corio/runtime/detail/timer_node.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace corio::http::detail {

class connection_pool;
struct host_entry;

// A slot on one origin, plus the connection using it once there is one. Move-only; destroying
// it is release(false).
class connection_lease {
public:
    connection_lease() noexcept = default;
    connection_lease(connection_lease&& other) noexcept;
    connection_lease& operator=(connection_lease&& other) noexcept;
    connection_lease(const connection_lease&) = delete;
    connection_lease& operator=(const connection_lease&) = delete;
    ~connection_lease() { release(false); }

    [[nodiscard]] bool holds_slot() const noexcept { return pool_ != nullptr; }
    [[nodiscard]] net::byte_stream* stream() const noexcept { return stream_.get(); }
    // The connection's receive buffer (empty memory for a new connection), for the exchange to
    // read with; release() takes it back.
    [[nodiscard]] receive_buffer take_buffer() noexcept { return std::move(buffer_); }
    // The connection came from the idle list: it has served a request before, so the server
    // may have closed it in the meantime.
    [[nodiscard]] bool reused() const noexcept { return reused_; }

    // Puts a newly opened connection in the slot (it counts towards connections_opened()).
    void attach(std::unique_ptr<net::byte_stream> fresh);
    // Closes the connection but keeps the slot, for a retry on a fresh connection.
    void close_connection() noexcept;
    // Gives the slot back. The connection returns to the idle list if `reusable` and the pool
    // is still open, with `buffer` for its next exchange; otherwise it is closed.
    void release(bool reusable, receive_buffer buffer = {}) noexcept;

private:
    friend class connection_pool;

    std::shared_ptr<connection_pool> pool_;
    host_entry* host_ = nullptr;
    std::unique_ptr<net::byte_stream> stream_;
    receive_buffer buffer_;
    bool reused_ = false;
};

class connection_pool final : public std::enable_shared_from_this<connection_pool>,
                              private corio::detail::timer_node {
public:
    using deadline = std::optional<event_loop::time_point>;

    // max_per_host must be at least 1. `io` gives the time and the loop for the expiry timer.
    connection_pool(std::size_t max_per_host, event_loop::duration idle_timeout,
                    const client_transport& io);
    ~connection_pool();
    connection_pool(const connection_pool&) = delete;
    connection_pool& operator=(const connection_pool&) = delete;

    // A slot on `key`'s origin if one is free now, holding the most recent idle connection if
    // there is one (otherwise the caller attaches a new one); `now` judges which idle ones have
    // expired. An empty lease (holds_slot() false) if every slot is taken: then acquire().
    [[nodiscard]] connection_lease try_acquire(const pool_key& key, event_loop::time_point now);
    // Like try_acquire(), but waits first come, first served while every slot is taken; throws
    // corio::timeout_error if `until` passes first, cancelled_error if cancelled. Needs a loop:
    // without one there is nothing to wait on (usage_error).
    task<connection_lease> acquire(pool_key key, deadline until);

    // Closes every idle connection now; the pool stays usable.
    void close_idle() noexcept;
    // The owner is gone: closes idle connections and pools no more.
    void shut_down() noexcept;

    [[nodiscard]] std::size_t connections_opened() const noexcept { return opened_; }
    [[nodiscard]] std::size_t idle_connections() const noexcept { return idle_; }

private:
    friend class connection_lease;

    host_entry& entry_for(const pool_key& key);
    // The slot on `host` is taken: lease it, with an idle connection if there is one.
    connection_lease lease_slot(host_entry& host, event_loop::time_point now);
    void forget_if_unused(host_entry& host) noexcept;
    void return_connection(host_entry& host, std::unique_ptr<net::byte_stream> stream,
                           receive_buffer buffer) noexcept;
    void release_slot(host_entry& host) noexcept;
    void close_expired(host_entry& host, event_loop::time_point now) noexcept;
    void close_all_expired(event_loop::time_point now) noexcept;
    void bind_loop() noexcept;
    void schedule_sweep() noexcept;
    void sweep() noexcept;
    static void on_sweep_timer(corio::detail::timer_node& timer) noexcept;

    std::size_t max_per_host_;
    event_loop::duration idle_timeout_;
    const client_transport& io_;
    event_loop* loop_ = nullptr; // io_.loop() when first used: the sweep timer's loop
    std::unordered_map<pool_key, std::unique_ptr<host_entry>, pool_key_hash> hosts_;
    std::size_t opened_ = 0;
    std::size_t idle_ = 0;
    bool shut_down_ = false;
};

} // namespace corio::http::detail
