// SPDX-License-Identifier: MIT
#include "stress_support.hpp"

#include <gtest/gtest.h>

#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string_view>

namespace corio_stress {

std::uint64_t environment_number(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') {
        return fallback;
    }
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0') {
        throw std::invalid_argument(std::string(name) + " is not a number: " + text);
    }
    return value;
}

std::uint64_t seed_from_environment() {
    if (const char* text = std::getenv("CORIO_STRESS_SEED"); text != nullptr && *text != '\0') {
        return environment_number("CORIO_STRESS_SEED", 0);
    }
    std::random_device device;
    return (std::uint64_t{device()} << 32U) | device();
}

namespace {
std::size_t status_field_kib(std::string_view field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with(field)) {
            return std::strtoull(line.c_str() + field.size(), nullptr, 10);
        }
    }
    return 0;
}
} // namespace

std::size_t resident_kib() {
    return status_field_kib("VmRSS:");
}
std::size_t peak_resident_kib() {
    return status_field_kib("VmHWM:");
}

std::size_t heap_in_use_kib() {
    const struct mallinfo2 info = ::mallinfo2();
    return (info.uordblks + info.hblkhd) / 1024;
}

void run_two_rounds(std::uint64_t seed, const std::function<void(std::uint64_t, int)>& round) {
    SCOPED_TRACE("CORIO_STRESS_SEED=" + std::to_string(seed));
    report("seed " + std::to_string(seed));
    round(seed, 1);
    const std::size_t heap_after_first = heap_in_use_kib();
    const std::size_t rss_after_first = resident_kib();
    round(seed, 2);
    const std::size_t heap_after_second = heap_in_use_kib();
    const std::size_t rss_after_second = resident_kib();
    report("heap in use after round 1: " + std::to_string(heap_after_first) +
           " KiB, after round 2: " + std::to_string(heap_after_second) + " KiB; RSS " +
           std::to_string(rss_after_first) + " KiB, " + std::to_string(rss_after_second) +
           " KiB, peak " + std::to_string(peak_resident_kib()) + " KiB");
    if (heap_is_comparable()) {
        const std::size_t allowance = std::max<std::size_t>(heap_after_first / 10, 1024);
        EXPECT_LE(heap_after_second, heap_after_first + allowance)
            << "heap in use grew between rounds";
    }
}

std::size_t raise_fd_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return 0;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<std::size_t>(limit.rlim_cur);
}

void report(const std::string& line) {
    std::printf("[stress] %s\n", line.c_str());
    std::fflush(stdout);
}

} // namespace corio_stress
