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
#include <functional>
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
// resident_kib() first hands the heap's free pages back to the system (glibc's malloc_trim).
std::size_t resident_kib();
std::size_t peak_resident_kib();

// Bytes the program has allocated and not freed, in KiB, over every malloc arena (glibc's
// mallinfo2: small chunks in use plus mmap'd ones). The frame allocator's cache of freed coroutine
// frames counts as in use (runtime/src/scheduler/frame_allocator.cpp; compiled out under ASan).
std::size_t heap_in_use_kib();

// False under the sanitizers, whose allocators replace glibc's (mallinfo2 does not see them) and
// keep freed memory on purpose (ASan's quarantine grew RSS 2x between rounds with no leak). There
// LeakSanitizer finds leaks at exit instead, and the check between rounds is made by the
// unsanitised run (the dev-stress test preset in CI); the rounds' RSS is printed.
constexpr bool heap_is_comparable() {
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

// What every stress test does with its rounds: prints the seed and names it in every failure
// (SCOPED_TRACE), runs `round(seed, 1)` and `round(seed, 2)` in this process, prints RSS and heap
// in use after each, and fails the test if round 2 left more than 10% (at least 1 MiB) more heap
// in use than round 1 (where heap_is_comparable()): what a round leaks, the next leaks again,
// while what is retained for reuse (the frame cache, the wheel's slots) is reused.
//
// The check is on heap in use, not on RSS: RSS after a round also holds free memory that glibc
// cannot hand back (a freed chunk below one still in use, per-thread arenas), and how much
// depends on how far the round's transient peak went. Measured on the post test, whose 8 threads
// outrun the loop by a different amount each run: RSS after round 1 5.3-20 MiB, after round 2
// 9.7-57 MiB, with nothing leaked; the soak grew 6.8-10.3% in RSS.
void run_two_rounds(std::uint64_t seed, const std::function<void(std::uint64_t, int)>& round);

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limit now in force.
std::size_t raise_fd_limit();

// "name: value" lines printed as the test goes, so that CI's log records what a run did.
void report(const std::string& line);

} // namespace corio_stress
