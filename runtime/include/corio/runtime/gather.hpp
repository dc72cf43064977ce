// SPDX-License-Identifier: MIT
// gather.hpp - run several awaitables concurrently and collect all their results (asyncio.gather).
//
//     auto [a, b] = co_await corio::gather(fetch(x), fetch(y));     // tuple, in argument order
//     std::vector<int> all = co_await corio::gather(std::move(list)); // a range: vector
//
// Each argument becomes a child task (tasks are spawned as they are; join_handles and other
// awaitables are wrapped), started in argument order. void results appear as std::monostate.
// If a child throws, the others are cancelled and, once they have all finished, the first
// exception propagates: unlike asyncio, children never outlive the gather, because in C++ they
// may reference the caller's locals. Cancelling the gathering task cancels every child.
#pragma once

#include <corio/runtime/detail/awaitable_traits.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/task.hpp>
#include <corio/runtime/task_group.hpp>

#include <cstddef>
#include <ranges>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio {

namespace detail {
// What a trace or a task dump calls gather's children (the wrappers around join_handles, and the
// argument tasks themselves), so that a timeline's rows say whose they are.
inline constexpr std::string_view gather_child_name = "gather";
} // namespace detail

template <class... Awaitables>
task<std::tuple<detail::non_void_t<detail::await_result_t<Awaitables>>...>>
gather(Awaitables... awaitables) {
    task_group group;
    // Braced initialisation evaluates left to right, so children start in argument order.
    std::tuple<join_handle<detail::await_result_t<Awaitables>>...> handles{
        group.spawn(detail::as_task(std::move(awaitables)), detail::gather_child_name)...};
    co_await group.wait();
    co_return std::apply([](auto&... handle) { return std::tuple{detail::take_result(handle)...}; },
                         handles);
}

template <class Range>
requires requires(Range& range) {
    detail::as_task(std::move(*std::begin(range)));
}
task<std::vector<detail::non_void_t<
    detail::await_result_t<decltype(std::move(*std::begin(std::declval<Range&>())))>>>>
gather(Range awaitables) {
    using result_type = detail::await_result_t<decltype(std::move(*std::begin(awaitables)))>;
    task_group group;
    std::vector<join_handle<result_type>> handles;
    if constexpr (std::ranges::sized_range<Range>) {
        handles.reserve(std::ranges::size(awaitables));
    }
    for (auto& awaitable : awaitables) {
        handles.push_back(
            group.spawn(detail::as_task(std::move(awaitable)), detail::gather_child_name));
    }
    co_await group.wait();
    std::vector<detail::non_void_t<result_type>> results;
    results.reserve(handles.size());
    for (auto& handle : handles) {
        results.push_back(detail::take_result(handle));
    }
    co_return results;
}

} // namespace corio
CORIO_EXPORT_END
