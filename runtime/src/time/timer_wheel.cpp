// SPDX-License-Identifier: MIT
#include "timer_wheel.hpp"

#include <algorithm>
#include <bit>
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
            timer_link slot;
            level.take_slot(level.slot_of(*start), slot);
            disarm_all(slot);
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
    place(node);
}

void timer_wheel::place(timer_node& node) noexcept {
    const std::uint64_t when = tick_of(node);
    if (when <= elapsed_) {
        location_of(node) = in_due_list;
        due_.link_before(node);
        return;
    }
    const std::uint64_t differing = (elapsed_ ^ when) | slot_mask;
    const auto level = static_cast<unsigned>(std::bit_width(differing) - 1) / slot_bits;
    if (level >= level_count) {
        location_of(node) = in_overflow_list;
        overflow_.link_before(node);
        return;
    }
    location_of(node) = static_cast<std::int8_t>(level);
    levels_[level].push(node, when);
}

void timer_wheel::on_unlinked(timer_node& node) noexcept {
    --size_;
    if (const auto level = location_of(node); level >= 0 && level < static_cast<int>(level_count)) {
        levels_[static_cast<unsigned>(level)].on_removed(tick_of(node));
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

void timer_wheel::process_boundary(std::uint64_t boundary) noexcept {
    elapsed_ = boundary;
    timer_link batch;
    bool found = false;
    for (wheel_level& level : levels_) {
        if (auto start = level.next_slot_start(boundary); start && *start == boundary) {
            level.take_slot(level.slot_of(boundary), batch);
            found = true;
            break;
        }
    }
    if (!found) {
        // The boundary is the start of the overflow's earliest block: bring the whole list back in;
        // timers still out of range simply land in the overflow list again.
        while (overflow_.linked()) {
            timer_link* first = overflow_.next;
            first->unlink();
            batch.link_before(*first);
        }
    }
    while (batch.linked()) {
        auto& node = static_cast<timer_node&>(*batch.next);
        node.unlink();
        place(node);
    }
}

std::size_t timer_wheel::advance(std::uint64_t now) {
    const std::uint64_t target = std::max(now / tick_length_, elapsed_);
    std::size_t fired = 0;
    for (;;) {
        if (due_.linked()) {
            fired += fire_due();
            continue;
        }
        auto boundary = next_boundary();
        if (!boundary || *boundary > target) {
            break;
        }
        process_boundary(*boundary);
    }
    elapsed_ = target;
    return fired;
}

std::size_t timer_wheel::fire_due() {
    // Take the current due list as one batch; timers that callbacks arm already-due go to due_
    // and form the next batch.
    timer_link batch;
    while (due_.linked()) {
        timer_link* first = due_.next;
        first->unlink();
        batch.link_before(*first);
    }
    sort_batch(batch);
    std::size_t fired = 0;
    while (batch.linked()) {
        auto& node = static_cast<timer_node&>(*batch.next);
        node.unlink();
        --size_;
        owner_of(node) = nullptr;
        ++fired;
        expire(node);
    }
    return fired;
}

void timer_wheel::sort_batch(timer_link& batch) {
    auto before = [](const timer_node* a, const timer_node* b) {
        return a->deadline() != b->deadline() ? a->deadline() < b->deadline()
                                              : a->sequence() < b->sequence();
    };
    // Most batches are already in order (equal delays armed in sequence): check before sorting.
    bool ordered = true;
    for (timer_link* link = batch.next; link->next != &batch; link = link->next) {
        if (before(static_cast<timer_node*>(link->next), static_cast<timer_node*>(link))) {
            ordered = false;
            break;
        }
    }
    if (ordered) {
        return;
    }
    scratch_.clear();
    while (batch.linked()) {
        timer_link* first = batch.next;
        first->unlink();
        scratch_.push_back(static_cast<timer_node*>(first));
    }
    std::sort(scratch_.begin(), scratch_.end(), before);
    for (timer_node* node : scratch_) {
        batch.link_before(*node);
    }
}

} // namespace corio::detail
