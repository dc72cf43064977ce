// SPDX-License-Identifier: MIT
// Boost.Asio (C++20 awaitable + co_spawn) on the scheduler workloads of protocol.hpp, on one
// io_context run by one thread (concurrency hint 1):
//   spawn_join  co_await co_spawn(executor, noop(1), use_awaitable)
//   yield       co_await post(executor, use_awaitable)
//   handoff     a one-slot queue built on steady_timer: Boost 1.74 (Debian 12) has no
//               experimental::channel (it came in 1.78), so a parked get() or put() waits on a
//               timer that never expires and the other side wakes it with cancel(). That is the
//               usual Asio idiom for an async condition without channels.
//   chained_spawn  co_spawn(executor, next_link, detached); the last link wakes the waiter
//   post           asio::post(context, callback) from a std::thread
//   parked_task_bytes  co_spawned tasks all in async_wait on one steady_timer (a timer takes
//               any number of waiters; cancel() wakes them all): the nearest thing to an event
#include "protocol.hpp"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

namespace asio = boost::asio;

namespace {

volatile std::int64_t sink = 0;

asio::awaitable<int> noop(int value) {
    co_return value;
}

asio::awaitable<void> spawn_join(std::int64_t ops) {
    const auto executor = co_await asio::this_coro::executor;
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < ops; ++i) {
        sum += co_await asio::co_spawn(executor, noop(1), asio::use_awaitable);
    }
    sink = sum;
}

asio::awaitable<void> yield(std::int64_t ops) {
    const auto executor = co_await asio::this_coro::executor;
    for (std::int64_t i = 0; i < ops; ++i) {
        co_await asio::post(executor, asio::use_awaitable);
    }
}

// One item at most, for two tasks: one may wait in get(), the other in put().
class timer_slot_queue {
public:
    explicit timer_slot_queue(asio::io_context::executor_type executor)
        : getter_wake_(executor)
        , putter_wake_(executor) {}

    asio::awaitable<std::int64_t> get() {
        while (!item_) {
            co_await park(getter_wake_, getter_waiting_);
        }
        const std::int64_t item = *item_;
        item_.reset();
        wake(putter_wake_, putter_waiting_);
        co_return item;
    }

    asio::awaitable<void> put(std::int64_t item) {
        while (item_) {
            co_await park(putter_wake_, putter_waiting_);
        }
        item_ = item;
        wake(getter_wake_, getter_waiting_);
    }

private:
    static asio::awaitable<void> park(asio::steady_timer& wake_up, bool& waiting) {
        waiting = true;
        wake_up.expires_at(asio::steady_timer::time_point::max());
        boost::system::error_code cancelled; // the wake-up is a cancel: not an error here
        co_await wake_up.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
    }
    static void wake(asio::steady_timer& wake_up, bool& waiting) {
        if (waiting) {
            waiting = false;
            wake_up.cancel();
        }
    }

    std::optional<std::int64_t> item_;
    asio::steady_timer getter_wake_;
    asio::steady_timer putter_wake_;
    bool getter_waiting_ = false;
    bool putter_waiting_ = false;
};

asio::awaitable<void> ping(std::int64_t round_trips, timer_slot_queue& to_pong,
                           timer_slot_queue& to_ping) {
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < round_trips; ++i) {
        co_await to_pong.put(i);
        sum += co_await to_ping.get();
    }
    co_await to_pong.put(-1);
    sink = sum;
}

asio::awaitable<void> pong(timer_slot_queue& to_pong, timer_slot_queue& to_ping) {
    for (;;) {
        const std::int64_t value = co_await to_pong.get();
        if (value < 0) {
            co_return;
        }
        co_await to_ping.put(value);
    }
}

asio::awaitable<void> handoff(asio::io_context& context, std::int64_t ops) {
    timer_slot_queue to_pong{context.get_executor()};
    timer_slot_queue to_ping{context.get_executor()};
    const auto executor = co_await asio::this_coro::executor;
    // Asio 1.74 has no way to await two spawned tasks together, so ping runs detached and pong is
    // awaited: pong finishes only after ping's last put(-1), which is ping's last touch of the
    // queues, so neither outlives them.
    asio::co_spawn(executor, ping(ops / 2, to_pong, to_ping), asio::detached);
    co_await asio::co_spawn(executor, pong(to_pong, to_ping), asio::use_awaitable);
}

