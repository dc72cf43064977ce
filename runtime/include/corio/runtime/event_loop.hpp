// SPDX-License-Identifier: MIT
// event_loop.hpp - the event loop: runs ready tasks, waits for I/O and timers, repeats.
//
// One loop per thread. Each turn runs ready tasks, runs callbacks posted from other threads, fires
// due timers and waits for I/O (at most until the next timer); the one list of the phases, in
// order, is docs/design.md, "Loop phases", and event_loop::run_turn() calls them in that order.
// corio::run(task) is asyncio.run: it makes a loop, runs the task to completion, cancels whatever
// it left running and returns the task's value (or rethrows its exception).
// Thread-safety: only post() may be called from other threads.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/loop_instruments.hpp>
#include <corio/runtime/detail/ring_buffer.hpp>
#include <corio/runtime/detail/task_state.hpp>
#include <corio/runtime/detail/timer_node.hpp>
#include <corio/runtime/detail/unique_function.hpp>
#include <corio/runtime/io_backend.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/stall.hpp>
#include <corio/runtime/task.hpp>
#include <corio/runtime/task_dump.hpp>
#include <corio/runtime/trace.hpp>

#include <cassert>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio {

class io_object;
class file;

namespace detail {
class io_awaiter_base;
class reactor_backend;
struct blocking_job;
struct loop_internals;

// A callback queued by post(); intrusive so that internal wake-ups (a finished blocking job)
// need no allocation.
struct posted_node {
    posted_node* next = nullptr;
    void (*run)(posted_node&) noexcept = nullptr;
};
} // namespace detail

struct loop_options {
    // Virtual time (like trio's MockClock or tokio's time::pause): whenever no task is ready and no
    // I/O or blocking work is pending, the clock jumps straight to the next timer. A test that
    // sleeps for an hour finishes at once, with the same firing order as in real time. It assumes
    // every I/O peer lives on this loop: it does not wait for other processes.
    bool virtual_time = false;
    // Timer resolution: deadlines are rounded up to a tick, so timers fire at most one tick late.
    std::chrono::nanoseconds tick = std::chrono::milliseconds(1);
    // Worker threads for run_blocking() (and name resolution); started on first use.
    unsigned blocking_threads = 4;
    // After this many consecutive operations that completed without suspending, the task yields
    // anyway, so one busy task cannot starve the others (tokio uses 128 too).
    unsigned immediate_completion_budget = 128;
    // Receives exceptions that escaped a detached task. The default prints them to stderr.
    std::function<void(std::exception_ptr)> unhandled_exception_handler;
    // For run_until_complete() and corio::run: the first SIGINT or SIGTERM (Ctrl-C, `kill`)
    // cancels the main task, which may clean up and finish; a second one ends the process at
    // once, as the signal would have by default (asyncio.run does the same with Ctrl-C). The
    // signals are watched only while the main task runs (see signal.hpp).
    bool cancel_on_signal = false;
    // Which kernel interface the loop waits on (io_backend.hpp): automatic picks this platform's
    // default. The environment variable CORIO_BACKEND overrides it for every loop of a program.
    // A backend that cannot run here makes the constructor throw; backend_name() says which runs.
    io_backend backend = io_backend::automatic;

    // ---- Seeing the loop (docs/tracing.md). All off by default; off costs one branch per trace
    // point and no memory in any task. ----
    // Record a trace (trace.hpp): every spawn, slice, suspension, wake-up, timer and reactor
    // wait. The environment variable CORIO_TRACE=1 turns this on for every loop of a program.
    bool trace = false;
    // At most this many events are kept; later ones are counted as dropped.
    std::size_t trace_capacity = std::size_t{1} << 22;
    // Keep a registry of live tasks (ids, names, parents, what each waits on) for dump_tasks().
    // Implied by trace and by a stall threshold.
    bool track_tasks = false;
    // Report any task slice (or posted callback) that runs longer than this without suspending
    // (stall.hpp). Zero: off.
    std::chrono::nanoseconds stall_threshold{0};
    // Receives the stall reports; the default prints them to stderr.
    std::function<void(const stall_report&)> stall_sink;

    // Shorthand for tests: default options with virtual time on.
    [[nodiscard]] static loop_options with_virtual_time() {
        loop_options options;
        options.virtual_time = true;
        return options;
    }
};

// What the loop holds right now and what it has done (event_loop::stats()). The first group
// describes the present: a clean shutdown leaves it all at zero. The second counts since the
// loop was made; reading it costs nothing, keeping it costs a few increments per turn.
struct loop_stats {
    std::size_t live_tasks = 0;  // spawned tasks that have not finished
    std::size_t ready_tasks = 0; // coroutines in the ready queue
    std::size_t armed_timers = 0;
    std::size_t io_registrations = 0; // handles registered with the reactor
    std::size_t pending_io = 0;       // operations the reactor has not completed yet
    std::size_t blocking_jobs = 0;    // run_blocking() calls still executing

