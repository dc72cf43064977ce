// SPDX-License-Identifier: MIT
// Unit tests of the hierarchical timer wheel: every level edge and the cascades between levels, the
// overflow list, firing order, callbacks that arm and cancel, node and wheel lifetimes,
// next_expiry() and size(). The randomized comparison against a reference model is in
// timer_wheel_property_test.cpp.
#include "time/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace {

using corio::detail::timer_node;
using corio::detail::timer_wheel;

constexpr std::uint64_t pow2(unsigned bits) {
    return std::uint64_t{1} << bits;
}

// A timer that appends its id to a shared log when it fires, then runs an optional action (which
// may arm or cancel other timers, as a real callback would).
class probe final : public timer_node {
public:
    probe(std::vector<int>& log, int id)
        : timer_node(&on_expire)
        , log_(&log)
        , id_(id) {}

    std::function<void(probe&)> on_fire;

private:
    static void on_expire(timer_node& node) noexcept {
        auto& self = static_cast<probe&>(node);
        self.log_->push_back(self.id_);
        if (self.on_fire) {
            self.on_fire(self);
        }
    }

    std::vector<int>* log_;
    int id_;
};

// Arms one timer for `tick` on a wheel at tick 0 (tick length 1) and follows the wake-ups that
// next_expiry() announces: they must be exactly `wake_ups` (one per cascade, the last being the
// tick itself), the timer must not fire one tick before any of them, and it must fire at the last.
// A second wheel reaches the tick in two big jumps, as a loop that slept would.
void expect_wake_ups(std::uint64_t tick, const std::vector<std::uint64_t>& wake_ups) {
    ASSERT_FALSE(wake_ups.empty());
    ASSERT_EQ(wake_ups.back(), tick);
    {
        timer_wheel wheel;
        std::vector<int> log;
        probe timer(log, 1);
        wheel.arm(timer, tick);
        for (std::size_t i = 0; i < wake_ups.size(); ++i) {
            SCOPED_TRACE(testing::Message() << "wake-up #" << i << " at tick " << wake_ups[i]);
            EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{wake_ups[i]});
            EXPECT_EQ(wheel.advance(wake_ups[i] - 1), 0U);
            EXPECT_TRUE(log.empty());
            const bool last = i + 1 == wake_ups.size();
            EXPECT_EQ(wheel.advance(wake_ups[i]), last ? 1U : 0U);
            EXPECT_EQ(timer.armed(), !last);
        }
        EXPECT_EQ(log, std::vector<int>{1});
        EXPECT_EQ(wheel.size(), 0U);
        EXPECT_EQ(wheel.next_expiry(), std::nullopt);
    }
    {
        timer_wheel wheel;
        std::vector<int> log;
        probe timer(log, 1);
        wheel.arm(timer, tick);
        EXPECT_EQ(wheel.advance(tick - 1), 0U);
        EXPECT_EQ(wheel.advance(tick), 1U);
        EXPECT_EQ(log, std::vector<int>{1});
    }
}

// --- Level edges and cascading (tick length 1, wheel at tick 0) ----------------------------------

TEST(TimerWheel, TimerDueInSixtyThreeTicksFiresFromLevelZeroWithoutCascading) {
    expect_wake_ups(63, {63});
}

TEST(TimerWheel, TimerDueInSixtyFourTicksWaitsInLevelOneAndFiresAtItsSlotStart) {
    expect_wake_ups(64, {64});
}

TEST(TimerWheel, TimerDueInSixtyFiveTicksCascadesFromLevelOneToLevelZero) {
    expect_wake_ups(65, {64, 65});
}

TEST(TimerWheel, TimerDueIn4095TicksCascadesFromTheLastSlotOfLevelOne) {
    expect_wake_ups(4095, {4032, 4095});
}

TEST(TimerWheel, TimerDueIn4096TicksWaitsInLevelTwo) {
    expect_wake_ups(4096, {4096});
}

TEST(TimerWheel, TimerDueIn4097TicksCascadesFromLevelTwoStraightToLevelZero) {
    expect_wake_ups(4097, {4096, 4097});
}

TEST(TimerWheel, TimerJustBelowTwoToThe18TicksCascadesThroughLevelsTwoOneAndZero) {
    expect_wake_ups(pow2(18) - 1, {pow2(18) - pow2(12), pow2(18) - pow2(6), pow2(18) - 1});
}

TEST(TimerWheel, TimerJustPastTwoToThe18TicksWaitsInLevelThree) {
    expect_wake_ups(pow2(18) + 1, {pow2(18), pow2(18) + 1});
}

TEST(TimerWheel, TimerJustBelowTwoToThe24TicksCascadesDownFromLevelThree) {
    expect_wake_ups(pow2(24) - 1,
                    {pow2(24) - pow2(18), pow2(24) - pow2(12), pow2(24) - pow2(6), pow2(24) - 1});
}

TEST(TimerWheel, TimerJustPastTwoToThe24TicksWaitsInLevelFour) {
    expect_wake_ups(pow2(24) + 1, {pow2(24), pow2(24) + 1});
}

