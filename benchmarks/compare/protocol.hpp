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
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <malloc.h>
#include <optional>
#include <string_view>

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

inline std::int64_t warm_up_ops(const request& work) {
    return measures_bytes(work.workload) ? work.ops : work.ops / 10 + 1;
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

} // namespace corio_compare
