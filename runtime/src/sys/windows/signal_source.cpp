// SPDX-License-Identifier: MIT
// signal_source.cpp (Windows) - the console control handler as the source of signals.
//
// Windows has no POSIX signals to catch from outside (the C runtime's signal() only sees raise()
// in the same process). What a user does to stop a console program arrives as a console control
// event, on a thread the system starts for the purpose: Ctrl-C (SIGINT), Ctrl-Break (SIGBREAK),
// and the console closing, the user logging off or the system shutting down (SIGTERM). That
// thread is an ordinary thread, so it may lock a mutex and post() to each interested loop.
#include "signal/signal_hub.hpp"

#include <corio/runtime/error.hpp>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

namespace corio::detail {

namespace {

constexpr std::array<int, 3> console_signals{SIGINT, SIGBREAK, SIGTERM};
constexpr std::size_t signal_slots = SIGBREAK + 1;

class windows_signal_hub;

struct console_registry {
    std::mutex mutex;
    std::vector<windows_signal_hub*> hubs;
    std::size_t watched = 0; // (hub, signal) pairs: the handler is installed while non-zero
};
console_registry& registry() {
    static console_registry instance;
    return instance;
}

int signal_of(DWORD event) noexcept {
    switch (event) {
    case CTRL_C_EVENT:
        return SIGINT;
    case CTRL_BREAK_EVENT:
        return SIGBREAK;
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        return SIGTERM;
    default:
        return 0;
    }
}

BOOL WINAPI on_console_event(DWORD event);

class windows_signal_hub final : public signal_hub {
public:
    explicit windows_signal_hub(event_loop& loop)
        : signal_hub(loop) {
        console_registry& console = registry();
        const std::scoped_lock lock{console.mutex};
        console.hubs.push_back(this);
    }
    ~windows_signal_hub() override { leave(); }
    windows_signal_hub(const windows_signal_hub&) = delete;
    windows_signal_hub& operator=(const windows_signal_hub&) = delete;

    // Under the registry's lock, on the system's handler thread.
    bool post_if_watched(int signal) {
        if (!watched_[static_cast<std::size_t>(signal)]) {
            return false;
        }
        // A hub still in the registry is alive (it leaves before its last owner lets go), but
        // lock() says so instead of trusting it.
        std::shared_ptr<signal_hub> hub = weak_from_this().lock();
        if (!hub) {
            return false;
        }
        loop().post([hub = std::move(hub), signal] { hub->deliver(signal); });
        return true;
    }

private:
    void watch(int signal) override {
        console_registry& console = registry();
        const std::scoped_lock lock{console.mutex};
        if (console.watched == 0 && SetConsoleCtrlHandler(&on_console_event, TRUE) == 0) {
            throw std::system_error(static_cast<int>(GetLastError()), std::system_category(),
                                    "signal_set: SetConsoleCtrlHandler");
        }
        ++console.watched;
        watched_[static_cast<std::size_t>(signal)] = true;
    }

    void unwatch(int signal) noexcept override {
        console_registry& console = registry();
        const std::scoped_lock lock{console.mutex};
        watched_[static_cast<std::size_t>(signal)] = false;
        if (--console.watched == 0) {
            SetConsoleCtrlHandler(&on_console_event, FALSE);
        }
    }

    void retire() noexcept override { leave(); }

    void leave() noexcept {
        console_registry& console = registry();
        const std::scoped_lock lock{console.mutex};
        console.hubs.erase(std::remove(console.hubs.begin(), console.hubs.end(), this),
                           console.hubs.end());
    }

    std::array<bool, signal_slots> watched_{};
};

BOOL WINAPI on_console_event(DWORD event) {
    const int signal = signal_of(event);
    if (signal == 0) {
        return FALSE;
    }
    bool handled = false;
    {
        console_registry& console = registry();
        const std::scoped_lock lock{console.mutex};
        for (windows_signal_hub* hub : console.hubs) {
            handled = hub->post_if_watched(signal) || handled;
        }
    }
    if (handled && signal == SIGTERM) {
        // Windows ends the process as soon as this handler returns from a close, logoff or
        // shutdown event; blocking here gives the program the system's grace period (5 s for a
        // closing console) to finish its shutdown and exit by itself.
        Sleep(INFINITE);
    }
    return handled ? TRUE : FALSE;
}

} // namespace

std::shared_ptr<signal_hub> signal_hub::make(event_loop& loop) {
    return std::make_shared<windows_signal_hub>(loop);
}

bool deliver_console_event(unsigned long event) {
    return on_console_event(event) != FALSE;
}

void check_watchable_signal(int signal) {
    if (std::find(console_signals.begin(), console_signals.end(), signal) ==
        console_signals.end()) {
        throw usage_error("signal_set: on Windows only SIGINT (Ctrl-C), SIGBREAK (Ctrl-Break) and "
                          "SIGTERM (console closed, logoff, shutdown) can be waited for, not " +
                          std::to_string(signal));
    }
}

void end_process_by_signal(int /*signal*/) noexcept {
    // What Windows itself reports for a console program ended by Ctrl-C.
    std::_Exit(static_cast<int>(0xC000013AU)); // STATUS_CONTROL_C_EXIT
}

} // namespace corio::detail
