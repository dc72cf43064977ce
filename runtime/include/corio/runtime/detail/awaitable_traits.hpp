// SPDX-License-Identifier: MIT
// awaitable_traits.hpp - what `co_await x` yields, and turning any awaitable into a task.
//
// The combinators (gather, when_any, wait_for) run each argument as a child task. A corio::task
// is used as it is; anything else awaitable (a join_handle, a queue get, a sleep...) is wrapped in
// a small task that awaits it.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/task.hpp>

#include <type_traits>
#include <utility>
#include <variant>

CORIO_EXPORT_BEGIN
namespace corio::detail {

template <class Awaitable>
decltype(auto) awaiter_of(Awaitable&& awaitable) {
    if constexpr (requires { std::forward<Awaitable>(awaitable).operator co_await(); }) {
        return std::forward<Awaitable>(awaitable).operator co_await();
    } else {
        return std::forward<Awaitable>(awaitable);
    }
}

// The type of `co_await std::declval<Awaitable>()`.
template <class Awaitable>
using await_result_t = decltype(awaiter_of(std::declval<Awaitable>()).await_resume());

// void results become std::monostate, so they fit in tuples, variants and vectors.
template <class T>
using non_void_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class T>
task<T> as_task(task<T> work) noexcept {
    return work;
}

template <class Awaitable>
task<await_result_t<Awaitable>> as_task(Awaitable awaitable) {
    co_return co_await std::move(awaitable);
}

// Reads a finished child's result through its handle, turning void into std::monostate.
template <class Handle>
auto take_result(Handle& handle) {
    if constexpr (std::is_void_v<decltype(handle.result())>) {
        handle.result();
        return std::monostate{};
    } else {
        return handle.result();
    }
}

} // namespace corio::detail
CORIO_EXPORT_END