TEST(TimerWheel, TimerJustBelowTwoToThe30TicksCascadesDownFromLevelFour) {
    expect_wake_ups(pow2(30) - 1, {pow2(30) - pow2(24), pow2(30) - pow2(18), pow2(30) - pow2(12),
                                   pow2(30) - pow2(6), pow2(30) - 1});
}

TEST(TimerWheel, TimerJustPastTwoToThe30TicksWaitsInLevelFive) {
    expect_wake_ups(pow2(30) + 1, {pow2(30), pow2(30) + 1});
}

TEST(TimerWheel, TimerJustBelowTwoToThe36TicksIsTheLastOneInsideTheWheel) {
    expect_wake_ups(pow2(36) - 1, {pow2(36) - pow2(30), pow2(36) - pow2(24), pow2(36) - pow2(18),
                                   pow2(36) - pow2(12), pow2(36) - pow2(6), pow2(36) - 1});
}

TEST(TimerWheel, TimerAtTwoToThe36TicksWaitsInTheOverflowListUntilItsBlockStarts) {
    expect_wake_ups(pow2(36), {pow2(36)});
}

TEST(TimerWheel, OverflowTimerIsReinsertedIntoTheLevelsWhenItsBlockStarts) {
    // Were it wrongly put in level 5, slot 1 would wrap and announce 2^30 instead of 2^36.
    expect_wake_ups(pow2(36) + pow2(30) + 1,
                    {pow2(36), pow2(36) + pow2(30), pow2(36) + pow2(30) + 1});
}

TEST(TimerWheel, LevelsFollowAbsoluteTickBoundariesNotTheDistanceFromNow) {
    // Ten ticks away, but across a 64-tick boundary: level 1, cascaded at tick 64.
    timer_wheel wheel;
    std::vector<int> log;
    probe timer(log, 1);
    EXPECT_EQ(wheel.advance(60), 0U);
    wheel.arm(timer, 70);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{64});
    EXPECT_EQ(wheel.advance(64), 0U);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{70});
    EXPECT_EQ(wheel.advance(69), 0U);
    EXPECT_EQ(wheel.advance(70), 1U);
}

TEST(TimerWheel, TimersOnEveryLevelFireInDeadlineOrderInOneAdvance) {
    timer_wheel wheel;
    std::vector<int> log;
    const std::vector<std::uint64_t> deadlines = {
        pow2(30) + 5, 3, pow2(37) + 1, pow2(18) + 7, 64, pow2(24) - 1, 4095, pow2(36) - 1, 0};
    std::vector<std::unique_ptr<probe>> timers;
    for (std::size_t i = 0; i < deadlines.size(); ++i) {
        timers.push_back(std::make_unique<probe>(log, static_cast<int>(i)));
        wheel.arm(*timers.back(), deadlines[i]);
    }
    EXPECT_EQ(wheel.size(), deadlines.size());
    EXPECT_EQ(wheel.advance(pow2(38)), deadlines.size());
    EXPECT_EQ(log, (std::vector<int>{8, 1, 4, 6, 3, 5, 0, 7, 2}));
    EXPECT_TRUE(wheel.empty());
}

// --- Overflow list -------------------------------------------------------------------------------

TEST(TimerWheel, OverflowTimersSeveralBlocksAwayFireAtTheirOwnTicksInOrder) {
    timer_wheel wheel;
    std::vector<int> log;
    probe in_range(log, 0);
    probe next_block(log, 1);
    probe third_block(log, 2);
    probe third_block_tie(log, 3);
    probe fifth_block(log, 4);
    wheel.arm(third_block, 3 * pow2(36) + 5);
    wheel.arm(fifth_block, 5 * pow2(36) + 1);
    wheel.arm(next_block, pow2(36) + 7);
    wheel.arm(in_range, pow2(36) - 3);
    wheel.arm(third_block_tie, 3 * pow2(36) + 5);

    EXPECT_EQ(wheel.advance(pow2(36) - 4), 0U);
    EXPECT_EQ(wheel.advance(pow2(36) + 6), 1U);
    EXPECT_EQ(log, std::vector<int>{0});
    EXPECT_EQ(wheel.advance(pow2(36) + 7), 1U);
    EXPECT_EQ(log, (std::vector<int>{0, 1}));
    // The levels are empty now: the wheel wakes at the start of the next timer's 2^36-tick block.
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{3 * pow2(36)});
    EXPECT_EQ(wheel.advance(3 * pow2(36) + 4), 0U);
    EXPECT_EQ(wheel.advance(3 * pow2(36) + 5), 2U);
    EXPECT_EQ(log, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{5 * pow2(36)});
    EXPECT_EQ(wheel.advance(5 * pow2(36)), 0U);
    EXPECT_EQ(wheel.advance(5 * pow2(36) + 1), 1U);
    EXPECT_EQ(log, (std::vector<int>{0, 1, 2, 3, 4}));
    EXPECT_TRUE(wheel.empty());
}

