// SPDX-License-Identifier: MIT
// task_group.hpp - structured concurrency: a scope that owns the tasks it starts
// (asyncio.TaskGroup, trio's nursery).
//
//     corio::task_group group;
//     group.spawn(fetch(a));
//     group.spawn(fetch(b));
//     co_await group.wait();   // joins both; rethrows the first failure
//
// When a child fails, the group cancels the other children at once; wait() still waits for all of
// them to finish, then rethrows that first exception. Cancelling the task that waits cancels every
// child too. A group destroyed while children still run (say an exception left the scope before
// wait()) cancels them and hands them to the loop, which lets them unwind; an error nobody waited
// for is reported, never swallowed. gather, when_any and wait_for are built on this.
// Not thread-safe: use a group from tasks of one loop.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/task_state.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/task.hpp>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio {

namespace detail {
// Internal policy for when_any and wait_for: the first child to finish, however it finishes,
// cancels the rest.
struct first_completion_t {
    explicit first_completion_t() = default;
};
inline constexpr first_completion_t first_completion{};
} // namespace detail

class task_group final : private detail::task_owner {
public:
    class wait_awaiter;

    task_group() = default;
    explicit task_group(detail::first_completion_t /*policy*/) noexcept
        : stop_on_first_(true) {}
    task_group(const task_group&) = delete;
    task_group& operator=(const task_group&) = delete;
    ~task_group() override;

    // Starts `work` as a child of the group on the current loop. The returned handle may be kept
    // to read the child's result after wait(), or dropped. `name` labels the child in traces and
    // task dumps (copied; ignored unless the loop records them, see trace.hpp).
    template <class T>
    join_handle<T> spawn(task<T> work, std::string_view name = {}) {
        event_loop& loop = event_loop::current();
        loop_ = &loop;
        return loop.spawn_owned(std::move(work), *this, name);
    }

    // Requests cancellation of every running child.
    void cancel() noexcept { cancel_children(); }

    // Children still running.
    [[nodiscard]] std::size_t size() const noexcept { return child_count(); }
    // The first child that failed (with anything but cancellation), or null.
    [[nodiscard]] const std::exception_ptr& first_error() const noexcept { return first_error_; }
    // With the first_completion policy: the child that finished first, or null.
    [[nodiscard]] const detail::task_state* first_finished() const noexcept {
        return first_finished_;
    }

    // co_await wait(): parks until every child has finished, then rethrows the first failure.
    [[nodiscard]] wait_awaiter wait() noexcept;

    class [[nodiscard]] wait_awaiter : private detail::waiter {
    public:
        explicit wait_awaiter(task_group& group) noexcept
            : group_(group) {}
        wait_awaiter(const wait_awaiter&) = delete;
        wait_awaiter& operator=(const wait_awaiter&) = delete;
        ~wait_awaiter() {
            if (group_.waiter_ == this) {
                group_.waiter_ = nullptr;
            }
        }

        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> coroutine) {
            if (!park(coroutine, wait_kind)) {
                // Already cancelled: take the children down too, and still wait for them, since
                // they may use what the waiting task owns.
                group_.cancel_children();
                if (group_.child_count() == 0) {
                    return false;
                }
                interrupted_ = true; // park_shielded forgets that park() found it cancelled
                park_shielded(coroutine, shielded_wait_kind);
                group_.waiter_ = this;
                return suspend();
            }
            if (group_.child_count() == 0) {
                return complete_immediately();
            }
            group_.waiter_ = this;
            return suspend();
        }
        void await_resume() {
            group_.waiter_ = nullptr;
            resume_or_throw(); // cancelled before parking
            if (interrupted_) {
                parked_task()->acknowledge_cancel();
                throw cancelled_error();
            }
            group_.rethrow_first_error();
        }

    private:
        friend class task_group;
        // Cancelling the waiter cancels the children and keeps waiting until all are gone.
        static void on_cancel(detail::suspension& parked) noexcept {
            auto& self = static_cast<wait_awaiter&>(parked);
            self.interrupted_ = true;
            self.group_.cancel_children();
        }
        // "task_group.wait (3 children)": the ones still running.
        static void describe(const detail::suspension& parked, std::string& out) {
            const std::size_t children =
                static_cast<const wait_awaiter&>(parked).group_.child_count();
            out += " (";
            out += std::to_string(children);
            out += children == 1 ? " child)" : " children)";
        }
        static constexpr detail::suspension_kind wait_kind{&on_cancel, "task_group.wait",
                                                           wait_category::task, &describe};
        static constexpr detail::suspension_kind shielded_wait_kind{
            &ignore_cancel, "task_group.wait", wait_category::task, &describe};
        task_group& group_;
        bool interrupted_ = false;
    };

private:
    void on_child_finished(detail::task_state& child) noexcept override;
    void rethrow_first_error() {
        if (first_error_) {
            error_observed_ = true;
            std::rethrow_exception(first_error_);
        }
    }

    event_loop* loop_ = nullptr;
    wait_awaiter* waiter_ = nullptr;
    std::exception_ptr first_error_;
    const detail::task_state* first_finished_ = nullptr;
    bool stop_on_first_ = false;
    bool error_observed_ = false;
};

inline task_group::wait_awaiter task_group::wait() noexcept {
    return wait_awaiter{*this};
}

inline void task_group::on_child_finished(detail::task_state& child) noexcept {
    if (first_finished_ == nullptr) {
        first_finished_ = &child;
        if (stop_on_first_) {
            cancel_children();
        }
    }
    if (child.failed()) {
        static_cast<detail::promise_base&>(child).mark_exception_retrieved();
        if (!first_error_) {
            first_error_ = child.exception();
            cancel_children();
        }
    }
    if (child_count() == 0 && waiter_ != nullptr) {
        std::exchange(waiter_, nullptr)->wake();
    }
}

inline task_group::~task_group() {
    if (child_count() != 0) {
        cancel_children();
        while (detail::task_state* orphan = first_child()) {
            loop_->adopt_orphan(*orphan);
        }
    }
    if (first_error_ && !error_observed_ && loop_ != nullptr) {
        loop_->report_unhandled(first_error_);
    }
}

} // namespace corio
CORIO_EXPORT_END
