// SPDX-License-Identifier: MIT
// run_blocking.hpp - run a blocking function on a worker thread and await its result
// (asyncio.to_thread, tokio's spawn_blocking).
//
//     std::string text = co_await corio::run_blocking([&] { return read_whole_file(path); });
//     std::string same = co_await corio::run_blocking(read_whole_file, path); // arguments are
//     copied
//
// The loop keeps running other tasks meanwhile. The callable runs on one of the loop's few worker
// threads (loop_options::blocking_threads, started on demand); its return value or exception comes
// back to the awaiting task. Cancelling the task withdraws the call if no worker has started it;
// otherwise the task waits for it to finish (so it can safely use references to the task's
// locals) and then throws cancelled_error, discarding the result.
//
// g++ 12 caveat: a lambda whose captures own resources (`[p = std::move(ptr)] {...}`) written
// *inside* a co_await expression is destroyed twice by g++ 12's coroutine lowering (a compiler
// bug; clang is not affected). Pass such state as arguments instead, or name the lambda first.
#pragma once

#include <corio/runtime/detail/blocking_job.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/event_loop.hpp>

#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace corio {

template <class Function, class... Args>
class [[nodiscard]] blocking_awaiter : private detail::waiter, private detail::blocking_job {
    using result_type = std::invoke_result_t<Function&, Args&...>;
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
        try {
            loop().submit_blocking(*this);
        } catch (...) {
            parked_task()->clear_suspension();
            throw;
        }
        return true;
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
                std::apply(self.function_, self.arguments_);
                self.result_.emplace(true);
            } else {
                self.result_.emplace(std::apply(self.function_, self.arguments_));
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
    static constexpr detail::suspension_kind wait_kind{&on_cancel, "run_blocking"};

    Function function_;
    std::tuple<Args...> arguments_;
    std::optional<stored_type> result_;
    std::exception_ptr error_;
    bool interrupted_ = false;
};

// Calls function(args...) on a worker thread; the arguments are decay-copied (moved when
// possible) into the awaiter first, like std::thread's.
template <class Function, class... Args>
[[nodiscard]] blocking_awaiter<std::decay_t<Function>, std::decay_t<Args>...>
run_blocking(Function&& function, Args&&... args) {
    return blocking_awaiter<std::decay_t<Function>, std::decay_t<Args>...>{
        std::forward<Function>(function), std::forward<Args>(args)...};
}

} // namespace corio
