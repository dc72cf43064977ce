// SPDX-License-Identifier: MIT
// libuv on the timer workloads of protocol.hpp: uv_timer_t handles, uv_timer_start and
// uv_timer_stop. libuv's timers have millisecond resolution, so each delay is rounded up to a
// millisecond. The work runs in a callback of the loop (a uv_idle_t that stops itself), as an
// application's would; a fired timer's callback counts, and the last of a round starts the next.
#include "protocol.hpp"

#include <uv.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>

namespace {

std::uint64_t milliseconds_for(std::int64_t delay_us) {
    return static_cast<std::uint64_t>((delay_us + 999) / 1000);
}

struct run_state {
    run_state(const corio_compare::parameterised_request& request, uv_loop_t& event_loop)
        : work(request)
        , timing(request.family)
        , loop(&event_loop) {}

    corio_compare::parameterised_request work;
    corio_compare::workload_clock timing;
    uv_loop_t* loop;
    std::int64_t next_timer = 0;
    // insert+fire: the round in progress
    std::unique_ptr<uv_timer_t[]> timers;
    std::int64_t round_fired = 0;
    std::int64_t round_size = 0;
    std::int64_t left = 0; // timers still to arm in this phase (warm-up, then timed)
    bool timed = false;
    uv_timer_t op_timer{}; // insert+cancel: the timer each op arms and stops
};

void insert_cancel(run_state& state, std::int64_t ops) {
    for (std::int64_t i = 0; i < ops; ++i) {
        uv_timer_start(
            &state.op_timer, [](uv_timer_t*) {},
            milliseconds_for(corio_compare::far_delay_us(state.next_timer++)), 0);
        uv_timer_stop(&state.op_timer);
    }
}

void start_round(run_state& state);

void on_fire(uv_timer_t* timer) {
    auto& state = *static_cast<run_state*>(timer->loop->data);
    if (++state.round_fired == state.round_size) {
        start_round(state);
    }
}

// Arms the next round, or moves from the warm-up to the timed phase, or reports and ends.
void start_round(run_state& state) {
    if (state.left == 0) {
        if (state.timed) {
            corio_compare::report("libuv", state.work, state.timing.elapsed());
            for (std::int64_t i = 0; i < std::min(state.work.parameter, state.work.ops); ++i) {
                uv_close(reinterpret_cast<uv_handle_t*>(&state.timers[static_cast<std::size_t>(i)]),
                         nullptr);
            }
            return;
        }
        state.timed = true;
        state.left = state.work.ops;
        state.timing.start();
    }
    state.round_size = std::min(state.work.parameter, state.left);
    state.round_fired = 0;
    state.left -= state.round_size;
    for (std::int64_t i = 0; i < state.round_size; ++i) {
        uv_timer_start(&state.timers[static_cast<std::size_t>(i)], &on_fire,
                       milliseconds_for(corio_compare::fire_delay_us(state.next_timer++)), 0);
    }
}

void on_start(uv_idle_t* idle) {
    uv_idle_stop(idle);
    uv_close(reinterpret_cast<uv_handle_t*>(idle), nullptr);
    auto& state = *static_cast<run_state*>(idle->loop->data);
    if (state.work.family == "timer_insert_cancel") {
        uv_timer_init(state.loop, &state.op_timer);
        insert_cancel(state, corio_compare::warm_up_ops(state.work.ops));
        state.timing.start();
        insert_cancel(state, state.work.ops);
        corio_compare::report("libuv", state.work, state.timing.elapsed());
        uv_close(reinterpret_cast<uv_handle_t*>(&state.op_timer), nullptr);
        uv_stop(state.loop); // the live timers stay armed; main closes them
        return;
    }
    const auto handles = static_cast<std::size_t>(std::min(state.work.parameter, state.work.ops));
    state.timers = std::make_unique<uv_timer_t[]>(handles);
    for (std::size_t i = 0; i < handles; ++i) {
        uv_timer_init(state.loop, &state.timers[i]);
    }
    state.left = corio_compare::warm_up_ops(state.work.ops);
    start_round(state);
}

} // namespace

int main(int argc, char** argv) {
    const auto work =
        corio_compare::parse_parameterised_arguments(argc, argv, corio_compare::timer_families);
    if (!work) {
        return 2;
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    run_state state{*work, loop};
    loop.data = &state;
    std::unique_ptr<uv_timer_t[]> live;
    if (work->family == "timer_insert_cancel") {
        live = std::make_unique<uv_timer_t[]>(static_cast<std::size_t>(work->parameter));
        for (std::int64_t i = 0; i < work->parameter; ++i) {
            uv_timer_t& timer = live[static_cast<std::size_t>(i)];
            uv_timer_init(&loop, &timer);
            uv_timer_start(
                &timer, [](uv_timer_t*) {},
                milliseconds_for(corio_compare::far_delay_us(state.next_timer++)), 0);
        }
    }
    uv_idle_t start;
    uv_idle_init(&loop, &start);
    uv_idle_start(&start, &on_start);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (live) {
        for (std::int64_t i = 0; i < work->parameter; ++i) {
            uv_close(reinterpret_cast<uv_handle_t*>(&live[static_cast<std::size_t>(i)]), nullptr);
        }
        uv_run(&loop, UV_RUN_DEFAULT); // runs the close callbacks
    }
    if (uv_loop_close(&loop) != 0) {
        std::fprintf(stderr, "libuv: handles left open\n");
        return 1;
    }
    return 0;
}
