// SPDX-License-Identifier: MIT
// timer_node.hpp - one pending timer, stored inside whoever waits for it.
//
// A timer_node is an *intrusive* list element: the timer wheel links nodes together through the
// pointers inside them, so arming a timer never allocates. A sleeping coroutine keeps its node in
// its own awaiter (inside the coroutine frame); the wheel only borrows it until it fires or is
// cancelled. Destroying an armed node cancels it, so a frame destroyed mid-sleep cannot leave a
// dangling pointer in the wheel.
// Not thread-safe: a node belongs to the wheel (and thread) of one event loop.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <cassert>
#include <cstdint>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio::detail {

class timer_wheel_base;

// The two pointers every wheel list needs. Slot heads are bare links (circular sentinels);
// timers are links with a payload.
struct timer_link {
    timer_link* prev = this;
    timer_link* next = this;

    timer_link() = default;
    // Moving is only meaningful for an unlinked link (an awaiter moved before it is awaited);
    // the new link starts unlinked.
    timer_link(timer_link&& /*unlinked*/) noexcept {}
    timer_link(const timer_link&) = delete;
    timer_link& operator=(const timer_link&) = delete;
    ~timer_link() = default;

    [[nodiscard]] bool linked() const noexcept { return next != this; }

    void unlink() noexcept {
        prev->next = next;
        next->prev = prev;
        prev = next = this;
    }
    // Inserts `node` before this link; on a sentinel that appends to the list's back.
    void link_before(timer_link& node) noexcept {
        node.prev = prev;
        node.next = this;
        prev->next = &node;
        prev = &node;
    }
};

class timer_node : public timer_link {
public:
    using expire_fn = void (*)(timer_node&) noexcept;

    // `on_expire` runs on the loop thread when the deadline passes. The node is already
    // disarmed then, so the callback may re-arm it or destroy its owner.
    explicit timer_node(expire_fn on_expire = nullptr) noexcept
        : on_expire_(on_expire) {}
    // Only an unarmed node may be moved (an awaiter handed to a combinator before it is awaited).
    timer_node(timer_node&& other) noexcept
        : on_expire_(other.on_expire_) {
        assert(!other.armed());
    }
    timer_node(const timer_node&) = delete;
    timer_node& operator=(const timer_node&) = delete;
    ~timer_node();

    void set_callback(expire_fn on_expire) noexcept { on_expire_ = on_expire; }
    // Cancels the timer if it is armed; safe to call at any time.
    void disarm() noexcept;
    [[nodiscard]] bool armed() const noexcept { return wheel_ != nullptr; }
    // The deadline it was armed with, in the wheel's time unit (nanoseconds in an event loop).
    [[nodiscard]] std::uint64_t deadline() const noexcept { return deadline_; }
    // Arming order within its wheel; ties between equal deadlines fire in this order.
    [[nodiscard]] std::uint64_t sequence() const noexcept { return sequence_; }

private:
    friend class timer_wheel_base;

    timer_wheel_base* wheel_ = nullptr; // non-null while armed; lets the destructor cancel
    expire_fn on_expire_;
    std::uint64_t deadline_ = 0; // in the wheel's time unit
    std::uint64_t tick_ = 0;     // deadline rounded *up* to a tick, so nothing fires early
    std::uint64_t sequence_ = 0; // arming order: breaks ties between equal deadlines
    std::int8_t location_ = 0;   // which list holds it; see timer_wheel_base's constants
};

// The part of the wheel a node needs to cancel itself. The wheel proper (runtime/src/time/) is a
// private header; this base keeps that detail out of every public include.
class timer_wheel_base {
public:
    // Returns true if the node was armed (and is now disarmed); safe on any node.
    bool cancel(timer_node& node) noexcept;

protected:
    timer_wheel_base() = default;
    ~timer_wheel_base() = default;
    timer_wheel_base(const timer_wheel_base&) = delete;
    timer_wheel_base& operator=(const timer_wheel_base&) = delete;

    // Called by cancel() after the node has been unlinked; fixes up occupancy and counters.
    virtual void on_unlinked(timer_node& node) noexcept = 0;

    static std::int8_t& location_of(timer_node& node) noexcept { return node.location_; }
    static std::uint64_t& tick_of(timer_node& node) noexcept { return node.tick_; }
    static std::uint64_t tick_of(const timer_node& node) noexcept { return node.tick_; }
    static std::uint64_t& deadline_of(timer_node& node) noexcept { return node.deadline_; }
    static std::uint64_t& sequence_of(timer_node& node) noexcept { return node.sequence_; }
    static timer_wheel_base*& owner_of(timer_node& node) noexcept { return node.wheel_; }
    static void expire(timer_node& node) noexcept { node.on_expire_(node); }
};

inline bool timer_wheel_base::cancel(timer_node& node) noexcept {
    if (node.wheel_ != this) {
        return false;
    }
    node.unlink();
    on_unlinked(node);
    node.wheel_ = nullptr;
    return true;
}

inline void timer_node::disarm() noexcept {
    if (wheel_ != nullptr) {
        wheel_->cancel(*this);
    }
}

inline timer_node::~timer_node() {
    if (wheel_ != nullptr) {
        wheel_->cancel(*this);
    }
}

} // namespace corio::detail
CORIO_EXPORT_END