TEST(TimerWheel, OneHugeAdvanceFiresOverflowTimersFromSeveralBlocksInDeadlineOrder) {
    timer_wheel wheel(1, 12345);
    std::vector<int> log;
    probe a(log, 0);
    probe b(log, 1);
    probe c(log, 2);
    probe d(log, 3);
    wheel.arm(a, 7 * pow2(36) + 2);
    wheel.arm(b, 2 * pow2(36));
    wheel.arm(c, 7 * pow2(36) + 1);
    wheel.arm(d, 2 * pow2(36) - 1);
    EXPECT_EQ(wheel.advance(8 * pow2(36)), 4U);
    EXPECT_EQ(log, (std::vector<int>{3, 1, 2, 0}));
}

TEST(TimerWheel, CancellingOverflowTimersRemovesThemAndMovesNextExpiry) {
    timer_wheel wheel;
    std::vector<int> log;
    probe early(log, 0);
    probe late(log, 1);
    wheel.arm(early, 2 * pow2(36) + 1);
    wheel.arm(late, 4 * pow2(36) + 1);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{2 * pow2(36)});

    EXPECT_TRUE(wheel.cancel(early));
    EXPECT_FALSE(early.armed());
    EXPECT_EQ(wheel.size(), 1U);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{4 * pow2(36)});

    late.disarm();
    EXPECT_EQ(wheel.size(), 0U);
    EXPECT_EQ(wheel.next_expiry(), std::nullopt);
    EXPECT_EQ(wheel.advance(5 * pow2(36)), 0U);
    EXPECT_TRUE(log.empty());
    EXPECT_FALSE(wheel.cancel(early));
}

TEST(TimerWheel, OverflowTimerArmedLateInTheRangeLandsInTheLevelsOfItsBlock) {
    // Arming near the end of one 2^36 block, a timer in the next block overflows; crossing into
    // that block must bring it back before it is due, together with a periodic timer's re-arms.
    timer_wheel wheel;
    std::vector<int> log;
    EXPECT_EQ(wheel.advance(pow2(36) - 10), 0U);
    probe far(log, 0);
    wheel.arm(far, pow2(36) + 3);
    probe ticker(log, 1);
    ticker.on_fire = [&wheel](probe& self) { wheel.arm(self, self.deadline() + 4); };
    wheel.arm(ticker, pow2(36) - 6);
    EXPECT_EQ(wheel.advance(pow2(36) + 3), 4U);
    // The ticker fired at -6, -2 and +2; the overflow timer at +3. The ticker is armed for +6.
    EXPECT_EQ(log, (std::vector<int>{1, 1, 1, 0}));
    EXPECT_EQ(ticker.deadline(), pow2(36) + 6);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{pow2(36) + 6});
}

// --- Ordering and rounding -----------------------------------------------------------------------

TEST(TimerWheel, TimersSharingATickFireByDeadlineThenInArmingOrder) {
    timer_wheel wheel(10);
    std::vector<int> log;
    // All round up to tick 3 (deadlines 21..30 with a tick of 10).
    const std::vector<std::uint64_t> deadlines = {25, 21, 30, 21, 29, 22, 30};
    std::vector<std::unique_ptr<probe>> timers;
    for (std::size_t i = 0; i < deadlines.size(); ++i) {
        timers.push_back(std::make_unique<probe>(log, static_cast<int>(i)));
        wheel.arm(*timers.back(), deadlines[i]);
    }
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{30});
    EXPECT_EQ(wheel.advance(29), 0U);
    EXPECT_EQ(wheel.advance(30), deadlines.size());
    EXPECT_EQ(log, (std::vector<int>{1, 3, 5, 0, 4, 2, 6}));
}

TEST(TimerWheel, AHundredTimersSharingATickFireByDeadlineThenInArmingOrder) {
    // Large enough that the batch is really sorted (small sorts are insertion sorts, which keep
    // equal elements in order by accident); ten distinct deadlines, ten ties each, interleaved.
    timer_wheel wheel(10);
    std::vector<int> log;
    std::vector<std::unique_ptr<probe>> timers;
    for (int i = 0; i < 100; ++i) {
        timers.push_back(std::make_unique<probe>(log, i));
        wheel.arm(*timers.back(), 21 + static_cast<std::uint64_t>(i * 7 % 10));
    }
    EXPECT_EQ(wheel.advance(30), 100U);
    std::vector<int> expected;
    for (int offset = 0; offset < 10; ++offset) {
        for (int i = 0; i < 100; ++i) {
            if (i * 7 % 10 == offset) {
                expected.push_back(i);
            }
        }
    }
    EXPECT_EQ(log, expected);
}

// A batch of `count` probes with these deadlines must fire in (deadline, arming index) order.
std::vector<int> expected_firing_order(const std::vector<std::uint64_t>& deadlines,
                                       const std::vector<bool>& cancelled) {
    std::vector<int> order;
    for (std::size_t i = 0; i < deadlines.size(); ++i) {
        if (!cancelled[i]) {
            order.push_back(static_cast<int>(i));
        }
    }
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return deadlines[static_cast<std::size_t>(a)] < deadlines[static_cast<std::size_t>(b)];
    });
    return order;
}

