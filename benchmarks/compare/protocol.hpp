// SPDX-License-Identifier: MIT
// protocol.hpp - what every comparison program (C++, Rust, Python) shares with the driver `run`:
//
//     <program> <workload> <ops>
//
// runs <ops> operations of one workload after a warm-up of a tenth as many, and prints one JSON
// line, {"system": ..., "workload": ..., "ops": ..., "ns_per_op": ...}. A workload measured in
// another unit names it in the key and adds a unit field: {..., "bytes_per_op": ..., "unit":
// "bytes"}. The driver treats every system alike through this line only. The workloads and what
// one operation is:
//
//     spawn_join     spawn a task that returns a number at once, and await its handle
//     yield          one task gives way to the scheduler and is resumed (one round trip)
//     handoff        two tasks bounce a number through two one-slot queues; one op is one
//                    hand-off (ops/2 round trips: the driver passes an even ops)
//     chained_spawn  each task spawns the next and ends, chains of chain_links (100k) deep; the
//                    last task of a chain wakes the waiting one; one op is one link
//     post           another thread posts <ops> callbacks (or spawns tasks, where the system has
//                    no callbacks: Tokio) into the running loop, which runs them; one op is one
//                    posted callback, timed from the thread's start until the loop ran the last
//     parked_task_bytes  <ops> tasks spawned that each wait on one shared event: heap bytes in
//                    use once all are parked minus before, per task (unit bytes). The warm-up
//                    parks the same number first, so queues the loop grows on the way are at
//                    their size already and only what each parked task holds is counted.
//
// This header is the C++ side of the protocol: argument checking, the clock and the output line.
#pragma once

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <malloc.h>
#include <optional>
#include <string_view>
#include <time.h>

namespace corio_compare {

struct request {
    std::string_view workload;
    std::int64_t ops = 0;
};

inline constexpr std::string_view workloads[] = {"spawn_join",    "yield", "handoff",
                                                 "chained_spawn", "post",  "parked_task_bytes"};

inline constexpr std::int64_t chain_links = 100'000;

inline bool measures_bytes(std::string_view workload) {
    return workload == "parked_task_bytes";
}

// A bad command line gets a usage message and exit status 2 (no workload runs).
inline std::optional<request> parse_arguments(int argc, char** argv) {
    if (argc == 3) {
        request parsed;
        parsed.workload = argv[1];
        const std::string_view ops_text = argv[2];
        const auto [end, error] =
            std::from_chars(ops_text.data(), ops_text.data() + ops_text.size(), parsed.ops);
        bool known = false;
        for (const std::string_view workload : workloads) {
            known = known || workload == parsed.workload;
        }
        if (known && error == std::errc{} && end == ops_text.data() + ops_text.size() &&
            parsed.ops > 0) {
            return parsed;
        }
    }
    std::fprintf(stderr,
                 "usage: %s spawn_join|yield|handoff|chained_spawn|post|parked_task_bytes <ops>  "
                 "(ops > 0)\n",
                 argc > 0 ? argv[0] : "program");
    return std::nullopt;
}

// A warm-up of a tenth as many operations (the timer and socket programs call this one).
inline std::int64_t warm_up_ops(std::int64_t ops) {
    return ops / 10 + 1;
}

// The memory workload warms up with as many tasks as it measures (see parked_task_bytes).
inline std::int64_t warm_up_ops(const request& work) {
    return measures_bytes(work.workload) ? work.ops : warm_up_ops(work.ops);
}

// Heap bytes in use (glibc's count of allocated chunks, allocator overhead included), for
// parked_task_bytes. Blocks above the mmap threshold are not in it: the measured tasks' frames
// are far below it.
inline std::size_t heap_bytes_in_use() {
    return mallinfo2().uordblks;
}

// parked_task_bytes' result: run_workload leaves its bytes per task here for measure().
inline double parked_bytes_per_task = 0;

using clock = std::chrono::steady_clock;

inline void report(std::string_view system, const request& work, clock::duration elapsed) {
    const double nanoseconds =
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
    if (measures_bytes(work.workload)) {
        std::printf("{\"system\": \"%.*s\", \"workload\": \"%.*s\", \"ops\": %lld, "
                    "\"bytes_per_op\": %.3f, \"unit\": \"bytes\"}\n",
                    static_cast<int>(system.size()), system.data(),
                    static_cast<int>(work.workload.size()), work.workload.data(),
                    static_cast<long long>(work.ops), parked_bytes_per_task);
        return;
    }
    std::printf(
        "{\"system\": \"%.*s\", \"workload\": \"%.*s\", \"ops\": %lld, \"ns_per_op\": %.3f}\n",
        static_cast<int>(system.size()), system.data(), static_cast<int>(work.workload.size()),
        work.workload.data(), static_cast<long long>(work.ops),
        nanoseconds / static_cast<double>(work.ops));
}

// One system's workload functions, looked up by the workload's name (parse_arguments has checked
// it is one of workloads[]).
template <class Function>
struct workload_functions {
    Function spawn_join;
    Function yield;
    Function handoff;
    Function chained_spawn;
    Function post;
    Function parked_task_bytes;

