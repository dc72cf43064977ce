// SPDX-License-Identifier: MIT
// The run loop, written once for every platform. Its phases are the ones docs/design.md lists.
#include <corio/runtime/event_loop.hpp>

#include <corio/runtime/detail/blocking_job.hpp>
#include <corio/runtime/error.hpp>

#include "reactor/reactor_backend.hpp"
#include "scheduler/blocking_pool.hpp"
#include "signal/signal_hub.hpp"
#include "time/timer_wheel.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string_view>
#include <typeinfo>

// The Itanium C++ ABI's demangler: g++ and clang, MinGW's g++ included. MSVC has no such header,
// and needs none: its type_info::name() is readable already ("class std::runtime_error").
#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#endif

namespace corio {

namespace detail {

struct loop_internals {
    loop_internals(event_loop::time_point start, std::chrono::nanoseconds tick)
        : epoch(start)
        , timers(static_cast<std::uint64_t>(std::max<std::int64_t>(tick.count(), 1))) {}

    event_loop::time_point epoch;      // loop time 0; the wheel counts nanoseconds from here
    std::uint64_t virtual_elapsed = 0; // nanoseconds since epoch, in virtual-time mode
    std::unique_ptr<reactor_backend> reactor = make_reactor();
    timer_wheel timers;
    io_operation_list completed;
    // Callbacks from other threads, newest first (a Treiber stack; the loop takes all at once).
    std::atomic<posted_node*> posted{nullptr};
    std::unique_ptr<blocking_pool> pool;
    std::size_t blocking_in_flight = 0; // loop thread only
};

namespace {

struct heap_post final : posted_node {
    explicit heap_post(unique_function<void()> fn) noexcept
        : callback(std::move(fn)) {
        run = &invoke;
    }
    static void invoke(posted_node& node) noexcept {
        auto* self = static_cast<heap_post*>(&node);
        try {
            self->callback();
        } catch (...) {
            if (event_loop* loop = event_loop::try_current()) {
                loop->report_unhandled(std::current_exception());
            }
        }
        delete self;
    }
    unique_function<void()> callback;
};

} // namespace

bool current_exception_is_cancellation() noexcept {
    try {
        throw;
    } catch (const cancelled_error&) {
        return true;
    } catch (...) {
        return false;
    }
}

void release_finished_root(promise_base& root) noexcept {
    if (root.failed() && !root.exception_retrieved()) {
        root.loop().report_unhandled(root.exception());
    }
    root.frame().destroy();
}

std::coroutine_handle<> finish_root(promise_base& root) noexcept {
    root.mark_finished();
    root.clear_suspension();
    if (loop_instruments* instruments = root.loop().instruments()) [[unlikely]] {
        instruments->task_finished(root);
    }
    const std::coroutine_handle<> joiner = root.joiner();
    task_owner* owner = root.owner();
    root.detach_from_owner();
    if (owner != nullptr) {
        owner->on_child_finished(root);
    }
    if (!root.handle_alive()) {
        release_finished_root(root); // nobody can ask for the result: free the frame now
    }
    if (joiner) {
        return joiner; // the joiner resumes right away, without a trip through the ready queue
    }
    return std::noop_coroutine();
}

} // namespace detail

namespace {
thread_local event_loop* current_loop = nullptr;

struct free_deleter {
    void operator()(char* text) const noexcept { std::free(text); }
};

// A type's name as the source spells it ("corio::timeout_error", not "N5corio13timeout_errorE"),
// or the compiler's own spelling if it cannot be demangled. Allocates with malloc, never throws.
std::unique_ptr<char, free_deleter> demangled(const char* name) noexcept {
#if __has_include(<cxxabi.h>)
    int status = 0;
    std::unique_ptr<char, free_deleter> readable{
        abi::__cxa_demangle(name, nullptr, nullptr, &status)};
    if (status == 0) {
        return readable;
    }
#else
    (void)name;
#endif
    return nullptr;
}

// The default unhandled_exception_handler: the exception's type and message on stderr.
void print_unretrieved(const std::exception_ptr& error) noexcept {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        const char* type = typeid(e).name();
        const std::unique_ptr<char, free_deleter> readable = demangled(type);
        std::fprintf(stderr, "corio: exception in a detached task was never retrieved: %s: %s\n",
                     readable ? readable.get() : type, e.what());
    } catch (...) {
        std::fprintf(
            stderr,
            "corio: exception in a detached task was never retrieved (not a std::exception)\n");
    }
}
} // namespace