TEST(TimerWheel, ThousandsOfTimersDueInOneTickFireByDeadlineThenArmingOrder) {
    // A million live timers put about a thousand in each 1 ms tick; batches that large take the
    // wheel's bucketed sort. Half are armed from far away (cascaded through the lanes of a level-1
    // slot), half directly into level 0, some are cancelled, and deadlines repeat (500 values).
    constexpr std::uint64_t ms = 1'000'000;
    timer_wheel wheel(ms);
    std::vector<int> log;
    std::vector<std::unique_ptr<probe>> timers;
    std::vector<std::uint64_t> deadlines;
    std::vector<bool> cancelled;
    std::uint64_t state = 12345;
    auto arm_some = [&](std::size_t count) {
        for (std::size_t i = 0; i < count; ++i) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            const std::uint64_t deadline = 99 * ms + 1 + (state >> 33) % 500 * 2000;
            timers.push_back(std::make_unique<probe>(log, static_cast<int>(timers.size())));
            wheel.arm(*timers.back(), deadline); // tick 100
            deadlines.push_back(deadline);
            cancelled.push_back(false);
        }
    };
    arm_some(1500);
    EXPECT_EQ(wheel.advance(70 * ms), 0U); // tick 64 cascaded them into level 0
    arm_some(1500);
    for (std::size_t i = 0; i < timers.size(); i += 7) {
        EXPECT_TRUE(wheel.cancel(*timers[i]));
        cancelled[i] = true;
    }
    const std::vector<int> expected = expected_firing_order(deadlines, cancelled);
    EXPECT_EQ(wheel.advance(99 * ms), 0U);
    EXPECT_EQ(wheel.advance(100 * ms), expected.size());
    EXPECT_EQ(log, expected);
}

TEST(TimerWheel, HundredsOfOverdueTimersFarApartFireInDeadlineOrder) {
    // One batch whose deadlines span the whole 62-bit range, with clusters and ties: the bucketed
    // sort must cope with a skewed spread.
    constexpr std::uint64_t now = std::uint64_t{1} << 62;
    timer_wheel wheel(1, now);
    std::vector<int> log;
    std::vector<std::unique_ptr<probe>> timers;
    std::vector<std::uint64_t> deadlines;
    for (std::uint64_t i = 0; i < 600; ++i) {
        const std::uint64_t deadline =
            i % 3 == 0 ? now - (i * 7919 % 600) * (now / 600) : 1000 + i % 50;
        timers.push_back(std::make_unique<probe>(log, static_cast<int>(i)));
        wheel.arm(*timers.back(), deadline);
        deadlines.push_back(deadline);
    }
    const std::vector<int> expected =
        expected_firing_order(deadlines, std::vector<bool>(deadlines.size(), false));
    EXPECT_EQ(wheel.advance(now), deadlines.size());
    EXPECT_EQ(log, expected);
}

TEST(TimerWheel, HundredsOfTimersWithOneDeadlineFireInArmingOrderAfterACascade) {
    // Equal deadlines leave the bucketed sort one bucket; a cascade with gaps (cancellations)
    // interleaves the lanes out of arming order, so the tie-break really has to sort.
    timer_wheel wheel;
    std::vector<int> log;
    std::vector<std::unique_ptr<probe>> timers;
    std::vector<bool> cancelled;
    for (int i = 0; i < 400; ++i) {
        timers.push_back(std::make_unique<probe>(log, i));
        wheel.arm(*timers.back(), 100);
        cancelled.push_back(i % 5 == 0 || i % 11 == 0);
    }
    for (std::size_t i = 0; i < timers.size(); ++i) {
        if (cancelled[i]) {
            timers[i]->disarm();
        }
    }
    const std::vector<int> expected =
        expected_firing_order(std::vector<std::uint64_t>(timers.size(), 100), cancelled);
    EXPECT_EQ(wheel.advance(100), expected.size());
    EXPECT_EQ(log, expected);
}

TEST(TimerWheel, ReArmingGivesATimerANewPlaceAmongEqualDeadlines) {
    timer_wheel wheel(10);
    std::vector<int> log;
    probe a(log, 0);
    probe b(log, 1);
    wheel.arm(a, 50);
    wheel.arm(b, 50);
    wheel.arm(a, 50); // arming again counts as arming last
    EXPECT_EQ(wheel.size(), 2U);
    EXPECT_EQ(wheel.advance(50), 2U);
    EXPECT_EQ(log, (std::vector<int>{1, 0}));
}

TEST(TimerWheel, ATimerCascadedIntoATickIsOrderedWithTimersArmedThereDirectly) {
    // `cascaded` is armed while its tick is still in level 1 and is appended to a level-0 slot by
    // the cascade; the others are armed into that slot afterwards. The batch must still come out
    // in deadline order, ties in arming order, whatever order the slot's list is in.
    timer_wheel wheel(10);
    std::vector<int> log;
    probe cascaded(log, 0);
    probe earlier(log, 1);
    probe tie(log, 2);
    wheel.arm(cascaded, 1005); // tick 101
    EXPECT_EQ(wheel.advance(700), 0U);
    wheel.arm(tie, 1005);
    wheel.arm(earlier, 1001);
    EXPECT_EQ(wheel.advance(1010), 3U);
    EXPECT_EQ(log, (std::vector<int>{1, 0, 2}));
}

