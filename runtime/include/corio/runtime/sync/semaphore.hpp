// SPDX-License-Identifier: MIT
// semaphore.hpp - corio::semaphore, a counter of permits tasks wait for (asyncio.Semaphore).
//
//     corio::semaphore slots{4};                    // at most 4 tasks inside at once
//     {
//         auto permit = co_await slots.scoped_acquire();
//         co_await fetch(url);
//     }                                            // the permit goes back here
//
// release() hands the permit straight to the longest-waiting task (first come, first served).
// Waiting is cancellable. Not thread-safe: use from tasks of one loop.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/wait_list.hpp>
#include <corio/runtime/detail/waiter.hpp>

#include <coroutine>
#include <cstddef>
#include <string>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio {

class semaphore {
public:
    class acquire_awaiter;
    class scoped_acquire_awaiter;
    class permit;

    explicit semaphore(std::size_t initial) noexcept
        : available_(initial) {}
    semaphore(const semaphore&) = delete;
    semaphore& operator=(const semaphore&) = delete;

    [[nodiscard]] std::size_t available() const noexcept { return available_; }
    [[nodiscard]] std::size_t waiting() const noexcept { return waiters_.size(); }

    [[nodiscard]] bool try_acquire() noexcept {
        if (available_ == 0) {
            return false;
        }
        --available_;
        return true;
    }
    // co_await acquire(): take a permit, to be given back with release().
    [[nodiscard]] acquire_awaiter acquire() noexcept;
    // co_await scoped_acquire(): take a permit held by an RAII object.
    [[nodiscard]] scoped_acquire_awaiter scoped_acquire() noexcept;

    void release() noexcept {
        if (acquire_awaiter* next = waiters_.pop_front()) {
            next->wake(); // the permit passes directly to the waiter
        } else {
            ++available_;
        }
    }

    class [[nodiscard]] acquire_awaiter : private detail::waiter,
                                          public detail::wait_list_hook<acquire_awaiter> {
    public:
        explicit acquire_awaiter(semaphore& owner) noexcept
            : semaphore_(owner) {}
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> coroutine) {
            if (!park(coroutine, acquire_kind)) {
                return false;
            }
            if (semaphore_.try_acquire()) {
                return complete_immediately();
            }
            semaphore_.waiters_.push_back(*this);
            return suspend();
        }
        void await_resume() const { resume_or_throw(); }

    protected:
        [[nodiscard]] semaphore& owner() const noexcept { return semaphore_; }

    private:
        friend class semaphore;
        static void on_cancel(detail::suspension& parked) noexcept {
            auto& self = static_cast<acquire_awaiter&>(parked);
            self.unlink();
            self.wake_cancelled();
        }
        static void describe(const detail::suspension& parked, std::string& out) {
            out += ' ';
            detail::append_address(out, &static_cast<const acquire_awaiter&>(parked).semaphore_);
        }
        static constexpr detail::suspension_kind acquire_kind{&on_cancel, "semaphore.acquire",
                                                              wait_category::event, &describe};
        semaphore& semaphore_;
    };

    // One permit, given back when destroyed. Movable, not copyable.
    class permit {
    public:
        permit() noexcept = default;
        explicit permit(semaphore& owner) noexcept
            : semaphore_(&owner) {}
        permit(permit&& other) noexcept
            : semaphore_(std::exchange(other.semaphore_, nullptr)) {}
        permit& operator=(permit&& other) noexcept {
            if (this != &other) {
                release();
                semaphore_ = std::exchange(other.semaphore_, nullptr);
            }
            return *this;
        }
        permit(const permit&) = delete;
        permit& operator=(const permit&) = delete;
        ~permit() { release(); }

        [[nodiscard]] bool holds() const noexcept { return semaphore_ != nullptr; }
        void release() noexcept {
            if (semaphore_ != nullptr) {
                std::exchange(semaphore_, nullptr)->release();
            }
        }

    private:
        semaphore* semaphore_ = nullptr;
    };

    class [[nodiscard]] scoped_acquire_awaiter : public acquire_awaiter {
    public:
        explicit scoped_acquire_awaiter(semaphore& owner) noexcept
            : acquire_awaiter(owner) {}
        permit await_resume() const {
            acquire_awaiter::await_resume();
            return permit{owner()};
        }
    };

private:
    std::size_t available_;
    detail::wait_list<acquire_awaiter> waiters_;
};

inline semaphore::acquire_awaiter semaphore::acquire() noexcept {
    return acquire_awaiter{*this};
}

inline semaphore::scoped_acquire_awaiter semaphore::scoped_acquire() noexcept {
    return scoped_acquire_awaiter{*this};
}

} // namespace corio
CORIO_EXPORT_END