    Function operator[](std::string_view workload) const {
        return workload == "spawn_join"      ? spawn_join
               : workload == "yield"         ? yield
               : workload == "handoff"       ? handoff
               : workload == "chained_spawn" ? chained_spawn
               : workload == "post"          ? post
                                             : parked_task_bytes;
    }
};

// The measurement every C++ program makes, as a coroutine of its own system's task type (the
// caller names it): a warm-up run, then the timed run, then the output line.
// run_workload(workload, ops) returns an awaitable of that system.
template <class Task, class RunWorkload>
Task measure(std::string_view system, request work, RunWorkload run_workload) {
    co_await run_workload(work.workload, warm_up_ops(work));
    const auto start = clock::now();
    co_await run_workload(work.workload, work.ops);
    report(system, work, clock::now() - start);
}

// ---- Timer and socket workloads: a workload name with a parameter, `<family>:<parameter>` ----
//
//     timer_insert_cancel:N   N timers live (delays of 1 to 2 hours, so none fires). One op arms
//                             one more timer, with a delay in the same range, and cancels it.
//     timer_insert_fire:N     one op is one timer armed and fired through the loop, its callback
//                             (or, in Tokio, the task that sleeps on it) run. Timers are armed in
//                             rounds of N (so up to N are live) with delays spread over 20 ms, and
//                             the loop runs until every callback of the round has run. Measured
//                             in the process's CPU time, not wall time: the loop sleeps until the
//                             next deadline by design, and sleeping is not a timer's cost.
//     ping_pong_socketpair:B  one op is one round trip of a B-byte message (1 <= B <= 64) between
//     ping_pong_tcp:B         two ends on one loop, over an AF_UNIX socketpair or over TCP on
//                             127.0.0.1 with Nagle's algorithm off (../net/socket_ping_pong.hpp).
//     ping_pong_connections:N N TCP connections over 127.0.0.1 (1 <= N <= 10,000), a 1-byte
//                             ping-pong on each, all N in flight at once on one loop. One op is one
//                             round trip on any of them: the pingers share one countdown, so the
//                             total is exact however it falls across connections. The connections
//                             are made before the clock starts.
//
// Delays are the same for every system: timer i (counted from 0 over the whole run, warm-up
// included) gets spread(i, range) microseconds on top of the base, a multiplicative hash that
// Rust and Python compute the same way.
inline constexpr std::string_view timer_families[] = {"timer_insert_cancel", "timer_insert_fire"};
inline constexpr std::string_view socket_families[] = {"ping_pong_socketpair", "ping_pong_tcp",
                                                       "ping_pong_connections"};
inline constexpr std::int64_t max_message_bytes = 64;
inline constexpr std::int64_t max_connections = 10'000;

// The largest parameter a family takes, or 0 for no limit (timers).
inline std::int64_t max_parameter_of(std::string_view family) {
    if (family == "ping_pong_connections") {
        return max_connections;
    }
    return family.starts_with("ping_pong") ? max_message_bytes : 0;
}

inline constexpr std::int64_t far_delay_base_us = 3'600'000'000;  // 1 hour
inline constexpr std::int64_t far_delay_range_us = 3'600'000'000; // up to 1 hour more
inline constexpr std::int64_t fire_delay_range_us = 20'000;       // 20 ms

inline constexpr std::int64_t spread(std::int64_t index, std::int64_t range) {
    return static_cast<std::int64_t>((static_cast<std::uint64_t>(index) * 2654435761U) %
                                     4294967296U % static_cast<std::uint64_t>(range));
}
// Timer i's delay in insert+cancel (live and inserted timers alike) and in insert+fire.
inline constexpr std::int64_t far_delay_us(std::int64_t index) {
    return far_delay_base_us + spread(index, far_delay_range_us);
}
inline constexpr std::int64_t fire_delay_us(std::int64_t index) {
    return spread(index, fire_delay_range_us);
}

struct parameterised_request : request {
    std::string_view family;    // "timer_insert_cancel", ..., "ping_pong_tcp"
    std::int64_t parameter = 0; // live timers, or message bytes
};

// `<program> <family>:<parameter> <ops>` for one of the given families; a bad command line gets a
// usage message and exit status 2.
template <std::size_t Families>
std::optional<parameterised_request>
parse_parameterised_arguments(int argc, char** argv, const std::string_view (&families)[Families]) {
    const auto whole_number = [](std::string_view text, std::int64_t& value) {
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        return error == std::errc{} && end == text.data() + text.size() && value > 0;
    };
    if (argc == 3) {
        parameterised_request parsed;
        parsed.workload = argv[1];
        const std::size_t colon = parsed.workload.find(':');
        if (colon != std::string_view::npos) {
            parsed.family = parsed.workload.substr(0, colon);
            bool known = false;
            for (const std::string_view family : families) {
                known = known || family == parsed.family;
            }
            const std::int64_t limit = max_parameter_of(parsed.family);
            if (known && whole_number(parsed.workload.substr(colon + 1), parsed.parameter) &&
                whole_number(argv[2], parsed.ops) && (limit == 0 || parsed.parameter <= limit)) {
                return parsed;
            }
        }
    }
    std::fprintf(stderr, "usage: %s", argc > 0 ? argv[0] : "program");
    for (std::size_t i = 0; i < Families; ++i) {
        std::fprintf(stderr, "%s%.*s", i == 0 ? " " : "|", static_cast<int>(families[i].size()),
                     families[i].data());
    }
    std::fprintf(stderr, ":<live timers, message bytes 1-64, or connections 1-10000> <ops>  "
                         "(ops > 0)\n");
    return std::nullopt;
}

// The process's CPU time (user + system), for timer_insert_fire.
inline std::chrono::nanoseconds process_cpu_time() {
    timespec now{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return std::chrono::seconds{now.tv_sec} + std::chrono::nanoseconds{now.tv_nsec};
}

// What one timed part of a timer or socket workload costs: wall time, or CPU time for
// timer_insert_fire (see above). Started before and read after the timed run.
class workload_clock {
public:
    explicit workload_clock(std::string_view family)
        : cpu_(family == "timer_insert_fire") {}
    void start() {
        wall_start_ = clock::now();
        cpu_start_ = process_cpu_time();
    }
    [[nodiscard]] clock::duration elapsed() const {
        if (cpu_) {
            return std::chrono::duration_cast<clock::duration>(process_cpu_time() - cpu_start_);
        }
        return clock::now() - wall_start_;
    }

private:
    bool cpu_;
    clock::time_point wall_start_{};
    std::chrono::nanoseconds cpu_start_{};
};

} // namespace corio_compare
