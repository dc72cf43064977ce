// SPDX-License-Identifier: MIT
#include "epoll_reactor.hpp"

#include "../sys/posix/nonblocking_call.hpp"

#include <cerrno>
#include <climits>
#include <cstdint>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace corio::detail {

struct epoll_reactor::registration final : io_registration {
    // "May be ready": attempt the call before waiting. Starts true: a fresh socket may already
    // hold data, and finding out costs one call either way.
    bool readable = true;
    bool writable = true;
    // The peer's FIN (EPOLLRDHUP) or an error/hang-up was reported: from then on every attempt
    // returns at once (EOF or the error) and no further edge will come, so the short-transfer
    // shortcut above must never park an operation again. Never cleared.
    bool read_closed = false;
    bool write_closed = false;
    io_operation_list readers; // waiting for EPOLLIN, in arrival order
    io_operation_list writers; // waiting for EPOLLOUT
};

namespace {

constexpr int max_events_per_wait = 256;

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::system_category(), what);
}

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
        throw_errno("epoll_create1");
    }
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
        const int error = errno;
        ::close(epoll_fd_);
        throw std::system_error(error, std::system_category(), "eventfd");
    }
    epoll_event event{};
    event.events = EPOLLIN;   // level-triggered: stays reported until wait() reads the counter
    event.data.ptr = nullptr; // marks the wake-up channel
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) {
        const int error = errno;
        ::close(wake_fd_);
        ::close(epoll_fd_);
        throw std::system_error(error, std::system_category(), "epoll_ctl(eventfd)");
    }
}

epoll_reactor::~epoll_reactor() {
    ::close(wake_fd_);
    ::close(epoll_fd_);
}

io_registration& epoll_reactor::register_handle(native_handle_t handle) {
    auto* state = new registration;
    state->handle = handle;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = state;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, handle, &event) != 0) {
        const int error = errno;
        delete state;
        throw std::system_error(error, std::system_category(), "epoll_ctl(EPOLL_CTL_ADD)");
    }
    ++registrations_;
    return *state;
}

void epoll_reactor::deregister_handle(io_registration& base) noexcept {
    auto& state = static_cast<registration&>(base);
    for (io_operation_list* queue : {&state.readers, &state.writers}) {
        while (io_operation* op = queue->pop_front()) {
            op->backend_data = nullptr;
            op->cancelled = true;
            --pending_;
            finished_.push_back(*op);
        }
    }
    // The caller closes the handle right after, which would also remove it; deleting explicitly
    // keeps the set correct if the descriptor was dup()ed. Errors mean it is already gone.
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, state.handle, nullptr);
    --registrations_;
    // Safe to free now: events are only dispatched inside wait(), which never runs user code, so
    // no event for this registration can still be in flight.
    delete &state;
}

bool epoll_reactor::start(io_operation& op) noexcept {
    auto& state = static_cast<registration&>(*op.target);
    const bool reading = posix::waits_for_read(op.kind);
    bool& may_be_ready = reading ? state.readable : state.writable;
    io_operation_list& queue = reading ? state.readers : state.writers;
    op.cancelled = false;
    op.backend_flags = 0;
    if (op.kind == io_kind::connect) {
        // An unconnected socket reports EPOLLHUP; that said nothing about the connection to come.
        state.read_closed = state.write_closed = false;
    }
    const bool closed = reading ? state.read_closed : state.write_closed;
    // Queue behind earlier waiters so operations on one handle complete in order.
    if (queue.empty() && (may_be_ready || closed)) {
        if (posix::attempt(op) == posix::attempt_result::finished) {
            if (!closed && posix::looks_drained(op)) {
                may_be_ready = false;
            }
            return true;
        }
        may_be_ready = false;
    }
    op.backend_data = &queue;
    queue.push_back(op);
    ++pending_;
    return false;
}

void epoll_reactor::unqueue(io_operation& op) noexcept {
    static_cast<io_operation_list*>(op.backend_data)->remove(op);
    op.backend_data = nullptr;
    --pending_;
}

void epoll_reactor::cancel(io_operation& op) noexcept {
    if (op.backend_data == nullptr) {
        return; // already finished and queued for reporting, or never started
    }
    unqueue(op);
    op.cancelled = true;
    finished_.push_back(op);
}

void epoll_reactor::abandon(io_operation& op) noexcept {
    if (op.backend_data != nullptr) {
        unqueue(op);
        return;
    }
    // It may be sitting in finished_ waiting to be reported: take it out.
    for (io_operation* queued = finished_.front(); queued != nullptr; queued = queued->next) {
        if (queued == &op) {
            finished_.remove(op);
            return;
        }
    }
}

void epoll_reactor::drain(registration& state, bool readers) noexcept {
    io_operation_list& queue = readers ? state.readers : state.writers;
    bool& may_be_ready = readers ? state.readable : state.writable;
    const bool closed = readers ? state.read_closed : state.write_closed;
    may_be_ready = true;
    while (io_operation* op = queue.front()) {
        if (posix::attempt(*op) == posix::attempt_result::would_block) {
            may_be_ready = false;
            return;
        }
        unqueue(*op);
        finished_.push_back(*op);
        if (!closed && posix::looks_drained(*op)) {
            may_be_ready = false;
            return;
        }
    }
}

void epoll_reactor::on_event(registration& state, std::uint32_t events) noexcept {
    if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        state.read_closed = true;
    }
    if ((events & (EPOLLHUP | EPOLLERR)) != 0) {
        state.write_closed = true;
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        drain(state, true);
    }
    if ((events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
        drain(state, false);
    }
}

void epoll_reactor::wait(std::optional<std::chrono::nanoseconds> timeout,
                         io_operation_list& completed) {
    if (!finished_.empty()) {
        timeout = std::chrono::nanoseconds::zero();
    }
    std::array<epoll_event, max_events_per_wait>
        events; // NOLINT(cppcoreguidelines-pro-type-member-init)
    const int count =
        ::epoll_wait(epoll_fd_, events.data(), max_events_per_wait, timeout_in_ms(timeout));
    if (count < 0 && errno != EINTR) {
        throw_errno("epoll_wait");
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
        on_event(*static_cast<registration*>(event.data.ptr), event.events);
    }
    completed.splice_back(finished_);
}

void epoll_reactor::wake() noexcept {
    if (!wake_pending_.exchange(true)) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
    }
}

} // namespace corio::detail
