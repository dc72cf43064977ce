// SPDX-License-Identifier: MIT
// The floor: the scheduler workloads of protocol.hpp with no runtime at all. A task is a bare
// C++20 coroutine, "ready" is a slot in a fixed ring buffer of coroutine handles, and the loop
// resumes them in order. Nothing else: no cancellation, no exceptions carried across tasks, no
// names, no tracing, no timers or I/O to poll. Whatever a runtime spends above this is its price.
#include "protocol.hpp"

#include <array>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace {

volatile std::int64_t sink = 0;

// Ready coroutines, first in first out. The workloads never have more than a few ready at once.
class ready_ring {
public:
    void push(std::coroutine_handle<> ready) {
        if (count_ == slots_.size()) {
            std::abort(); // a workload bug, not a condition the floor handles
        }
        slots_[(head_ + count_) % slots_.size()] = ready;
        ++count_;
    }
    void run() {
        while (count_ != 0) {
            const std::coroutine_handle<> next = slots_[head_];
            head_ = (head_ + 1) % slots_.size();
            --count_;
            next.resume();
        }
    }

private:
    std::array<std::coroutine_handle<>, 64> slots_{};
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

task<void> run_workload(std::string_view workload, std::int64_t ops) {
    if (workload == "spawn_join") {
        co_await spawn_join(ops);
    } else if (workload == "yield") {
        co_await yield(ops);
    } else {
        co_await handoff(ops);
    }
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