event_loop::event_loop(loop_options options)
    : options_(std::move(options)) {
    if (current_loop != nullptr) {
        throw usage_error("this thread already has a corio::event_loop (one loop per thread)");
    }
    if (const char* trace = std::getenv("CORIO_TRACE");
        trace != nullptr && *trace != '\0' && std::string_view(trace) != "0") {
        options_.trace = true;
    }
    internals_ = std::make_unique<detail::loop_internals>(clock::now(), options_.tick);
    if (options_.trace || options_.track_tasks || options_.stall_threshold.count() > 0) {
        instruments_ = std::make_unique<detail::loop_instruments>(*this);
        internals_->timers.set_instruments(instruments_.get());
    }
    current_loop = this;
}

event_loop::~event_loop() {
    shutdown();
    instruments_.reset();
    current_loop = nullptr;
}

const trace_recording* event_loop::trace() const noexcept {
    return instruments_ ? instruments_->recording() : nullptr;
}

task_dump event_loop::dump_tasks() const {
    return instruments_ ? instruments_->dump() : task_dump{};
}

event_loop& event_loop::current() {
    if (current_loop == nullptr) {
        throw usage_error("no corio::event_loop on this thread (use corio::run or make one)");
    }
    return *current_loop;
}

event_loop* event_loop::try_current() noexcept {
    return current_loop;
}

event_loop::time_point event_loop::now() const noexcept {
    if (options_.virtual_time) {
        return internals_->epoch + std::chrono::nanoseconds(internals_->virtual_elapsed);
    }
    return clock::now();
}

std::string_view event_loop::backend_name() const noexcept {
    return internals_->reactor->name();
}

loop_stats event_loop::stats() const noexcept {
    loop_stats stats;
    stats.live_tasks = child_count();
    stats.ready_tasks = ready_.size();
    stats.armed_timers = internals_->timers.size();
    stats.io_registrations = internals_->reactor->registered_handles();
    stats.pending_io = internals_->reactor->pending_operations();
    stats.blocking_jobs = internals_->blocking_in_flight;
    stats.waits = reactor_waits_;
    return stats;
}

detail::reactor_backend& event_loop::reactor() noexcept {
    return *internals_->reactor;
}

void event_loop::arm_timer(detail::timer_node& timer, time_point deadline) {
    const auto since_epoch =
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - internals_->epoch);
    internals_->timers.arm(
        timer, static_cast<std::uint64_t>(std::max<std::int64_t>(since_epoch.count(), 0)));
}

void event_loop::post(detail::unique_function<void()> callback) {
    post_node(*new detail::heap_post(std::move(callback)));
}

void event_loop::post_node(detail::posted_node& node) noexcept {
    detail::posted_node* head = internals_->posted.load(std::memory_order_relaxed);
    do {
        node.next = head;
        // release: the loop thread that takes the stack sees everything written before the post.
    } while (!internals_->posted.compare_exchange_weak(head, &node, std::memory_order_release,
                                                       std::memory_order_relaxed));
    // seq_cst inside wake() orders this push before the wake flag, see epoll_reactor::wait().
    internals_->reactor->wake();
}

void event_loop::submit_blocking(detail::blocking_job& job) {
    if (!internals_->pool) {
        internals_->pool =
            std::make_unique<detail::blocking_pool>(*this, options_.blocking_threads);
    }
    job.run = &finish_blocking_job;
    ++internals_->blocking_in_flight;
    try {
        internals_->pool->submit(job);
    } catch (...) {
        --internals_->blocking_in_flight;
        throw;
    }
}

void event_loop::finish_blocking_job(detail::posted_node& node) noexcept {
    --current_loop->internals_->blocking_in_flight;
    auto& job = static_cast<detail::blocking_job&>(node);
    if (detail::loop_instruments* instruments = current_loop->instruments()) [[unlikely]] {
        instruments->blocking_finished(job.submitted_by, job.started, job.finished);
    }
    job.on_done(job);
}

bool event_loop::withdraw_blocking(detail::blocking_job& job) noexcept {
    if (internals_->pool && internals_->pool->withdraw(job)) {
        --internals_->blocking_in_flight;
        return true;
    }
    return false;
}

void event_loop::adopt_orphan(detail::task_state& orphan) noexcept {
    orphan.move_to_owner(*this);
}

