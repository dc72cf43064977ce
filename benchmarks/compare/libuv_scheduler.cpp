// SPDX-License-Identifier: MIT
// libuv on the scheduler workloads of protocol.hpp that have a natural equivalent in it. libuv
// has callbacks and handles, no tasks, so it has no spawn+join, chained spawn, hand-off between
// tasks or parked task to count; this program does the two that map directly:
//   yield  a uv_idle_t callback, which libuv calls once per loop turn while it is active: one
//          op is one turn of the loop back to the same callback
//   post   another thread pushes callbacks into a mutex-protected vector and calls
//          uv_async_send(); the loop's uv_async_t callback drains the vector (libuv coalesces
//          sends while one is pending, the usual way to hand work to a libuv loop)
// The other workloads exit with status 3 and a message; the driver does not ask for them.
#include "protocol.hpp"

#include <uv.h>

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace {

void check(int status, const char* what) {
    if (status != 0) {
        std::fprintf(stderr, "%s: %s\n", what, uv_strerror(status));
        std::exit(1);
    }
}

struct idle_turns {
    uv_idle_t idle{};
    std::int64_t left = 0;
};

void run_yield(uv_loop_t& loop, std::int64_t ops) {
    idle_turns turns;
    turns.left = ops;
    turns.idle.data = &turns;
    check(uv_idle_init(&loop, &turns.idle), "uv_idle_init");
    check(uv_idle_start(&turns.idle,
                        [](uv_idle_t* idle) {
                            auto& counted = *static_cast<idle_turns*>(idle->data);
                            if (--counted.left == 0) {
                                uv_idle_stop(idle);
                            }
                        }),
          "uv_idle_start");
    check(uv_run(&loop, UV_RUN_DEFAULT), "uv_run");
    uv_close(reinterpret_cast<uv_handle_t*>(&turns.idle), nullptr);
    check(uv_run(&loop, UV_RUN_DEFAULT), "uv_run (close)");
}

struct posted_work {
    uv_async_t wake{};
    std::mutex mutex;
    std::vector<std::int64_t*> pending; // each posted callback bumps the counter it points to
    std::vector<std::int64_t*> batch;   // the loop thread's only
    std::int64_t ran = 0;
    std::int64_t expected = 0;
};

void run_post(uv_loop_t& loop, std::int64_t ops) {
    posted_work work;
    work.expected = ops;
    work.wake.data = &work;
    check(uv_async_init(&loop, &work.wake,
                        [](uv_async_t* wake) {
                            auto& posted = *static_cast<posted_work*>(wake->data);
                            {
                                const std::scoped_lock lock{posted.mutex};
                                posted.batch.swap(posted.pending);
                            }
                            for (std::int64_t* counter : posted.batch) {
                                ++*counter;
                            }
                            posted.batch.clear();
                            if (posted.ran == posted.expected) {
                                uv_close(reinterpret_cast<uv_handle_t*>(wake), nullptr);
                            }
                        }),
          "uv_async_init");
    std::thread poster{[&work, ops] {
        for (std::int64_t i = 0; i < ops; ++i) {
            {
                const std::scoped_lock lock{work.mutex};
                work.pending.push_back(&work.ran);
            }
            uv_async_send(&work.wake);
        }
    }};
    // The async handle keeps the loop alive until the callback that ran the last post closes it.
    check(uv_run(&loop, UV_RUN_DEFAULT), "uv_run");
    poster.join();
}

} // namespace

int main(int argc, char** argv) {
    const auto work = corio_compare::parse_arguments(argc, argv);
    if (!work) {
        return 2;
    }
    if (work->workload != "yield" && work->workload != "post") {
        std::fprintf(stderr, "libuv has no tasks: no %.*s here (only yield and post)\n",
                     static_cast<int>(work->workload.size()), work->workload.data());
        return 3;
    }
    uv_loop_t loop;
    check(uv_loop_init(&loop), "uv_loop_init");
    const auto run_workload = work->workload == "yield" ? run_yield : run_post;
    run_workload(loop, corio_compare::warm_up_ops(*work));
    const auto start = corio_compare::clock::now();
    run_workload(loop, work->ops);
    corio_compare::report("libuv", *work, corio_compare::clock::now() - start);
    check(uv_loop_close(&loop), "uv_loop_close");
    return 0;
}
