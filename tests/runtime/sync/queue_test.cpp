// SPDX-License-Identifier: MIT
// corio::queue against asyncio.Queue's documented behaviour.
#include <corio/runtime/sync/queue.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

TEST(Queue, CloseLetsGettersDrainWhatIsLeftThenFailsThem) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::queue<int> q;
        co_await q.put(1);
        co_await q.put(2);
        q.close();
        q.close(); // idempotent
        EXPECT_TRUE(q.closed());
        EXPECT_THROW(co_await q.put(3), corio::queue_closed);
        EXPECT_THROW(q.put_nowait(3), corio::queue_closed);
        EXPECT_EQ(co_await q.get(), 1);
        EXPECT_EQ(q.get_nowait(), 2);
        EXPECT_THROW(co_await q.get(), corio::queue_closed);
        EXPECT_THROW(q.get_nowait(), corio::queue_closed);
        EXPECT_EQ(q.size(), 0U);
    };
    corio::run(main_task());
}

TEST(Queue, CloseWakesEveryWaitingGetterAndPutterWithQueueClosed) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::queue<int> empty;
        corio::queue<std::string> full{1};
        co_await full.put("kept");
        auto get_one = [](corio::queue<int>& q) -> corio::task<bool> {
            try {
                co_await q.get();
                co_return false;
            } catch (const corio::queue_closed&) {
                co_return true;
            }
        };
        auto put_one = [](corio::queue<std::string>& q) -> corio::task<bool> {
            try {
                co_await q.put("dropped");
                co_return false;
            } catch (const corio::queue_closed&) {
                co_return true;
            }
        };
        auto a = corio::spawn(get_one(empty));
        auto b = corio::spawn(get_one(empty));
        auto c = corio::spawn(put_one(full));
        co_await corio::yield_now();
        EXPECT_FALSE(a.done() || b.done() || c.done());
        empty.close();
        full.close();
        EXPECT_TRUE(co_await a);
        EXPECT_TRUE(co_await b);
        EXPECT_TRUE(co_await c);
        EXPECT_EQ(full.get_nowait(), "kept") << "the waiting put's item was not enqueued";
        EXPECT_THROW(full.get_nowait(), corio::queue_closed);
    };
    corio::run(main_task());
}

TEST(Queue, AConsumerLoopEndsWhenTheProducerCloses) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<std::vector<int>> {
        corio::queue<int> work{2};
        auto producer = [](corio::queue<int>& q) -> corio::task<> {
            for (int item = 0; item < 5; ++item) {
                co_await q.put(item);
            }
            q.close();
        };
        auto consumer = [](corio::queue<int>& q) -> corio::task<std::vector<int>> {
            std::vector<int> got;
            try {
                for (;;) {
                    got.push_back(co_await q.get());
                    co_await corio::sleep_for(1ms);
                }
            } catch (const corio::queue_closed&) {
            }
            co_return got;
        };
        auto [produced, consumed] =
            co_await corio::gather(corio::spawn(producer(work)), corio::spawn(consumer(work)));
        (void)produced;
        co_return consumed;
    };
    EXPECT_EQ(corio::run(main_task(), corio::loop_options::with_virtual_time()),
              (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Queue, ItemsComeOutInFifoOrder) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::queue<int> q;
        for (int work : {15, 10, 5, 2}) {
            co_await q.put(work);
        }
        EXPECT_EQ(q.size(), 4U);
        std::vector<int> out;
        while (!q.empty()) {
            out.push_back(co_await q.get());
        }
        EXPECT_EQ(out, (std::vector<int>{15, 10, 5, 2}));
    };
    corio::run(main_task());
}

TEST(Queue, NowaitVariantsThrowOnEmptyAndFull) {
    corio::queue<int> q{1};
    EXPECT_THROW((void)q.get_nowait(), corio::queue_empty);
    q.put_nowait(1);
    EXPECT_TRUE(q.full());
    EXPECT_THROW(q.put_nowait(2), corio::queue_full);
    EXPECT_EQ(q.get_nowait(), 1);
    EXPECT_TRUE(q.empty());
}

TEST(Queue, MaxsizeZeroMeansUnbounded) {
    corio::queue<int> q;
    for (int i = 0; i < 10000; ++i) {
        q.put_nowait(i);
    }
    EXPECT_FALSE(q.full());
    EXPECT_EQ(q.size(), 10000U);
    EXPECT_EQ(q.maxsize(), 0U);
}

TEST(Queue, GetWaitsForAPutAndGettersAreServedInArrivalOrder) {
    corio_test::leak_check check;
    std::vector<std::string> got;
    corio::queue<std::string> q;
    auto getter = [&](std::string name) -> corio::task<> {
        got.push_back(name + ":" + co_await q.get());
    };
    auto main_task = [&]() -> corio::task<> {
        auto first = corio::spawn(getter("first"));
        auto second = corio::spawn(getter("second"));
        co_await corio::yield_now(); // both park
        q.put_nowait("x");
        q.put_nowait("y");
        co_await first;
        co_await second;
    };
    corio::run(main_task());
    EXPECT_EQ(got, (std::vector<std::string>{"first:x", "second:y"}));
}

