// SPDX-License-Identifier: MIT
// stall.hpp - a task that runs too long without suspending stalls every other task on its loop.
//
// A cooperative loop only switches tasks at suspension points, so one task that computes for
// 50 ms (or calls a blocking function) freezes every timer, socket and task for those 50 ms.
// With loop_options::stall_threshold set, the loop times every slice a task runs (and every
// callback posted from another thread) and reports the ones longer than the threshold:
//
//   corio: stall: task #3 "parse" ran 52.1 ms without suspending (threshold 10.0 ms)
//
// The report goes to loop_options::stall_sink, or stderr when no sink is set.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/trace.hpp>

#include <chrono>
#include <string>

CORIO_EXPORT_BEGIN
namespace corio {

struct stall_report {
    task_id task = 0; // 0: a callback posted from another thread
    std::string name; // the task's name, or "task 7", or "posted callback"
    std::chrono::nanoseconds ran{0};
    std::chrono::nanoseconds threshold{0};
};

// "corio: stall: task #3 "parse" ran 52.1 ms without suspending (threshold 10.0 ms)"
[[nodiscard]] std::string format_stall_report(const stall_report& report);

} // namespace corio
CORIO_EXPORT_END
