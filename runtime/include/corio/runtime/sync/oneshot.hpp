// SPDX-License-Identifier: MIT
// oneshot.hpp - a channel for exactly one value from one task to another (tokio's oneshot; a
// std::promise/std::future pair for tasks).
//
//     auto [sender, receiver] = corio::make_oneshot<int>();
//     corio::spawn(compute(std::move(sender))).detach(); // compute() calls sender.send(42)
//     int answer = co_await receiver.receive();    // parks until it has
//
// The two ends move independently, so each task can own its end; the value lives in a small
// state they share. A sender dropped without sending closes the channel: receive() then throws
// channel_closed instead of waiting forever (the usual way a worker that failed says so). A
// sender passed to a task is dropped with the task's frame: when the task ends if it is
// detached, when its join_handle goes otherwise. A
// receiver dropped first makes send() return false. Sending or receiving twice is a usage_error.
// Receiving is cancellable; a value sent after a cancelled receive() is kept for the next one.
// Not thread-safe: both ends belong to tasks of one loop (use event_loop::post to cross threads).
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/error.hpp>

#include <coroutine>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio {

class channel_closed : public std::runtime_error {
public:
    channel_closed()
        : std::runtime_error("the channel's sender was dropped without sending") {}
};

template <class T>
class oneshot_sender;
template <class T>
class oneshot_receiver;

namespace detail {

template <class T>
struct oneshot_state {
    std::optional<T> value;
    bool sender_alive = true;
    bool receiver_alive = true;
    bool received = false;
    typename oneshot_receiver<T>::receive_awaiter* waiter = nullptr;
};

} // namespace detail

template <class T>
class oneshot_sender {
public:
    oneshot_sender(oneshot_sender&& other) noexcept
        : state_(std::move(other.state_)) {}
    oneshot_sender& operator=(oneshot_sender&& other) noexcept {
        if (this != &other) {
            close();
            state_ = std::move(other.state_);
        }
        return *this;
    }
    oneshot_sender(const oneshot_sender&) = delete;
    oneshot_sender& operator=(const oneshot_sender&) = delete;
    ~oneshot_sender() { close(); }

    // Delivers `value` (waking the receiver); false if the receiver is gone. usage_error if this
    // sender has sent already (or was moved from).
    bool send(T value) {
        if (!state_) {
            throw usage_error("corio::oneshot_sender::send() on a sender that has sent already");
        }
        const std::shared_ptr<detail::oneshot_state<T>> state = std::move(state_);
        state->sender_alive = false;
        if (!state->receiver_alive) {
            return false;
        }
        state->value.emplace(std::move(value));
        if (auto* waiter = std::exchange(state->waiter, nullptr)) {
            waiter->wake_up();
        }
        return true;
    }

    // True while the receiver exists (a sender can skip work nobody will receive).
    [[nodiscard]] bool receiver_alive() const noexcept { return state_ && state_->receiver_alive; }

private:
    template <class U>
    friend std::pair<oneshot_sender<U>, oneshot_receiver<U>> make_oneshot();
    explicit oneshot_sender(std::shared_ptr<detail::oneshot_state<T>> state) noexcept
        : state_(std::move(state)) {}

    // Dropped unsent: the receiver learns the channel is closed.
    void close() noexcept {
        if (const std::shared_ptr<detail::oneshot_state<T>> state = std::move(state_)) {
            state->sender_alive = false;
            if (auto* waiter = std::exchange(state->waiter, nullptr)) {
                waiter->wake_up();
            }
        }
    }

    std::shared_ptr<detail::oneshot_state<T>> state_;
};

template <class T>
class oneshot_receiver {
public:
    oneshot_receiver(oneshot_receiver&& other) noexcept
        : state_(std::move(other.state_)) {}
    oneshot_receiver& operator=(oneshot_receiver&& other) noexcept {
        if (this != &other) {
            release();
            state_ = std::move(other.state_);
        }
        return *this;
    }
    oneshot_receiver(const oneshot_receiver&) = delete;
    oneshot_receiver& operator=(const oneshot_receiver&) = delete;
    ~oneshot_receiver() { release(); }

    class [[nodiscard]] receive_awaiter : private detail::waiter {
    public:
        explicit receive_awaiter(detail::oneshot_state<T>* state) noexcept
            : state_(state) {}
        receive_awaiter(receive_awaiter&&) noexcept = default; // before it is awaited only
        receive_awaiter(const receive_awaiter&) = delete;
        receive_awaiter& operator=(const receive_awaiter&) = delete;
        receive_awaiter& operator=(receive_awaiter&&) = delete;
        ~receive_awaiter() {
            if (state_ != nullptr && state_->waiter == this) {
                state_->waiter = nullptr;
            }
        }

        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> coroutine) {
            if (state_ == nullptr || state_->received || state_->waiter != nullptr) {
                throw usage_error("corio::oneshot_receiver::receive(): received already, or "
                                  "another receive() is waiting");
            }
            if (!park(coroutine, receive_kind)) {
                return false;
            }
            if (state_->value || !state_->sender_alive) {
                return complete_immediately();
            }
            state_->waiter = this;
            return suspend();
        }
        T await_resume() {
            resume_or_throw();
            if (!state_->value) {
                throw channel_closed();
            }
            state_->received = true;
            T value = std::move(*state_->value);
            state_->value.reset();
            return value;
        }

    private:
        friend class oneshot_sender<T>;
        void wake_up() noexcept { wake(); }
        static void on_cancel(detail::suspension& parked) noexcept {
            auto& self = static_cast<receive_awaiter&>(parked);
            self.state_->waiter = nullptr;
            self.wake_cancelled();
        }
        static void describe(const detail::suspension& parked, std::string& out) {
            out += ' ';
            detail::append_address(out, static_cast<const receive_awaiter&>(parked).state_);
        }
        static constexpr detail::suspension_kind receive_kind{&on_cancel, "oneshot.receive",
                                                              wait_category::queue, &describe};
        detail::oneshot_state<T>* state_;
    };

    // Parks until the value is sent (or at once if it has been); channel_closed if the sender
    // was dropped without sending.
    [[nodiscard]] receive_awaiter receive() noexcept { return receive_awaiter{state_.get()}; }

private:
    template <class U>
    friend std::pair<oneshot_sender<U>, oneshot_receiver<U>> make_oneshot();
    explicit oneshot_receiver(std::shared_ptr<detail::oneshot_state<T>> state) noexcept
        : state_(std::move(state)) {}

    void release() noexcept {
        if (const std::shared_ptr<detail::oneshot_state<T>> state = std::move(state_)) {
            state->receiver_alive = false;
            state->value.reset();
        }
    }

    std::shared_ptr<detail::oneshot_state<T>> state_;
};

// The two ends of a new channel.
template <class T>
std::pair<oneshot_sender<T>, oneshot_receiver<T>> make_oneshot() {
    auto state = std::make_shared<detail::oneshot_state<T>>();
    return {oneshot_sender<T>{state}, oneshot_receiver<T>{state}};
}

} // namespace corio
CORIO_EXPORT_END
