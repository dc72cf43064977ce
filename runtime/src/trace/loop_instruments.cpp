// SPDX-License-Identifier: MIT
// The loop's task registry, trace recorder and stall detector (SKELETON: hooks do nothing yet).
#include <corio/runtime/detail/loop_instruments.hpp>
#include <corio/runtime/event_loop.hpp>

namespace corio::detail {

struct loop_instruments::state {
    event_loop* loop = nullptr;
    bool tracing = false;
    trace_recording recording;
};

loop_instruments::loop_instruments(event_loop& loop)
    : state_(std::make_unique<state>()) {
    state_->loop = &loop;
    state_->tracing = loop.options().trace;
    state_->recording.backend = std::string(loop.backend_name());
}

loop_instruments::~loop_instruments() = default;

void loop_instruments::task_spawned(task_state& /*task*/, std::coroutine_handle<> /*frame*/,
                                    std::string_view /*name*/) noexcept {}
void loop_instruments::task_finished(task_state& /*task*/) noexcept {}
void loop_instruments::task_parked(task_state& /*task*/,
                                   std::coroutine_handle<> /*coroutine*/) noexcept {}
void loop_instruments::task_woken(task_state& /*task*/,
                                  std::coroutine_handle<> /*coroutine*/) noexcept {}
void loop_instruments::budget_exhausted(task_state& /*task*/, unsigned /*completed*/) noexcept {}
void loop_instruments::slice_begin(std::coroutine_handle<> /*next*/) noexcept {}
void loop_instruments::slice_end() noexcept {}
void loop_instruments::reactor_wait_begin(
    std::optional<std::chrono::nanoseconds> /*timeout*/) noexcept {}
void loop_instruments::reactor_wait_end(std::size_t /*events*/) noexcept {}
void loop_instruments::posted_begin() noexcept {}
void loop_instruments::posted_end() noexcept {}
void loop_instruments::timer_armed(std::uint64_t /*deadline_ns*/, unsigned /*level*/,
                                   unsigned /*slot*/) noexcept {}
void loop_instruments::timer_cascaded(unsigned /*level*/, unsigned /*slot*/,
                                      std::size_t /*moved*/) noexcept {}
void loop_instruments::timers_fired(std::size_t /*count*/) noexcept {}
void loop_instruments::blocking_finished(
    const task_state* /*waiter*/, std::chrono::steady_clock::time_point /*started*/,
    std::chrono::steady_clock::time_point /*finished*/) noexcept {}

const trace_recording* loop_instruments::recording() const noexcept {
    return state_->tracing ? &state_->recording : nullptr;
}

task_dump loop_instruments::dump() const {
    return {};
}

task_id loop_instruments::id_of(const task_state& /*task*/) const noexcept {
    return 0;
}

} // namespace corio::detail
