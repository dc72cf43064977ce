// SPDX-License-Identifier: MIT
// join_set.hpp - tasks you collect in the order they finish (asyncio.as_completed, tokio's
// JoinSet).
//
//     corio::join_set<page> fetches;
//     for (const std::string& url : urls) {
//         fetches.spawn(fetch(url));
//     }
//     while (auto done = co_await fetches.next()) {   // the first to finish comes first
//         show(done->result());                       // its value, or its exception rethrown
//     }
//
// gather() waits for all and answers in spawn order; a join_set hands over each task as soon as
// it finishes, so the caller can act on fast results while slow ones still run (or stop early:
// destroying the set cancels whatever still runs, like leaving a task_group). next() returns the
// finished task's join_handle, or nullopt once the set is empty. Cancelling a next() leaves the
// tasks running; cancel() asks all of them to stop.
// Not thread-safe: use a set from tasks of one loop.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/task_state.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/task.hpp>

#include <coroutine>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

CORIO_EXPORT_BEGIN
namespace corio {

template <class T = void>
class join_set final : private detail::task_owner {
public:
    class next_awaiter;

    join_set() = default;
    join_set(const join_set&) = delete;
    join_set& operator=(const join_set&) = delete;
    // Cancels the tasks still running and hands them to the loop to unwind.
    ~join_set() override {
        cancel_children();
        while (detail::task_state* orphan = first_child()) {
            loop_->adopt_orphan(*orphan);
        }
        running_.clear(); // detached: the loop destroys them once they have unwound
    }

    // Starts `work` on the current loop as a member of the set.
    void spawn(task<T> work) {
        event_loop& loop = event_loop::current();
        loop_ = &loop;
        // Room for it among the finished ones now, so that finishing cannot fail to allocate.
        finished_.reserve(running_.size() + finished_.size() + 1);
        running_.reserve(running_.size() + 1);
        join_handle<T> handle = loop.spawn_owned(std::move(work), *this);
        const detail::task_state* key = handle.state();
        running_.emplace(key, std::move(handle));
    }

    // Asks every running task to stop; next() still hands each one over when it has.
    void cancel() noexcept { cancel_children(); }

    // Tasks not yet handed over by next(): running, or finished and waiting.
    [[nodiscard]] std::size_t size() const noexcept { return running_.size() + finished_.size(); }
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }

    // The next task to finish (at once if one has), or nullopt if the set is empty.
    [[nodiscard]] next_awaiter next() noexcept { return next_awaiter{*this}; }

    class [[nodiscard]] next_awaiter : private detail::waiter {
    public:
        explicit next_awaiter(join_set& set) noexcept
            : set_(set) {}
        next_awaiter(next_awaiter&&) noexcept = default; // before it is awaited only
        next_awaiter(const next_awaiter&) = delete;
        next_awaiter& operator=(const next_awaiter&) = delete;
        next_awaiter& operator=(next_awaiter&&) = delete;
        ~next_awaiter() {
            if (set_.waiter_ == this) {
                set_.waiter_ = nullptr;
            }
        }

        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> coroutine) {
            if (!park(coroutine, next_kind)) {
                return false;
            }
            if (!set_.finished_.empty() || set_.running_.empty()) {
                return complete_immediately();
            }
            set_.waiter_ = this;
            return suspend();
        }
        std::optional<join_handle<T>> await_resume() {
            resume_or_throw();
            if (set_.finished_.empty()) {
                return std::nullopt;
            }
            join_handle<T> done = std::move(set_.finished_.front());
            set_.finished_.erase(set_.finished_.begin());
            return done;
        }

    private:
        friend class join_set;
        static void on_cancel(detail::suspension& parked) noexcept {
            auto& self = static_cast<next_awaiter&>(parked);
            self.set_.waiter_ = nullptr;
            self.wake_cancelled();
        }
        static void describe(const detail::suspension& parked, std::string& out) {
            const std::size_t running = static_cast<const next_awaiter&>(parked).set_.size();
            out += " (";
            out += std::to_string(running);
            out += running == 1 ? " task)" : " tasks)";
        }
        static constexpr detail::suspension_kind next_kind{&on_cancel, "join_set.next",
                                                           wait_category::queue, &describe};
        join_set& set_;
    };

private:
    void on_child_finished(detail::task_state& child) noexcept override {
        auto found = running_.find(&child);
        if (found == running_.end()) {
            return; // not ours to report (cannot happen: every child is spawned through spawn())
        }
        finished_.push_back(std::move(found->second)); // within the capacity spawn() reserved
        running_.erase(found);
        if (waiter_ != nullptr) {
            std::exchange(waiter_, nullptr)->wake();
        }
    }

    event_loop* loop_ = nullptr;
    std::unordered_map<const detail::task_state*, join_handle<T>> running_;
    std::vector<join_handle<T>> finished_; // oldest first
    next_awaiter* waiter_ = nullptr;
};

} // namespace corio
CORIO_EXPORT_END
