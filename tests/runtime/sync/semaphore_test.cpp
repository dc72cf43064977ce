// SPDX-License-Identifier: MIT
#include <corio/runtime/sync/semaphore.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <vector>

using namespace std::chrono_literals;

namespace {

TEST(Semaphore, LimitsHowManyTasksAreInsideAtOnce) {
    corio_test::leak_check check;
    corio::semaphore slots{2};
    int inside = 0;
    int most_inside = 0;
    auto worker = [&]() -> corio::task<> {
        corio::semaphore::permit permit = co_await slots.scoped_acquire();
        most_inside = std::max(most_inside, ++inside);
        co_await corio::sleep_for(10ms);
        --inside;
    };
    auto main_task = [&]() -> corio::task<> {
        const auto start = corio::now();
        std::vector<corio::task<>> workers;
        for (int i = 0; i < 6; ++i) {
            workers.push_back(worker());
        }
        co_await corio::gather(std::move(workers));
        EXPECT_EQ(corio::now() - start, 30ms); // 6 workers, 2 at a time, 10 ms each
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(most_inside, 2);
    EXPECT_EQ(slots.available(), 2U);
}

TEST(Semaphore, TryAcquireAndReleaseAdjustTheCount) {
    corio::semaphore slots{1};
    EXPECT_TRUE(slots.try_acquire());
    EXPECT_FALSE(slots.try_acquire());
    slots.release();
    EXPECT_EQ(slots.available(), 1U);
}

TEST(Semaphore, AcquireIsCancellable) {
    corio_test::leak_check check;
    corio::semaphore none{0};
    auto waiter = [&]() -> corio::task<> { co_await none.acquire(); };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(waiter());
        co_await corio::yield_now();
        EXPECT_EQ(none.waiting(), 1U);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
        EXPECT_EQ(none.waiting(), 0U);
        none.release();
        EXPECT_EQ(none.available(), 1U); // not handed to the cancelled waiter
    };
    corio::run(main_task());
}

} // namespace