TEST(Queue, PutWaitsWhileFullAndResumesWhenAGetMakesRoom) {
    corio_test::leak_check check;
    std::vector<std::string> trace;
    corio::queue<int> q{1};
    auto producer = [&]() -> corio::task<> {
        for (int i = 1; i <= 3; ++i) {
            co_await q.put(i);
            trace.push_back("put " + std::to_string(i));
        }
    };
    auto consumer = [&]() -> corio::task<> {
        for (int i = 1; i <= 3; ++i) {
            co_await corio::sleep_for(1ms);
            trace.push_back("got " + std::to_string(co_await q.get()));
        }
    };
    auto main_task = [&]() -> corio::task<> { co_await corio::gather(producer(), consumer()); };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(trace,
              (std::vector<std::string>{"put 1", "got 1", "put 2", "got 2", "put 3", "got 3"}));
}

TEST(Queue, AnItemHandedToAWaitingGetterCannotBeStolenByGetNowait) {
    corio_test::leak_check check;
    corio::queue<int> q;
    int received = 0;
    auto getter = [&]() -> corio::task<> { received = co_await q.get(); };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(getter());
        co_await corio::yield_now();
        q.put_nowait(42);
        EXPECT_THROW((void)q.get_nowait(), corio::queue_empty); // already promised to the getter
        co_await handle;
        EXPECT_EQ(received, 42);
    };
    corio::run(main_task());
}

TEST(Queue, TaskDoneAndJoinTrackUnfinishedItems) {
    corio_test::leak_check check;
    corio::queue<int> q;
    std::vector<int> processed;
    auto worker = [&]() -> corio::task<> {
        for (;;) {
            const int item = co_await q.get();
            co_await corio::sleep_for(std::chrono::milliseconds(item));
            processed.push_back(item);
            q.task_done();
        }
    };
    auto main_task = [&]() -> corio::task<> {
        for (int item : {3, 1, 2}) {
            q.put_nowait(item);
        }
        auto handle = corio::spawn(worker());
        co_await q.join();
        EXPECT_EQ(processed.size(), 3U);
        EXPECT_EQ(q.unfinished_tasks(), 0U);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(processed, (std::vector<int>{3, 1, 2}));
}

TEST(Queue, TaskDoneCalledTooOftenIsAUsageError) {
    corio::queue<int> q;
    q.put_nowait(1);
    (void)q.get_nowait();
    q.task_done();
    EXPECT_THROW(q.task_done(), corio::usage_error);
}

TEST(Queue, JoinOnAQueueWithNothingUnfinishedReturnsAtOnce) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::queue<int> q;
        co_await q.join();
    };
    corio::run(main_task());
}

TEST(Queue, MoveOnlyItemsAreSupported) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        corio::queue<std::unique_ptr<int>> q{2};
        co_await q.put(std::make_unique<int>(5));
        std::unique_ptr<int> item = co_await q.get();
        EXPECT_EQ(*item, 5);
    };
    corio::run(main_task());
}

TEST(Queue, ACancelledGetLeavesLaterItemsForOtherGetters) {
    corio_test::leak_check check;
    corio::queue<int> q;
    auto getter = [&]() -> corio::task<int> { co_return co_await q.get(); };
    auto main_task = [&]() -> corio::task<> {
        auto cancelled = corio::spawn(getter());
        auto survivor = corio::spawn(getter());
        co_await corio::yield_now();
        cancelled.cancel();
        co_await corio::yield_now();
        q.put_nowait(9);
        EXPECT_THROW(co_await cancelled, corio::cancelled_error);
        EXPECT_EQ(co_await survivor, 9);
    };
    corio::run(main_task());
}

TEST(Queue, ACancelledPutDoesNotEnqueueItsItem) {
    corio_test::leak_check check;
    corio::queue<int> q{1};
    auto putter = [&]() -> corio::task<> { co_await q.put(2); };
    auto main_task = [&]() -> corio::task<> {
        q.put_nowait(1);
        auto handle = corio::spawn(putter());
        co_await corio::yield_now();
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
        EXPECT_EQ(q.get_nowait(), 1);
        EXPECT_TRUE(q.empty());
    };
    corio::run(main_task());
}

TEST(Queue, AGetThatCompletedBeforeACancelArrivedStillDeliversItsItem) {
    corio_test::leak_check check;
    corio::queue<int> q;
    int got = 0;
    bool cancelled_later = false;
    auto getter = [&]() -> corio::task<> {
        got = co_await q.get();
        try {
            co_await corio::yield_now(); // the pending cancellation fires here instead
        } catch (const corio::cancelled_error&) {
            cancelled_later = true;
        }
    };
    auto main_task = [&]() -> corio::task<> {
        auto handle = corio::spawn(getter());
        co_await corio::yield_now();
        q.put_nowait(5); // hands the item over and schedules the getter...
        handle.cancel(); // ...which is cancelled before it runs
        co_await handle;
    };
    corio::run(main_task());
    EXPECT_EQ(got, 5);
    EXPECT_TRUE(cancelled_later);
}

} // namespace
