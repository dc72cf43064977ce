// SPDX-License-Identifier: MIT
// run_blocking.hpp - run a blocking function on a worker thread and await its result
// (asyncio.to_thread, tokio's spawn_blocking).
//
//     std::string text = co_await corio::run_blocking([&] { return read_whole_file(path); });
//     std::string same = co_await corio::run_blocking(read_whole_file, path); // copies path
//
// The loop keeps running other tasks meanwhile. The callable runs on one of the loop's few worker
// threads (loop_options::blocking_threads, started on demand); its return value or exception comes
// back to the awaiting task. Cancelling the task withdraws the call if no worker has started it;
// otherwise the task waits for it to finish (so it can safely use references to the task's
// locals) and then throws cancelled_error, discarding the result.
//
// The arguments are moved into the call, as std::thread does, so a callable may take move-only
// state by value. That is also the way to hand it owned state under g++ 12:
//
//     co_await corio::run_blocking([](std::unique_ptr<image> owned) { return encode(*owned); },
//                                  std::move(img));
//
// g++ 12 destroys a closure that owns state (`[p = std::move(p)] {...}`) twice when it is written
// inside a co_await expression: its coroutine lowering copies the closure bit by bit and then
// destroys both copies (clang is not affected). No signature can undo that (the damage is done
// before run_blocking is called), so with g++ 12 run_blocking refuses, at compile time, an
// rvalue callable that owns state (a closure or aggregate that is not trivially destructible),
// with a message that shows the form above. Callables that capture by reference, or nothing, and
// lvalues (copied) are unaffected.
#pragma once

#include <corio/runtime/detail/blocking_job.hpp>
#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/event_loop.hpp>

#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio {

template <class Function, class... Args>
class [[nodiscard]] blocking_awaiter : private detail::waiter, private detail::blocking_job {
    // Called once, so like std::thread it gets its arguments (and is called) as rvalues: a
    // move-only argument can be taken by value.
    using result_type = std::invoke_result_t<Function, Args...>;
    using stored_type = std::conditional_t<std::is_void_v<result_type>, bool, result_type>;

public:
    explicit blocking_awaiter(Function function, Args... args)
        : function_(std::move(function))
        , arguments_(std::move(args)...) {
        execute = &run_on_worker;
        on_done = &finished;
    }
    blocking_awaiter(blocking_awaiter&&) noexcept(std::is_nothrow_move_constructible_v<Function>) =
        default;
    blocking_awaiter(const blocking_awaiter&) = delete;
    blocking_awaiter& operator=(const blocking_awaiter&) = delete;
    ~blocking_awaiter() = default;

    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template <detail::corio_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> coroutine) {
        if (!park(coroutine, wait_kind)) {
            return false;
        }
        loop().submit_blocking(*this); // the job comes back through a post, never from in here
        return suspend();
    }
    result_type await_resume() {
        resume_or_throw();
        if (error_) {
            std::rethrow_exception(error_);
        }
        if constexpr (!std::is_void_v<result_type>) {
            return std::move(*result_);
        }
    }

private:
    // On a worker thread. The loop reads result_/error_ only after the job is posted back, and
    // the post's release/acquire pair orders these writes before that read.
    static void run_on_worker(detail::blocking_job& job) noexcept {
        auto& self = static_cast<blocking_awaiter&>(job);
        try {
            if constexpr (std::is_void_v<result_type>) {
                std::apply(std::move(self.function_), std::move(self.arguments_));
                self.result_.emplace(true);
            } else {
                self.result_.emplace(
                    std::apply(std::move(self.function_), std::move(self.arguments_)));
            }
        } catch (...) {
            self.error_ = std::current_exception();
        }
    }
    static void finished(detail::blocking_job& job) noexcept {
        auto& self = static_cast<blocking_awaiter&>(job);
        if (self.interrupted_) {
            self.wake_cancelled();
        } else {
            self.wake();
        }
    }
    static void on_cancel(detail::suspension& parked) noexcept {
        auto& self = static_cast<blocking_awaiter&>(parked);
        if (self.loop().withdraw_blocking(self)) {
            self.wake_cancelled(); // never started: nothing to wait for
        } else {
            self.interrupted_ = true; // running: resume (and throw) once it returns
        }
    }
    static constexpr detail::suspension_kind wait_kind{&on_cancel, "run_blocking",
                                                       wait_category::blocking};

    Function function_;
    std::tuple<Args...> arguments_;
    std::optional<stored_type> result_;
    std::exception_ptr error_;
    bool interrupted_ = false;
};

namespace detail {
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
inline constexpr bool compiler_destroys_co_await_closures_twice = true;
#else
inline constexpr bool compiler_destroys_co_await_closures_twice = false;
#endif

// An rvalue closure or aggregate that owns state: what g++ 12 destroys twice inside co_await.
// (A closure with captures is never default-constructible; std::function and the like are.)
template <class Function, class Decayed = std::remove_cvref_t<Function>>
inline constexpr bool is_owning_closure_rvalue =
    !std::is_lvalue_reference_v<Function> && std::is_class_v<Decayed> &&
    !std::is_trivially_destructible_v<Decayed> &&
    (std::is_aggregate_v<Decayed> || !std::is_default_constructible_v<Decayed>);
} // namespace detail

// Calls function(args...) on a worker thread; the function and the arguments are decay-copied
// (moved when possible) into the awaiter first, and moved into the call, like std::thread's.
template <class Function, class... Args>
[[nodiscard]] blocking_awaiter<std::decay_t<Function>, std::decay_t<Args>...>
run_blocking(Function&& function, Args&&... args) {
    static_assert(!(detail::compiler_destroys_co_await_closures_twice &&
                    detail::is_owning_closure_rvalue<Function>),
                  "g++ 12 destroys a lambda that owns state twice when it is written inside "
                  "co_await. Pass the state as an argument instead: "
                  "co_await corio::run_blocking([](std::unique_ptr<T> p) { ... }, std::move(p));");
    return blocking_awaiter<std::decay_t<Function>, std::decay_t<Args>...>{
        std::forward<Function>(function), std::forward<Args>(args)...};
}

} // namespace corio
CORIO_EXPORT_END
