// SPDX-License-Identifier: MIT
#include "epoll_reactor.hpp"

#include "../sys/handle_ops.hpp"

#include <corio/runtime/detail/os_error.hpp>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace corio::detail {

namespace {

constexpr int max_events_per_wait = 256;

int timeout_in_ms(std::optional<std::chrono::nanoseconds> timeout) noexcept {
    if (!timeout) {
        return -1;
    }
    if (timeout->count() <= 0) {
        return 0;
    }
    // Round up: waking a little early would only spin the loop around again.
    const auto ms = (timeout->count() + 999'999) / 1'000'000;
    return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

} // namespace

epoll_reactor::epoll_reactor() {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) {
        throw_os_error(errno, "epoll_create1");
    }
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
        const int error = errno;
        ::close(epoll_fd_);
        throw_os_error(error, "eventfd");
    }
    epoll_event event{};
    event.events = EPOLLIN;   // level-triggered: stays reported until wait() reads the counter
    event.data.ptr = nullptr; // marks the wake-up channel
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) {
        const int error = errno;
        ::close(wake_fd_);
        ::close(epoll_fd_);
        throw_os_error(error, "epoll_ctl(eventfd)");
    }
}

epoll_reactor::~epoll_reactor() {
    ::close(wake_fd_);
    ::close(epoll_fd_);
}

io_registration& epoll_reactor::register_handle(native_handle_t handle) {
    auto* state = new readiness_state;
    state->handle = handle;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = state;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, handle, &event) != 0) {
        const int error = errno;
        delete state;
        if (error == EPERM && is_file_or_directory(handle)) {
            throw_file_handed_to_reactor("epoll");
        }
        throw_os_error(error, "epoll_ctl(EPOLL_CTL_ADD)");
    }
    ++registrations_;
    return *state;
}

void epoll_reactor::deregister_handle(io_registration& base) noexcept {
    auto& state = static_cast<readiness_state&>(base);
    queues_.cancel_all(state);
    // The caller closes the handle right after, which would also remove it; deleting explicitly
    // keeps the set correct if the descriptor was dup()ed. Errors mean it is already gone.
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, state.handle, nullptr);
    --registrations_;
    // Safe to free now: events are only dispatched inside wait(), which never runs user code, so
    // no event for this registration can still be in flight.
    delete &state;
}

bool epoll_reactor::start(io_operation& op) noexcept {
    return queues_.start(op);
}

void epoll_reactor::cancel(io_operation& op) noexcept {
    queues_.cancel(op);
}

void epoll_reactor::abandon(io_operation& op) noexcept {
    queues_.abandon(op);
}

void epoll_reactor::on_event(readiness_state& state, std::uint32_t events) noexcept {
    if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        state.read_closed = true;
    }
    if ((events & (EPOLLHUP | EPOLLERR)) != 0) {
        state.write_closed = true;
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        queues_.drain(state, true);
    }
    if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
        queues_.drain(state, false);
    }
}

void epoll_reactor::wait(std::optional<std::chrono::nanoseconds> timeout,
                         io_operation_list& completed) {
    if (queues_.has_finished()) {
        timeout = std::chrono::nanoseconds::zero();
    }
    std::array<epoll_event, max_events_per_wait>
        events; // NOLINT(cppcoreguidelines-pro-type-member-init)
    const int count =
        ::epoll_wait(epoll_fd_, events.data(), max_events_per_wait, timeout_in_ms(timeout));
    if (count < 0 && errno != EINTR) {
        throw_os_error(errno, "epoll_wait");
    }
    for (int i = 0; i < count; ++i) {
        const epoll_event& event = events[static_cast<std::size_t>(i)];
        if (event.data.ptr == nullptr) {
            std::uint64_t counter = 0;
            [[maybe_unused]] const ssize_t n = ::read(wake_fd_, &counter, sizeof counter);
            // Clear only after reading, so a wake() racing with us either sees the flag still set
            // (its post is then picked up by the loop's next drain) or writes the eventfd again.
            wake_pending_.store(false);
            continue;
        }
        on_event(*static_cast<readiness_state*>(event.data.ptr), event.events);
    }
    queues_.take_finished(completed);
}

void epoll_reactor::wake() noexcept {
    if (!wake_pending_.exchange(true)) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
    }
}

} // namespace corio::detail
