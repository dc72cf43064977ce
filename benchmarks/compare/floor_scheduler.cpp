// SPDX-License-Identifier: MIT
// The floor: the scheduler workloads of protocol.hpp with no runtime at all. A task is a bare
// C++20 coroutine, "ready" is a slot in a fixed ring buffer of coroutine handles, and the loop
// resumes them in order. Nothing else: no cancellation, no exceptions carried across tasks, no
// names, no tracing, no timers or I/O to poll. Whatever a runtime spends above this is its price.
#include "protocol.hpp"

#include <algorithm>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

volatile std::int64_t sink = 0;

// Ready coroutines, first in first out, in a power-of-two ring that doubles when full (the
// scheduler workloads never have more than a few ready at once; parked_task_bytes wakes many).
class ready_ring {
public:
    void push(std::coroutine_handle<> ready) {
        if (count_ == slots_.size()) {
            grow();
        }
        slots_[(head_ + count_) & (slots_.size() - 1)] = ready;
        ++count_;
    }
    void run() {
        while (count_ != 0) {
            const std::coroutine_handle<> next = slots_[head_];
            head_ = (head_ + 1) & (slots_.size() - 1);
            --count_;
            next.resume();
        }
    }

private:
    void grow() {
        std::vector<std::coroutine_handle<>> larger(slots_.size() * 2);
        for (std::size_t i = 0; i < count_; ++i) {
            larger[i] = slots_[(head_ + i) & (slots_.size() - 1)];
        }
        slots_ = std::move(larger);
        head_ = 0;
    }

    std::vector<std::coroutine_handle<>> slots_ = std::vector<std::coroutine_handle<>>(64);
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

ready_ring ready;

// A lazily started coroutine returning T (int or void), awaited by at most one other coroutine.
// Awaiting it directly is a call; spawn() makes it ready on the ring instead, and join() waits.
template <class T>
class task {
public:
    struct promise_base {
        std::coroutine_handle<> joiner;
        bool done = false;
        std::suspend_always initial_suspend() noexcept { return {}; }
        // The finished frame stays until its task object goes; it hands control straight back to
        // whoever waits for it (a joiner, or the caller that awaited it directly).
        auto final_suspend() noexcept {
            struct to_joiner {
                bool await_ready() noexcept { return false; }
                std::coroutine_handle<> await_suspend(std::coroutine_handle<>) noexcept {
                    return joiner ? joiner : std::noop_coroutine();
                }
                void await_resume() noexcept {}
                std::coroutine_handle<> joiner;
            };
            done = true;
            return to_joiner{joiner};
        }
        void unhandled_exception() noexcept { std::terminate(); }
    };
    struct value_promise : promise_base {
        T value{};
        void return_value(T result) noexcept { value = result; }
        T result() noexcept { return value; }
    };
    struct void_promise : promise_base {
        void return_void() noexcept {}
        void result() noexcept {}
    };
    struct promise_type : std::conditional_t<std::is_void_v<T>, void_promise, value_promise> {
        task get_return_object() noexcept {
            return task{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
    };

    explicit task(std::coroutine_handle<promise_type> frame) noexcept
        : frame_(frame) {}
    task(task&& other) noexcept
        : frame_(std::exchange(other.frame_, {}))
        , spawned_(other.spawned_) {}
    task& operator=(task&&) = delete;
    ~task() {
        if (frame_) {
            frame_.destroy();
        }
    }

    // Put the task on the ring; it runs when the loop gets to it.
    void spawn() {
        spawned_ = true;
        ready.push(frame_);
    }

    // co_await on a spawned task waits for it to finish (or takes its value if it already has);
    // on a task never spawned it starts the task right here, like a call.
    bool await_ready() const noexcept { return frame_.promise().done; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> waiting) noexcept {
        frame_.promise().joiner = waiting;
        return spawned_ ? std::noop_coroutine() : std::coroutine_handle<>{frame_};
    }
    T await_resume() noexcept { return frame_.promise().result(); }

    std::coroutine_handle<promise_type> frame() const noexcept { return frame_; }

private:
    std::coroutine_handle<promise_type> frame_;
    bool spawned_ = false;
};

template <class T>
task<T> spawn(task<T> work) {
    work.spawn();
    return work;
}

struct yield_now {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> self) { ready.push(self); }
    void await_resume() const noexcept {}
};

// One item at most; one waiting getter and one waiting putter at most (two tasks use it). A put
// into a queue a getter waits on hands the item over and makes the getter ready.
class one_slot_queue {
public:
    struct get_awaiter {
        one_slot_queue& queue;
        bool await_ready() const noexcept { return queue.item_.has_value(); }
        void await_suspend(std::coroutine_handle<> self) noexcept { queue.getter_ = self; }
        std::int64_t await_resume() noexcept { return queue.take(); }
    };
    struct put_awaiter {
        one_slot_queue& queue;
        std::int64_t item;
        bool await_ready() noexcept { return queue.try_put(item); }
        void await_suspend(std::coroutine_handle<> self) noexcept {
            queue.putter_ = self;
            queue.waiting_item_ = item;
        }
        void await_resume() const noexcept {}
    };
    get_awaiter get() noexcept { return {*this}; }
    put_awaiter put(std::int64_t item) noexcept { return {*this, item}; }

private:
    bool try_put(std::int64_t item) {
        if (item_) {
            return false;
        }
        item_ = item;
        if (getter_) {
            ready.push(std::exchange(getter_, {}));
        }
        return true;
    }
    std::int64_t take() {
        const std::int64_t item = *item_;
        item_.reset();
        if (putter_) {
            item_ = waiting_item_;
            ready.push(std::exchange(putter_, {}));
        }
        return item;
    }