TEST(TimerWheel, NoTimerFiresBeforeItsDeadlineWhenATickSpansManyUnits) {
    constexpr std::uint64_t tick = 1000;
    timer_wheel wheel(tick);
    const std::vector<std::uint64_t> deadlines = {1,    999,  1000,   1001,  1999,
                                                  2000, 2001, 64'999, 65'001};
    std::vector<int> log;
    std::vector<std::unique_ptr<probe>> timers;
    for (std::size_t i = 0; i < deadlines.size(); ++i) {
        timers.push_back(std::make_unique<probe>(log, static_cast<int>(i)));
        wheel.arm(*timers.back(), deadlines[i]);
    }
    // Step through time one unit at a time: each timer fires at the first multiple of the tick at
    // or after its deadline (the deadline rounded up), never earlier and never later.
    std::vector<std::uint64_t> fired_at(deadlines.size(), 0);
    for (std::uint64_t now = 0; now <= 70'000; ++now) {
        const std::size_t before = log.size();
        const std::size_t fired = wheel.advance(now);
        EXPECT_EQ(fired, log.size() - before);
        for (std::size_t i = before; i < log.size(); ++i) {
            fired_at[static_cast<std::size_t>(log[i])] = now;
        }
    }
    for (std::size_t i = 0; i < deadlines.size(); ++i) {
        const std::uint64_t rounded_up = (deadlines[i] + tick - 1) / tick * tick;
        EXPECT_EQ(fired_at[i], rounded_up) << "deadline " << deadlines[i];
        EXPECT_GE(fired_at[i], deadlines[i]);
    }
    EXPECT_EQ(log, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(TimerWheel, ATimerArmedAlreadyDueFiresOnTheNextAdvanceBeforeLaterTimers) {
    timer_wheel wheel(10);
    std::vector<int> log;
    probe later(log, 0);
    probe overdue(log, 1);
    EXPECT_EQ(wheel.advance(1000), 0U);
    wheel.arm(later, 1001);
    wheel.arm(overdue, 500);
    // Due timers make next_expiry() the current time, so the loop does not sleep.
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{1000});
    EXPECT_EQ(wheel.advance(1000), 1U);
    EXPECT_EQ(log, std::vector<int>{1});
    EXPECT_EQ(wheel.advance(1010), 1U);
    EXPECT_EQ(log, (std::vector<int>{1, 0}));
}

TEST(TimerWheel, ATimerArmedForTheCurrentTimeIsAlreadyDue) {
    timer_wheel wheel(1000, 5000);
    std::vector<int> log;
    probe at_start(log, 0);
    probe before_start(log, 1);
    wheel.arm(at_start, 5000);
    wheel.arm(before_start, 1);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{5000});
    EXPECT_EQ(wheel.advance(5000), 2U);
    EXPECT_EQ(log, (std::vector<int>{1, 0}));
}

TEST(TimerWheel, ADeadlineInTheLastPartialTickOfTheClockNeverFiresEarly) {
    // UINT64_MAX is not a multiple of 1000, so these deadlines round up past the last reachable
    // tick: no time the wheel can be advanced to is a whole tick at or after them.
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    constexpr std::uint64_t last_whole_tick_time = max - max % 1000;
    timer_wheel wheel(1000);
    std::vector<int> log;
    probe at_end(log, 0);
    probe in_last_tick(log, 1);
    probe on_last_tick(log, 2);
    wheel.arm(at_end, max);
    wheel.arm(in_last_tick, last_whole_tick_time + 1);
    wheel.arm(on_last_tick, last_whole_tick_time);
    EXPECT_EQ(wheel.advance(last_whole_tick_time - 1), 0U);
    EXPECT_EQ(wheel.advance(max), 1U);
    EXPECT_EQ(log, std::vector<int>{2});
    EXPECT_TRUE(at_end.armed());
    EXPECT_TRUE(in_last_tick.armed());
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{max}); // saturated, not wrapped
}

// --- Callbacks that arm and cancel ---------------------------------------------------------------

TEST(TimerWheel, ACallbackCanCancelALaterTimerOfTheSameBatch) {
    timer_wheel wheel;
    std::vector<int> log;
    probe first(log, 0);
    probe second(log, 1);
    probe third(log, 2);
    first.on_fire = [&](probe&) { EXPECT_TRUE(wheel.cancel(third)); };
    wheel.arm(first, 5);
    wheel.arm(second, 5);
    wheel.arm(third, 5);
    EXPECT_EQ(wheel.advance(5), 2U);
    EXPECT_EQ(log, (std::vector<int>{0, 1}));
    EXPECT_FALSE(third.armed());
    EXPECT_EQ(wheel.size(), 0U);
    EXPECT_EQ(wheel.advance(100), 0U);
}

TEST(TimerWheel, ACallbackCanCancelATimerOfALaterTick) {
    timer_wheel wheel;
    std::vector<int> log;
    probe first(log, 0);
    probe later(log, 1);
    probe last(log, 2);
    first.on_fire = [&](probe&) { later.disarm(); };
    wheel.arm(first, 5);
    wheel.arm(later, 9);
    wheel.arm(last, 200);
    EXPECT_EQ(wheel.advance(1000), 2U);
    EXPECT_EQ(log, (std::vector<int>{0, 2}));
    EXPECT_EQ(wheel.size(), 0U);
}

