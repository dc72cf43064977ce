// SPDX-License-Identifier: MIT
// task.hpp - corio::task<T>, a lazily started coroutine returning T (asyncio's `async def`).
//
//     corio::task<int> answer() { co_await corio::sleep_for(10ms); co_return 42; }
//
// Calling answer() only creates the coroutine frame; nothing runs until the task is either
// co_awaited (it then runs as part of the awaiting task and resumes it when done) or handed to
// corio::spawn() (it becomes a task of its own, like asyncio.create_task). A task is move-only and
// can be awaited once. Exceptions thrown inside propagate to the awaiter.
// Not thread-safe: a task runs on the thread of the loop that runs it.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/promise_base.hpp>
#include <corio/runtime/error.hpp>

#include <coroutine>
#include <memory>
#include <type_traits>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio {

template <class T = void>
class task;

namespace detail {

template <class T>
class task_promise final : public promise_base {
    static_assert(alignof(T) <= max_promise_alignment,
                  "corio::task<T> needs alignof(T) <= 16 (see promise_base::frame())");

public:
    task_promise() noexcept {} // NOLINT: the union member stays unconstructed until co_return
    task<T> get_return_object() noexcept;

    template <class U>
    requires std::is_convertible_v<U&&, T>
    void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        ::new (static_cast<void*>(std::addressof(value_))) T(std::forward<U>(value));
        has_value_ = true;
    }

    ~task_promise() {
        if (has_value_) {
            value_.~T();
        }
    }

    // Moves the result out, or rethrows the task's exception.
    T take_result() {
        rethrow_if_failed();
        return std::move(value_);
    }

private:
    union {
        T value_;
    };
    bool has_value_ = false;
};

template <class T>
class task_promise<T&> final : public promise_base {
public:
    task<T&> get_return_object() noexcept;
    void return_value(T& value) noexcept { value_ = std::addressof(value); }
    T& take_result() {
        rethrow_if_failed();
        return *value_;
    }

private:
    T* value_ = nullptr;
};

template <>
class task_promise<void> final : public promise_base {
public:
    task<void> get_return_object() noexcept;
    void return_void() const noexcept {}
    void take_result() { rethrow_if_failed(); }
};

} // namespace detail

template <class T>
class [[nodiscard]] task {
public:
    using promise_type = detail::task_promise<T>;
    using value_type = T;

    task() noexcept = default;
    explicit task(std::coroutine_handle<promise_type> frame) noexcept
        : frame_(frame) {}
    task(task&& other) noexcept
        : frame_(std::exchange(other.frame_, {})) {}
    task& operator=(task&& other) noexcept {
        if (this != &other) {
            destroy();
            frame_ = std::exchange(other.frame_, {});
        }
        return *this;
    }
    task(const task&) = delete;
    task& operator=(const task&) = delete;
    ~task() { destroy(); }

    // False for a default-constructed or moved-from task.
    [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(frame_); }

    class awaiter {
    public:
        explicit awaiter(std::coroutine_handle<promise_type> frame) noexcept
            : frame_(frame) {}
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> parent) noexcept {
            frame_.promise().start_nested(parent.promise(), parent);
            return frame_; // run the child now; it transfers back when it finishes
        }
        T await_resume() { return frame_.promise().take_result(); }

    private:
        std::coroutine_handle<promise_type> frame_;
    };

    awaiter operator co_await() const {
        if (!frame_ || frame_.done()) {
            throw usage_error("co_await on an empty or already awaited corio::task");
        }
        return awaiter{frame_};
    }

    // Hands the coroutine frame over (used by spawn); the task becomes empty.
    [[nodiscard]] std::coroutine_handle<promise_type> release() noexcept {
        return std::exchange(frame_, {});
    }

private:
    void destroy() noexcept {
        if (frame_) {
            std::exchange(frame_, {}).destroy();
        }
    }

    std::coroutine_handle<promise_type> frame_;
};

namespace detail {

template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
    return task<T>{std::coroutine_handle<task_promise>::from_promise(*this)};
}
template <class T>
task<T&> task_promise<T&>::get_return_object() noexcept {
    return task<T&>{std::coroutine_handle<task_promise>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
    return task<void>{std::coroutine_handle<task_promise>::from_promise(*this)};
}

} // namespace detail
} // namespace corio
CORIO_EXPORT_END
