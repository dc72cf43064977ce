// SPDX-License-Identifier: MIT
// task_state.hpp - what the runtime knows about one task: the unit it schedules and cancels.
//
// A *task* is a tree of coroutines started by spawn() (or by gather, task_group, ...): the root
// coroutine plus every corio::task it awaits, directly or transitively. Only one coroutine of the
// tree runs at a time, so the tree shares one task_state, stored in the root's promise. It holds:
//   * the suspension the task is parked on right now (what it waits for, and how to cancel it),
//   * the cancellation request flag,
//   * who owns the task (the loop, or a task_group) and the task's outcome.
// Not thread-safe: everything here runs on the owning loop's thread.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/trace.hpp>

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

CORIO_EXPORT_BEGIN
namespace corio {
class event_loop;
}

namespace corio::detail {

struct suspension;
class task_state;

// What kind of wait a suspension is: one static constexpr table per awaiter type, so a parked
// task pays one pointer for it. `cancel` must detach the awaiter from whatever would resume it
// and arrange the resumption itself (at once, or when the source confirms: a completion-based
// reactor reports a cancelled I/O operation later). The rest serves traces and task dumps, and is
// computed on demand from what the awaiter holds anyway, so describing costs no frame bytes.
struct suspension_kind {
    void (*cancel)(suspension&) noexcept;
    const char* name; // a short description for diagnostics ("sleep", "queue.get", "read"...)
    wait_category category = wait_category::other;
    // Appends which object is awaited to `out`, which already holds `name` (" fd 7",
    // " 0x7ffc... (held)"); null when the name says it all.
    void (*describe)(const suspension&, std::string& out) = nullptr;
    // The task this suspension joins (join_handle), for the dump's "awaited by" chains.
    const task_state* (*awaited)(const suspension&) noexcept = nullptr;
};

// One suspension point that can be cancelled. Every awaiter that parks a task embeds one and
// registers it with task_state::suspend_on().
struct suspension {
    const suspension_kind* what = nullptr;
};

class task_state;

// For traces and task dumps (runtime/src/scheduler/suspension.cpp): what `parked` waits on.
[[nodiscard]] wait_category category_of(const suspension& parked) noexcept;
// Appends a description such as "sleep 1.500 s", "read fd 7" or "join task #2" to `out`.
void describe_suspension(const suspension& parked, std::string& out);
// The task `parked` waits for, when it joins one (the dump's "awaited by" chains); else null.
[[nodiscard]] const task_state* awaited_task(const suspension& parked) noexcept;

// Pieces for the awaiters' describe functions (suspension.cpp), so the formatting lives in one
// place: "0x7ffc1234" (an object's address), " 1.500 s" or " 250.0 ms" (a span of time,
// rounded; negative: " 20.0 ms ago"), " task #2" or " task 0x..." (a joined task, by its trace id
// when the loop tracks tasks).
void append_address(std::string& out, const void* object);
void append_duration(std::string& out, std::int64_t nanoseconds);
void describe_joined_task(const task_state& waiting, const task_state& joined, std::string& out);

// Owns spawned tasks and hears when each finishes: the event loop owns top-level tasks, a
// task_group (and so gather, when_any, wait_for) owns its children.
class task_owner {
public:
    virtual void on_child_finished(task_state& child) noexcept = 0;

    [[nodiscard]] std::size_t child_count() const noexcept { return child_count_; }
    [[nodiscard]] task_state* first_child() const noexcept { return first_child_; }
    // Requests cancellation of every child; returns how many were still running.
    std::size_t cancel_children() noexcept;

protected:
    task_owner() = default;
    virtual ~task_owner() = default;
    task_owner(const task_owner&) = delete;
    task_owner& operator=(const task_owner&) = delete;

private:
    friend class task_state;
    task_state* first_child_ = nullptr; // in spawn order, so cancellation is deterministic
    task_state* last_child_ = nullptr;
    std::size_t child_count_ = 0;
};

class task_state {
public:
    task_state() = default;
    task_state(const task_state&) = delete;
    task_state& operator=(const task_state&) = delete;

    [[nodiscard]] event_loop& loop() const noexcept { return *loop_; }
    [[nodiscard]] bool cancel_requested() const noexcept { return cancel_requested_; }
    [[nodiscard]] bool finished() const noexcept { return finished_; }
    [[nodiscard]] const suspension* suspended_on() const noexcept { return suspended_on_; }

