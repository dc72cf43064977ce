// SPDX-License-Identifier: MIT
// mutex.hpp - corio::mutex, mutual exclusion between tasks of one loop (asyncio.Lock).
//
//     corio::mutex lock;
//     {
//         corio::mutex::guard held = co_await lock.scoped_lock(); // parks while another has it
//         co_await update(shared);          // others stay out, even while this task is parked
//     }                                     // released by the guard
//
// Waiters acquire the mutex in arrival order: unlock() hands ownership straight to the first
// waiter, so nobody can barge in between. Waiting is cancellable. This does not protect data from
// other *threads* (tasks of one loop never run in parallel); it keeps a task's multi-step update
// atomic across its own suspension points.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/wait_list.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/error.hpp>

#include <coroutine>
#include <string>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio {

class mutex {
public:
    class guard;
    class lock_awaiter;
    class scoped_lock_awaiter;

    mutex() = default;
    mutex(const mutex&) = delete;
    mutex& operator=(const mutex&) = delete;

    [[nodiscard]] bool locked() const noexcept { return locked_; }
    [[nodiscard]] bool try_lock() noexcept {
        if (locked_) {
            return false;
        }
        locked_ = true;
        return true;
    }

    // co_await lock(): acquire, to be released with unlock().
    [[nodiscard]] lock_awaiter lock() noexcept;
    // co_await scoped_lock(): acquire and receive a guard that releases on destruction.
    [[nodiscard]] scoped_lock_awaiter scoped_lock() noexcept;

    // Releases the mutex, handing it to the longest waiter. Throws usage_error if not locked.
    void unlock() {
        if (!locked_) {
            throw usage_error("corio::mutex::unlock() on a mutex that is not locked");
        }
        release();
    }

    class [[nodiscard]] lock_awaiter : private detail::waiter,
                                       public detail::wait_list_hook<lock_awaiter> {
    public:
        // `cancellable == false` makes the wait finish even if the task is cancelled meanwhile
        // (the cancellation then fires at the next checkpoint); condition_variable needs this.
        explicit lock_awaiter(mutex& owner, bool cancellable = true) noexcept
            : mutex_(owner)
            , cancellable_(cancellable) {}
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> coroutine) {
            if (!cancellable_) {
                park_shielded(coroutine, shielded_lock_kind);
            } else if (!park(coroutine, lock_kind)) {
                return false;
            }
            if (mutex_.try_lock()) {
                return complete_immediately();
            }
            mutex_.waiters_.push_back(*this);
            return suspend();
        }
        void await_resume() const { resume_or_throw(); }

    protected:
        [[nodiscard]] mutex& owner() const noexcept { return mutex_; }

    private:
        friend class mutex;
        static void on_cancel(detail::suspension& parked) noexcept {
            auto& self = static_cast<lock_awaiter&>(parked);
            self.unlink();
            self.wake_cancelled();
        }
        // "mutex.lock 0x7ffc... (held)": a parked locker always finds it held, but the words
        // say why it waits.
        static void describe(const detail::suspension& parked, std::string& out) {
            const mutex& awaited = static_cast<const lock_awaiter&>(parked).mutex_;
            out += ' ';
            detail::append_address(out, &awaited);
            out += awaited.locked() ? " (held)" : " (free)";
        }
        static constexpr detail::suspension_kind lock_kind{&on_cancel, "mutex.lock",
                                                           wait_category::lock, &describe};
        static constexpr detail::suspension_kind shielded_lock_kind{&ignore_cancel, "mutex.lock",
                                                                    wait_category::lock, &describe};
        mutex& mutex_;
        bool cancellable_;
    };

    // Owns a locked mutex and unlocks it when destroyed. Movable, not copyable.
    class guard {
    public:
        guard() noexcept = default;
        // Adopts `owner`, which the caller has locked.
        explicit guard(mutex& owner) noexcept
            : mutex_(&owner) {}
        guard(guard&& other) noexcept
            : mutex_(std::exchange(other.mutex_, nullptr)) {}
        guard& operator=(guard&& other) noexcept {
            if (this != &other) {
                unlock();
                mutex_ = std::exchange(other.mutex_, nullptr);
            }
            return *this;
        }
        guard(const guard&) = delete;
        guard& operator=(const guard&) = delete;
        ~guard() { unlock(); }

        [[nodiscard]] bool owns_lock() const noexcept { return mutex_ != nullptr; }
        [[nodiscard]] mutex* get() const noexcept { return mutex_; }
        // Unlocks early; the guard becomes empty.
        void unlock() noexcept {
            if (mutex_ != nullptr) {
                std::exchange(mutex_, nullptr)->release();
            }
        }
        // Gives up ownership without unlocking.
        mutex* disown() noexcept { return std::exchange(mutex_, nullptr); }

    private:
        mutex* mutex_ = nullptr;
    };

    class [[nodiscard]] scoped_lock_awaiter : public lock_awaiter {
    public:
        explicit scoped_lock_awaiter(mutex& owner) noexcept
            : lock_awaiter(owner) {}
        guard await_resume() const {
            lock_awaiter::await_resume();
            return guard{owner()};
        }
    };

private:
    void release() noexcept {
        if (lock_awaiter* next = waiters_.pop_front()) {
            next->wake(); // ownership passes directly: locked_ stays true
        } else {
            locked_ = false;
        }
    }

    bool locked_ = false;
    detail::wait_list<lock_awaiter> waiters_;
};

inline mutex::lock_awaiter mutex::lock() noexcept {
    return lock_awaiter{*this};
}

inline mutex::scoped_lock_awaiter mutex::scoped_lock() noexcept {
    return scoped_lock_awaiter{*this};
}

} // namespace corio
CORIO_EXPORT_END
