// SPDX-License-Identifier: MIT
#include "connection_pool.hpp"

#include <corio/runtime/detail/wait_list.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/error.hpp>

#include <coroutine>
#include <deque>
#include <stdexcept>
#include <utility>

namespace corio::http::detail {

namespace {

struct idle_connection {
    std::unique_ptr<net::byte_stream> stream;
    receive_buffer buffer;
    event_loop::time_point since;
};

class slot_awaiter;

} // namespace

struct host_entry {
    pool_key key;
    std::size_t in_use = 0;           // slots held by leases
    std::deque<idle_connection> idle; // oldest first
    corio::detail::wait_list<slot_awaiter> waiters;

    bool try_take_slot(std::size_t limit) noexcept {
        // Never ahead of a waiter: first come, first served.
        if (in_use < limit && waiters.empty()) {
            ++in_use;
            return true;
        }
        return false;
    }
};

namespace {

// Parks a request until a lease hands it a slot (the slot passes directly, so no newcomer can
// take it first), the deadline passes, or the task is cancelled. Both the timer and the list
// hook live in the awaiter, in the coroutine frame: waiting allocates nothing.
class slot_awaiter final : private corio::detail::waiter,
                           private corio::detail::timer_node,
                           public corio::detail::wait_list_hook<slot_awaiter> {
public:
    slot_awaiter(host_entry& host, std::size_t limit, connection_pool::deadline until) noexcept
        : timer_node(&on_deadline)
        , host_(host)
        , limit_(limit)
        , until_(until) {}

    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template <corio::detail::corio_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> coroutine) {
        if (!park(coroutine, wait_kind)) {
            return false;
        }
        if (host_.try_take_slot(limit_)) {
            return complete_immediately();
        }
        host_.waiters.push_back(*this);
        if (until_) {
            loop().arm_timer(*this, *until_);
        }
        return suspend();
    }
    void await_resume() const {
        resume_or_throw();
        if (timed_out_) {
            throw corio::timeout_error("waiting for a free connection timed out");
        }
    }

    // The slot is ours now (the caller already took it off the list).
    void grant() noexcept {
        disarm();
        wake();
    }

private:
    void leave_list() noexcept { wait_list_hook<slot_awaiter>::unlink(); }

    static void on_deadline(corio::detail::timer_node& timer) noexcept {
        auto& self = static_cast<slot_awaiter&>(timer);
        self.leave_list();
        self.timed_out_ = true;
        self.wake();
    }
    static void on_cancel(corio::detail::suspension& parked) noexcept {
        auto& self = static_cast<slot_awaiter&>(parked);
        self.leave_list();
        self.disarm();
        self.wake_cancelled();
    }
    // A slot is a counted resource, like a semaphore permit: the timeline colours it as an event.
    static constexpr corio::detail::suspension_kind wait_kind{&on_cancel, "http.connection_slot",
                                                              corio::wait_category::event};

    host_entry& host_;
    std::size_t limit_;
    connection_pool::deadline until_;
    bool timed_out_ = false;
};

} // namespace

// ---- connection_lease ----

connection_lease::connection_lease(connection_lease&& other) noexcept
    : pool_(std::move(other.pool_))
    , host_(std::exchange(other.host_, nullptr))
    , stream_(std::move(other.stream_))
    , buffer_(std::move(other.buffer_))
    , reused_(std::exchange(other.reused_, false)) {}

connection_lease& connection_lease::operator=(connection_lease&& other) noexcept {
    if (this != &other) {
        release(false);
        pool_ = std::move(other.pool_);
        host_ = std::exchange(other.host_, nullptr);
        stream_ = std::move(other.stream_);
        buffer_ = std::move(other.buffer_);
        reused_ = std::exchange(other.reused_, false);
    }
    return *this;
}

void connection_lease::attach(std::unique_ptr<net::byte_stream> fresh) {
    if (!pool_) {
        throw std::logic_error("connection_lease::attach without a slot");
    }
    close_connection();
    stream_ = std::move(fresh);
    reused_ = false;
    ++pool_->opened_;
}

void connection_lease::close_connection() noexcept {
    if (stream_) {
        stream_->close();
        stream_.reset();
    }
    reused_ = false;
}

void connection_lease::release(bool reusable, receive_buffer buffer) noexcept {
    if (!pool_) {
        close_connection();
        return;
    }
    // Keep the pool alive until this function is done with it, even if we held the last owner.
    const std::shared_ptr<connection_pool> pool = std::move(pool_);
    host_entry& host = *std::exchange(host_, nullptr);
    if (reusable && stream_ && !pool->shut_down_) {
        pool->return_connection(host, std::move(stream_), std::move(buffer));
    } else {
        close_connection();
    }
    reused_ = false;
    pool->release_slot(host);
}

// ---- connection_pool ----

connection_pool::connection_pool(std::size_t max_per_host, event_loop::duration idle_timeout,
                                 const client_transport& io)
    : timer_node(&on_sweep_timer)
    , max_per_host_(max_per_host)
    , idle_timeout_(idle_timeout)
    , io_(io) {
    if (max_per_host == 0) {
        throw std::invalid_argument("max_connections_per_host must be at least 1");
    }
}