    std::optional<std::int64_t> item_;
    std::coroutine_handle<> getter_;
    std::coroutine_handle<> putter_;
    std::int64_t waiting_item_ = 0;
};

task<int> noop(int value) {
    co_return value;
}

task<void> spawn_join(std::int64_t ops) {
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < ops; ++i) {
        sum += co_await spawn(noop(1));
    }
    sink = sum;
}

task<void> yield(std::int64_t ops) {
    for (std::int64_t i = 0; i < ops; ++i) {
        co_await yield_now{};
    }
}

task<void> ping(std::int64_t round_trips, one_slot_queue& to_pong, one_slot_queue& to_ping) {
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < round_trips; ++i) {
        co_await to_pong.put(i);
        sum += co_await to_ping.get();
    }
    co_await to_pong.put(-1);
    sink = sum;
}

task<void> pong(one_slot_queue& to_pong, one_slot_queue& to_ping) {
    for (;;) {
        const std::int64_t value = co_await to_pong.get();
        if (value < 0) {
            co_return;
        }
        co_await to_ping.put(value);
    }
}

task<void> handoff(std::int64_t ops) {
    one_slot_queue to_pong;
    one_slot_queue to_ping;
    auto pinger = spawn(ping(ops / 2, to_pong, to_ping));
    auto ponger = spawn(pong(to_pong, to_ping));
    co_await pinger;
    co_await ponger;
}