void event_loop::report_unhandled(const std::exception_ptr& error) noexcept {
    if (options_.unhandled_exception_handler) {
        try {
            options_.unhandled_exception_handler(error);
            return;
        } catch (...) { // a failing handler must not take the loop down; fall back to stderr
        }
    }
    print_unretrieved(error);
}

void event_loop::on_child_finished(detail::task_state& /*child*/) noexcept {
    // Top-level tasks need no bookkeeping beyond leaving the list (done by finish_root).
}

// ---- The loop proper ----

void event_loop::run_until_done(detail::task_state& target) {
    if (running_) {
        throw usage_error("the event loop is already running (run_until_complete cannot nest)");
    }
    running_ = true;
    struct reset_running {
        bool& flag;
        ~reset_running() { flag = false; }
    } reset{running_};
    join_handle<void> signal_watch;
    if (options_.cancel_on_signal) {
        signal_watch = detail::cancel_on_signal(*this, target);
    }
    run_turns_until(target);
    if (signal_watch.valid()) {
        // Stop watching before returning, so the signals do what they did before.
        signal_watch.cancel();
        run_turns_until(*signal_watch.state());
    }
}

void event_loop::run_turns_until(const detail::task_state& target) {
    while (!target.finished()) {
        run_ready_batch();
        if (target.finished()) {
            break;
        }
        wait_for_events();
    }
}

// Phase 1: run what was ready when the phase began; what becomes ready meanwhile waits a turn,
// so I/O and timers get looked at between any two runs of a task that keeps yielding.
void event_loop::run_ready_batch() {
    for (std::size_t batch = ready_.size(); batch != 0 && !ready_.empty(); --batch) {
        const std::coroutine_handle<> next = ready_.pop_front();
        immediate_streak_ = 0;
        if (instruments_) [[unlikely]] {
            instruments_->slice_begin(next);
            next.resume();
            instruments_->slice_end();
            continue;
        }
        next.resume();
    }
}

// Phases 2-4: cross-thread callbacks, then the reactor wait bounded by the next timer, then
// expired timers.
void event_loop::wait_for_events() {
    detail::loop_internals& in = *internals_;
    auto now_ns = [&]() -> std::uint64_t {
        if (options_.virtual_time) {
            return in.virtual_elapsed;
        }
        const auto since =
            std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - in.epoch);
        return static_cast<std::uint64_t>(std::max<std::int64_t>(since.count(), 0));
    };
    auto run_posted = [&] {
        detail::posted_node* stack = in.posted.exchange(nullptr, std::memory_order_acquire);
        detail::posted_node* fifo = nullptr; // the stack is newest-first: reverse it
        while (stack != nullptr) {
            detail::posted_node* next = stack->next;
            stack->next = fifo;
            fifo = stack;
            stack = next;
        }
        while (fifo != nullptr) {
            detail::posted_node* next = fifo->next;
            if (instruments_) [[unlikely]] {
                instruments_->posted_begin();
                fifo->run(*fifo);
                instruments_->posted_end();
            } else {
                fifo->run(*fifo);
            }
            fifo = next;
        }
    };

    // Fast path: tasks are ready, so there is nothing to wait for. Most such turns skip the
    // reactor and the clock altogether (a poll is a system call, a clock read ~20 ns); every
    // event_interval turns both are consulted anyway, so busy tasks never starve I/O or timers.
    if (!ready_.empty() && ++turns_since_poll_ < event_interval) {
        if (in.posted.load(std::memory_order_relaxed) != nullptr) {
            run_posted();
        }
        return;
    }
    turns_since_poll_ = 0;

    run_posted();
    if (!in.timers.empty()) {
        in.timers.advance(now_ns());
    }

    std::optional<std::chrono::nanoseconds> timeout;
    const std::optional<std::uint64_t> next_timer = in.timers.next_expiry();
    if (!ready_.empty()) {
        timeout = std::chrono::nanoseconds::zero();
    } else if (next_timer) {
        const std::uint64_t now = now_ns();
        timeout = std::chrono::nanoseconds(*next_timer > now ? *next_timer - now : 0);
    }

    ++reactor_waits_;
    const bool may_jump =
        options_.virtual_time && ready_.empty() && next_timer && in.blocking_in_flight == 0;
    if (instruments_) [[unlikely]] {
        instruments_->reactor_wait_begin(may_jump ? std::optional{std::chrono::nanoseconds::zero()}
                                                  : timeout);
    }
    if (may_jump) {
        // Virtual time: look for I/O without waiting; if there is none, nothing but a timer can
        // happen next, so move the clock straight to it.
        in.reactor->wait(std::chrono::nanoseconds::zero(), in.completed);
        if (in.completed.empty() && in.posted.load(std::memory_order_acquire) == nullptr) {
            in.virtual_elapsed = std::max(in.virtual_elapsed, *next_timer);
        }
    } else {
        in.reactor->wait(timeout, in.completed);
    }

    std::size_t completions = 0;
    while (detail::io_operation* op = in.completed.pop_front()) {
        ++completions;
        op->on_complete(*op); // makes the waiting task ready: cheap, part of the wait's span
    }
    if (instruments_) [[unlikely]] {
        instruments_->reactor_wait_end(completions);
    }
    run_posted();
    if (!in.timers.empty()) {
        in.timers.advance(now_ns());
    }
}

