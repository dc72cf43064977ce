// SPDX-License-Identifier: MIT
// timer_wheel.hpp - hierarchical timing wheel holding every pending timer of one event loop.
//
// Six levels of 64 slots. A level-0 slot spans one tick (1 ms in an event loop); each level up is
// 64x coarser, so the wheel covers 64^6 ticks (~795 days at 1 ms); later timers wait in an
// overflow list and are re-inserted when the wheel's range reaches them.
//
//   level 5 |  64 slots x 2^30 ticks  |  ~12.4 days per slot
//   level 4 |  64 slots x 2^24 ticks  |  ~4.7 hours
//   level 3 |  64 slots x 2^18 ticks  |  ~4.4 minutes
//   level 2 |  64 slots x 2^12 ticks  |  ~4.1 seconds
//   level 1 |  64 slots x 2^6  ticks  |  64 ms
//   level 0 |  64 slots x 1    tick   |  1 ms          <- timers fire only from here
//
// A timer goes to the lowest level whose current 64-slot block still contains its tick, so
// arming and cancelling are O(1) list operations on intrusive nodes (Varghese & Lauck, 1987).
// advance(now) jumps straight to the next occupied slot using per-level bitmaps; a coarse slot
// that comes due is "cascaded": its timers move down a level or more, until they fire from level 0.
// Timers due in the same tick fire in deadline order, ties in arming order (asyncio's order):
// each tick's timers are copied into a contiguous batch of sort keys, sorted, and fired from it.
// Deadlines are rounded up to a tick, so no timer fires early.
//
// Slots keep their timers in 8 interleaved lists (wheel_level.hpp), so walking a slot keeps 8 cache
// misses in flight: with a million timers that took arming and firing from ~400 ns to 70-93 ns
// per timer (docs/performance.md).
//
// Works in plain integers: the caller picks the unit (the loop uses nanoseconds) and the tick
// length in that unit. Not thread-safe: owned and driven by a single event loop.
#pragma once

#include "wheel_level.hpp"

#include <corio/runtime/detail/timer_node.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace corio::detail {

class loop_instruments;

class timer_wheel final : public timer_wheel_base {
public:
    static constexpr unsigned level_count = 6;
    static constexpr unsigned range_bits = level_count * slot_bits; // 36: ticks the levels cover

    // `tick_length` is in the caller's time unit; `start` is the time the wheel begins at.
    explicit timer_wheel(std::uint64_t tick_length = 1, std::uint64_t start = 0);
    ~timer_wheel();
    timer_wheel(const timer_wheel&) = delete;
    timer_wheel& operator=(const timer_wheel&) = delete;

    // Arms (or re-arms) `node` to expire at `deadline`. A deadline already in the past fires on the
    // next advance(), before any later timer.
    void arm(timer_node& node, std::uint64_t deadline) noexcept;

    // The earliest time at which advance() has work to do, or nullopt if no timer is armed. This
    // is exact for timers in level 0 or already due; for a coarser slot it is the slot's start,
    // where advance() cascades it (at most one early wake-up per level for a long timer).
    [[nodiscard]] std::optional<std::uint64_t> next_expiry() const noexcept;

    // Fires, in order, every timer whose deadline rounds up to a tick <= now / tick_length, and
    // returns how many fired. Callbacks may arm, cancel and destroy timers, including ones due in
    // this same call; a timer armed already-due from a callback fires after the callback's own
    // batch. Callbacks must not call advance() on, or destroy, the wheel that is firing them.
    std::size_t advance(std::uint64_t now);

    // Trace points (arm, cascade, fire) go to `instruments` when set; null (the default): none.
    void set_instruments(loop_instruments* instruments) noexcept { instruments_ = instruments; }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::uint64_t tick_length() const noexcept { return tick_length_; }
    // Every tick up to and including this one has been processed.
    [[nodiscard]] std::uint64_t elapsed_tick() const noexcept { return elapsed_; }

private:
    // Where a node is linked (timer_node::location_): a level index, or one of these.
    static constexpr std::int8_t in_due_list = 64;      // tick <= elapsed_: fires next
    static constexpr std::int8_t in_overflow_list = 65; // beyond the levels' range
    // Taken out for firing right now: linked to nothing, its sort key in batch_.
    static constexpr std::int8_t in_firing_batch = 66;

    // Large batches are sorted by distribution_sort() rather than std::sort.
    static constexpr std::size_t distribution_sort_min = 128;

    void on_unlinked(timer_node& node) noexcept override;
    // Links `node` where its tick belongs; returns the level (or in_due_list / in_overflow_list).
    std::int8_t place(timer_node& node) noexcept;
    [[nodiscard]] std::optional<std::uint64_t> next_boundary() const noexcept;
    void cascade(std::uint64_t boundary) noexcept;
    void reserve_batch(std::size_t count);
    void collect(timer_node& node) noexcept;
    void collect_due_list();
    void collect_level_zero_slot(std::uint64_t tick);
    std::size_t fire_batch() noexcept;
    void sort_batch() noexcept;
    void distribution_sort() noexcept;

    std::uint64_t tick_length_;
    std::uint64_t elapsed_;
    std::uint64_t next_sequence_ = 0;
    std::size_t size_ = 0;
    std::array<wheel_level, level_count> levels_;
    timer_link due_;
    timer_link overflow_;
    // Firing order: deadline, ties in arming order. `node` is only carried along.
    struct sort_key {
        std::uint64_t deadline;
        std::uint64_t sequence;
        timer_node* node;
        bool operator<(const sort_key& other) const noexcept {
            return deadline != other.deadline ? deadline < other.deadline
                                              : sequence < other.sequence;
        }
    };
    // The timers being fired, in firing order; entries of timers cancelled meanwhile are null.
    // Reused across batches, so steady-state firing never allocates.
    std::vector<sort_key> batch_;
    std::vector<sort_key> sorted_;           // distribution_sort's output, swapped into batch_
    std::vector<std::uint32_t> bucket_ends_; // distribution_sort's bucket boundaries
    bool firing_ = false;                    // a batch's callbacks are running
    loop_instruments* instruments_ = nullptr;
};

} // namespace corio::detail
