// SPDX-License-Identifier: MIT
// promise_base.hpp - the part of every corio::task promise that does not depend on its result type.
//
// A nested coroutine (one that is co_awaited) points `task_` at its root's task_state and, when it
// finishes, transfers straight back to the coroutine awaiting it (symmetric transfer: no stack
// growth, no trip through the scheduler). A root coroutine (spawned) is its own task_state; when it
// finishes, finish_root() tells its owner and hands control to whoever joined it.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/task_state.hpp>

#include <cassert>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <exception>

CORIO_EXPORT_BEGIN
namespace corio::detail {

class promise_base;

// In scheduler/task_finish.cpp: bookkeeping when a spawned task's root coroutine completes.
// Returns the coroutine to continue with (the joiner, or a no-op).
std::coroutine_handle<> finish_root(promise_base& root) noexcept;
// Classifies the in-flight exception: true if it is a corio::cancelled_error.
bool current_exception_is_cancellation() noexcept;

// Coroutine frames allocated and not yet freed by this thread (tests use it to prove that no
// frame leaks; frames are created and destroyed on their loop's thread).
std::ptrdiff_t& live_frames_on_this_thread() noexcept;

// Frame memory (scheduler/frame_allocator.cpp): a per-thread cache of recently freed frames by
// size class, so spawning a task rarely reaches malloc. Class i holds frames of up to
// 16(i + 1) - 8 bytes (why, in frame_allocator.cpp). The class is picked here, inline: a
// coroutine's frame size is a constant, so the arithmetic and the "too large to cache" test fold
// away in every coroutine's ramp and destroy (callgrind: 10 instructions less per spawn + join).
// The calls stay out of line on purpose: g++ 12 reports a false "mismatched new/delete" when it
// can see the allocation inside a coroutine.
// Under AddressSanitizer there is no cache and every frame gets exactly its size from malloc, so
// a use after free or a write past a frame stays visible.
#if defined(__SANITIZE_ADDRESS__)
#define CORIO_DETAIL_FRAMES_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORIO_DETAIL_FRAMES_UNDER_ASAN 1
#endif
#endif
#ifdef CORIO_DETAIL_FRAMES_UNDER_ASAN
inline constexpr bool frame_cache_enabled = false;
#undef CORIO_DETAIL_FRAMES_UNDER_ASAN
#else
inline constexpr bool frame_cache_enabled = true;
#endif
inline constexpr std::size_t frame_size_step = 16;
inline constexpr std::size_t frame_chunk_header = 8;  // glibc's per-chunk size word
inline constexpr std::size_t frame_size_classes = 64; // up to 64 * 16 - 8 = 1016 bytes
[[nodiscard]] constexpr std::size_t frame_class_of(std::size_t size) noexcept {
    return (size + frame_chunk_header + frame_size_step - 1) / frame_size_step - 1;
}
void* allocate_frame_of_class(std::size_t index);
void free_frame_of_class(void* frame, std::size_t index) noexcept;
void* allocate_uncached_frame(std::size_t size);
void free_uncached_frame(void* frame) noexcept;
inline void* allocate_frame(std::size_t size) {
    const std::size_t index = frame_class_of(size);
    return frame_cache_enabled && index < frame_size_classes ? allocate_frame_of_class(index)
                                                             : allocate_uncached_frame(size);
}
inline void free_frame(void* frame, std::size_t size) noexcept {
    if (const std::size_t index = frame_class_of(size);
        frame_cache_enabled && index < frame_size_classes) {
        free_frame_of_class(frame, index);
    } else {
        free_uncached_frame(frame);
    }
}

class promise_base : public task_state {
public:
    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* frame, std::size_t size) noexcept { free_frame(frame, size); }

    struct final_awaiter {
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <class Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
            promise_base& promise = self.promise();
            if (promise.is_root()) {
                return finish_root(promise);
            }
            return promise.continuation_;
        }
        void await_resume() const noexcept {}
    };

    std::suspend_always initial_suspend() const noexcept { return {}; }
    final_awaiter final_suspend() const noexcept { return {}; }
    void unhandled_exception() noexcept {
        record_exception(std::current_exception(), current_exception_is_cancellation());
    }

    // The task this coroutine runs as part of: itself when spawned, else the root it points at.
    [[nodiscard]] task_state& this_task() noexcept { return is_root() ? *this : *root_; }

    // Called when a parent co_awaits this (not yet started) coroutine.
    void start_nested(promise_base& parent, std::coroutine_handle<> parent_frame) noexcept {
        root_ = &parent.this_task();
        continuation_ = parent_frame;
    }

    // The coroutine to resume when this root finishes (set by a join_handle awaiter).
    [[nodiscard]] std::coroutine_handle<> joiner() const noexcept { return continuation_; }
    void set_joiner(std::coroutine_handle<> joiner) noexcept { continuation_ = joiner; }

    void mark_exception_retrieved() noexcept { exception_retrieved_ = true; }
    void mark_finished() noexcept { finished_ = true; }
    void set_handle_alive(bool alive) noexcept { handle_alive_ = alive; }
    [[nodiscard]] bool handle_alive() const noexcept { return handle_alive_; }
    [[nodiscard]] bool exception_retrieved() const noexcept { return exception_retrieved_; }
    // The coroutine frame holding this promise. Every promise deriving from promise_base has it as
    // its first and only base and is at most 16-byte aligned (task_promise checks), so the frame
    // sits at the same distance before a promise_base as before the full promise, and
    // from_promise finds it without a stored copy (one word less per task).
    [[nodiscard]] std::coroutine_handle<> frame() noexcept {
        return std::coroutine_handle<promise_base>::from_promise(*this);
    }

    void rethrow_if_failed() {
        if (exception_) {
            exception_retrieved_ = true;
            std::rethrow_exception(exception_);
        }
    }

protected:
    // Until spawn() makes it a root or a parent awaits it, a coroutine is its own task: that is
    // how run_inline runs one with no loop, nested coroutines included.
    promise_base() noexcept { root_ = this; }
    ~promise_base() = default;

private:
    std::coroutine_handle<> continuation_;
};

// promise_base::frame() relies on this: no promise is aligned more strictly than the two
// resume/destroy pointers before it in the frame, so the promise's offset does not depend on it.
inline constexpr std::size_t max_promise_alignment = 2 * sizeof(void*);

// Awaiters find the task they park from the awaiting coroutine's promise.
template <class Promise>
concept corio_promise = std::derived_from<Promise, promise_base>;

// The same coroutine, typed by its promise_base, so code that is not a template can reach the
// promise (and through it the task). Same reasoning as promise_base::frame().
template <corio_promise Promise>
[[nodiscard]] std::coroutine_handle<promise_base>
as_base_handle(std::coroutine_handle<Promise> coroutine) noexcept {
    static_assert(alignof(Promise) <= max_promise_alignment);
    const auto base = std::coroutine_handle<promise_base>::from_address(coroutine.address());
    assert(&base.promise() == &static_cast<promise_base&>(coroutine.promise()));
    return base;
}

} // namespace corio::detail
CORIO_EXPORT_END