void event_loop::shutdown() noexcept {
    detail::loop_internals& in = *internals_;
    running_ = true;
    // Runs the loop while tasks remain and something could still wake one of them.
    auto run_while_progress_possible = [&] {
        auto idle = [&] {
            return ready_.empty() && in.timers.empty() && in.reactor->pending_operations() == 0 &&
                   in.blocking_in_flight == 0 && in.completed.empty() &&
                   in.posted.load(std::memory_order_acquire) == nullptr;
        };
        while (child_count() != 0 && !idle()) {
            run_ready_batch();
            if (child_count() != 0 && !idle()) {
                wait_for_events();
            }
        }
    };
    try {
        // Cancel every task once (as asyncio.run does), let them unwind, and repeat for tasks that
        // were spawned or orphaned meanwhile. A task that swallows the cancellation and parks
        // again forever is stuck: it is destroyed below.
        for (;;) {
            for (detail::task_state* task = first_child(); task != nullptr;
                 task = task->next_sibling()) {
                if (!task->shutdown_requested()) {
                    task->mark_shutdown_requested();
                    task->request_cancel();
                }
            }
            run_while_progress_possible();
            bool all_seen = true;
            for (detail::task_state* task = first_child(); task != nullptr;
                 task = task->next_sibling()) {
                all_seen = all_seen && task->shutdown_requested();
            }
            if (child_count() == 0 || all_seen) {
                break;
            }
        }
        // Destroy stuck tasks. Destroying a frame runs its awaiters' destructors, which unhook
        // them from timers, queues and the reactor. A task whose join_handle still lives in
        // another frame goes after that frame, so the handle never points at freed memory.
        while (child_count() != 0) {
            detail::task_state* victim = nullptr;
            for (detail::task_state* task = first_child(); task != nullptr;
                 task = task->next_sibling()) {
                if (!static_cast<detail::promise_base*>(task)->handle_alive()) {
                    victim = task;
                    break;
                }
            }
            if (victim == nullptr) {
                std::fprintf(stderr,
                             "corio: %zu task(s) still pending at loop shutdown are held by "
                             "join_handles outside the loop; leaking them\n",
                             child_count());
                break;
            }
            std::fprintf(stderr, "corio: destroying a task still pending at loop shutdown "
                                 "(it swallowed its cancellation)\n");
            victim->detach_from_owner();
            static_cast<detail::promise_base*>(victim)->frame().destroy();
            // Orphans of destroyed task_groups may have arrived: give them their cancellation run.
            for (detail::task_state* task = first_child(); task != nullptr;
                 task = task->next_sibling()) {
                if (!task->shutdown_requested()) {
                    task->mark_shutdown_requested();
                    task->request_cancel();
                }
            }
            run_while_progress_possible();
        }
    } catch (...) {
        report_unhandled(std::current_exception());
    }
    in.pool
        .reset(); // joins the workers; every job has completed (we waited while any was in flight)
    if (const std::size_t handles = in.reactor->registered_handles(); handles != 0) {
        // Sockets and other io_objects must be closed before their loop goes away; closing one
        // later would reach into a destroyed reactor. Say so instead of failing mysteriously.
        std::fprintf(stderr,
                     "corio: %zu I/O handle(s) still registered when the event loop was destroyed; "
                     "close sockets and io_objects before their loop\n",
                     handles);
    }
    running_ = false;
}

} // namespace corio
