// SPDX-License-Identifier: MIT
// A cancellation storm: 100,000 tasks doing real work (socket-pair reads that wait for a writer,
// writes that wait for a reader to drain, sleeps, queue gets and event waits), a random half of
// them cancelled at random moments. No task hangs; every task either finished with exactly the
// result its seed predicts or ended with cancelled_error after being cancelled; nothing is left:
// no frame, fd, timer or reactor registration. Two rounds in one process, heap in use compared.
//
// CORIO_STRESS_STORM_TASKS (100,000), CORIO_STRESS_STORM_WAVE (tasks alive at once, 2,000: each
// may hold a socket pair), CORIO_STRESS_SEED.
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/sync/queue.hpp>
#include <corio/runtime/task.hpp>

#include "stress_support.hpp"
#include "support/leak_check.hpp"
#include "support/socket_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

constexpr int step_count = 3;

std::byte pattern_byte(std::uint64_t seed, std::size_t i) {
    return static_cast<std::byte>((seed >> 8U) + i * 31U);
}

// What each step of a task does and how long its counterpart waits first; drawn from the task's
// seed, so the expected result can be computed without running it.
struct step_plan {
    int kind;                        // 0 sleep, 1 socket transfer, 2 queue get, 3 event wait
    std::chrono::microseconds delay; // before the counterpart acts (or the sleep's length)
    std::size_t bytes;               // socket transfer size
};

step_plan plan_step(std::mt19937_64& random) {
    step_plan plan{};
    plan.kind = static_cast<int>(random() % 4);
    plan.delay = std::chrono::microseconds(random() % 3000);
    // Mostly up to 4 KiB; one in sixteen up to 512 KiB, more than a socket pair's buffers hold,
    // so that its writer waits for the reader to drain them.
    plan.bytes = 1 + random() % (random() % 16 == 0 ? 512 * 1024 : 4096);
    return plan;
}

std::uint64_t step_result(const step_plan& plan, std::uint64_t seed) {
    switch (plan.kind) {
    case 0:
        return 1;
    case 1:
        return plan.bytes;
    case 2:
        return seed % 1000;
    default:
        return 3;
    }
}

std::uint64_t expected_result(std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::uint64_t total = 0;
    for (int i = 0; i < step_count; ++i) {
        total += step_result(plan_step(random), seed);
    }
    return total;
}

corio::task<std::size_t> write_after(corio::io_object& out, std::chrono::microseconds delay,
                                     std::size_t size, std::uint64_t seed) {
    co_await corio::sleep_for(delay);
    std::vector<std::byte> data(size);
    for (std::size_t i = 0; i < size; ++i) {
        data[i] = pattern_byte(seed, i);
    }
    std::size_t written = 0;
    while (written < size) {
        written += co_await out.send_some(std::span<const std::byte>(data).subspan(written));
    }
    co_return written;
}

// Returns the count of bytes that arrived intact (a corrupted byte stops the count there).
corio::task<std::size_t> read_expected(corio::io_object& in, std::size_t size, std::uint64_t seed) {
    std::array<std::byte, 16 * 1024> buffer{};
    std::size_t received = 0;
    while (received < size) {
        const std::size_t n = co_await in.receive_some(buffer);
        if (n == 0) {
            co_return received;
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (buffer[i] != pattern_byte(seed, received + i)) {
                co_return received + i;
            }
        }
        received += n;
    }
    co_return received;
}

corio::task<> put_after(corio::queue<std::uint64_t>& items, std::chrono::microseconds delay,
                        std::uint64_t value) {
    co_await corio::sleep_for(delay);
    co_await items.put(value);
}

corio::task<> set_after(corio::event& flag, std::chrono::microseconds delay) {
    co_await corio::sleep_for(delay);
    flag.set();
}

corio::task<std::uint64_t> wait_for_event(corio::event& flag) {
    co_await flag.wait();
    co_return 3;
}

corio::task<std::uint64_t> run_step(const step_plan& plan, std::uint64_t seed) {
    switch (plan.kind) {
    case 0:
        co_await corio::sleep_for(plan.delay);
        co_return 1;
    case 1: {
        auto [a, b] = corio_test::stream_socket_pair();
        corio::io_object writer{a};
        corio::io_object reader{b};
        auto [written, read] =
            co_await corio::gather(write_after(writer, plan.delay, plan.bytes, seed),
                                   read_expected(reader, plan.bytes, seed));
        co_return written == read ? read : 0;
    }
    case 2: {
        corio::queue<std::uint64_t> items;
        auto [put, got] =
            co_await corio::gather(put_after(items, plan.delay, seed % 1000), items.get());
        static_cast<void>(put);
        co_return got;
    }
    default: {
        corio::event flag;
        auto [set, value] =
            co_await corio::gather(set_after(flag, plan.delay), wait_for_event(flag));
        static_cast<void>(set);
        co_return value;
    }
    }
}