TEST(TimerWheel, ATimerIsDisarmedWhileItsCallbackRuns) {
    timer_wheel wheel;
    std::vector<int> log;
    probe timer(log, 0);
    timer.on_fire = [&](probe& self) {
        EXPECT_FALSE(self.armed());
        EXPECT_FALSE(wheel.cancel(self));
        EXPECT_EQ(wheel.size(), 0U);
    };
    wheel.arm(timer, 3);
    EXPECT_EQ(wheel.advance(3), 1U);
    EXPECT_EQ(log, std::vector<int>{0});
}

TEST(TimerWheel, APeriodicTimerReArmedFromItsCallbackFiresOncePerPeriod) {
    timer_wheel wheel;
    std::vector<int> log;
    std::vector<std::uint64_t> fired_at;
    probe periodic(log, 0);
    periodic.on_fire = [&](probe& self) {
        fired_at.push_back(self.deadline());
        wheel.arm(self, self.deadline() + 10);
    };
    wheel.arm(periodic, 10);
    // One big advance runs every period it covers, each at its own deadline...
    EXPECT_EQ(wheel.advance(100), 10U);
    EXPECT_EQ(fired_at, (std::vector<std::uint64_t>{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}));
    // ...and small steps fire it exactly when each period ends.
    for (std::uint64_t now = 101; now <= 200; ++now) {
        EXPECT_EQ(wheel.advance(now), now % 10 == 0 ? 1U : 0U) << "at " << now;
    }
    EXPECT_EQ(fired_at.size(), 20U);
    EXPECT_EQ(wheel.size(), 1U);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{210});
}

TEST(TimerWheel, ATimerArmedAlreadyDueFromACallbackFiresAfterTheCurrentBatch) {
    timer_wheel wheel;
    std::vector<int> log;
    probe first(log, 0);
    probe second(log, 1);
    probe next_tick(log, 2);
    probe spawned_late(log, 3);
    probe spawned_early(log, 4);
    first.on_fire = [&](probe&) {
        wheel.arm(spawned_late, 3);
        wheel.arm(spawned_early, 1);
    };
    wheel.arm(first, 5);
    wheel.arm(second, 5);
    wheel.arm(next_tick, 6);
    EXPECT_EQ(wheel.advance(6), 5U);
    // The spawned timers have the earliest deadlines, but they joined after the batch of tick 5
    // was taken; they form the next batch, itself in deadline order.
    EXPECT_EQ(log, (std::vector<int>{0, 1, 4, 3, 2}));
}

TEST(TimerWheel, ACallbackCanArmATimerThatFiresLaterInTheSameAdvance) {
    timer_wheel wheel;
    std::vector<int> log;
    probe first(log, 0);
    probe spawned(log, 1);
    first.on_fire = [&](probe&) { wheel.arm(spawned, 200); };
    wheel.arm(first, 5);
    EXPECT_EQ(wheel.advance(300), 2U);
    EXPECT_EQ(log, (std::vector<int>{0, 1}));
}

TEST(TimerWheel, ACallbackCanReArmALaterTimerOfTheSameBatch) {
    timer_wheel wheel;
    std::vector<int> log;
    probe first(log, 0);
    probe second(log, 1);
    first.on_fire = [&](probe&) { wheel.arm(second, 20); };
    wheel.arm(first, 5);
    wheel.arm(second, 5);
    EXPECT_EQ(wheel.advance(10), 1U);
    EXPECT_EQ(log, std::vector<int>{0});
    EXPECT_TRUE(second.armed());
    EXPECT_EQ(wheel.advance(19), 0U);
    EXPECT_EQ(wheel.advance(20), 1U);
    EXPECT_EQ(log, (std::vector<int>{0, 1}));
}

TEST(TimerWheel, ACallbackCanDestroyALaterTimerOfTheSameBatch) {
    timer_wheel wheel;
    std::vector<int> log;
    probe first(log, 0);
    auto doomed = std::make_unique<probe>(log, 1);
    probe last(log, 2);
    first.on_fire = [&](probe&) { doomed.reset(); };
    wheel.arm(first, 5);
    wheel.arm(*doomed, 5);
    wheel.arm(last, 5);
    EXPECT_EQ(wheel.advance(5), 2U);
    EXPECT_EQ(log, (std::vector<int>{0, 2}));
    EXPECT_EQ(wheel.size(), 0U);
}

// --- Cancellation and lifetimes ------------------------------------------------------------------

TEST(TimerWheel, CancellingANeverArmedNodeIsSafeAndReturnsFalse) {
    timer_wheel wheel;
    std::vector<int> log;
    probe timer(log, 0);
    EXPECT_FALSE(wheel.cancel(timer));
    timer.disarm();
    EXPECT_FALSE(timer.armed());
    EXPECT_EQ(wheel.size(), 0U);
}