    std::uint64_t turns = 0;          // loop turns (docs/design.md, "Loop phases")
    std::uint64_t waits = 0;          // times the loop asked the reactor for events (tests use it
                                      // to prove an idle loop sleeps instead of polling)
    std::uint64_t events = 0;         // I/O operations the reactor completed
    std::uint64_t timers_fired = 0;   // timers that expired (sleeps, deadlines, timeouts)
    std::uint64_t tasks_spawned = 0;  // tasks started (spawn, task_group, gather...)
    std::uint64_t tasks_finished = 0; // tasks that completed, failed or were cancelled
    std::size_t max_ready_tasks = 0;  // the longest ready queue a turn began with
    // Time spent running (run_until_complete, corio::run), split like libuv's
    // uv_metrics_idle_time(): idle is the time blocked in the reactor waiting for something to
    // happen, busy the rest (running tasks, callbacks, timers, polling). Real time, even with
    // virtual_time on (a virtual jump takes no real time).
    std::chrono::nanoseconds busy_time{0};
    std::chrono::nanoseconds idle_time{0};
};

class event_loop final : private detail::task_owner {
public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;
    using duration = clock::duration;

    explicit event_loop(loop_options options = {});
    // Cancels the tasks still running, gives them a chance to finish, then frees what is left.
    ~event_loop() override;
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;

    // The loop that owns the calling thread; throws usage_error if there is none.
    static event_loop& current();
    static event_loop* try_current() noexcept;

    // Runs the loop until `main` finishes; returns its value or rethrows its exception. Other
    // tasks stay alive (they are cancelled when the loop is destroyed).
    template <class T>
    T run_until_complete(task<T> main) {
        return run_until_complete(std::move(main), {});
    }
    // The same, naming the main task for traces, timelines and task dumps ("main").
    template <class T>
    T run_until_complete(task<T> main, std::string_view name) {
        join_handle<T> handle = spawn(std::move(main), name);
        run_until_done(*handle.state());
        return handle.result();
    }

    // Starts `work` as a task of its own; it first runs on a later turn (like create_task).
    template <class T>
    [[nodiscard]] join_handle<T> spawn(task<T> work) {
        return join_handle<T>{start(std::move(work), *this, {})};
    }
    // The same, with a name for traces, timelines, task dumps and stall reports ("One"). The
    // name is kept only while the loop tracks tasks (loop_options::track_tasks or trace).
    template <class T>
    [[nodiscard]] join_handle<T> spawn(task<T> work, std::string_view name) {
        return join_handle<T>{start(std::move(work), *this, name)};
    }

    // Like spawn(), but the task belongs to `owner` (a task_group), which hears when it finishes.
    template <class T>
    join_handle<T> spawn_owned(task<T> work, detail::task_owner& owner,
                               std::string_view name = {}) {
        return join_handle<T>{start(std::move(work), owner, name)};
    }

    // Queues `callback` to run on the loop thread and wakes the loop. Safe from any thread; this
    // is how other threads hand work to the loop (asyncio's call_soon_threadsafe).
    void post(detail::unique_function<void()> callback);

    // The loop's clock: real steady_clock time, or the virtual clock in virtual-time mode.
    [[nodiscard]] time_point now() const noexcept;
    // The backend the loop runs on: "epoll", "io_uring", "kqueue" or "iocp" (io_backend.hpp).
    [[nodiscard]] std::string_view backend_name() const noexcept;
    [[nodiscard]] loop_stats stats() const noexcept;
    [[nodiscard]] const loop_options& options() const noexcept { return options_; }

    // What the loop recorded so far (loop_options::trace); null when it is not tracing.
    [[nodiscard]] const trace_recording* trace() const noexcept;
    // Every live task, what it does and what it waits on (task_dump.hpp). Loop thread only; from
    // another thread, post() a callback that calls it.
    [[nodiscard]] task_dump dump_tasks() const;

    // ---- For awaiter authors. corio's own awaiters use these; so can yours. ----

    // Makes a suspended coroutine ready; it runs on a later turn. Never allocates once the ready
    // queue has grown to its working size.
    void schedule(std::coroutine_handle<> coroutine) { ready_.push_back(coroutine); }
    // Arms `timer` for `deadline` on this loop's wheel (re-arms it if already armed).
    void arm_timer(detail::timer_node& timer, time_point deadline);
    // Call when an operation completed without suspending. Returns true if the task may continue
    // without yielding; false means its budget is spent and it should schedule itself and suspend.
    [[nodiscard]] bool try_continue_immediately() noexcept {
        return immediate_streak_++ < options_.immediate_completion_budget;
    }
    // Thread-safe: queues an intrusive callback (no allocation) and wakes the loop.
    void post_node(detail::posted_node& node) noexcept;
    // Runs job.execute on a worker thread, then job.on_done on this loop (run_blocking.hpp).
    void submit_blocking(detail::blocking_job& job);
    // Takes back a job no worker has started; true if it was withdrawn (on_done will not run).
    bool withdraw_blocking(detail::blocking_job& job) noexcept;
    // Adopts a task whose owner went away (a task_group destroyed with children still running).
    void adopt_orphan(detail::task_state& orphan) noexcept;
    // Reports an exception nobody will ever observe (from a detached task).
    void report_unhandled(const std::exception_ptr& error) noexcept;
    // The trace points' target: null unless tracing, task tracking or stall detection is on.
    [[nodiscard]] detail::loop_instruments* instruments() const noexcept {
        return instruments_.get();
    }

private:
    friend std::coroutine_handle<> detail::finish_root(detail::promise_base&) noexcept;
    // The I/O code reaches the reactor; nothing else should (it is not part of the API).
    friend class detail::io_awaiter_base;
    friend class io_object;
    friend class file;
    [[nodiscard]] detail::reactor_backend& reactor() noexcept;

