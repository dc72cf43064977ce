// SPDX-License-Identifier: MIT
// Boost.Asio on the timer workloads of protocol.hpp, on one io_context run by one thread:
// steady_timer, expires_after + async_wait with a plain completion handler (Asio's cheapest path
// to a timer; a coroutine per timer would only add to it), and cancel(). Asio delivers a cancelled
// wait by queueing its handler with operation_aborted, so an insert+cancel includes running that
// handler: the ops go in batches of 64 and the next batch is posted behind their handlers.
#include "protocol.hpp"

// Boost 1.74's headers use std::exchange without including <utility>.
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>

namespace asio = boost::asio;

namespace {

using std::chrono::microseconds;

struct run_state {
    run_state(const corio_compare::parameterised_request& request, asio::io_context& io)
        : work(request)
        , context(io)
        , timing(request.family) {}

    corio_compare::parameterised_request work;
    asio::io_context& context;
    corio_compare::workload_clock timing;
    std::int64_t next_timer = 0;
    std::int64_t left = 0; // ops still to do in this phase (warm-up, then timed)
    bool timed = false;
    bool finished = false;
    asio::steady_timer op_timer{context};
    // insert+fire: the timers of a round (a deque: steady_timer cannot move once waited on)
    std::deque<asio::steady_timer> timers;
    std::int64_t round_fired = 0;
    std::int64_t round_size = 0;

    // Starts the timed phase after the warm-up, or reports; false when everything is done.
    bool next_phase() {
        if (timed) {
            corio_compare::report("asio", work, timing.elapsed());
            finished = true;
            return false;
        }
        timed = true;
        left = work.ops;
        timing.start();
        return true;
    }

    void cancel_batch() {
        if (left == 0 && !next_phase()) {
            return;
        }
        const std::int64_t batch = std::min<std::int64_t>(64, left);
        for (std::int64_t i = 0; i < batch; ++i) {
            op_timer.expires_after(microseconds{corio_compare::far_delay_us(next_timer++)});
            op_timer.async_wait([](const boost::system::error_code&) {});
            op_timer.cancel();
        }
        left -= batch;
        asio::post(context, [this] { cancel_batch(); });
    }

    void fire_round() {
        if (left == 0 && !next_phase()) {
            return;
        }
        round_size = std::min(work.parameter, left);
        round_fired = 0;
        left -= round_size;
        while (static_cast<std::int64_t>(timers.size()) < round_size) {
            timers.emplace_back(context);
        }
        for (std::int64_t i = 0; i < round_size; ++i) {
            auto& timer = timers[static_cast<std::size_t>(i)];
            timer.expires_after(microseconds{corio_compare::fire_delay_us(next_timer++)});
            timer.async_wait([this](const boost::system::error_code&) {
                if (++round_fired == round_size) {
                    fire_round();
                }
            });
        }
    }
};

} // namespace

int main(int argc, char** argv) {
    const auto work =
        corio_compare::parse_parameterised_arguments(argc, argv, corio_compare::timer_families);
    if (!work) {
        return 2;
    }
    asio::io_context context{1};
    run_state state{*work, context};
    state.left = corio_compare::warm_up_ops(work->ops);
    std::deque<asio::steady_timer> live;
    if (work->family == "timer_insert_cancel") {
        for (std::int64_t i = 0; i < work->parameter; ++i) {
            auto& timer = live.emplace_back(context);
            timer.expires_after(microseconds{corio_compare::far_delay_us(state.next_timer++)});
            timer.async_wait([](const boost::system::error_code&) {});
        }
        asio::post(context, [&state] { state.cancel_batch(); });
    } else {
        asio::post(context, [&state] { state.fire_round(); });
    }
    // Not run(): the live timers would keep it going for hours. Their handlers are dropped with
    // the io_context.
    while (!state.finished) {
        context.run_one();
    }
    return 0;
}
