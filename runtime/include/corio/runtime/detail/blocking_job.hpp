// SPDX-License-Identifier: MIT
// blocking_job.hpp - a unit of work for the loop's blocking thread pool (see run_blocking.hpp).
//
// Intrusive like everything the loop queues: the job lives in the waiting awaiter. A worker thread
// calls `execute`; the loop thread then calls `on_done` (the job is posted back to the loop as a
// posted_node, which it derives from).
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/event_loop.hpp>

CORIO_EXPORT_BEGIN
namespace corio::detail {

struct blocking_job : posted_node {
    blocking_job* next_job = nullptr;
    void (*execute)(blocking_job&) noexcept = nullptr; // on a worker thread
    void (*on_done)(blocking_job&) noexcept = nullptr; // on the loop thread, after execute
};

} // namespace corio::detail
CORIO_EXPORT_END
