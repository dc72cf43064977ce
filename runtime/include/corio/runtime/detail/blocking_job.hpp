// SPDX-License-Identifier: MIT
// blocking_job.hpp - a unit of work for the loop's blocking thread pool (see run_blocking.hpp).
//
// Intrusive like everything the loop queues: the job lives in the waiting awaiter. A worker thread
// calls `execute`; the loop thread then calls `on_done` (the job is posted back to the loop as a
// posted_node, which it derives from).
// When the loop records a trace, the pool also notes who submitted the job and when a worker ran
// it (steady_clock, stamped only then: a loop without instruments never reads the clock for it).
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/event_loop.hpp>

#include <chrono>

CORIO_EXPORT_BEGIN
namespace corio::detail {

struct blocking_job : posted_node {
    blocking_job* next_job = nullptr;
    void (*execute)(blocking_job&) noexcept = nullptr; // on a worker thread
    void (*on_done)(blocking_job&) noexcept = nullptr; // on the loop thread, after execute
    // Trace only (set when the loop has instruments): the submitting task and the worker's times.
    const task_state* submitted_by = nullptr;
    std::chrono::steady_clock::time_point started{};
    std::chrono::steady_clock::time_point finished{};
};

} // namespace corio::detail
CORIO_EXPORT_END
