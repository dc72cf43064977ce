// SPDX-License-Identifier: MIT
// signal_set.cpp - the portable half of signals: sets, and the per-loop hub that feeds them.
#include "signal/signal_hub.hpp"

#include <corio/runtime/error.hpp>

#include <algorithm>
#include <csignal>
#include <utility>

namespace corio {

namespace detail {

std::shared_ptr<signal_hub> signal_hub::of(event_loop& loop) {
    // One loop per thread, so one live hub per thread; a retired one is replaced, never revived.
    thread_local std::weak_ptr<signal_hub> current;
    std::shared_ptr<signal_hub> hub = current.lock();
    if (!hub || hub->retired_ || &hub->loop_ != &loop) {
        hub = make(loop);
        current = hub;
    }
    return hub;
}

std::size_t& signal_hub::watchers(int signal) {
    const auto index = static_cast<std::size_t>(signal);
    if (index >= watchers_.size()) {
        watchers_.resize(index + 1, 0);
    }
    return watchers_[index];
}

void signal_hub::attach(signal_set& set) {
    sets_.reserve(sets_.size() + 1);
    std::vector<int> watched; // for the roll-back if the source refuses one
    try {
        for (const int signal : set.signals()) {
            if (watchers(signal)++ == 0) {
                try {
                    watch(signal);
                } catch (...) {
                    --watchers(signal);
                    throw;
                }
            }
            watched.push_back(signal);
        }
    } catch (...) {
        for (const int signal : watched) {
            if (--watchers(signal) == 0) {
                unwatch(signal);
            }
        }
        if (sets_.empty()) {
            retired_ = true;
            retire();
        }
        throw;
    }
    sets_.push_back(&set);
}

void signal_hub::detach(signal_set& set) noexcept {
    sets_.erase(std::remove(sets_.begin(), sets_.end(), &set), sets_.end());
    for (const int signal : set.signals()) {
        if (--watchers(signal) == 0) {
            unwatch(signal);
        }
    }
    if (sets_.empty()) {
        retired_ = true;
        retire();
    }
}

void signal_hub::deliver(int signal) noexcept {
    if (retired_) {
        return; // an arrival already on its way when the last set left
    }
    for (signal_set* set : sets_) {
        if (set->watches(signal)) {
            set->deliver(signal);
        }
    }
}

namespace {

task<void> cancel_then_exit(std::unique_ptr<signal_set> stop, task_state& main) {
    co_await stop->wait();
    main.request_cancel();
    end_process_by_signal(co_await stop->wait());
}

} // namespace

join_handle<void> cancel_on_signal(event_loop& loop, task_state& main) {
    // Watching starts here, not when the task first runs: a signal in the main task's first
    // step must already be caught.
    auto stop = std::make_unique<signal_set>(std::vector<int>{SIGINT, SIGTERM});
    return loop.spawn(cancel_then_exit(std::move(stop), main));
}

} // namespace detail

signal_set::signal_set(std::vector<int> signals)
    : signals_(std::move(signals)) {
    std::sort(signals_.begin(), signals_.end());
    signals_.erase(std::unique(signals_.begin(), signals_.end()), signals_.end());
    if (signals_.empty()) {
        throw usage_error("a corio::signal_set needs at least one signal");
    }
    for (const int signal : signals_) {
        detail::check_watchable_signal(signal);
    }
    // Room for every signal to be pending, so deliver() never allocates.
    pending_.reserve(signals_.size());
    hub_ = detail::signal_hub::of(event_loop::current());
    hub_->attach(*this);
}

signal_set::~signal_set() {
    hub_->detach(*this);
}

bool signal_set::watches(int signal) const noexcept {
    return std::binary_search(signals_.begin(), signals_.end(), signal);
}

void signal_set::deliver(int signal) noexcept {
    if (waiters_.empty()) {
        if (std::find(pending_.begin(), pending_.end(), signal) == pending_.end()) {
            pending_.push_back(signal); // within the reserved capacity
        }
        return;
    }
    while (wait_awaiter* waiter = waiters_.pop_front()) {
        waiter->received_ = signal;
        waiter->wake();
    }
}

int signal_set::take_pending() noexcept {
    const int oldest = pending_.front();
    pending_.erase(pending_.begin());
    return oldest;
}

task<int> signal(std::vector<int> signals) {
    signal_set watched{std::move(signals)};
    co_return co_await watched.wait();
}

} // namespace corio
