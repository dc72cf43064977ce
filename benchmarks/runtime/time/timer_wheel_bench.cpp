// SPDX-License-Identifier: MIT
// timer_wheel_bench.cpp - the hierarchical timer wheel against a binary-heap timer queue, with
// 10k, 100k and 1M timers live. Results and the command that produced them: docs/performance.md.
//
// Time is in nanoseconds with a 1 ms tick, as in the event loop; every deadline is uniformly
// random in [now, now + 1000 ms]. Both queues run the same template on the same deadlines:
//
//   InsertCancel<q>/N  N timers live. Each op arms one more timer and cancels it before it
//                      fires: a timeout around an I/O call that completes in time.
//   RearmOldest<q>/N   N timers live. Each op cancels the timer armed longest ago and arms it
//                      again with a fresh deadline: connections pushing their idle timeouts back.
//                      Its list neighbours are cold, so with 1M timers (64 MiB of nodes) every op
//                      pays a cache miss: the worst case for the wheel's insert+cancel.
//   InsertFire<q>/N    arm N timers, then advance time in 1 ms steps until all have fired; each
//                      fire calls the timer's callback. per_timer = arming + all the queue's work
//                      to fire it (cascades and batch sorting for the wheel, pops for the heap).
//   MemoryFloor/N      no queue at all: the memory traffic that any queue of intrusive timers pays
//                      in InsertFire. Arming writes each 64-byte node once, in array order; firing
//                      calls each node's callback in a random order given in advance, prefetched
//                      32 nodes ahead. Its growth from 10k to 1M is what cache and TLB misses
//                      alone add; the rest of a queue's growth is its own.
//
// In the two insert+cancel workloads the Time column is one insert+cancel pair; time stands still,
// so in steady state nothing fires.
//
// The reference queue is a std::priority_queue of (deadline, sequence, timer*) entries with lazy
// cancellation as asyncio does it: cancel() only flags the timer; stale entries are dropped when
// they reach the top, and the heap is rebuilt without them once more than half of its entries
// (and over 100) are stale. That keeps cancel O(1) and the key inside the entry, so comparisons
// never chase pointers: a fair, fast heap (faster than libuv's pointer-linked heap).
#include "time/timer_wheel.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <queue>
#include <random>
#include <vector>

namespace {

constexpr std::uint64_t millisecond = 1'000'000; // ns
constexpr std::uint64_t horizon = 1000 * millisecond;

// Callbacks do a little work, like waking a task would, so neither queue's call is optimised out.
std::uint64_t fire_count = 0;

// Random deadline offsets, drawn once, so the generator is not part of what is measured. 2^20 of
// them (8 MiB, read sequentially) cycle through, enough that even 1M timers get distinct ones.
class deadline_offsets {
public:
    deadline_offsets()
        : table_(std::size_t{1} << 20) {
        std::mt19937_64 random(20240611);
        std::uniform_int_distribution<std::uint64_t> offset(0, horizon);
        for (std::uint64_t& value : table_) {
            value = offset(random);
        }
    }
    std::uint64_t next() noexcept { return table_[next_++ & (table_.size() - 1)]; }

private:
    std::vector<std::uint64_t> table_;
    std::size_t next_ = 0;
};

// --- The two queues behind one interface ---------------------------------------------------------

class wheel {
public:
    using timer = corio::detail::timer_node;

    static void prepare(timer& t) noexcept { t.set_callback(&on_expire); }
    void arm(timer& t, std::uint64_t deadline) noexcept { wheel_.arm(t, deadline); }
    bool cancel(timer& t) noexcept { return wheel_.cancel(t); }
    std::size_t advance(std::uint64_t now) { return wheel_.advance(now); }

private:
    static void on_expire(timer& /*unused*/) noexcept { ++fire_count; }

