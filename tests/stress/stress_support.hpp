// SPDX-License-Identifier: MIT
// stress_support.hpp - what the stress tests share: a seed and sizes from the environment, the
// process's resident memory, and the file descriptor limit.
//
// Every stress test is seeded: the seed is printed at the start and with every failure (gtest's
// SCOPED_TRACE), and CORIO_STRESS_SEED=<n> replays a run. Sizes and durations have defaults that
// fit CI's budget and can be changed through the environment variables each test names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace corio_stress {

// CORIO_STRESS_SEED if set, otherwise a fresh random seed.
std::uint64_t seed_from_environment();

// The unsigned integer in environment variable `name`, or `fallback` if it is unset or empty.
// A value that is not a number throws std::invalid_argument naming the variable.
std::uint64_t environment_number(const char* name, std::uint64_t fallback);

// True in builds without NDEBUG (Debug, and the sanitizer presets): the tests shorten their
// default durations there to stay within CI's time budget.
constexpr bool unoptimised_build() {
#ifdef NDEBUG
    return false;
#else
    return true;
#endif
}

// Resident set size now, and its peak so far (VmRSS and VmHWM of /proc/self/status), in KiB.
// resident_kib() first hands the heap's free pages back to the system (glibc's malloc_trim), so
// that pages malloc merely keeps cached do not count; memory still allocated does, leaked or
// cached on purpose. The largest such cache is the frame allocator's: each thread keeps its freed
// coroutine frames for reuse (runtime/src/scheduler/frame_allocator.cpp; compiled out under ASan),
// which is why the soak's RSS after round 1 is close to its peak (425 MiB of 457 MiB with 8,906
// connections) and round 2, reusing them, adds only 5-8%.
std::size_t resident_kib();
std::size_t peak_resident_kib();

// False under the sanitizers. ASan's quarantine keeps freed memory (up to 256 MiB) from being
// reused for a while, so RSS grows between rounds without a leak (the timer test: 171 MiB after
// round 1, 325 MiB after round 2); TSan's allocator and shadow memory do the same (the post test:
// 199 MiB, then 451 MiB). There LeakSanitizer finds leaks at exit instead, and the RSS check is
// made by the unsanitised run (the dev-stress test preset in CI); the rounds' RSS is printed.
constexpr bool rss_is_comparable() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    return false;
#else
    return true;
#endif
#else
    return true;
#endif
}

// How much RSS may grow from the end of round 1 to the end of round 2 and still count as settled:
// 10% of round 1's, but at least 4 MiB, because a small process's RSS moves by a few MiB for
// reasons unrelated to leaks (glibc's per-thread malloc arenas: the post test's 8 threads grew
// RSS from 5.5 to 8.2 MiB in round 2 once). A leak proportional to the work grows well past
// both: 8 bytes per post would be 16 MiB a round.
std::size_t rss_allowance_kib(std::size_t after_first_round_kib);

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limit now in force.
std::size_t raise_fd_limit();

// "name: value" lines printed as the test goes, so that CI's log records what a run did.
void report(const std::string& line);

} // namespace corio_stress