// An event on a steady_timer that never expires: wait() parks in async_wait, set() cancels it,
// which wakes every waiter. Waking is the cancel: it is not an error here.
class timer_event {
public:
    explicit timer_event(asio::io_context::executor_type executor)
        : wake_up_(executor, asio::steady_timer::time_point::max()) {}
    asio::awaitable<void> wait() {
        boost::system::error_code cancelled;
        co_await wake_up_.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
    }
    void set() { wake_up_.cancel(); }

private:
    asio::steady_timer wake_up_;
};

asio::awaitable<void> chain_link(std::int64_t links_after, timer_event& chain_done) {
    if (links_after == 0) {
        chain_done.set();
        co_return;
    }
    const auto executor = co_await asio::this_coro::executor;
    asio::co_spawn(executor, chain_link(links_after - 1, chain_done), asio::detached);
}

asio::awaitable<void> chained_spawn(asio::io_context& context, std::int64_t ops) {
    while (ops > 0) {
        const std::int64_t links = std::min(ops, corio_compare::chain_links);
        timer_event chain_done{context.get_executor()};
        asio::co_spawn(context, chain_link(links - 1, chain_done), asio::detached);
        co_await chain_done.wait();
        ops -= links;
    }
}

asio::awaitable<void> post(asio::io_context& context, std::int64_t ops) {
    timer_event all_ran{context.get_executor()};
    std::int64_t ran = 0; // touched by the posted callbacks only, on the loop thread
    std::thread poster{[&context, &all_ran, &ran, ops] {
        for (std::int64_t i = 0; i < ops; ++i) {
            asio::post(context, [&all_ran, &ran, ops] {
                if (++ran == ops) {
                    all_ran.set();
                }
            });
        }
    }};
    co_await all_ran.wait();
    poster.join();
}

asio::awaitable<void> wait_on(timer_event& wake, std::int64_t& finished, std::int64_t count,
                              timer_event& all_finished) {
    co_await wake.wait();
    if (++finished == count) {
        all_finished.set();
    }
}

asio::awaitable<void> parked_task_bytes(asio::io_context& context, std::int64_t ops) {
    timer_event wake{context.get_executor()};
    timer_event all_finished{context.get_executor()};
    std::int64_t finished = 0;
    const std::size_t before = corio_compare::heap_bytes_in_use();
    for (std::int64_t i = 0; i < ops; ++i) {
        asio::co_spawn(context, wait_on(wake, finished, ops, all_finished), asio::detached);
    }
    co_await asio::post(context, asio::use_awaitable); // the tasks ran first: all wait on `wake`
    corio_compare::parked_bytes_per_task =
        static_cast<double>(corio_compare::heap_bytes_in_use() - before) / static_cast<double>(ops);
    wake.set();
    co_await all_finished.wait();
}

asio::awaitable<void> run_workload(asio::io_context& context, std::string_view workload,
                                   std::int64_t ops) {
    if (workload == "spawn_join") {
        co_await spawn_join(ops);
    } else if (workload == "yield") {
        co_await yield(ops);
    } else if (workload == "handoff") {
        co_await handoff(context, ops);
    } else if (workload == "chained_spawn") {
        co_await chained_spawn(context, ops);
    } else if (workload == "post") {
        co_await post(context, ops);
    } else {
        co_await parked_task_bytes(context, ops);
    }
}

} // namespace

int main(int argc, char** argv) {
    const auto work = corio_compare::parse_arguments(argc, argv);
    if (!work) {
        return 2;
    }
    asio::io_context context{1};
    const auto run_on_context = [&context](std::string_view workload, std::int64_t ops) {
        return run_workload(context, workload, ops);
    };
    asio::co_spawn(context,
                   corio_compare::measure<asio::awaitable<void>>("asio", *work, run_on_context),
                   asio::detached);
    context.run();
    return 0;
}
