// SPDX-License-Identifier: MIT
#include "timer_wheel.hpp"

#include <corio/runtime/detail/loop_instruments.hpp>

#include <algorithm>
#include <bit>
#include <cassert>
#include <limits>

namespace corio::detail {

// Placement rule (the invariant everything below relies on): a timer with tick t > elapsed_ lives
// at the level of the highest bit in which t and elapsed_ differ, divided by 6. So t shares all
// higher bits with elapsed_, and its slot at that level comes strictly after elapsed_'s slot in
// the same 64-slot block. Consequences:
//  * each level's next occupied slot is found with a rotate + count-trailing-zeros;
//  * a lower level's timers always expire before a higher level's;
//  * elapsed_ may jump forward freely as long as it never passes an occupied slot's start
//    without processing it, because the rule then still holds for every timer.

namespace {

constexpr std::uint64_t overflow_block_mask = ~((std::uint64_t{1} << timer_wheel::range_bits) - 1);

template <std::size_t... Levels>
std::array<wheel_level, sizeof...(Levels)> make_levels(std::index_sequence<Levels...> /*unused*/) {
    return {wheel_level{static_cast<unsigned>(Levels)}...};
}

} // namespace

timer_wheel::timer_wheel(std::uint64_t tick_length, std::uint64_t start)
    : tick_length_(tick_length == 0 ? 1 : tick_length)
    , elapsed_(start / tick_length_)
    , levels_(make_levels(std::make_index_sequence<level_count>{})) {}

timer_wheel::~timer_wheel() {
    // Disarm whatever is still linked so the nodes' destructors do not reach back into us.
    auto disarm_all = [](timer_link& head) {
        while (head.linked()) {
            auto& node = static_cast<timer_node&>(*head.next);
            node.unlink();
            owner_of(node) = nullptr;
        }
    };
    disarm_all(due_);
    disarm_all(overflow_);
    for (wheel_level& level : levels_) {
        while (auto start = level.next_slot_start(elapsed_)) {
            lane_heads slot;
            level.take_slot(level.slot_of(*start), slot);
            for (timer_link& lane : slot) {
                disarm_all(lane);
            }
        }
    }
}

void timer_wheel::arm(timer_node& node, std::uint64_t deadline) noexcept {
    if (timer_wheel_base* previous = owner_of(node); previous != nullptr) {
        previous->cancel(node);
    }
    // Round up so that "fires at tick t" implies "now >= deadline". Not clamped: a deadline in
    // the last, partial tick of the clock rounds up to a tick that advance() can never reach,
    // which is right, since no whole tick at or after it exists (next_expiry() saturates).
    std::uint64_t tick = deadline / tick_length_;
    if (tick * tick_length_ != deadline) {
        ++tick;
    }
    deadline_of(node) = deadline;
    tick_of(node) = tick;
    sequence_of(node) = next_sequence_++;
    owner_of(node) = this;
    ++size_;
    const std::int8_t location = place(node);
    if (instruments_ != nullptr) [[unlikely]] {
        // Due now is shown as level 0; the overflow list as the level past the last.
        const unsigned level = location == in_due_list        ? 0U
                               : location == in_overflow_list ? level_count
                                                              : static_cast<unsigned>(location);
        const unsigned slot = level < level_count ? levels_[level].slot_of(tick) : 0U;
        instruments_->timer_armed(deadline, level, slot);
    }
}

std::int8_t timer_wheel::place(timer_node& node) noexcept {
    const std::uint64_t when = tick_of(node);
    if (when <= elapsed_) {
        location_of(node) = in_due_list;
        due_.link_before(node);
        return in_due_list;
    }
    const std::uint64_t differing = (elapsed_ ^ when) | slot_mask;
    const auto level = static_cast<unsigned>(std::bit_width(differing) - 1) / slot_bits;
    if (level >= level_count) {
        location_of(node) = in_overflow_list;
        overflow_.link_before(node);
        return in_overflow_list;
    }
    location_of(node) = static_cast<std::int8_t>(level);
    levels_[level].push(node, when, static_cast<unsigned>(sequence_of(node) % lane_count));
    return static_cast<std::int8_t>(level);
}

void timer_wheel::on_unlinked(timer_node& node) noexcept {
    --size_;
    const std::int8_t level = location_of(node);
    if (level >= 0 && level < static_cast<std::int8_t>(level_count)) {
        levels_[static_cast<unsigned char>(level)].on_removed(tick_of(node));
    } else if (level == in_firing_batch) {
        // A callback cancelled a later timer of its own batch. The batch is sorted by this very
        // key while callbacks run, so its entry is found by binary search and blanked.
        const auto entry = std::lower_bound(batch_.begin(), batch_.end(),
                                            sort_key{node.deadline(), node.sequence(), &node});
        assert(entry != batch_.end() && entry->node == &node);
        entry->node = nullptr;
    }
}

std::optional<std::uint64_t> timer_wheel::next_boundary() const noexcept {
    for (const wheel_level& level : levels_) {
        if (auto start = level.next_slot_start(elapsed_)) {
            return start;
        }
    }
    if (overflow_.linked()) {
        // Only reached when the levels are empty, so scanning is rare: once per 2^36 ticks of
        // range that the loop crosses while holding such far-away timers.
        std::uint64_t earliest = std::numeric_limits<std::uint64_t>::max();
        for (const timer_link* link = overflow_.next; link != &overflow_; link = link->next) {
            earliest = std::min(earliest, tick_of(*static_cast<const timer_node*>(link)));
        }
        return std::max(earliest & overflow_block_mask, elapsed_ + 1);
    }
    return std::nullopt;
}

std::optional<std::uint64_t> timer_wheel::next_expiry() const noexcept {
    if (size_ == 0) {
        // The loop asks every turn that may wait, and most loops with I/O in flight have no timer
        // armed: walking the empty levels cost ~70 instructions per turn (callgrind, ping-pong).
        return std::nullopt;
    }
    if (due_.linked()) {
        return elapsed_ * tick_length_; // cannot wrap: elapsed_ <= UINT64_MAX / tick_length_
    }
    if (auto boundary = next_boundary()) {
        // A boundary past the last whole tick (see arm()) is "never": saturate, do not wrap.
        constexpr std::uint64_t never = std::numeric_limits<std::uint64_t>::max();
        return *boundary > never / tick_length_ ? never : *boundary * tick_length_;
    }
    return std::nullopt;
}

void timer_wheel::cascade(std::uint64_t boundary) noexcept {
    elapsed_ = boundary;
    for (unsigned index = 1; index < level_count; ++index) {
        wheel_level& level = levels_[index];
        if (auto start = level.next_slot_start(boundary); start && *start == boundary) {
            // Re-place the slot's timers relative to the new elapsed_: each moves down at least
            // one level, or to the due list if its tick is this one.
            lane_heads taken;
            const unsigned slot = level.slot_of(boundary);
            level.take_slot(slot, taken);
            std::size_t moved = 0;
            drain_interleaved(taken, [this, &moved](timer_node& node) {
                place(node);
                ++moved;
            });
            if (instruments_ != nullptr) [[unlikely]] {
                instruments_->timer_cascaded(index, slot, moved);
            }
            return;
        }
    }
    // The boundary is the start of the overflow's earliest block: bring the whole list back in;
    // timers still out of range simply land in the overflow list again.
    timer_link taken;
    splice_back(overflow_, taken);
    std::size_t moved = 0;
    while (taken.linked()) {
        auto& node = static_cast<timer_node&>(*taken.next);
        node.unlink();
        place(node);
        ++moved;
    }
    if (instruments_ != nullptr) [[unlikely]] {
        instruments_->timer_cascaded(level_count, 0, moved);
    }
}

std::size_t timer_wheel::advance(std::uint64_t now) {
    assert(!firing_ && "a timer callback must not advance its own wheel");
    const std::uint64_t target = std::max(now / tick_length_, elapsed_);
    std::size_t fired = 0;
    for (;;) {
        if (due_.linked()) {
            collect_due_list();
            fired += fire_batch();
            continue;
        }
        const auto boundary = next_boundary();
        if (!boundary || *boundary > target) {
            break;
        }
        if (!levels_[0].empty()) {
            // next_boundary() looks at level 0 first, so this is a level-0 slot, which holds a
            // single tick: everything in it is due now and goes straight into the batch.
            collect_level_zero_slot(*boundary);
            fired += fire_batch();
        } else {
            cascade(*boundary);
        }
    }
    elapsed_ = target;
    if (instruments_ != nullptr && fired != 0) [[unlikely]] {
        instruments_->timers_fired(fired);
    }
    return fired;
}

void timer_wheel::reserve_batch(std::size_t count) {
    // Everything that can allocate happens here, before the first timer leaves its list: a
    // failure then leaves the wheel as it was, and collecting, sorting and firing cannot throw.
    batch_.reserve(count);
    if (count >= distribution_sort_min) {
        sorted_.reserve(count);
        bucket_ends_.reserve(count + 1); // distribution_sort() uses at most count buckets
    }
}

void timer_wheel::collect(timer_node& node) noexcept {
    node.prev = node.next = &node; // linked to nothing, so cancel()'s unlink() is a no-op
    location_of(node) = in_firing_batch;
    batch_.push_back({node.deadline(), node.sequence(), &node}); // within reserved capacity
}

void timer_wheel::collect_due_list() {
    std::size_t count = 0;
    for (const timer_link* link = due_.next; link != &due_; link = link->next) {
        ++count;
    }
    reserve_batch(count);
    for (timer_link* link = due_.next; link != &due_;) {
        auto& node = static_cast<timer_node&>(*link);
        link = link->next;
        collect(node);
    }
    due_.prev = due_.next = &due_;
}

void timer_wheel::collect_level_zero_slot(std::uint64_t tick) {
    wheel_level& level = levels_[0];
    const unsigned slot = level.slot_of(tick);
    reserve_batch(level.count(slot));
    elapsed_ = tick;
    lane_heads taken;
    level.take_slot(slot, taken);
    drain_interleaved(taken, [this](timer_node& node) { collect(node); });
}

std::size_t timer_wheel::fire_batch() noexcept {
    // Most batches of equal delays are armed in order already; the check is one linear pass.
    if (!std::is_sorted(batch_.begin(), batch_.end())) {
        sort_batch();
    }
    firing_ = true;
    std::size_t fired = 0;
    // By index, reading each entry only when its turn comes: callbacks may blank later entries.
    for (std::size_t i = 0; i < batch_.size(); ++i) {
        timer_node* node = batch_[i].node;
        if (node == nullptr) {
            continue;
        }
        --size_;
        owner_of(*node) = nullptr;
        ++fired;
        expire(*node);
    }
    firing_ = false;
    batch_.clear();
    return fired;
}

void timer_wheel::sort_batch() noexcept {
    // Small batches: a comparison sort is cheapest. Sorting the keys themselves, not node
    // pointers, so comparisons never chase pointers.
    if (batch_.size() < distribution_sort_min) {
        std::sort(batch_.begin(), batch_.end());
    } else {
        distribution_sort();
    }
}

// Large batches (about a thousand timers per tick with a million live ones) have deadlines spread
// over their tick, so spreading the keys over n/2..n buckets by their deadlines' high bits and
// then sorting each tiny bucket takes a few linear passes instead of n log n comparisons, most of
// them mispredicted branches (3-4x faster at n = 1000). A skewed spread only makes some buckets
// bigger, and std::sort keeps those O(n log n).
void timer_wheel::distribution_sort() noexcept {
    const auto [lowest, highest] = std::minmax_element(batch_.begin(), batch_.end());
    const std::uint64_t low = lowest->deadline;
    const auto bucket_bits = static_cast<unsigned>(std::bit_width(batch_.size()) - 1);
    const auto spread_bits = static_cast<unsigned>(std::bit_width(highest->deadline - low));
    // (deadline - low) >> shift < 2^bucket_bits for every key of the batch.
    const unsigned shift = spread_bits > bucket_bits ? spread_bits - bucket_bits : 0;
    const auto bucket_of = [low, shift](const sort_key& key) {
        return static_cast<std::size_t>((key.deadline - low) >> shift);
    };

    // A counting sort by bucket: bucket_ends_[b + 1] counts bucket b, the prefix sums turn
    // bucket_ends_[b] into bucket b's start, and scattering advances it to the bucket's end.
    // Both vectors stay within the capacity reserve_batch() made.
    bucket_ends_.assign((std::size_t{1} << bucket_bits) + 1, 0);
    for (const sort_key& key : batch_) {
        ++bucket_ends_[bucket_of(key) + 1];
    }
    for (std::size_t b = 1; b < bucket_ends_.size(); ++b) {
        bucket_ends_[b] += bucket_ends_[b - 1];
    }
    sorted_.resize(batch_.size());
    for (const sort_key& key : batch_) {
        sorted_[bucket_ends_[bucket_of(key)]++] = key;
    }
    std::size_t begin = 0;
    for (std::size_t b = 0; b + 1 < bucket_ends_.size(); ++b) {
        const std::size_t end = bucket_ends_[b];
        if (end - begin > 1) {
            std::sort(sorted_.begin() + static_cast<std::ptrdiff_t>(begin),
                      sorted_.begin() + static_cast<std::ptrdiff_t>(end));
        }
        begin = end;
    }
    batch_.swap(sorted_);
}

} // namespace corio::detail