TEST(TimerWheel, CancellingAnAlreadyFiredNodeIsSafeAndReturnsFalse) {
    timer_wheel wheel;
    std::vector<int> log;
    probe timer(log, 0);
    probe other(log, 1);
    wheel.arm(timer, 1);
    wheel.arm(other, 2);
    EXPECT_EQ(wheel.advance(1), 1U);
    EXPECT_FALSE(wheel.cancel(timer));
    timer.disarm();
    EXPECT_EQ(wheel.size(), 1U);
    EXPECT_TRUE(other.armed());
}

TEST(TimerWheel, CancellingTwiceReturnsTrueThenFalse) {
    timer_wheel wheel;
    std::vector<int> log;
    probe timer(log, 0);
    wheel.arm(timer, 100);
    EXPECT_TRUE(wheel.cancel(timer));
    EXPECT_FALSE(wheel.cancel(timer));
    EXPECT_EQ(wheel.size(), 0U);
    EXPECT_EQ(wheel.advance(1000), 0U);
    EXPECT_TRUE(log.empty());
}

TEST(TimerWheel, AnotherWheelCannotCancelATimerItDoesNotHold) {
    timer_wheel mine;
    timer_wheel other;
    std::vector<int> log;
    probe timer(log, 0);
    mine.arm(timer, 10);
    EXPECT_FALSE(other.cancel(timer));
    EXPECT_TRUE(timer.armed());
    EXPECT_EQ(mine.size(), 1U);
    EXPECT_EQ(mine.advance(10), 1U);
}

TEST(TimerWheel, ArmingATimerHeldByAnotherWheelMovesIt) {
    timer_wheel first;
    timer_wheel second;
    std::vector<int> log;
    probe timer(log, 0);
    first.arm(timer, 10);
    second.arm(timer, 20);
    EXPECT_EQ(first.size(), 0U);
    EXPECT_EQ(second.size(), 1U);
    EXPECT_EQ(first.advance(100), 0U);
    EXPECT_EQ(second.advance(100), 1U);
    EXPECT_EQ(log, std::vector<int>{0});
}

TEST(TimerWheel, DestroyingAnArmedNodeCancelsIt) {
    timer_wheel wheel;
    std::vector<int> log;
    probe survivor(log, 0);
    auto doomed = std::make_unique<probe>(log, 1);
    wheel.arm(*doomed, 70); // level 1, sharing a slot with the survivor
    wheel.arm(survivor, 71);
    doomed.reset();
    EXPECT_EQ(wheel.size(), 1U);
    EXPECT_EQ(wheel.advance(1000), 1U);
    EXPECT_EQ(log, std::vector<int>{0});
}

TEST(TimerWheel, DestroyingTheWheelDisarmsEveryNodeStillArmed) {
    auto wheel = std::make_unique<timer_wheel>(1, 100);
    std::vector<int> log;
    // One timer in each place a node can be: due, every level, the overflow list.
    const std::vector<std::uint64_t> deadlines = {50,       101,      200,      5000,
                                                  pow2(19), pow2(25), pow2(31), pow2(40)};
    std::vector<std::unique_ptr<probe>> timers;
    for (std::size_t i = 0; i < deadlines.size(); ++i) {
        timers.push_back(std::make_unique<probe>(log, static_cast<int>(i)));
        wheel->arm(*timers.back(), deadlines[i]);
    }
    EXPECT_EQ(wheel->size(), deadlines.size());
    wheel.reset();
    for (const auto& timer : timers) {
        EXPECT_FALSE(timer->armed());
        timer->disarm(); // must not reach back into the destroyed wheel
    }
    timers.clear(); // neither must the destructors
    EXPECT_TRUE(log.empty());
}

// --- Timers a level-1 slot has cascaded into level 0 --------------------------------------------

TEST(TimerWheel, CancellingACascadedTimerRemovesItAndMovesNextExpiry) {
    timer_wheel wheel;
    std::vector<int> log;
    probe early(log, 0);
    probe late(log, 1);
    wheel.arm(early, 70); // level 1's slot for ticks 64..127
    wheel.arm(late, 80);
    EXPECT_EQ(wheel.advance(64), 0U); // cascades that slot into level 0
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{70});
    EXPECT_TRUE(early.armed());
    EXPECT_TRUE(wheel.cancel(early));
    EXPECT_FALSE(wheel.cancel(early));
    EXPECT_EQ(wheel.size(), 1U);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{80});
    EXPECT_EQ(wheel.advance(79), 0U);
    EXPECT_EQ(wheel.advance(80), 1U);
    EXPECT_EQ(log, std::vector<int>{1});
    EXPECT_EQ(wheel.next_expiry(), std::nullopt);
}

TEST(TimerWheel, ACascadedTimerReArmedIntoItsOwnTickFiresOnceInItsNewPlace) {
    timer_wheel wheel;
    std::vector<int> log;
    probe moved(log, 0);
    probe stays(log, 1);
    wheel.arm(moved, 70);
    wheel.arm(stays, 70);
    EXPECT_EQ(wheel.advance(64), 0U);
    wheel.arm(moved, 70); // cancelled and armed again: now the later of the two
    EXPECT_EQ(wheel.size(), 2U);
    EXPECT_EQ(wheel.advance(70), 2U);
    EXPECT_EQ(log, (std::vector<int>{1, 0}));
    EXPECT_EQ(wheel.advance(1000), 0U);
}

