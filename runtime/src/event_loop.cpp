// SPDX-License-Identifier: MIT
// The run loop, written once for every platform. run_turn() is the list of phases docs/design.md
// gives ("Loop phases"), one function per phase; shutdown() is its own numbered list.
#include <corio/runtime/event_loop.hpp>

#include <corio/runtime/detail/blocking_job.hpp>
#include <corio/runtime/error.hpp>

#include "reactor/reactor_backend.hpp"
#include "scheduler/blocking_pool.hpp"
#include "scheduler/post_queue.hpp"
#include "signal/signal_hub.hpp"
#include "time/timer_wheel.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string_view>
#include <thread>
#include <typeinfo>

// The Itanium C++ ABI's demangler: g++ and clang, MinGW's g++ included. MSVC has no such header,
// and needs none: its type_info::name() is readable already ("class std::runtime_error").
#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#endif

namespace corio {

namespace detail {

struct loop_internals {
    loop_internals(event_loop::time_point start, std::chrono::nanoseconds tick, io_backend backend)
        : epoch(start)
        , reactor(make_reactor(backend))
        , timers(static_cast<std::uint64_t>(std::max<std::int64_t>(tick.count(), 1))) {}

    event_loop::time_point epoch;             // loop time 0; the wheel counts nanoseconds from here
    std::uint64_t virtual_elapsed = 0;        // nanoseconds since epoch, in virtual-time mode
    std::unique_ptr<reactor_backend> reactor; // loop_options::backend, or CORIO_BACKEND's
    timer_wheel timers;
    io_operation_list completed;
    post_queue posted; // callbacks from other threads (phase 2)
    // post() calls between their push and the end of their wake-up. The loop may run a posted
    // callback (say, one that ends the loop) while its post() is still inside reactor->wake(), so
    // the destructor waits for this to drop to 0 before it frees the reactor.
    std::atomic<unsigned> posts_in_flight{0};
    std::unique_ptr<blocking_pool> pool;
    std::size_t blocking_in_flight = 0; // loop thread only
};

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
    internals_ =
        std::make_unique<detail::loop_internals>(clock::now(), options_.tick, options_.backend);
    if (options_.trace || options_.track_tasks || options_.stall_threshold.count() > 0) {
        instruments_ = std::make_unique<detail::loop_instruments>(*this);
        internals_->timers.set_instruments(instruments_.get());
    }
    current_loop = this;
}

event_loop::~event_loop() {
    shutdown();
    // Every posted callback has run or been destroyed; a post() that queued one may still be in
    // its wake-up (a write to the reactor's eventfd): let it finish before the reactor goes.
    while (internals_->posts_in_flight.load(std::memory_order_acquire) != 0) {
        std::this_thread::yield();
    }
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
    stats.turns = turns_;
    stats.waits = reactor_waits_;
    stats.events = io_events_;
    stats.timers_fired = timers_fired_;
    stats.tasks_spawned = tasks_spawned_;
    stats.tasks_finished = tasks_finished_;
    stats.max_ready_tasks = max_ready_tasks_;
    std::chrono::nanoseconds running = run_time_;
    if (run_started_) {
        running += clock::now() - *run_started_;
    }
    stats.idle_time = idle_time_;
    stats.busy_time = std::max(running - idle_time_, std::chrono::nanoseconds::zero());
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
    post_node(detail::make_posted_callback(std::move(callback)));
}

void event_loop::post_node(detail::posted_node& node) noexcept {
    detail::loop_internals& internals = *internals_;
    // Relaxed is enough: the push below publishes this increment to the thread that pops the node.
    internals.posts_in_flight.fetch_add(1, std::memory_order_relaxed);
    internals.posted.push(node);
    // seq_cst inside wake() orders this push before the wake flag, see epoll_reactor::wait().
    internals.reactor->wake();
    internals.posts_in_flight.fetch_sub(1, std::memory_order_release); // the loop may be gone now
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
    run_started_ = clock::now();
    struct end_of_run {
        event_loop& loop;
        ~end_of_run() {
            loop.run_time_ += clock::now() - *loop.run_started_;
            loop.run_started_.reset();
            loop.running_ = false;
        }
    } end{*this};
    join_handle<void> signal_watch;
    if (options_.cancel_on_signal) {
        signal_watch = detail::cancel_on_signal(*this, target);
    }
    run_turns_until([&] { return target.finished(); });
    if (signal_watch.valid()) {
        // Stop watching before returning, so the signals do what they did before.
        signal_watch.cancel();
        run_turns_until([&] { return signal_watch.state()->finished(); });
    }
}

template <class Done>
void event_loop::run_turns_until(Done done) {
    while (!done()) {
        run_turn(done);
    }
}

// The turn. Its phases, in this order, are docs/design.md's "Loop phases"; keep the two alike.
template <class Done>
void event_loop::run_turn(Done& done) {
    ++turns_;
    run_ready_tasks(); // 1
    if (done()) {
        return; // never wait for I/O once the caller's goal is met
    }
    if (skip_timers_and_io()) {
        run_posted_callbacks(); // 2 (the fast path: phases 3-5 wait for a later turn)
        return;
    }
    run_posted_callbacks(); // 2
    fire_due_timers();      // 3
    wait_for_io();          // 4
    dispatch_completions(); // 5: what the wait returned, then what was posted or fell due
    run_posted_callbacks(); //    meanwhile
    fire_due_timers();
}

namespace {
// Phase 1's loop: resumes, through `resume`, each coroutine that was ready when the batch began.
template <class Resume>
void resume_batch(detail::ring_buffer<std::coroutine_handle<>>& ready, unsigned& immediate_streak,
                  Resume resume) {
    for (std::size_t batch = ready.size(); batch != 0 && !ready.empty(); --batch) {
        const std::coroutine_handle<> next = ready.pop_front();
        immediate_streak = 0; // the immediate-completion budget restarts with every resume
        resume(next);
    }
}
} // namespace

// Phase 1: run what was ready when the phase began; what becomes ready meanwhile waits a turn,
// so I/O and timers get looked at between any two runs of a task that keeps yielding.
void event_loop::run_ready_tasks() {
    max_ready_tasks_ = std::max(max_ready_tasks_, ready_.size());
    // A loop has its instruments for its whole life or never, so the choice is made once per batch:
    // checking before every resume cost 3 instructions per resume (callgrind, 64 yielding tasks).
    if (detail::loop_instruments* instruments = instruments_.get()) [[unlikely]] {
        resume_batch(ready_, immediate_streak_, [this, instruments](std::coroutine_handle<> next) {
            instruments->slice_begin(next);
            next.resume();
            instruments->slice_end(ready_.empty() ? std::coroutine_handle<>{} : ready_.back());
        });
        return;
    }
    resume_batch(ready_, immediate_streak_, [](std::coroutine_handle<> next) { next.resume(); });
}

// Phase 2. The relaxed check first: most turns have nothing posted, and taking the queue is an
// atomic exchange.
void event_loop::run_posted_callbacks() {
    if (internals_->posted.maybe_nonempty()) {
        internals_->posted.run_all(instruments_.get());
    }
}

// Phase 3.
void event_loop::fire_due_timers() {
    detail::loop_internals& in = *internals_;
    if (!in.timers.empty()) {
        timers_fired_ += in.timers.advance(loop_time_ns());
    }
}

// Phase 4: wait for I/O, bounded by the next timer.
void event_loop::wait_for_io() {
    detail::loop_internals& in = *internals_;
    const std::optional<std::uint64_t> next_timer = in.timers.next_expiry();
    ++reactor_waits_;
    if (virtual_clock_may_jump(next_timer)) {
        if (instruments_) [[unlikely]] {
            instruments_->reactor_wait_begin(std::chrono::nanoseconds::zero());
        }
        // Look for I/O without waiting; if there is none, nothing but a timer can happen next,
        // so move the clock straight to it.
        in.reactor->wait(std::chrono::nanoseconds::zero(), in.completed);
        if (in.completed.empty() && in.posted.empty()) {
            in.virtual_elapsed = std::max(in.virtual_elapsed, *next_timer);
        }
        return;
    }
    const std::optional<std::chrono::nanoseconds> timeout = io_wait_timeout(next_timer);
    if (instruments_) [[unlikely]] {
        instruments_->reactor_wait_begin(timeout);
    }
    if (timeout && timeout->count() == 0) {
        in.reactor->wait(timeout, in.completed); // a poll: busy time, no clock read
        return;
    }
    // The wait may block: that is the loop's idle time (loop_stats). Two clock reads (~20 ns
    // each) against a wait that sleeps, or at least makes a system call.
    const time_point idle_from = clock::now();
    in.reactor->wait(timeout, in.completed);
    idle_time_ += clock::now() - idle_from;
}

// Phase 5: each completion makes its waiting task ready. Cheap, so the trace counts it as part
// of the reactor wait's span.
void event_loop::dispatch_completions() {
    std::size_t completions = 0;
    while (detail::io_operation* op = internals_->completed.pop_front()) {
        ++completions;
        op->on_complete(*op);
    }
    io_events_ += completions;
    if (instruments_) [[unlikely]] {
        instruments_->reactor_wait_end(completions);
    }
}

// The fast path: tasks are ready, so there is nothing to wait for. Most such turns skip the
// reactor and the clock altogether (a poll is a system call, a clock read ~20 ns); every
// event_interval turns both are consulted anyway, so busy tasks never starve I/O or timers.
bool event_loop::skip_timers_and_io() noexcept {
    if (!ready_.empty() && ++turns_since_poll_ < event_interval) {
        return true;
    }
    turns_since_poll_ = 0;
    return false;
}

// Virtual time: with nothing ready, a timer armed and no blocking job that could finish, only
// I/O or a timer can happen next; a zero-timeout poll settles which (wait_for_io).
bool event_loop::virtual_clock_may_jump(std::optional<std::uint64_t> next_timer) const noexcept {
    return options_.virtual_time && ready_.empty() && next_timer &&
           internals_->blocking_in_flight == 0;
}

// Zero if anything is ready (a poll), until the next timer if one is armed, else no limit: a loop
// with nothing to do sleeps without periodic wake-ups.
std::optional<std::chrono::nanoseconds>
event_loop::io_wait_timeout(std::optional<std::uint64_t> next_timer) const noexcept {
    if (!ready_.empty()) {
        return std::chrono::nanoseconds::zero();
    }
    if (next_timer) {
        const std::uint64_t now = loop_time_ns();
        return std::chrono::nanoseconds(*next_timer > now ? *next_timer - now : 0);
    }
    return std::nullopt;
}

std::uint64_t event_loop::loop_time_ns() const noexcept {
    if (options_.virtual_time) {
        return internals_->virtual_elapsed;
    }
    const auto since =
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - internals_->epoch);
    return static_cast<std::uint64_t>(std::max<std::int64_t>(since.count(), 0));
}

