// SPDX-License-Identifier: MIT
// wait_for.hpp - give an awaitable a deadline (asyncio.wait_for).
//
//     std::string line = co_await corio::wait_for(read_line(stream), 5s); // or timeout_error
//
// The awaitable runs as a child task next to a timer. If the timer fires first, the child is
// cancelled, and once it has unwound, timeout_error is thrown. If the child finished anyway
// (its result arrived as the timer fired), its result is returned: nothing is lost. Cancelling
// the waiting task cancels the child and throws cancelled_error, not timeout_error.
#pragma once

#include <corio/runtime/detail/awaitable_traits.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/task.hpp>
#include <corio/runtime/task_group.hpp>

#include <chrono>
#include <utility>

namespace corio {

namespace detail {
inline task<> sleep_task(event_loop::duration delay) {
    co_await sleep_for(delay);
}
} // namespace detail

template <class Awaitable, class Rep, class Period>
task<detail::await_result_t<Awaitable>> wait_for(Awaitable awaitable,
                                                 std::chrono::duration<Rep, Period> timeout) {
    task_group group{detail::first_completion};
    join_handle<detail::await_result_t<Awaitable>> work =
        group.spawn(detail::as_task(std::move(awaitable)));
    join_handle<> timer =
        group.spawn(detail::sleep_task(std::chrono::ceil<event_loop::duration>(timeout)));
    co_await group.wait(); // rethrows the work's failure
    if (work.cancelled()) {
        throw timeout_error();
    }
    co_return work.result();
}

} // namespace corio
