// SPDX-License-Identifier: MIT
// What a suspension waits on, in words, for traces and task dumps (SKELETON: the kind's name).
#include <corio/runtime/detail/task_state.hpp>

namespace corio::detail {

wait_category category_of(const suspension& /*parked*/) noexcept {
    return wait_category::other;
}

void describe_suspension(const suspension& parked, std::string& out) {
    out += parked.what != nullptr ? parked.what->name : "?";
}

const task_state* awaited_task(const suspension& /*parked*/) noexcept {
    return nullptr;
}

} // namespace corio::detail
