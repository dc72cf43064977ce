// SPDX-License-Identifier: MIT
// task_dump.hpp - "what is every task waiting on?": a snapshot of a loop's live tasks.
//
// loop.dump_tasks() lists every task that has not finished: its id and name, whether it runs, is
// ready or waits, on what and since when, and the chain of tasks awaiting it (the task that
// joins it, the one joining that...). It needs task tracking (loop_options::track_tasks, implied
// by trace and by a stall threshold); without it the dump says so. Call it on the loop's thread,
// or post() it there from another one. format_task_dump() renders it as text:
//
//   corio: 3 live tasks
//    #1 main        waiting 2.001 s on task #2 "fetch"
//    #2 fetch       waiting 2.000 s on recv fd 7                  awaited by #1
//    #3 heartbeat   ready
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/trace.hpp>

#include <chrono>
#include <string>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio {

enum class task_run_state : std::uint8_t { running, ready, waiting };

struct task_snapshot {
    task_id id = 0;
    std::string name;
    task_id parent = 0;
    task_run_state state = task_run_state::ready;
    wait_category wait = wait_category::other; // when waiting
    std::string waiting_on;                    // when waiting: "sleep 1.000 s", "recv fd 7"...
    std::chrono::nanoseconds waiting_for{0};   // how long it has waited so far
    std::vector<task_id> awaited_by;           // the chain of joiners, nearest first
};

struct task_dump {
    bool tracking = false;            // false: the loop was not tracking tasks, the list is empty
    std::vector<task_snapshot> tasks; // in spawn order
};

[[nodiscard]] std::string format_task_dump(const task_dump& dump);

} // namespace corio
CORIO_EXPORT_END