    // Marks the task as cancelled. If it is parked on a cancellable suspension, that suspension
    // is cancelled now and the task resumes with cancelled_error; otherwise its next suspension
    // point throws. Returns false if the task had already finished.
    bool request_cancel() noexcept {
        if (finished_) {
            return false;
        }
        cancel_requested_ = true;
        if (suspension* parked = suspended_on_; parked != nullptr) {
            suspended_on_ = nullptr;
            parked->what->cancel(*parked);
        }
        return true;
    }
    // Called by the awaiter that throws cancelled_error: the request has been delivered.
    void acknowledge_cancel() noexcept { cancel_requested_ = false; }

    void suspend_on(suspension& parked) noexcept { suspended_on_ = &parked; }
    void clear_suspension() noexcept { suspended_on_ = nullptr; }

    // Wiring done by event_loop::spawn and task owners.
    void attach(event_loop& loop, task_owner& owner) noexcept;
    void detach_from_owner() noexcept;
    void move_to_owner(task_owner& owner) noexcept;
    [[nodiscard]] task_owner* owner() const noexcept { return owner_; }
    [[nodiscard]] task_state* next_sibling() const noexcept { return next_sibling_; }
    [[nodiscard]] bool is_root() const noexcept { return is_root_; }

    // Loop shutdown cancels each task once; this remembers which ones it already did.
    [[nodiscard]] bool shutdown_requested() const noexcept { return shutdown_requested_; }
    void mark_shutdown_requested() noexcept { shutdown_requested_ = true; }

    // The outcome, valid once finished().
    [[nodiscard]] const std::exception_ptr& exception() const noexcept { return exception_; }
    [[nodiscard]] bool failed() const noexcept {
        return exception_ != nullptr && !ended_by_cancel_;
    }
    [[nodiscard]] bool ended_by_cancel() const noexcept { return ended_by_cancel_; }

protected:
    ~task_state() = default;

    void record_exception(std::exception_ptr error, bool is_cancellation) noexcept {
        exception_ = std::move(error);
        ended_by_cancel_ = is_cancellation;
    }

    // One word, two roles, told apart by is_root_: a spawned (root) coroutine's promise *is* its
    // task and remembers the loop; a nested coroutine's promise only points at the root it runs
    // as part of (promise_base::this_task()). A parked task is mostly promise bytes, so the
    // word saved here is saved on every task (issue 17's bytes per parked task).
    union {
        event_loop* loop_ = nullptr;
        task_state* root_; // nested coroutines only
    };
    suspension* suspended_on_ = nullptr;
    task_owner* owner_ = nullptr;
    task_state* prev_sibling_ = nullptr;
    task_state* next_sibling_ = nullptr;
    // No copy of the root's frame handle: promise_base::frame() computes it from the promise's
    // address, which is what std::coroutine_handle::from_promise does anyway.
    std::exception_ptr exception_;
    bool cancel_requested_ = false;
    bool finished_ = false;
    bool ended_by_cancel_ = false;
    bool handle_alive_ = false;        // a join_handle still refers to the task
    bool exception_retrieved_ = false; // someone observed the exception, so don't report it
    bool shutdown_requested_ = false;
    bool is_root_ = false; // spawned: loop_ is valid; otherwise root_
};

inline std::size_t task_owner::cancel_children() noexcept {
    std::size_t running = 0;
    // request_cancel() never finishes a task synchronously, so the list is stable while we walk.
    for (task_state* child = first_child_; child != nullptr; child = child->next_sibling()) {
        if (child->request_cancel()) {
            ++running;
        }
    }
    return running;
}

inline void task_state::attach(event_loop& loop, task_owner& owner) noexcept {
    loop_ = &loop;
    is_root_ = true;
    owner_ = nullptr;
    move_to_owner(owner);
}

inline void task_state::detach_from_owner() noexcept {
    if (owner_ == nullptr) {
        return;
    }
    if (prev_sibling_ != nullptr) {
        prev_sibling_->next_sibling_ = next_sibling_;
    } else {
        owner_->first_child_ = next_sibling_;
    }
    if (next_sibling_ != nullptr) {
        next_sibling_->prev_sibling_ = prev_sibling_;
    } else {
        owner_->last_child_ = prev_sibling_;
    }
    prev_sibling_ = next_sibling_ = nullptr;
    --owner_->child_count_;
    owner_ = nullptr;
}

inline void task_state::move_to_owner(task_owner& owner) noexcept {
    detach_from_owner();
    owner_ = &owner;
    prev_sibling_ = owner.last_child_;
    next_sibling_ = nullptr;
    if (prev_sibling_ != nullptr) {
        prev_sibling_->next_sibling_ = this;
    } else {
        owner.first_child_ = this;
    }
    owner.last_child_ = this;
    ++owner.child_count_;
}

} // namespace corio::detail
CORIO_EXPORT_END