    corio::detail::timer_wheel wheel_{millisecond};
};

class heap {
public:
    struct timer {
        void (*on_expire)(timer&) noexcept = nullptr;
        std::uint64_t sequence = 0; // identifies the timer's one live entry
        bool armed = false;
    };

    static void prepare(timer& t) noexcept { t.on_expire = &on_expire; }

    void arm(timer& t, std::uint64_t deadline) {
        cancel(t);
        t.sequence = next_sequence_++;
        t.armed = true;
        entries_.push({deadline, t.sequence, &t});
    }

    bool cancel(timer& t) {
        if (!t.armed) {
            return false;
        }
        t.armed = false;
        // asyncio's rule (base_events.py): rebuild once stale entries are the majority.
        if (++stale_ > 100 && 2 * stale_ > entries_.size()) {
            entries_.drop_stale();
            stale_ = 0;
        }
        return true;
    }

    std::size_t advance(std::uint64_t now) {
        std::size_t fired = 0;
        while (!entries_.empty() && entries_.top().deadline <= now) {
            const entry top = entries_.top();
            entries_.pop();
            if (!top.live()) {
                --stale_;
                continue;
            }
            top.owner->armed = false;
            ++fired;
            top.owner->on_expire(*top.owner);
        }
        return fired;
    }

private:
    struct entry {
        std::uint64_t deadline;
        std::uint64_t sequence;
        timer* owner;
        [[nodiscard]] bool live() const noexcept {
            return owner->armed && owner->sequence == sequence;
        }
    };
    // priority_queue is a max-heap: order by "later" to pop the earliest (deadline, sequence).
    struct later {
        bool operator()(const entry& a, const entry& b) const noexcept {
            return a.deadline != b.deadline ? a.deadline > b.deadline : a.sequence > b.sequence;
        }
    };
    struct entry_heap : std::priority_queue<entry, std::vector<entry>, later> {
        // priority_queue keeps its container protected; compaction has to filter it.
        void drop_stale() {
            std::erase_if(c, [](const entry& e) { return !e.live(); });
            std::make_heap(c.begin(), c.end(), comp);
        }
    };

    static void on_expire(timer& /*unused*/) noexcept { ++fire_count; }

