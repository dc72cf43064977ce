// SPDX-License-Identifier: MIT
// Boost.Asio (C++20 awaitable + co_spawn) on the scheduler workloads of protocol.hpp, on one
// io_context run by one thread (concurrency hint 1):
//   spawn_join  co_await co_spawn(executor, noop(1), use_awaitable)
//   yield       co_await post(executor, use_awaitable)
//   handoff     a one-slot queue built on steady_timer: Boost 1.74 (Debian 12) has no
//               experimental::channel (it came in 1.78), so a parked get() or put() waits on a
//               timer that never expires and the other side wakes it with cancel(). That is the
//               usual Asio idiom for an async condition without channels.
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

#include <cstdint>
#include <optional>

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

asio::awaitable<void> run_workload(asio::io_context& context, std::string_view workload,
                                   std::int64_t ops) {
    if (workload == "spawn_join") {
        co_await spawn_join(ops);
    } else if (workload == "yield") {
        co_await yield(ops);
    } else {
        co_await handoff(context, ops);
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
