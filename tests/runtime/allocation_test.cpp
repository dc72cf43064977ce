// SPDX-License-Identifier: MIT
// The hot paths never allocate once warmed up: resuming a ready task, handing an item through a
// queue to a parked task, setting an event, and sleeping (arming and firing a timer). This test
// replaces the global allocation functions to count every allocation in the process.
#include <corio/runtime/event_loop.hpp>

#include <corio/runtime/gather.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/sync/queue.hpp>
#include <corio/runtime/yield.hpp>

#include "support/trace_environment.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> allocations{0};
} // namespace

// Counting replacements of the global allocation functions (the array and aligned forms forward
// to these by default). They pair malloc with free on purpose; g++ 12 cannot tell, once it
// inlines them into a new-expression, and warns about a mismatch.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* memory = std::malloc(size == 0 ? 1 : size)) {
        return memory;
    }
    throw std::bad_alloc();
}
void operator delete(void* memory) noexcept {
    std::free(memory);
}
void operator delete(void* memory, std::size_t /*size*/) noexcept {
    std::free(memory);
}

namespace {

using namespace std::chrono_literals;

// Runs `steps` rounds of `body` twice: once to warm up (queues and buffers reach their working
// size, the frame cache fills), then again while counting allocations.
template <class Body>
std::size_t allocations_in_steady_state(Body body) {
    std::size_t counted = 0;
    auto main_task = [&]() -> corio::task<> {
        co_await body();
        const std::size_t before = allocations.load();
        co_await body();
        counted = allocations.load() - before;
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    return counted;
}

corio::task<> yield_many(int times) {
    for (int i = 0; i < times; ++i) {
        co_await corio::yield_now();
    }
}

TEST(Allocation, ResumingReadyTasksDoesNotAllocate) {
    const corio_test::tracing_off_in_this_test untraced; // counts the untraced loop
    // Four tasks take 1000 turns each through the ready queue. (Coroutine frames come from the
    // loop's frame allocator, not operator new, so spawning them does not count either.)
    auto yielders = [&]() -> corio::task<> {
        co_await corio::gather(yield_many(1000), yield_many(1000), yield_many(1000),
                               yield_many(1000));
    };
    EXPECT_EQ(allocations_in_steady_state(yielders), 0U) << "4000 resumptions allocated";
}

TEST(Allocation, QueueHandOffsEventsAndSleepsDoNotAllocate) {
    const corio_test::tracing_off_in_this_test untraced; // counts the untraced loop
    corio::queue<int> to_consumer{1};
    corio::event done;
    auto producer_and_consumer = [&]() -> corio::task<> {
        int received = 0;
        auto consumer = [&]() -> corio::task<> {
            for (int i = 0; i < 1000; ++i) {
                received += co_await to_consumer.get();
                co_await corio::sleep_for(1ms); // arms and fires a timer each time
            }
            done.set();
        };
        auto handle = corio::spawn(consumer());
        for (int i = 0; i < 1000; ++i) {
            co_await to_consumer.put(1);
        }
        co_await done.wait();
        done.clear();
        co_await handle;
        EXPECT_EQ(received, 1000);
    };
    // The only allocation in a phase is the consumer's frame, and the frame cache serves it.
    EXPECT_EQ(allocations_in_steady_state(producer_and_consumer), 0U);
}

} // namespace