TEST(TimerWheel, DestroyingTheWheelDisarmsTimersCascadedIntoLevelZero) {
    auto wheel = std::make_unique<timer_wheel>();
    std::vector<int> log;
    std::vector<std::unique_ptr<probe>> timers;
    for (int i = 0; i < 100; ++i) {
        timers.push_back(std::make_unique<probe>(log, i));
        wheel->arm(*timers.back(), 64 + static_cast<std::uint64_t>(i % 64));
    }
    EXPECT_EQ(wheel->advance(64), 2U); // ticks 65..127 wait in level 0
    EXPECT_EQ(wheel->size(), 98U);
    wheel.reset();
    for (const auto& timer : timers) {
        EXPECT_FALSE(timer->armed());
        timer->disarm(); // must not reach back into the destroyed wheel
    }
    timers.clear(); // neither must the destructors
    EXPECT_EQ(log, (std::vector<int>{0, 64}));
}

// --- next_expiry(), size(), advance() ------------------------------------------------------------

TEST(TimerWheel, NextExpiryIsEmptyWithoutTimers) {
    timer_wheel wheel(1000);
    EXPECT_EQ(wheel.next_expiry(), std::nullopt);
    EXPECT_EQ(wheel.advance(5000), 0U);
    EXPECT_EQ(wheel.next_expiry(), std::nullopt);
}

TEST(TimerWheel, NextExpiryIsTheRoundedUpDeadlineForALevelZeroTimer) {
    timer_wheel wheel(1000);
    std::vector<int> log;
    probe timer(log, 0);
    wheel.arm(timer, 5500);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{6000});
}

TEST(TimerWheel, NextExpiryOfACoarseTimerIsItsSlotStart) {
    timer_wheel wheel(1000);
    std::vector<int> log;
    probe timer(log, 0);
    // Tick 100'001 lies in level 2 (between 2^12 and 2^18); its slot starts at tick 98'304.
    wheel.arm(timer, 100'000'500);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{98'304'000});
    EXPECT_EQ(wheel.advance(98'304'000), 0U);
    // Cascaded to level 1, into the 64-tick slot that starts at tick 99'968.
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{99'968'000});
    EXPECT_EQ(wheel.advance(99'968'000), 0U);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{100'001'000});
}

TEST(TimerWheel, NextExpiryIsTheEarliestOfSeveralTimersAndFollowsCancellation) {
    timer_wheel wheel;
    std::vector<int> log;
    probe far(log, 0);
    probe near(log, 1);
    probe mid(log, 2);
    wheel.arm(far, pow2(20) + 3);
    wheel.arm(near, 10);
    wheel.arm(mid, 100);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{10});
    near.disarm();
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{64});
    mid.disarm();
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{pow2(18) * 4});
}

TEST(TimerWheel, SizeCountsArmedTimersThroughArmReArmCancelAndFire) {
    timer_wheel wheel;
    std::vector<int> log;
    probe a(log, 0);
    probe b(log, 1);
    probe c(log, 2);
    EXPECT_TRUE(wheel.empty());
    wheel.arm(a, 10);
    wheel.arm(b, 20);
    wheel.arm(c, pow2(40));
    EXPECT_EQ(wheel.size(), 3U);
    wheel.arm(a, 15);
    EXPECT_EQ(wheel.size(), 3U);
    EXPECT_TRUE(wheel.cancel(c));
    EXPECT_EQ(wheel.size(), 2U);
    EXPECT_EQ(wheel.advance(15), 1U);
    EXPECT_EQ(wheel.size(), 1U);
    EXPECT_EQ(wheel.advance(20), 1U);
    EXPECT_EQ(wheel.size(), 0U);
    EXPECT_TRUE(wheel.empty());
}

TEST(TimerWheel, AdvancingWithAnEarlierTimeIsHarmless) {
    timer_wheel wheel(10);
    std::vector<int> log;
    probe pending(log, 0);
    EXPECT_EQ(wheel.advance(1000), 0U);
    wheel.arm(pending, 1050);
    EXPECT_EQ(wheel.advance(20), 0U);
    EXPECT_EQ(wheel.elapsed_tick(), 100U);
    EXPECT_EQ(wheel.next_expiry(), std::optional<std::uint64_t>{1050});
    EXPECT_EQ(wheel.advance(1049), 0U);
    EXPECT_EQ(wheel.advance(0), 0U);
    EXPECT_EQ(wheel.advance(1050), 1U);
    EXPECT_EQ(log, std::vector<int>{0});
}

TEST(TimerWheel, ATimerOverdueBeforeTimeWentBackwardsStillFires) {
    // The wheel has already seen time 1000, so a deadline of 500 is due whatever `now` says.
    timer_wheel wheel(10);
    std::vector<int> log;
    probe overdue(log, 0);
    EXPECT_EQ(wheel.advance(1000), 0U);
    wheel.arm(overdue, 500);
    EXPECT_EQ(wheel.advance(20), 1U);
    EXPECT_EQ(wheel.elapsed_tick(), 100U);
}

} // namespace