corio::task<std::uint64_t> storm_task(std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::uint64_t total = 0;
    for (int i = 0; i < step_count; ++i) {
        const step_plan plan = plan_step(random);
        total += co_await run_step(plan, seed);
    }
    co_return total;
}

struct storm_counts {
    std::size_t finished = 0;
    std::size_t cancelled = 0;
    std::size_t cancel_requests = 0;
    std::size_t wrong_results = 0;
    std::size_t cancelled_unasked = 0;
    std::size_t other_errors = 0;
};

corio::task<> run_wave(std::uint64_t wave_seed, std::size_t size, storm_counts& counts) {
    std::mt19937_64 random(wave_seed);
    std::vector<std::uint64_t> seeds(size);
    std::vector<corio::join_handle<std::uint64_t>> tasks;
    tasks.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
        seeds[i] = random();
        tasks.push_back(corio::spawn(storm_task(seeds[i])));
    }
    // A random half is cancelled, each at a random moment within the first 4 ms: before it ran,
    // mid-sleep, mid-read, mid-write, in a queue or event wait, or after it finished.
    std::vector<std::pair<std::chrono::microseconds, std::size_t>> cancels;
    for (std::size_t i = 0; i < size; ++i) {
        if ((random() & 1U) != 0) {
            cancels.emplace_back(std::chrono::microseconds(random() % 4000), i);
        }
    }
    std::sort(cancels.begin(), cancels.end());
    std::vector<bool> asked(size, false);
    const auto start = corio::event_loop::current().now();
    for (const auto& [when, index] : cancels) {
        if (corio::event_loop::current().now() < start + when) {
            co_await corio::sleep_until(start + when);
        }
        asked[index] = tasks[index].cancel();
        counts.cancel_requests += asked[index] ? 1 : 0;
    }
    for (std::size_t i = 0; i < size; ++i) {
        try {
            const std::uint64_t result = co_await tasks[i];
            ++counts.finished;
            if (result != expected_result(seeds[i])) {
                ++counts.wrong_results;
            }
        } catch (const corio::cancelled_error&) {
            ++counts.cancelled;
            if (!asked[i]) {
                ++counts.cancelled_unasked;
            }
        } catch (...) {
            ++counts.other_errors;
        }
    }
}

void run_round(std::uint64_t seed, int round_number) {
    const std::size_t task_count =
        corio_stress::environment_number("CORIO_STRESS_STORM_TASKS", 100'000);
    const std::size_t wave = std::max<std::size_t>(
        1, corio_stress::environment_number("CORIO_STRESS_STORM_WAVE", 2'000));
    const auto started = std::chrono::steady_clock::now();
    storm_counts counts;
    corio::event_loop loop;
    loop.run_until_complete([&]() -> corio::task<> {
        std::mt19937_64 random(seed * 7919 + static_cast<std::uint64_t>(round_number));
        for (std::size_t done = 0; done < task_count; done += wave) {
            co_await run_wave(random(), std::min(wave, task_count - done), counts);
        }
    }());
    corio_test::expect_loop_is_clean(loop);
    EXPECT_EQ(counts.finished + counts.cancelled, task_count);
    EXPECT_EQ(counts.wrong_results, 0U) << "tasks that finished with a wrong result";
    EXPECT_EQ(counts.cancelled_unasked, 0U) << "tasks cancelled without being asked";
    EXPECT_EQ(counts.other_errors, 0U) << "tasks that ended with another error";
    EXPECT_GT(counts.cancelled, 0U);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    corio_stress::report(
        "storm round " + std::to_string(round_number) + ": " + std::to_string(task_count) +
        " tasks, " + std::to_string(counts.cancel_requests) + " cancel requests, " +
        std::to_string(counts.cancelled) + " cancelled, " + std::to_string(counts.finished) +
        " finished, " + std::to_string(took.count()) + " ms");
}

TEST(StressCancellation, HundredThousandTasksCancelledMidIoTwice) {
    corio_test::leak_check leaks;
    corio_stress::run_two_rounds(corio_stress::seed_from_environment(), run_round);
}

} // namespace