// A coroutine nobody awaits: started from the ring, its frame frees itself when it ends.
struct detached_task {
    struct promise_type {
        detached_task get_return_object() noexcept {
            return {std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
    std::coroutine_handle<promise_type> frame;
};

// Suspends the awaiting coroutine into `slot`; whoever wakes it pushes the slot onto the ring.
struct park_in {
    std::coroutine_handle<>& slot;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> self) noexcept { slot = self; }
    void await_resume() const noexcept {}
};

detached_task chain_link(std::int64_t links_after, std::coroutine_handle<>& chain_waiter) {
    if (links_after == 0) {
        ready.push(chain_waiter);
        co_return;
    }
    ready.push(chain_link(links_after - 1, chain_waiter).frame);
}

task<void> chained_spawn(std::int64_t ops) {
    while (ops > 0) {
        const std::int64_t links = std::min(ops, corio_compare::chain_links);
        std::coroutine_handle<> chain_waiter;
        ready.push(chain_link(links - 1, chain_waiter).frame);
        co_await park_in{chain_waiter};
        ops -= links;
    }
}

// post's floor: a mutex-protected vector of plain function pointers that the loop thread drains
// a batch at a time (it swaps the whole vector out under the lock), sleeping on a condition
// variable only when the vector is empty; the poster notifies only a sleeping loop. No
// allocation per post once the vectors have grown, no wake-up system call while the loop is busy.
class posted_queue {
public:
    struct callback {
        void (*run)(void*);
        void* argument;
    };
    void post(callback work) {
        bool wake = false;
        {
            const std::scoped_lock lock{mutex_};
            pending_.push_back(work);
            wake = std::exchange(sleeping_, false);
        }
        if (wake) {
            woken_.notify_one();
        }
    }
    // Runs what was posted, waiting for some if there is none yet.
    void run_batch() {
        {
            std::unique_lock lock{mutex_};
            while (pending_.empty()) {
                sleeping_ = true;
                woken_.wait(lock);
            }
            batch_.swap(pending_);
        }
        for (const callback& work : batch_) {
            work.run(work.argument);
        }
        batch_.clear();
    }

private:
    std::mutex mutex_;
    std::condition_variable woken_;
    std::vector<callback> pending_;
    std::vector<callback> batch_; // the loop thread's only
    bool sleeping_ = false;
};

// The loop thread runs the posted callbacks right here: with no runtime, draining the queue is
// the whole loop while the poster works.
task<void> post(std::int64_t ops) {
    posted_queue queue;
    std::int64_t ran = 0;
    std::thread poster{[&queue, &ran, ops] {
        for (std::int64_t i = 0; i < ops; ++i) {
            queue.post({[](void* counter) { ++*static_cast<std::int64_t*>(counter); }, &ran});
        }
    }};
    while (ran < ops) {
        queue.run_batch();
    }
    poster.join();
    co_return;
}

// Parked coroutines in an intrusive list through their awaiters (which live in their frames).
class floor_event {
public:
    struct wait_awaiter {
        floor_event& event;
        std::coroutine_handle<> waiting{};
        wait_awaiter* next = nullptr;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> self) noexcept {
            waiting = self;
            next = std::exchange(event.waiters_, this);
        }
        void await_resume() const noexcept {}
    };
    wait_awaiter wait() noexcept { return {*this}; }
    void set() noexcept {
        for (wait_awaiter* waiter = std::exchange(waiters_, nullptr); waiter != nullptr;) {
            wait_awaiter* const next = waiter->next; // the waiter is gone once its task runs
            ready.push(waiter->waiting);
            waiter = next;
        }
    }

private:
    wait_awaiter* waiters_ = nullptr;
};

task<void> wait_on(floor_event& wake) {
    co_await wake.wait();
}

task<void> parked_task_bytes(std::int64_t ops) {
    floor_event wake;
    std::vector<task<void>> parked;
    parked.reserve(static_cast<std::size_t>(ops)); // before the first count: not a task's bytes
    const std::size_t before = corio_compare::heap_bytes_in_use();
    for (std::int64_t i = 0; i < ops; ++i) {
        parked.push_back(spawn(wait_on(wake)));
    }
    co_await yield_now{}; // the tasks ran before this one again: all wait on `wake`
    corio_compare::parked_bytes_per_task =
        static_cast<double>(corio_compare::heap_bytes_in_use() - before) / static_cast<double>(ops);
    wake.set();
    for (auto& waiting : parked) {
        co_await waiting;
    }
}

task<void> run_workload(std::string_view workload, std::int64_t ops) {
    static constexpr corio_compare::workload_functions<task<void> (*)(std::int64_t)> functions{
        spawn_join, yield, handoff, chained_spawn, post, parked_task_bytes};
    co_await functions[workload](ops);
}

} // namespace

int main(int argc, char** argv) {
    const auto work = corio_compare::parse_arguments(argc, argv);
    if (!work) {
        return 2;
    }
    auto main_task = spawn(corio_compare::measure<task<void>>("floor", *work, run_workload));
    ready.run();
    return main_task.frame().promise().done ? 0 : 1;
}
