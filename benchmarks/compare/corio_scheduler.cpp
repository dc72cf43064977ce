// SPDX-License-Identifier: MIT
// corio on the scheduler workloads of protocol.hpp, through its public API only: spawn() and
// join_handle, yield_now(), and corio::queue with maxsize 1 for the hand-off.
#include "protocol.hpp"

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/sync/queue.hpp>
#include <corio/runtime/yield.hpp>

#include <cstdint>

namespace {

// The sum is printed nowhere but kept observable so the work cannot be optimised away.
volatile std::int64_t sink = 0;

corio::task<int> noop(int value) {
    co_return value;
}

corio::task<> spawn_join(std::int64_t ops) {
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < ops; ++i) {
        sum += co_await corio::spawn(noop(1));
    }
    sink = sum;
}

corio::task<> yield(std::int64_t ops) {
    for (std::int64_t i = 0; i < ops; ++i) {
        co_await corio::yield_now();
    }
}

// ping puts, pong takes and puts back: each put wakes the task parked in get().
corio::task<> ping(std::int64_t round_trips, corio::queue<std::int64_t>& to_pong,
                   corio::queue<std::int64_t>& to_ping) {
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < round_trips; ++i) {
        co_await to_pong.put(i);
        sum += co_await to_ping.get();
    }
    co_await to_pong.put(-1);
    sink = sum;
}

corio::task<> pong(corio::queue<std::int64_t>& to_pong, corio::queue<std::int64_t>& to_ping) {
    for (;;) {
        const std::int64_t value = co_await to_pong.get();
        if (value < 0) {
            co_return;
        }
        co_await to_ping.put(value);
    }
}

corio::task<> handoff(std::int64_t ops) {
    corio::queue<std::int64_t> to_pong{1};
    corio::queue<std::int64_t> to_ping{1};
    co_await corio::gather(ping(ops / 2, to_pong, to_ping), pong(to_pong, to_ping));
}

corio::task<> run_workload(std::string_view workload, std::int64_t ops) {
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
    corio::run(corio_compare::measure<corio::task<>>("corio", *work, run_workload));
    return 0;
}