// ---- Shutdown ----

// The destructor's work, as asyncio.run does it:
//   1. cancel every task once and run the loop while they unwind; repeat for tasks spawned or
//      orphaned meanwhile, until every task left has had its cancellation;
//   2. destroy the tasks that swallowed it and parked again (stuck), one at a time, each followed
//      by step 1 for the orphans its destruction releases;
//   3. join the blocking pool's workers;
//   4. warn about I/O handles still registered (their io_objects outlive the loop).
void event_loop::shutdown() noexcept {
    running_ = true;
    try {
        // 1.
        cancel_and_run_remaining_tasks();
        while (has_tasks_not_yet_cancelled()) {
            cancel_and_run_remaining_tasks();
        }
        // 2. Destroying a frame runs its awaiters' destructors, which unhook them from timers,
        // queues and the reactor. A task whose join_handle still lives in another frame goes
        // after that frame, so the handle never points at freed memory.
        while (child_count() != 0) {
            detail::task_state* stuck = first_task_without_handle();
            if (stuck == nullptr) {
                std::fprintf(stderr,
                             "corio: %zu task(s) still pending at loop shutdown are held by "
                             "join_handles outside the loop; leaking them\n",
                             child_count());
                break;
            }
            std::fprintf(stderr, "corio: destroying a task still pending at loop shutdown "
                                 "(it swallowed its cancellation)\n");
            stuck->detach_from_owner();
            static_cast<detail::promise_base*>(stuck)->frame().destroy();
            cancel_and_run_remaining_tasks(); // orphans of destroyed task_groups may have arrived
        }
    } catch (...) {
        report_unhandled(std::current_exception());
    }
    // 3. Every job has completed: step 1 ran the loop while any was in flight.
    internals_->pool.reset();
    // 4.
    report_leaked_handles();
    running_ = false;
}