connection_pool::~connection_pool() {
    close_idle();
}

host_entry& connection_pool::entry_for(const pool_key& key) {
    auto found = hosts_.find(key);
    if (found == hosts_.end()) {
        auto entry = std::make_unique<host_entry>();
        entry->key = key;
        found = hosts_.emplace(key, std::move(entry)).first;
    }
    return *found->second;
}

void connection_pool::forget_if_unused(host_entry& host) noexcept {
    if (host.in_use == 0 && host.idle.empty() && host.waiters.empty()) {
        hosts_.erase(hosts_.find(host.key));
    }
}

void connection_pool::bind_loop() noexcept {
    if (loop_ == nullptr) {
        loop_ = io_.loop();
    }
}

connection_lease connection_pool::try_acquire(const pool_key& key, event_loop::time_point now) {
    bind_loop();
    if (loop_ == nullptr) {
        close_all_expired(now); // no timer did it
    }
    host_entry& host = entry_for(key);
    if (!host.try_take_slot(max_per_host_)) {
        return {};
    }
    return lease_slot(host, now);
}

connection_lease connection_pool::lease_slot(host_entry& host, event_loop::time_point now) {
    connection_lease lease;
    lease.pool_ = shared_from_this();
    lease.host_ = &host;
    close_expired(host, now);
    if (!host.idle.empty()) {
        // The most recent one: the least likely to have been closed by the server meanwhile.
        idle_connection& newest = host.idle.back();
        lease.stream_ = std::move(newest.stream);
        lease.buffer_ = std::move(newest.buffer);
        lease.reused_ = true;
        host.idle.pop_back();
        --idle_;
    }
    return lease;
}

task<connection_lease> connection_pool::acquire(pool_key key, deadline until) {
    // Waiting may outlast the session; the pool must outlast the wait.
    const std::shared_ptr<connection_pool> self = shared_from_this();
    bind_loop();
    if (loop_ == nullptr) {
        throw usage_error("connection_pool::acquire needs an event loop to wait on");
    }
    host_entry& host = entry_for(key);
    if (!host.try_take_slot(max_per_host_)) {
        slot_awaiter wait{host, max_per_host_, until};
        try {
            co_await wait;
        } catch (...) {
            // Look the entry up again: once this waiter left the queue, a slot released in the
            // meantime may have found the entry unused and erased it.
            if (const auto found = hosts_.find(key); found != hosts_.end()) {
                forget_if_unused(*found->second);
            }
            throw;
        }
    }
    co_return lease_slot(host, loop_->now());
}

void connection_pool::return_connection(host_entry& host, std::unique_ptr<net::byte_stream> stream,
                                        receive_buffer buffer) noexcept {
    buffer.recycle();
    host.idle.push_back(idle_connection{std::move(stream), std::move(buffer), io_.now()});
    ++idle_;
    schedule_sweep();
}

void connection_pool::release_slot(host_entry& host) noexcept {
    if (slot_awaiter* first = host.waiters.pop_front()) {
        first->grant(); // the slot passes straight on: in_use is unchanged
        return;
    }
    --host.in_use;
    forget_if_unused(host);
}

void connection_pool::close_expired(host_entry& host, event_loop::time_point now) noexcept {
    while (!host.idle.empty() && host.idle.front().since + idle_timeout_ <= now) {
        host.idle.front().stream->close();
        host.idle.pop_front();
        --idle_;
    }
}

// Connections join the idle lists in time order, so the timer only ever needs to be armed for
// the oldest one; a connection returned later expires later.
void connection_pool::schedule_sweep() noexcept {
    if (loop_ != nullptr && !armed() && idle_ > 0) {
        std::optional<event_loop::time_point> oldest;
        for (const auto& [key, host] : hosts_) {
            if (!host->idle.empty() && (!oldest || host->idle.front().since < *oldest)) {
                oldest = host->idle.front().since;
            }
        }
        loop_->arm_timer(*this, *oldest + idle_timeout_);
    }
}

void connection_pool::close_all_expired(event_loop::time_point now) noexcept {
    for (auto it = hosts_.begin(); it != hosts_.end();) {
        host_entry& host = *(it++)->second; // advance first: forget_if_unused may erase it
        close_expired(host, now);
        forget_if_unused(host);
    }
}

void connection_pool::sweep() noexcept {
    close_all_expired(io_.now());
    schedule_sweep();
}

void connection_pool::on_sweep_timer(corio::detail::timer_node& timer) noexcept {
    static_cast<connection_pool&>(timer).sweep();
}

void connection_pool::close_idle() noexcept {
    disarm();
    for (auto it = hosts_.begin(); it != hosts_.end();) {
        host_entry& host = *(it++)->second;
        for (idle_connection& connection : host.idle) {
            connection.stream->close();
        }
        idle_ -= host.idle.size();
        host.idle.clear();
        forget_if_unused(host);
    }
}

void connection_pool::shut_down() noexcept {
    shut_down_ = true;
    close_idle();
}

} // namespace corio::http::detail
