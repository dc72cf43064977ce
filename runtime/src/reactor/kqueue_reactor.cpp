// SPDX-License-Identifier: MIT
#include "kqueue_reactor.hpp"

#include "../sys/handle_ops.hpp"

#include <corio/runtime/detail/os_error.hpp>

// kqueue(2)'s synopsis order: some BSDs need <sys/types.h> before <sys/event.h>.
#include <sys/types.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <sys/event.h>
#include <sys/time.h>
#include <system_error>
#include <type_traits>
#include <unistd.h>
#include <utility>

namespace corio::detail {

namespace {

constexpr int max_events_per_wait = 256;

// The user event's identifier. Knotes are keyed by (identifier, filter), so it cannot clash with
// descriptor 0's EVFILT_READ/EVFILT_WRITE knotes.
[[maybe_unused]] constexpr std::uintptr_t wake_ident = 0;

// For calls that only submit changes: never wait, whatever a system makes of a null timeout with
// an empty event list.
constexpr timespec no_wait{};

// The longest single wait. kevent() converts the timeout to the kernel's clock units, where an
// absurd value could overflow; returning early is allowed, the loop simply waits again.
constexpr std::chrono::nanoseconds longest_wait = std::chrono::hours(24);

using udata_type = decltype(std::declval<struct kevent&>().udata);

// `udata` is void* on most systems and intptr_t on NetBSD before 10. reinterpret_cast converts a
// pointer to an integer, and also a pointer to its own type, so one spelling serves both.
udata_type to_udata(void* pointer) noexcept {
    return reinterpret_cast<udata_type>(pointer);
}

void* from_udata(udata_type udata) noexcept {
    return reinterpret_cast<void*>(udata);
}

// Not EV_SET: FreeBSD defines it with a C compound literal, which ISO C++ does not have.
struct kevent make_change(std::uintptr_t ident, int filter, unsigned flags, unsigned fflags,
                          void* udata) noexcept {
    struct kevent change {};
    change.ident = ident;
    change.filter = static_cast<decltype(change.filter)>(filter);
    change.flags = static_cast<decltype(change.flags)>(flags);
    change.fflags = static_cast<decltype(change.fflags)>(fflags);
    change.udata = to_udata(udata);
    return change;
}

// Submits `changes`, each flagged EV_RECEIPT: the kernel then answers every change in `receipts`
// (EV_ERROR set, the change's errno or 0 in `data`) instead of failing the call at the first
// error, and returns without handing out any pending event. Returns false, errno set, if the call
// itself failed; a receipt the kernel did not write stays zeroed and reads as success.
template <std::size_t count>
bool submit(int kqueue_fd, const std::array<struct kevent, count>& changes,
            std::array<struct kevent, count>& receipts) noexcept {
    receipts = {};
    const int n = static_cast<int>(count);
    if (::kevent(kqueue_fd, changes.data(), n, receipts.data(), n, &no_wait) >= 0) {
        return true;
    }
    // FreeBSD's kqueue(2): "When kevent() call fails with EINTR error, all changes in the
    // changelist have been applied."
    return errno == EINTR;
}

int receipt_error(const struct kevent& receipt) noexcept {
    return (receipt.flags & EV_ERROR) != 0 ? static_cast<int>(receipt.data) : 0;
}

// Deletes both knotes of `handle`. Errors are expected and ignored: ENOENT for a filter that was
// never added, EBADF once the descriptor is closed (close() already removed its knotes).
void remove_filters(int kqueue_fd, native_handle_t handle) noexcept {
    const auto ident = static_cast<std::uintptr_t>(handle);
    const std::array<struct kevent, 2> changes{
        make_change(ident, EVFILT_READ, EV_DELETE | EV_RECEIPT, 0, nullptr),
        make_change(ident, EVFILT_WRITE, EV_DELETE | EV_RECEIPT, 0, nullptr)};
    std::array<struct kevent, 2> receipts{};
    submit(kqueue_fd, changes, receipts);
}

timespec to_timespec(std::chrono::nanoseconds timeout) noexcept {
    const auto bounded = std::clamp(timeout, std::chrono::nanoseconds::zero(), longest_wait);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(bounded);
    timespec result{};
    result.tv_sec = static_cast<decltype(result.tv_sec)>(seconds.count());
    result.tv_nsec = static_cast<decltype(result.tv_nsec)>((bounded - seconds).count());
    return result;
}

} // namespace

kqueue_reactor::kqueue_reactor() {
    kqueue_fd_ = ::kqueue();
    if (kqueue_fd_ < 0) {
        throw_os_error(errno, "kqueue");
    }
    // kqueue() takes no flags: keep the descriptor out of exec()ed programs (EPOLL_CLOEXEC's job).
    ::fcntl(kqueue_fd_, F_SETFD, FD_CLOEXEC);
    if (const int error = open_wake_channel(); error != 0) {
        close_descriptors();
        throw_os_error(error, "kqueue wake-up channel");
    }
}

kqueue_reactor::~kqueue_reactor() {
    close_descriptors();
}

void kqueue_reactor::close_descriptors() noexcept {
    for (int fd : {wake_read_fd_, wake_write_fd_, kqueue_fd_}) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
}

int kqueue_reactor::open_wake_channel() noexcept {
#if defined(EVFILT_USER)
    // A user event: no descriptor, triggered by NOTE_TRIGGER, reset by retrieving it (EV_CLEAR).
    // Its udata stays null, which is how wait() tells it from a handle's event.
    const std::array<struct kevent, 1> change{
        make_change(wake_ident, EVFILT_USER, EV_ADD | EV_CLEAR | EV_RECEIPT, 0, nullptr)};
#else
    // No EVFILT_USER (OpenBSD, NetBSD before 10): a self-pipe. Its read end is watched
    // level-triggered (no EV_CLEAR), so it is reported until wait() empties it, like epoll's
    // eventfd; null udata marks it.
    int fds[2];
    if (::pipe(fds) != 0) {
        return errno;
    }
    wake_read_fd_ = fds[0];
    wake_write_fd_ = fds[1];
    for (const int fd : fds) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    const std::array<struct kevent, 1> change{make_change(
        static_cast<std::uintptr_t>(wake_read_fd_), EVFILT_READ, EV_ADD | EV_RECEIPT, 0, nullptr)};
#endif
    std::array<struct kevent, 1> receipt{};
    if (!submit(kqueue_fd_, change, receipt)) {
        return errno;
    }
    return receipt_error(receipt[0]);
}

io_registration& kqueue_reactor::register_handle(native_handle_t handle) {
    // kqueue accepts a regular file and reports it ready forever, while reading it blocks: refuse
    // it as epoll does. One fstat per registration, next to the socket() or accept() before it.
    if (is_file_or_directory(handle)) {
        throw_file_handed_to_reactor("kqueue");
    }
    auto state = std::make_unique<readiness_state>();
    state->handle = handle;
    // Both directions at once, edge-triggered, each knote pointing at the registration. One call
    // for the pair: EV_RECEIPT reports each change's outcome separately.
    const auto ident = static_cast<std::uintptr_t>(handle);
    constexpr unsigned flags = EV_ADD | EV_CLEAR | EV_RECEIPT;
    const std::array<struct kevent, 2> changes{
        make_change(ident, EVFILT_READ, flags, 0, state.get()),
        make_change(ident, EVFILT_WRITE, flags, 0, state.get())};
    std::array<struct kevent, 2> receipts{};
    int error = submit(kqueue_fd_, changes, receipts) ? 0 : errno;
    for (const struct kevent& receipt : receipts) {
        const int failure = receipt_error(receipt);
        if (failure == EPIPE) {
            // The far end of a pipe is already gone (see the header): attempts report it.
            (receipt.filter == EVFILT_READ ? state->read_closed : state->write_closed) = true;
        } else if (failure != 0 && error == 0) {
            error = failure;
        }
    }
    if (error != 0) {
        remove_filters(kqueue_fd_, handle); // the other change may have succeeded
        throw_os_error(error, "kevent(EV_ADD)");
    }
    ++registrations_;
    return *state.release();
}

void kqueue_reactor::deregister_handle(io_registration& base) noexcept {
    auto& state = static_cast<readiness_state&>(base);
    queues_.cancel_all(state);
    // Closing the descriptor would remove its knotes too, but the caller may keep it open
    // (io_object::release()), and a knote left behind would carry a dangling udata.
    remove_filters(kqueue_fd_, state.handle);
    --registrations_;
    // Safe to free now: EV_DELETE also drops an event the kernel had queued for these knotes, and
    // events already retrieved are all dispatched inside the same wait(), which never runs user
    // code, so none of them can still refer to this registration.
    delete &state;
}

bool kqueue_reactor::start(io_operation& op) noexcept {
    return queues_.start(op);
}

void kqueue_reactor::cancel(io_operation& op) noexcept {
    queues_.cancel(op);
}

void kqueue_reactor::abandon(io_operation& op) noexcept {
    queues_.abandon(op);
}

void kqueue_reactor::on_event(readiness_state& state, const struct kevent& event) noexcept {
    if ((event.flags & EV_ERROR) != 0) {
        // Only changes produce EV_ERROR and wait() submits none (see the header). Should one
        // appear anyway, retry both directions and let the system calls report the problem.
        queues_.drain(state, true);
        queues_.drain(state, false);
        return;
    }
    // One event per filter: unlike epoll, a direction's readiness and its EOF arrive separately.
    const bool reading = event.filter == EVFILT_READ;
    if ((event.flags & EV_EOF) != 0) {
        (reading ? state.read_closed : state.write_closed) = true;
    }
    queues_.drain(state, reading);
}

void kqueue_reactor::on_wake() noexcept {
    if (wake_read_fd_ >= 0) {
        // The self-pipe is level-triggered: empty it, or every wait would return at once.
        char bytes[64];
        while (::read(wake_read_fd_, bytes, sizeof bytes) > 0) {
        }
    }
    // Clear only after retrieving the event (which re-armed EVFILT_USER), so a wake() racing with
    // us either sees the flag still set (its post is then picked up by the loop's next drain) or
    // triggers the event again.
    wake_pending_.store(false);
}

void kqueue_reactor::wait(std::optional<std::chrono::nanoseconds> timeout,
                          io_operation_list& completed) {
    if (queues_.has_finished()) {
        timeout = std::chrono::nanoseconds::zero();
    }
    timespec limit{};
    if (timeout) {
        limit = to_timespec(*timeout);
    }
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): kevent() fills what it returns
    std::array<struct kevent, max_events_per_wait> events;
    const int count = ::kevent(kqueue_fd_, nullptr, 0, events.data(), max_events_per_wait,
                               timeout ? &limit : nullptr);
    if (count < 0 && errno != EINTR) {
        throw_os_error(errno, "kevent");
    }
    for (int i = 0; i < count; ++i) {
        const struct kevent& event = events[static_cast<std::size_t>(i)];
        void* owner = from_udata(event.udata);
        if (owner == nullptr) {
            on_wake();
            continue;
        }
        on_event(*static_cast<readiness_state*>(owner), event);
    }
    queues_.take_finished(completed);
}

void kqueue_reactor::wake() noexcept {
    if (wake_pending_.exchange(true)) {
        return; // a wake-up is already on its way
    }
#if defined(EVFILT_USER)
    const std::array<struct kevent, 1> trigger{
        make_change(wake_ident, EVFILT_USER, 0, NOTE_TRIGGER, nullptr)};
    [[maybe_unused]] const int n = ::kevent(kqueue_fd_, trigger.data(), 1, nullptr, 0, &no_wait);
#else
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_write_fd_, &byte, 1);
#endif
}

static_assert(!std::is_abstract_v<kqueue_reactor>,
              "kqueue_reactor must implement the whole contract");

} // namespace corio::detail