// Cancels each task not cancelled yet (a task is cancelled once: one that swallows it and parks
// again is stuck), then runs the loop while tasks remain and something could still wake one.
void event_loop::cancel_and_run_remaining_tasks() {
    cancel_tasks_not_yet_cancelled();
    run_turns_until([this] { return child_count() == 0 || nothing_can_progress(); });
}

std::size_t event_loop::cancel_tasks_not_yet_cancelled() noexcept {
    std::size_t cancelled = 0;
    for (detail::task_state* task = first_child(); task != nullptr; task = task->next_sibling()) {
        if (!task->shutdown_requested()) {
            task->mark_shutdown_requested();
            task->request_cancel();
            ++cancelled;
        }
    }
    return cancelled;
}

bool event_loop::has_tasks_not_yet_cancelled() const noexcept {
    for (detail::task_state* task = first_child(); task != nullptr; task = task->next_sibling()) {
        if (!task->shutdown_requested()) {
            return true;
        }
    }
    return false;
}

// Nothing is ready and nothing pending could make a task ready: running more turns would block
// forever.
bool event_loop::nothing_can_progress() const noexcept {
    const detail::loop_internals& in = *internals_;
    return ready_.empty() && in.timers.empty() && in.reactor->pending_operations() == 0 &&
           in.blocking_in_flight == 0 && in.completed.empty() && in.posted.empty();
}

detail::task_state* event_loop::first_task_without_handle() const noexcept {
    for (detail::task_state* task = first_child(); task != nullptr; task = task->next_sibling()) {
        if (!static_cast<detail::promise_base*>(task)->handle_alive()) {
            return task;
        }
    }
    return nullptr;
}

void event_loop::report_leaked_handles() const noexcept {
    if (const std::size_t handles = internals_->reactor->registered_handles(); handles != 0) {
        // Sockets and other io_objects must be closed before their loop goes away; closing one
        // later would reach into a destroyed reactor. Say so instead of failing mysteriously.
        std::fprintf(stderr,
                     "corio: %zu I/O handle(s) still registered when the event loop was destroyed; "
                     "close sockets and io_objects before their loop\n",
                     handles);
    }
}

} // namespace corio
