// SPDX-License-Identifier: MIT
// corio on the scheduler workloads of protocol.hpp, through its public API only: spawn() and
// join_handle, yield_now(), corio::queue with maxsize 1 for the hand-off, detach() for the
// chained spawn, event_loop::post() from a std::thread for post, and tasks parked on one
// corio::event for parked_task_bytes.
#include "protocol.hpp"

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/sync/queue.hpp>
#include <corio/runtime/yield.hpp>

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

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

// One link: spawn the next (detached) and end; the last one wakes the waiting task.
corio::task<> chain_link(std::int64_t links_after, corio::event& chain_done) {
    if (links_after == 0) {
        chain_done.set();
        co_return;
    }
    corio::spawn(chain_link(links_after - 1, chain_done)).detach();
}

corio::task<> chained_spawn(std::int64_t ops) {
    while (ops > 0) {
        const std::int64_t links = std::min(ops, corio_compare::chain_links);
        corio::event chain_done;
        corio::spawn(chain_link(links - 1, chain_done)).detach();
        co_await chain_done.wait();
        ops -= links;
    }
}

corio::task<> post(std::int64_t ops) {
    corio::event_loop& loop = corio::event_loop::current();
    corio::event all_ran;
    std::int64_t ran = 0; // touched by the posted callbacks only, on the loop thread
    std::thread poster{[&loop, &all_ran, &ran, ops] {
        for (std::int64_t i = 0; i < ops; ++i) {
            loop.post([&all_ran, &ran, ops] {
                if (++ran == ops) {
                    all_ran.set();
                }
            });
        }
    }};
    co_await all_ran.wait();
    poster.join();
}

corio::task<> wait_on(corio::event& wake) {
    co_await wake.wait();
}

corio::task<> parked_task_bytes(std::int64_t ops) {
    corio::event wake;
    std::vector<corio::join_handle<>> handles;
    handles.reserve(static_cast<std::size_t>(ops)); // before the first count: not a task's bytes
    const std::size_t before = corio_compare::heap_bytes_in_use();
    for (std::int64_t i = 0; i < ops; ++i) {
        handles.push_back(corio::spawn(wait_on(wake)));
    }
    co_await corio::yield_now(); // the tasks ran before this one again: all wait on `wake`
    corio_compare::parked_bytes_per_task =
        static_cast<double>(corio_compare::heap_bytes_in_use() - before) / static_cast<double>(ops);
    wake.set();
    for (auto& handle : handles) {
        co_await handle;
    }
}

corio::task<> run_workload(std::string_view workload, std::int64_t ops) {
    static constexpr corio_compare::workload_functions<corio::task<> (*)(std::int64_t)> functions{
        spawn_join, yield, handoff, chained_spawn, post, parked_task_bytes};
    co_await functions[workload](ops);
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
