// SPDX-License-Identifier: MIT
// runtime.hpp - all of corio::runtime in one include: the event loop, tasks, combinators,
// primitives and awaitable I/O.
//
//     #include <corio/runtime.hpp>
//     corio::task<> main_task() { co_await corio::sleep_for(10ms); }
//     int main() { corio::run(main_task()); }
//
// Convenient for programs and examples. Each header below also stands alone, and including only
// the ones a file uses keeps its build faster: <corio/runtime/task.hpp> for a coroutine that
// only awaits, <corio/runtime/sync/queue.hpp> for a queue. Nothing under detail/ is listed: those
// headers are the implementation, pulled in by the public ones that need them.
// <corio/corio.hpp> adds corio::net and corio::http to this.
#pragma once

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/file.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/generator.hpp>
#include <corio/runtime/interval.hpp>
#include <corio/runtime/io_backend.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/join_set.hpp>
#include <corio/runtime/native_handle.hpp>
#include <corio/runtime/run_blocking.hpp>
#include <corio/runtime/signal.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/stall.hpp>
#include <corio/runtime/stopwatch.hpp>
#include <corio/runtime/sync/condition_variable.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/sync/mutex.hpp>
#include <corio/runtime/sync/oneshot.hpp>
#include <corio/runtime/sync/queue.hpp>
#include <corio/runtime/sync/semaphore.hpp>
#include <corio/runtime/task.hpp>
#include <corio/runtime/task_dump.hpp>
#include <corio/runtime/task_group.hpp>
#include <corio/runtime/trace.hpp>
#include <corio/runtime/trace_export.hpp>
#include <corio/runtime/version.hpp>
#include <corio/runtime/wait_for.hpp>
#include <corio/runtime/when_any.hpp>
#include <corio/runtime/yield.hpp>
