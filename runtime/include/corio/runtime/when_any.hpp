// SPDX-License-Identifier: MIT
// when_any.hpp - race several awaitables; the first to finish wins and the rest are cancelled
// (asyncio.wait(..., return_when=FIRST_COMPLETED), then cancelling the pending ones).
//
//     auto first = co_await corio::when_any(fetch(mirror_a), fetch(mirror_b));
//     if (first.index == 0) use(std::get<0>(first.value));
//
// Returns the winner's index and value once *every* child has finished (losers are cancelled and
// allowed to unwind). If the winner threw, its exception propagates; so does a loser's real
// failure (never swallowed). Cancelling the waiting task cancels all children.
#pragma once

#include <corio/runtime/detail/awaitable_traits.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/task.hpp>
#include <corio/runtime/task_group.hpp>

#include <cstddef>
#include <tuple>
#include <utility>
#include <variant>

CORIO_EXPORT_BEGIN
namespace corio {

template <class... Results>
struct when_any_result {
    std::size_t index = 0;
    std::variant<detail::non_void_t<Results>...> value;
};

namespace detail {

template <std::size_t Index, class Result, class Handles>
void take_winner(Result& result, Handles& handles, const task_state* winner) {
    if constexpr (Index < std::tuple_size_v<Handles>) {
        auto& handle = std::get<Index>(handles);
        if (handle.state() == winner) {
            result.index = Index;
            result.value.template emplace<Index>(take_result(handle));
            return;
        }
        take_winner<Index + 1>(result, handles, winner);
    }
}

} // namespace detail

template <class... Awaitables>
task<when_any_result<detail::await_result_t<Awaitables>...>> when_any(Awaitables... awaitables) {
    static_assert(sizeof...(Awaitables) != 0, "when_any needs at least one awaitable");
    task_group group{detail::first_completion};
    std::tuple<join_handle<detail::await_result_t<Awaitables>>...> handles{
        group.spawn(detail::as_task(std::move(awaitables)))...};
    co_await group.wait(); // rethrows the first real failure, the winner's if it failed
    when_any_result<detail::await_result_t<Awaitables>...> result;
    detail::take_winner<0>(result, handles, group.first_finished());
    co_return result;
}

} // namespace corio
CORIO_EXPORT_END
