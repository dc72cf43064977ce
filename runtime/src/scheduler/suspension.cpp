// SPDX-License-Identifier: MIT
// What a suspension waits on, in words, for traces and task dumps. Each awaiter's
// suspension_kind names its category and, when the name alone would not say which object, a
// describe function reading the awaiter; the formatting pieces they share live here.
#include <corio/runtime/detail/task_state.hpp>

#include <corio/runtime/event_loop.hpp>

#include <corio/runtime/signal.hpp>

#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace corio::detail {

wait_category category_of(const suspension& parked) noexcept {
    return parked.what != nullptr ? parked.what->category : wait_category::other;
}

void describe_suspension(const suspension& parked, std::string& out) {
    if (parked.what == nullptr) {
        out += '?';
        return;
    }
    out += parked.what->name;
    if (parked.what->describe != nullptr) {
        parked.what->describe(parked, out);
    }
}

const task_state* awaited_task(const suspension& parked) noexcept {
    if (parked.what == nullptr || parked.what->awaited == nullptr) {
        return nullptr;
    }
    return parked.what->awaited(parked);
}

void append_address(std::string& out, const void* object) {
    char text[2 + 2 * sizeof(std::uintptr_t) + 2];
    std::snprintf(text, sizeof text, "0x%" PRIxPTR, reinterpret_cast<std::uintptr_t>(object));
    out += text;
}

void append_duration(std::string& out, std::int64_t nanoseconds) {
    const bool past = nanoseconds < 0;
    const std::uint64_t magnitude = past ? 0 - static_cast<std::uint64_t>(nanoseconds)
                                         : static_cast<std::uint64_t>(nanoseconds);
    char text[48];
    // Seconds with millisecond digits, as a person reads a timer; below a second, milliseconds
    // with one decimal so that short sleeps do not all read "0.000 s". Rounded, not truncated:
    // a sleep described a few microseconds after it was set still reads "1.500 s".
    if (magnitude >= 999'999'500) {
        const std::uint64_t millis = (magnitude + 500'000) / 1'000'000;
        std::snprintf(text, sizeof text, " %" PRIu64 ".%03" PRIu64 " s", millis / 1000,
                      millis % 1000);
    } else {
        const std::uint64_t tenths = (magnitude + 50'000) / 100'000;
        std::snprintf(text, sizeof text, " %" PRIu64 ".%" PRIu64 " ms", tenths / 10, tenths % 10);
    }
    out += text;
    if (past) {
        out += " ago";
    }
}

void describe_joined_task(const task_state& waiting, const task_state& joined, std::string& out) {
    const loop_instruments* instruments = waiting.loop().instruments();
    const task_id id = instruments != nullptr ? instruments->id_of(joined) : 0;
    if (id != 0) {
        out += " task #";
        out += std::to_string(id);
    } else {
        out += " task ";
        append_address(out, &joined);
    }
}

namespace {
const char* signal_name(int signal) noexcept {
    switch (signal) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
#ifdef SIGBREAK
    case SIGBREAK:
        return "SIGBREAK";
#endif
#ifdef SIGHUP
    case SIGHUP:
        return "SIGHUP";
    case SIGQUIT:
        return "SIGQUIT";
    case SIGUSR1:
        return "SIGUSR1";
    case SIGUSR2:
        return "SIGUSR2";
    case SIGCHLD:
        return "SIGCHLD";
    case SIGPIPE:
        return "SIGPIPE";
    case SIGALRM:
        return "SIGALRM";
    case SIGWINCH:
        return "SIGWINCH";
#endif
    default:
        return nullptr;
    }
}
} // namespace

void describe_signals(const std::vector<int>& signals, std::string& out) {
    char separator = ' ';
    for (const int signal : signals) {
        out += separator;
        separator = ',';
        if (const char* name = signal_name(signal)) {
            out += name;
        } else {
            out += std::to_string(signal);
        }
    }
}

} // namespace corio::detail