    template <class T>
    std::coroutine_handle<detail::task_promise<T>> start(task<T> work, detail::task_owner& owner,
                                                         std::string_view name) {
        if (!work.valid()) {
            throw usage_error("spawn() of an empty corio::task");
        }
        auto frame = work.release();
        frame.promise().attach(*this, owner);
        assert(frame.promise().frame() == frame); // what promise_base::frame() relies on
        ++tasks_spawned_;
        if (instruments_) [[unlikely]] {
            instruments_->task_spawned(frame.promise(), frame, name);
        }
        schedule(frame);
        return frame;
    }

    // Runs on the loop thread when a worker hands a finished blocking job back.
    static void finish_blocking_job(detail::posted_node& node) noexcept;
    void on_child_finished(detail::task_state& child) noexcept override;
    void run_until_done(detail::task_state& target);

    // The loop proper (event_loop.cpp). Runs turns until done() is true, checking it before each
    // turn and after its phase 1 (never waiting for I/O once done). Only instantiated there.
    template <class Done>
    void run_turns_until(Done done);
    // One turn: one function per phase, in docs/design.md's order.
    template <class Done>
    void run_turn(Done& done);
    void run_ready_tasks();      // phase 1
    void run_posted_callbacks(); // phase 2
    void fire_due_timers();      // phase 3
    void wait_for_io();          // phase 4
    void dispatch_completions(); // phase 5
    // The fast path: tasks are ready, so this turn skips phases 3-5 (see event_interval).
    [[nodiscard]] bool skip_timers_and_io() noexcept;
    // Virtual time: nothing but a timer can happen next, so the clock may jump to it.
    [[nodiscard]] bool
    virtual_clock_may_jump(std::optional<std::uint64_t> next_timer) const noexcept;
    [[nodiscard]] std::optional<std::chrono::nanoseconds>
    io_wait_timeout(std::optional<std::uint64_t> next_timer) const noexcept;
    [[nodiscard]] std::uint64_t loop_time_ns() const noexcept; // since the wheel's epoch

    // Shutdown (the destructor), in numbered steps; see shutdown() in event_loop.cpp.
    void shutdown() noexcept;
    std::size_t cancel_tasks_not_yet_cancelled() noexcept;
    void cancel_and_run_remaining_tasks();
    [[nodiscard]] bool has_tasks_not_yet_cancelled() const noexcept;
    [[nodiscard]] bool nothing_can_progress() const noexcept;
    [[nodiscard]] detail::task_state* first_task_without_handle() const noexcept;
    void report_leaked_handles() const noexcept;

    // While tasks are ready, the reactor and the clock are consulted once every this many turns
    // (tokio's event_interval): often enough for I/O, rarely enough to keep a turn cheap.
    static constexpr unsigned event_interval = 61;

    loop_options options_;
    detail::ring_buffer<std::coroutine_handle<>> ready_;
    unsigned immediate_streak_ = 0;
    unsigned turns_since_poll_ = 0;
    std::uint64_t reactor_waits_ = 0;
    bool running_ = false;
    std::unique_ptr<detail::loop_internals> internals_;
    std::unique_ptr<detail::loop_instruments> instruments_; // see loop_options::trace
    // loop_stats counters: plain increments, all on the loop thread. Kept after the members the
    // turn reads most, which stay where they were.
    std::uint64_t turns_ = 0;
    std::uint64_t io_events_ = 0;
    std::uint64_t timers_fired_ = 0;
    std::uint64_t tasks_spawned_ = 0;
    std::uint64_t tasks_finished_ = 0; // counted by finish_root
    std::size_t max_ready_tasks_ = 0;
    std::chrono::nanoseconds idle_time_{0};
    std::chrono::nanoseconds run_time_{0};  // finished runs; busy = run time - idle
    std::optional<time_point> run_started_; // while run_until_done runs
};

// asyncio.run(): runs `main` on a fresh loop and returns its result (or rethrows).
template <class T>
T run(task<T> main, loop_options options = {}) {
    event_loop loop{std::move(options)};
    return loop.run_until_complete(std::move(main));
}

// asyncio.create_task(): spawns `work` on the calling thread's loop.
// Keep the handle to await or cancel the task; call detach() on it to let the task run alone.
template <class T>
[[nodiscard]] join_handle<T> spawn(task<T> work) {
    return event_loop::current().spawn(std::move(work));
}
// The same, with a name for traces, timelines, task dumps and stall reports.
template <class T>
[[nodiscard]] join_handle<T> spawn(task<T> work, std::string_view name) {
    return event_loop::current().spawn(std::move(work), name);
}

} // namespace corio
CORIO_EXPORT_END
