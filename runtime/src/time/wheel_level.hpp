// SPDX-License-Identifier: MIT
// wheel_level.hpp - one level of the hierarchical timer wheel: 64 slots and an occupancy bitmap.
//
// Level L's slots each span 64^L ticks, so the whole level spans 64^(L+1) ticks. Bit s of
// `occupied` is set exactly when slot s holds at least one timer (its count is non-zero); that is
// what lets the wheel find the next expiry with a rotate and a count-trailing-zeros instead of
// scanning slots. Each slot is a few lists ("lanes") rather than one; see lane_count.
// Not thread-safe; owned by timer_wheel.
#pragma once

#include <corio/runtime/detail/timer_node.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace corio::detail {

inline constexpr unsigned slot_bits = 6;
inline constexpr unsigned slots_per_level = 1U << slot_bits; // 64: one bit each in a uint64_t
inline constexpr std::uint64_t slot_mask = slots_per_level - 1;

// Each slot holds its timers in this many lists ("lanes"); a timer's lane is its arming sequence
// modulo lane_count. Walking a slot's lanes round-robin (cascading, firing) keeps that many cache
// misses in flight, where one list makes every node wait for the previous node's `next` pointer:
// with a million timers spread over 64 MiB, that serial chase measured ~170 ns per timer cold and
// ~55 ns warm on a 2-core VM, against ~38 and ~10 with 8 lanes (16 lanes gained little more and
// double the slot heads: 8 KiB per level now). Lanes are invisible from outside: every batch is
// sorted before it fires, so list order never decides firing order.
inline constexpr unsigned lane_count = 8;
using lane_heads = std::array<timer_link, lane_count>;

// Moves every node of `from` to the back of `to`, leaving `from` empty: O(1).
inline void splice_back(timer_link& from, timer_link& to) noexcept {
    if (from.linked()) {
        timer_link* first = from.next;
        timer_link* last = from.prev;
        first->prev = to.prev;
        to.prev->next = first;
        last->next = &to;
        to.prev = last;
        from.prev = from.next = &from;
    }
}

// Starts loading a node that will be visited soon: both cache lines, since a 64-byte node rarely
// starts on a line boundary. Only a hint (it never faults, even on null): a no-op where
// unsupported.
inline void prefetch(const void* address) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    // Integer arithmetic: the address past the node's start may lie outside any object.
    const auto start = reinterpret_cast<std::uintptr_t>(address);
    __builtin_prefetch(address, 1); // 1: for writing, as the visit relinks it
    __builtin_prefetch(reinterpret_cast<const void*>(start + sizeof(timer_node) - 1), 1);
#else
    static_cast<void>(address);
#endif
}

// Calls visit(node) for every node of the lists in `lanes`, taking one node from each lane in
// turn and prefetching each lane's next node as soon as its address is known, so that node has
// lane_count visits' worth of time to arrive. `visit` may relink the node it is given (its `next`
// is read first); the lists are left empty.
template <class Visit>
void drain_interleaved(lane_heads& lanes, Visit&& visit) {
    std::array<timer_link*, lane_count> cursor{};
    for (unsigned lane = 0; lane < lane_count; ++lane) {
        cursor[lane] = lanes[lane].next;
        prefetch(cursor[lane]);
    }
    for (bool more = true; more;) {
        more = false;
        for (unsigned lane = 0; lane < lane_count; ++lane) {
            timer_link* link = cursor[lane];
            if (link != &lanes[lane]) {
                cursor[lane] = link->next;
                prefetch(cursor[lane]);
                visit(static_cast<timer_node&>(*link));
                more = true;
            }
        }
    }
    for (timer_link& head : lanes) {
        head.prev = head.next = &head;
    }
}

class wheel_level {
public:
    explicit wheel_level(unsigned level) noexcept
        : shift_(level * slot_bits) {}

    // The slot a tick falls into at this level.
    [[nodiscard]] unsigned slot_of(std::uint64_t tick) const noexcept {
        return static_cast<unsigned>((tick >> shift_) & slot_mask);
    }

    void push(timer_node& node, std::uint64_t tick, unsigned lane) noexcept {
        const unsigned slot = slot_of(tick);
        slots_[slot][lane].link_before(node);
        ++counts_[slot];
        occupied_ |= std::uint64_t{1} << slot;
    }

    // After a node of this level was unlinked: clear the slot's bit if it emptied.
    void on_removed(std::uint64_t tick) noexcept {
        const unsigned slot = slot_of(tick);
        if (--counts_[slot] == 0) {
            occupied_ &= ~(std::uint64_t{1} << slot);
        }
    }

    // Moves every node of `slot` to the back of the matching lane of `out`; the slot is empty.
    void take_slot(unsigned slot, lane_heads& out) noexcept {
        for (unsigned lane = 0; lane < lane_count; ++lane) {
            splice_back(slots_[slot][lane], out[lane]);
        }
        counts_[slot] = 0;
        occupied_ &= ~(std::uint64_t{1} << slot);
    }

    // The first tick of the earliest occupied slot at or after `elapsed`'s slot, within the
    // block of 64 slots that contains `elapsed`. The wheel's placement rule guarantees every
    // occupied slot lies after `elapsed`'s own slot in that block (see timer_wheel.cpp).
    [[nodiscard]] std::optional<std::uint64_t>
    next_slot_start(std::uint64_t elapsed) const noexcept {
        if (occupied_ == 0) {
            return std::nullopt;
        }
        const unsigned now_slot = slot_of(elapsed);
        const auto distance = static_cast<unsigned>(
            std::countr_zero(std::rotr(occupied_, static_cast<int>(now_slot))));
        const unsigned slot = (now_slot + distance) & slot_mask;
        const std::uint64_t level_span = std::uint64_t{1} << (shift_ + slot_bits);
        const std::uint64_t block_start = elapsed & ~(level_span - 1);
        return block_start + (std::uint64_t{slot} << shift_);
    }

    [[nodiscard]] bool empty() const noexcept { return occupied_ == 0; }
    // Timers in `slot`, all lanes together.
    [[nodiscard]] std::size_t count(unsigned slot) const noexcept { return counts_[slot]; }

private:
    unsigned shift_;
    std::uint64_t occupied_ = 0;
    std::array<std::uint32_t, slots_per_level> counts_{}; // timers per slot, all lanes
    std::array<lane_heads, slots_per_level> slots_{};
};

} // namespace corio::detail
