// SPDX-License-Identifier: MIT
// condition_variable.hpp - corio::condition_variable, wait for a condition guarded by a mutex
// (asyncio.Condition, with the lock passed in as in std::condition_variable).
//
//     auto held = co_await lock.scoped_lock();
//     co_await ready.wait(held, [&] { return !jobs.empty(); });  // unlocks while parked
//     handle(jobs.front());   // jobs is not empty, and the lock is held again, here
//
// wait() releases the mutex, parks until notify_one()/notify_all(), then re-acquires the mutex
// before returning. If the task is cancelled while parked, it still re-acquires the mutex before
// throwing cancelled_error, so the guard's promise ("I hold the lock") is never broken.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/wait_list.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/sync/mutex.hpp>
#include <corio/runtime/task.hpp>

#include <coroutine>
#include <string>

CORIO_EXPORT_BEGIN
namespace corio {

class condition_variable {
public:
    condition_variable() = default;
    condition_variable(const condition_variable&) = delete;
    condition_variable& operator=(const condition_variable&) = delete;

    // Wakes the longest-waiting task, if any.
    void notify_one() noexcept {
        if (notify_awaiter* waiter = waiters_.pop_front()) {
            waiter->wake();
        }
    }
    void notify_all() noexcept {
        while (notify_awaiter* waiter = waiters_.pop_front()) {
            waiter->wake();
        }
    }

    // Precondition: `held` owns its mutex (throws usage_error otherwise).
    task<> wait(mutex::guard& held);

    template <class Predicate>
    task<> wait(mutex::guard& held, Predicate ready) {
        while (!ready()) {
            co_await wait(held);
        }
    }

private:
    class [[nodiscard]] notify_awaiter : private detail::waiter,
                                         public detail::wait_list_hook<notify_awaiter> {
    public:
        notify_awaiter(condition_variable& owner, mutex& released) noexcept
            : condition_(owner)
            , released_(released) {}
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> coroutine) {
            if (!park(coroutine, wait_kind)) {
                return false;
            }
            condition_.waiters_.push_back(*this);
            released_.unlock(); // after queueing: a notify from the next lock holder reaches us
            unlocked_ = true;
            return suspend();
        }
        void await_resume() const { resume_or_throw(); }
        // False if the wait was refused at once (cancellation pending): the mutex is still held.
        [[nodiscard]] bool released_mutex() const noexcept { return unlocked_; }

    private:
        friend class condition_variable;
        static void on_cancel(detail::suspension& parked) noexcept {
            auto& self = static_cast<notify_awaiter&>(parked);
            self.unlink();
            self.wake_cancelled();
        }
        static void describe(const detail::suspension& parked, std::string& out) {
            out += ' ';
            detail::append_address(out, &static_cast<const notify_awaiter&>(parked).condition_);
        }
        static constexpr detail::suspension_kind wait_kind{&on_cancel, "condition_variable.wait",
                                                           wait_category::event, &describe};
        condition_variable& condition_;
        mutex& released_;
        bool unlocked_ = false;
    };

    detail::wait_list<notify_awaiter> waiters_;
};

inline task<> condition_variable::wait(mutex::guard& held) {
    if (!held.owns_lock()) {
        throw usage_error("corio::condition_variable::wait() needs a guard that holds its mutex");
    }
    mutex& guarded = *held.get();
    notify_awaiter parked{*this, guarded};
    bool cancelled = false;
    try {
        co_await parked;
    } catch (const cancelled_error&) {
        cancelled = true;
    }
    if (parked.released_mutex()) {
        // Re-acquire shielded from cancellation, so the guard holds the mutex again whether we
        // return or throw.
        held.disown();
        co_await mutex::lock_awaiter{guarded, /*cancellable=*/false};
        held = mutex::guard{guarded};
    }
    if (cancelled) {
        throw cancelled_error();
    }
}

} // namespace corio
CORIO_EXPORT_END