    entry_heap entries_;
    std::uint64_t next_sequence_ = 0;
    std::size_t stale_ = 0;
};

// --- The workloads -------------------------------------------------------------------------------

template <class Queue>
std::unique_ptr<typename Queue::timer[]> make_timers(std::size_t count) {
    auto timers = std::make_unique<typename Queue::timer[]>(count);
    for (std::size_t i = 0; i < count; ++i) {
        Queue::prepare(timers[i]);
    }
    return timers;
}

// Per-op (or per-timer) time, printed in seconds with an SI prefix: "25.1n" is 25.1 ns.
benchmark::Counter time_per(double items) {
    return benchmark::Counter(items, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <class Queue>
void InsertCancel(benchmark::State& state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    Queue queue;
    deadline_offsets offsets;
    auto timers = make_timers<Queue>(count + 1);
    const std::uint64_t now = 0;
    for (std::size_t i = 0; i < count; ++i) {
        queue.arm(timers[i], now + offsets.next());
    }
    auto& timeout = timers[count];
    for (auto _ : state) {
        queue.arm(timeout, now + offsets.next());
        benchmark::DoNotOptimize(queue.cancel(timeout));
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["per_op"] = time_per(static_cast<double>(state.iterations()));
}

template <class Queue>
void RearmOldest(benchmark::State& state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    Queue queue;
    deadline_offsets offsets;
    auto timers = make_timers<Queue>(count);
    const std::uint64_t now = 0;
    for (std::size_t i = 0; i < count; ++i) {
        queue.arm(timers[i], now + offsets.next());
    }
    std::size_t oldest = 0;
    for (auto _ : state) {
        auto& timer = timers[oldest];
        benchmark::DoNotOptimize(queue.cancel(timer));
        queue.arm(timer, now + offsets.next());
        oldest = oldest + 1 == count ? 0 : oldest + 1;
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["per_op"] = time_per(static_cast<double>(state.iterations()));
}

template <class Queue>
void InsertFire(benchmark::State& state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    Queue queue;
    deadline_offsets offsets;
    auto timers = make_timers<Queue>(count);
    std::uint64_t now = 0; // keeps running across iterations, as a loop's clock would
    for (auto _ : state) {
        for (std::size_t i = 0; i < count; ++i) {
            queue.arm(timers[i], now + offsets.next());
        }
        std::size_t fired = 0;
        while (fired < count) {
            now += millisecond;
            fired += queue.advance(now);
        }
    }
    benchmark::DoNotOptimize(fire_count);
    const auto timers_fired = static_cast<double>(state.iterations()) * static_cast<double>(count);
    state.SetItemsProcessed(static_cast<std::int64_t>(timers_fired));
    state.counters["per_timer"] = time_per(timers_fired);
}

// A node shaped like corio::detail::timer_node: the same size and the same fields touched.
struct floor_node {
    floor_node* prev = this;
    floor_node* next = this;
    void* owner = nullptr;
    void (*on_expire)(floor_node&) noexcept = nullptr;
    std::uint64_t deadline = 0;
    std::uint64_t tick = 0;
    std::uint64_t sequence = 0;
    std::int8_t location = 0;
};
static_assert(sizeof(floor_node) == sizeof(corio::detail::timer_node));

void on_floor_expire(floor_node& /*unused*/) noexcept {
    ++fire_count;
}

void MemoryFloor(benchmark::State& state) {
    const auto count = static_cast<std::size_t>(state.range(0));
    deadline_offsets offsets;
    auto nodes = std::make_unique<floor_node[]>(count);
    // The firing order: a random permutation, drawn once, so no sorting is measured.
    std::vector<floor_node*> order(count);
    for (std::size_t i = 0; i < count; ++i) {
        order[i] = &nodes[i];
    }
    std::shuffle(order.begin(), order.end(), std::mt19937_64(20240611));
    constexpr std::size_t prefetch_distance = 32;
    std::uint64_t now = 0;
    std::uint64_t sequence = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < count; ++i) {
            floor_node& node = nodes[i];
            node.deadline = now + offsets.next();
            node.tick = node.deadline / millisecond;
            node.sequence = sequence++;
            node.owner = &node;
            node.on_expire = &on_floor_expire;
        }
        for (std::size_t i = 0; i < count; ++i) {
            if (i + prefetch_distance < count) {
                corio::detail::prefetch(order[i + prefetch_distance]); // the wheel's own prefetch
            }
            floor_node& node = *order[i];
            node.owner = nullptr;
            node.on_expire(node);
        }
        now += horizon;
    }
    benchmark::DoNotOptimize(fire_count);
    const auto timers_fired = static_cast<double>(state.iterations()) * static_cast<double>(count);
    state.SetItemsProcessed(static_cast<std::int64_t>(timers_fired));
    state.counters["per_timer"] = time_per(timers_fired);
}

void sizes(benchmark::internal::Benchmark* b) {
    b->Arg(10'000)->Arg(100'000)->Arg(1'000'000);
}

BENCHMARK_TEMPLATE(InsertCancel, wheel)->Apply(sizes);
BENCHMARK_TEMPLATE(InsertCancel, heap)->Apply(sizes);
BENCHMARK_TEMPLATE(RearmOldest, wheel)->Apply(sizes);
BENCHMARK_TEMPLATE(RearmOldest, heap)->Apply(sizes);
BENCHMARK_TEMPLATE(InsertFire, wheel)->Apply(sizes)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(InsertFire, heap)->Apply(sizes)->Unit(benchmark::kMillisecond);
BENCHMARK(MemoryFloor)->Apply(sizes)->Unit(benchmark::kMillisecond);

} // namespace
