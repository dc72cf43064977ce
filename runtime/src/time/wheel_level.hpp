// SPDX-License-Identifier: MIT
// wheel_level.hpp - one level of the hierarchical timer wheel: 64 slots and an occupancy bitmap.
//
// Level L's slots each span 64^L ticks, so the whole level spans 64^(L+1) ticks. Bit s of
// `occupied` is set exactly when slot s holds at least one timer; that is what lets the wheel find
// the next expiry with a rotate and a count-trailing-zeros instead of scanning slots.
// Not thread-safe; owned by timer_wheel.
#pragma once

#include <corio/runtime/detail/timer_node.hpp>

#include <array>
#include <bit>
#include <cstdint>
#include <optional>

namespace corio::detail {

inline constexpr unsigned slot_bits = 6;
inline constexpr unsigned slots_per_level = 1U << slot_bits; // 64: one bit each in a uint64_t
inline constexpr std::uint64_t slot_mask = slots_per_level - 1;

class wheel_level {
public:
    explicit wheel_level(unsigned level) noexcept : shift_(level * slot_bits) {}

    // The slot a tick falls into at this level.
    [[nodiscard]] unsigned slot_of(std::uint64_t tick) const noexcept {
        return static_cast<unsigned>((tick >> shift_) & slot_mask);
    }

    void push(timer_node& node, std::uint64_t tick) noexcept {
        const unsigned slot = slot_of(tick);
        slots_[slot].link_before(node);
        occupied_ |= std::uint64_t{1} << slot;
    }

    // After a node of this level was unlinked: clear the slot's bit if it emptied.
    void on_removed(std::uint64_t tick) noexcept {
        const unsigned slot = slot_of(tick);
        if (!slots_[slot].linked()) {
            occupied_ &= ~(std::uint64_t{1} << slot);
        }
    }

    // Moves every node of `slot` to the back of `out` and marks the slot empty.
    void take_slot(unsigned slot, timer_link& out) noexcept {
        timer_link& head = slots_[slot];
        if (head.linked()) {
            timer_link* first = head.next;
            timer_link* last = head.prev;
            first->prev = out.prev;
            out.prev->next = first;
            last->next = &out;
            out.prev = last;
            head.prev = head.next = &head;
        }
        occupied_ &= ~(std::uint64_t{1} << slot);
    }

    // The first tick of the earliest occupied slot at or after `elapsed`'s slot, within the
    // block of 64 slots that contains `elapsed`. The wheel's placement rule guarantees every
    // occupied slot lies after `elapsed`'s own slot in that block (see timer_wheel.cpp).
    [[nodiscard]] std::optional<std::uint64_t> next_slot_start(std::uint64_t elapsed) const noexcept {
        if (occupied_ == 0) {
            return std::nullopt;
        }
        const unsigned now_slot = slot_of(elapsed);
        const auto distance = static_cast<unsigned>(std::countr_zero(std::rotr(occupied_, static_cast<int>(now_slot))));
        const unsigned slot = (now_slot + distance) & slot_mask;
        const std::uint64_t level_span = std::uint64_t{1} << (shift_ + slot_bits);
        const std::uint64_t block_start = elapsed & ~(level_span - 1);
        return block_start + (std::uint64_t{slot} << shift_);
    }

    [[nodiscard]] bool empty() const noexcept { return occupied_ == 0; }

private:
    unsigned shift_;
    std::uint64_t occupied_ = 0;
    std::array<timer_link, slots_per_level> slots_{};
};

} // namespace corio::detail
