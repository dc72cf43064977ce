// SPDX-License-Identifier: MIT
// join_handle.hpp - the caller's side of a spawned task (asyncio's Task object, tokio's
// JoinHandle).
//
//     corio::join_handle<int> handle = corio::spawn(compute());
//     co_await other_work();                // compute() runs concurrently from here on
//     int value = co_await handle;          // wait for it; its exception is rethrown here
//
// The handle can be awaited once, polled with done(), cancelled with cancel(), or let go with
// detach() (dropping the handle detaches too). A detached task keeps running; if it then fails,
// the loop reports the exception instead of swallowing it. If the awaiting task is cancelled, the
// awaited task is cancelled too and the awaiter resumes once it has finished, like asyncio.
// Not thread-safe; a handle must not outlive its event loop.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/task_state.hpp>
#include <corio/runtime/detail/waiter_core.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/task.hpp>

#include <coroutine>
#include <string>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio {

template <class T = void>
class join_handle {
public:
    using promise_type = detail::task_promise<T>;

    join_handle() noexcept = default;
    explicit join_handle(std::coroutine_handle<promise_type> frame) noexcept
        : frame_(frame) {
        frame_.promise().set_handle_alive(true);
    }
    join_handle(join_handle&& other) noexcept
        : frame_(std::exchange(other.frame_, {})) {}
    join_handle& operator=(join_handle&& other) noexcept {
        if (this != &other) {
            detach();
            frame_ = std::exchange(other.frame_, {});
        }
        return *this;
    }
    join_handle(const join_handle&) = delete;
    join_handle& operator=(const join_handle&) = delete;
    ~join_handle() { detach(); }

    [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(frame_); }
    [[nodiscard]] bool done() const noexcept { return frame_ && frame_.promise().finished(); }
    // True if the task ended with cancelled_error (it was cancelled and did not swallow it).
    [[nodiscard]] bool cancelled() const noexcept {
        return done() && frame_.promise().ended_by_cancel();
    }

    // Asks the task to stop: its current or next suspension point throws cancelled_error.
    // Returns false if it had already finished.
    bool cancel() noexcept { return frame_ && frame_.promise().request_cancel(); }

    // Lets the task run on by itself; the handle becomes empty.
    void detach() noexcept {
        if (!frame_) {
            return;
        }
        promise_type& promise = std::exchange(frame_, {}).promise();
        promise.set_handle_alive(false);
        if (promise.finished()) {
            destroy_finished_frame(promise);
        }
    }

    // The finished task's value, or its exception rethrown. Precondition: done().
    T result() {
        if (!done()) {
            throw usage_error("join_handle::result() called before the task finished");
        }
        return frame_.promise().take_result();
    }

    // Goes through the shared waiter core (detail/waiter_core.hpp); it needs no copy of the
    // joiner's coroutine handle, which the joined task's promise holds, so it stays 32 bytes.
    class awaiter : private detail::waiter_core {
    public:
        explicit awaiter(std::coroutine_handle<promise_type> frame) noexcept
            : frame_(frame) {}
        [[nodiscard]] bool await_ready() const noexcept { return frame_.promise().finished(); }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> parent) noexcept {
            task_ = &parent.promise().this_task();
            use_kind(join_kind);
            if (frame_.promise().joiner()) {
                misused_ = true;
                return false;
            }
            frame_.promise().set_joiner(parent);
            if (task_->cancel_requested()) {
                // Already cancelled: take the awaited task down too, and still wait for it.
                interrupted_ = true;
                use_kind(shielded_join_kind);
                task_->suspend_on(*this);
                frame_.promise().request_cancel();
                return true;
            }
            // Recorded without a trace-point check: the instruments see this suspension at the
            // slice's end and find the frame to resume as the joined task's joiner.
            task_->suspend_on(*this);
            return true;
        }
        T await_resume() {
            if (misused_) {
                throw usage_error("a corio::join_handle may be awaited by one task at a time");
            }
            if (task_ != nullptr) {
                // The joined task finished and transferred straight here (finish_root, which
                // also reported this wake-up to the instruments, if any). Its joiner is left set:
                // nothing reads a finished task's joiner.
                task_->clear_suspension();
                if (interrupted_) {
                    throw_cancelled(*task_);
                }
            }
            return frame_.promise().take_result();
        }

    private:
        // Cancelling the waiter cancels the awaited task, then keeps waiting for it to finish, so
        // that nothing it references can disappear under it (asyncio does the same).
        static void on_cancel(detail::suspension& self) noexcept {
            auto& me = static_cast<awaiter&>(self);
            me.interrupted_ = true;
            me.frame_.promise().request_cancel();
        }
        static void ignore_cancel(detail::suspension& /*parked*/) noexcept {}
        static void describe(const detail::suspension& self, std::string& out) {
            const auto& me = static_cast<const awaiter&>(self);
            detail::describe_joined_task(*me.task_, me.frame_.promise(), out);
        }
        static const detail::task_state* joined(const detail::suspension& self) noexcept {
            return &static_cast<const awaiter&>(self).frame_.promise();
        }
        static constexpr detail::suspension_kind join_kind{&on_cancel, "join", wait_category::task,
                                                           &describe, &joined};
        static constexpr detail::suspension_kind shielded_join_kind{
            &ignore_cancel, "join", wait_category::task, &describe, &joined};

        detail::task_state* task_ = nullptr; // the joining task, once it awaits
        std::coroutine_handle<promise_type> frame_;
        bool interrupted_ = false;
        bool misused_ = false;
    };

    awaiter operator co_await() const {
        if (!frame_) {
            throw usage_error("co_await on an empty corio::join_handle");
        }
        return awaiter{frame_};
    }

    // The task's bookkeeping, for owners such as task_group.
    [[nodiscard]] detail::task_state* state() const noexcept {
        return frame_ ? &frame_.promise() : nullptr;
    }

private:
    static void destroy_finished_frame(promise_type& promise) noexcept;

    std::coroutine_handle<promise_type> frame_;
};

namespace detail {
// Defined in event_loop.cpp: reports an exception nobody retrieved, then frees the frame.
void release_finished_root(promise_base& root) noexcept;
} // namespace detail

template <class T>
void join_handle<T>::destroy_finished_frame(promise_type& promise) noexcept {
    detail::release_finished_root(promise);
}

} // namespace corio
CORIO_EXPORT_END
