// SPDX-License-Identifier: MIT
// wait_for.hpp - give an awaitable a time limit (asyncio.wait_for) or a deadline (wait_until).
//
//     corio::net::buffered_stream conn{co_await listener.accept()};
//     auto line = co_await corio::wait_for(conn.read_line(1024), 5s); // or timeout_error
//
// The awaitable runs as a child task next to a timer. If the timer fires first, the child is
// cancelled, and once it has unwound, timeout_error is thrown. If the child finished anyway
// (its result arrived as the timer fired), its result is returned: nothing is lost. Cancelling
// the waiting task cancels the child and throws cancelled_error, not timeout_error.
#pragma once

#include <corio/runtime/detail/awaitable_traits.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/task.hpp>
#include <corio/runtime/task_group.hpp>

#include <chrono>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio {

namespace detail {
inline task<> sleep_task(event_loop::duration delay) {
    co_await sleep_for(delay);
}
inline task<> sleep_until_task(event_loop::time_point deadline) {
    co_await sleep_until(deadline);
}

// The awaitable and the timer race as children of one group; the first to finish cancels the
// other.
template <class Awaitable>
task<await_result_t<Awaitable>> race_with_timer(Awaitable awaitable, task<> timer) {
    task_group group{first_completion};
    join_handle<await_result_t<Awaitable>> work = group.spawn(as_task(std::move(awaitable)));
    join_handle<> timer_handle = group.spawn(std::move(timer));
    co_await group.wait(); // rethrows the work's failure
    if (work.cancelled()) {
        throw timeout_error();
    }
    co_return work.result();
}
} // namespace detail

template <class Awaitable, class Rep, class Period>
task<detail::await_result_t<Awaitable>> wait_for(Awaitable awaitable,
                                                 std::chrono::duration<Rep, Period> timeout) {
    return detail::race_with_timer(
        std::move(awaitable), detail::sleep_task(std::chrono::ceil<event_loop::duration>(timeout)));
}

// The same with an absolute deadline on the loop's clock (asyncio.timeout_at, tokio's
// timeout_at): several steps can share one deadline without adding up their timeouts.
//
//     const auto deadline = corio::now() + 5s;
//     auto a = co_await corio::wait_until(step_one(), deadline);
//     auto b = co_await corio::wait_until(step_two(a), deadline);
template <class Awaitable>
task<detail::await_result_t<Awaitable>> wait_until(Awaitable awaitable,
                                                   event_loop::time_point deadline) {
    return detail::race_with_timer(std::move(awaitable), detail::sleep_until_task(deadline));
}

} // namespace corio
CORIO_EXPORT_END
