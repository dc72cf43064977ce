// SPDX-License-Identifier: MIT
// event.hpp - corio::event, a flag tasks can wait for (asyncio.Event).
//
//     corio::event ready;
//     co_await ready.wait();   // in one task: parks until the flag is set
//     ready.set();             // in another: wakes every waiter, in the order they came
//
// clear() resets the flag; tasks that wait afterwards park again. Waiting is cancellable and is a
// cancellation checkpoint even when the flag is already set.
// Not thread-safe: set() from another thread via event_loop::post.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/wait_list.hpp>
#include <corio/runtime/detail/waiter.hpp>

#include <coroutine>
#include <string>

CORIO_EXPORT_BEGIN
namespace corio {

class event {
public:
    event() = default;
    event(const event&) = delete;
    event& operator=(const event&) = delete;

    [[nodiscard]] bool is_set() const noexcept { return set_; }

    void set() noexcept {
        set_ = true;
        while (wait_awaiter* waiter = waiters_.pop_front()) {
            waiter->wake();
        }
    }
    void clear() noexcept { set_ = false; }

    class [[nodiscard]] wait_awaiter : private detail::waiter,
                                       public detail::wait_list_hook<wait_awaiter> {
    public:
        explicit wait_awaiter(event& owner) noexcept
            : event_(owner) {}
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> coroutine) {
            if (!park(coroutine, wait_kind)) {
                return false;
            }
            if (event_.set_) {
                return complete_immediately();
            }
            event_.waiters_.push_back(*this);
            return suspend();
        }
        void await_resume() const { resume_or_throw(); }

    private:
        friend class event;
        static void on_cancel(detail::suspension& parked) noexcept {
            auto& self = static_cast<wait_awaiter&>(parked);
            self.unlink();
            self.wake_cancelled();
        }
        static void describe(const detail::suspension& parked, std::string& out) {
            out += ' ';
            detail::append_address(out, &static_cast<const wait_awaiter&>(parked).event_);
        }
        static constexpr detail::suspension_kind wait_kind{&on_cancel, "event.wait",
                                                           wait_category::event, &describe};
        event& event_;
    };

    [[nodiscard]] wait_awaiter wait() noexcept { return wait_awaiter{*this}; }

private:
    bool set_ = false;
    detail::wait_list<wait_awaiter> waiters_;
};

} // namespace corio
CORIO_EXPORT_END
