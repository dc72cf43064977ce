// SPDX-License-Identifier: MIT
// corio on the timer workloads of protocol.hpp, through the loop's API for awaiter authors
// (event_loop::arm_timer and detail::timer_node, the intrusive timer every sleep, timeout and
// deadline in corio is built on): the nearest thing corio has to libuv's uv_timer_t, Asio's
// steady_timer and asyncio's call_later. A fired timer's callback counts, and the last of a round
// sets a corio::event that the measuring task waits on.
#include "protocol.hpp"

#include <corio/runtime/detail/timer_node.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sync/event.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>

namespace {

using std::chrono::microseconds;

std::int64_t next_timer = 0; // timer index for protocol.hpp's delays, over the whole run

struct round_state {
    std::int64_t fired = 0;
    std::int64_t expected = 0;
    corio::event all_fired;
};
round_state* current_round = nullptr;

void on_fire(corio::detail::timer_node& /*timer*/) noexcept {
    if (++current_round->fired == current_round->expected) {
        current_round->all_fired.set();
    }
}

corio::event_loop::time_point deadline_in(corio::event_loop& loop, std::int64_t delay_us) {
    return loop.now() + microseconds{delay_us};
}

void insert_cancel(corio::event_loop& loop, std::int64_t ops) {
    for (std::int64_t i = 0; i < ops; ++i) {
        corio::detail::timer_node timer{&on_fire};
        loop.arm_timer(timer, deadline_in(loop, corio_compare::far_delay_us(next_timer++)));
        timer.disarm();
    }
}

// Arms `ops` timers in rounds of at most `live` and waits for every round to fire.
corio::task<> insert_fire(corio::event_loop& loop, std::int64_t live, std::int64_t ops) {
    const auto timers = std::make_unique<corio::detail::timer_node[]>(
        static_cast<std::size_t>(std::min(live, ops)));
    for (std::int64_t done = 0; done < ops;) {
        round_state round;
        round.expected = std::min(live, ops - done);
        current_round = &round;
        for (std::int64_t i = 0; i < round.expected; ++i) {
            auto& timer = timers[static_cast<std::size_t>(i)];
            timer.set_callback(&on_fire);
            loop.arm_timer(timer, deadline_in(loop, corio_compare::fire_delay_us(next_timer++)));
        }
        co_await round.all_fired.wait();
        current_round = nullptr;
        done += round.expected;
    }
}

corio::task<> measure(corio_compare::parameterised_request work) {
    corio::event_loop& loop = corio::event_loop::current();
    corio_compare::workload_clock timing{work.family};
    if (work.family == "timer_insert_cancel") {
        // The live timers: armed before the clock starts, disarmed when they go.
        const auto live =
            std::make_unique<corio::detail::timer_node[]>(static_cast<std::size_t>(work.parameter));
        for (std::int64_t i = 0; i < work.parameter; ++i) {
            live[static_cast<std::size_t>(i)].set_callback(&on_fire);
            loop.arm_timer(live[static_cast<std::size_t>(i)],
                           deadline_in(loop, corio_compare::far_delay_us(next_timer++)));
        }
        insert_cancel(loop, corio_compare::warm_up_ops(work.ops));
        timing.start();
        insert_cancel(loop, work.ops);
    } else {
        co_await insert_fire(loop, work.parameter, corio_compare::warm_up_ops(work.ops));
        timing.start();
        co_await insert_fire(loop, work.parameter, work.ops);
    }
    corio_compare::report("corio", work, timing.elapsed());
}

} // namespace

int main(int argc, char** argv) {
    const auto work =
        corio_compare::parse_parameterised_arguments(argc, argv, corio_compare::timer_families);
    if (!work) {
        return 2;
    }
    corio::run(measure(*work));
    return 0;
}
