// SPDX-License-Identifier: MIT
// kqueue_on_epoll.cpp - BSD kqueue(2) emulated with Linux epoll, so that the kqueue backend
// (runtime/src/reactor/kqueue_reactor.cpp) runs the reactor contract suite on Linux, in every CI
// run, and not only on a Mac.
//
// It models what the backend uses, as FreeBSD's and macOS's kqueue(2) describe it:
//  * EVFILT_READ and EVFILT_WRITE knotes on a descriptor, each keyed by (descriptor, filter) and
//    carrying a udata pointer. EV_ADD adds or updates one; with EV_CLEAR it is edge-triggered
//    (reported when its state changes), without it level-triggered (reported while ready).
//    EV_DELETE removes one and any event of it not yet returned: ENOENT if there is none, EBADF
//    if the descriptor is closed. Closing a descriptor removes its knotes.
//  * EVFILT_USER knotes, fired from any thread with NOTE_TRIGGER. A test built with
//    CORIO_TEST_KQUEUE_WITHOUT_USER_EVENTS has none, and the backend falls back to its self-pipe.
//  * EV_RECEIPT: each change is answered by an EV_ERROR event whose `data` is 0 or the errno, and
//    the call then returns without waiting.
//  * EV_EOF: on a read event once the peer has stopped writing, on both once the connection is
//  gone.
//  * A wait returns no earlier than its timeout, unless events arrive or a signal interrupts it.
// One difference is on the lenient side: epoll reports a descriptor's two directions together, so
// an edge-triggered knote may be reported again without having changed. Every readiness backend
// must tolerate such spurious events (the next system call just says EAGAIN).
//
// A kqueue is an epoll instance, and in a registry: its knotes, an eventfd that EVFILT_USER
// triggers write to, and events converted from epoll but not yet returned. The test executable is
// linked with -Wl,--wrap=close, so every close() in it runs __wrap_close() below, which takes a
// closed descriptor's knotes out of every queue and releases a closed kqueue's eventfd.
#include <sys/event.h>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

extern "C" int __real_close(int fd); // libc's close(), as named by the linker's --wrap

namespace {

// epoll_event.data of a queue's eventfd; a descriptor's registration carries the descriptor.
constexpr std::uint64_t user_event_tag = ~std::uint64_t{0};

struct knote {
    void* udata = nullptr;
    bool edge_triggered = false;
    bool triggered = false; // EVFILT_USER: NOTE_TRIGGER came and was not retrieved yet
};

using knote_key = std::pair<std::uintptr_t, short>; // (ident, filter), as in the kernel

struct emulated_queue {
    int user_event_fd = -1;
    std::map<knote_key, knote> knotes;
    std::deque<struct kevent> ready; // converted from epoll, not returned yet
};

// Shared by the loop thread and threads calling wake(); never held across epoll_wait().
std::mutex registry_lock;

std::map<int, emulated_queue>& registry() {
    static std::map<int, emulated_queue> queues;
    return queues;
}

struct kevent make_event(std::uintptr_t ident, short filter, void* udata) {
    struct kevent event {};
    event.ident = ident;
    event.filter = filter;
    event.udata = udata;
    return event;
}

bool is_descriptor_filter(short filter) {
    return filter == EVFILT_READ || filter == EVFILT_WRITE;
}

void forget_ready_events(emulated_queue& queue, std::uintptr_t ident, short filter) {
    std::erase_if(queue.ready, [&](const struct kevent& event) {
        return event.ident == ident && event.filter == filter;
    });
}

// Makes the descriptor's epoll registration match its knotes. Returns 0 or an errno.
int update_interest(int kq, const emulated_queue& queue, int fd) {
    const auto ident = static_cast<std::uintptr_t>(fd);
    const auto read_note = queue.knotes.find({ident, EVFILT_READ});
    const auto write_note = queue.knotes.find({ident, EVFILT_WRITE});
    const bool reading = read_note != queue.knotes.end();
    const bool writing = write_note != queue.knotes.end();
    if (!reading && !writing) {
        epoll_ctl(kq, EPOLL_CTL_DEL, fd, nullptr);
        return 0;
    }
    const bool edge_triggered = (reading ? read_note : write_note)->second.edge_triggered;
    if (reading && writing &&
        read_note->second.edge_triggered != write_note->second.edge_triggered) {
        return EINVAL; // one epoll registration cannot mix the two; the backend never asks for it
    }
    epoll_event interest{};
    interest.events = EPOLLRDHUP | (reading ? EPOLLIN : 0U) | (writing ? EPOLLOUT : 0U) |
                      (edge_triggered ? static_cast<std::uint32_t>(EPOLLET) : 0U);
    interest.data.u64 = ident;
    // MOD also re-reports current readiness, as kqueue does for a knote added again.
    if (epoll_ctl(kq, EPOLL_CTL_MOD, fd, &interest) == 0) {
        return 0;
    }
    return epoll_ctl(kq, EPOLL_CTL_ADD, fd, &interest) == 0 ? 0 : errno;
}

#if defined(EVFILT_USER)
int apply_user_change(emulated_queue& queue, const struct kevent& change) {
    const knote_key key{change.ident, change.filter};
    if ((change.flags & EV_ADD) != 0) {
        knote& note = queue.knotes[key];
        note.udata = change.udata;
        note.edge_triggered = (change.flags & EV_CLEAR) != 0;
    }
    const auto found = queue.knotes.find(key);
    if (found == queue.knotes.end()) {
        return ENOENT;
    }
    if ((change.flags & EV_DELETE) != 0) {
        queue.knotes.erase(found);
        forget_ready_events(queue, change.ident, change.filter);
        return 0;
    }
    if ((change.fflags & NOTE_TRIGGER) != 0) {
        found->second.triggered = true;
        const std::uint64_t one = 1;
        if (write(queue.user_event_fd, &one, sizeof one) < 0) {
            return errno;
        }
    }
    return 0;
}
#endif

// Applies one change to `queue` (the epoll instance `kq`). Returns 0 or the errno to report.
int apply_change(int kq, emulated_queue& queue, const struct kevent& change) {
#if defined(EVFILT_USER)
    if (change.filter == EVFILT_USER) {
        return apply_user_change(queue, change);
    }
#endif
    if (!is_descriptor_filter(change.filter)) {
        return EINVAL;
    }
    const int fd = static_cast<int>(change.ident);
    if (fcntl(fd, F_GETFD) < 0) {
        return EBADF;
    }
    const knote_key key{change.ident, change.filter};
    if ((change.flags & EV_DELETE) != 0) {
        const auto found = queue.knotes.find(key);
        if (found == queue.knotes.end()) {
            return ENOENT;
        }
        queue.knotes.erase(found);
        forget_ready_events(queue, change.ident, change.filter);
        return update_interest(kq, queue, fd);
    }
    if ((change.flags & EV_ADD) != 0) {
        const std::optional<knote> previous =
            queue.knotes.contains(key) ? std::optional{queue.knotes[key]} : std::nullopt;
        queue.knotes[key] = knote{change.udata, (change.flags & EV_CLEAR) != 0, false};
        forget_ready_events(queue, change.ident, change.filter); // they carry the old udata
        const int error = update_interest(kq, queue, fd);
        if (error != 0) {
            if (previous) {
                queue.knotes[key] = *previous;
            } else {
                queue.knotes.erase(key);
            }
        }
        return error;
    }
    return EINVAL;
}

// Turns what epoll reported into kevents at the back of queue.ready.
void convert(emulated_queue& queue, const epoll_event& raw) {
    if (raw.data.u64 == user_event_tag) {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = read(queue.user_event_fd, &count, sizeof count);
#if defined(EVFILT_USER)
        for (auto& [key, note] : queue.knotes) {
            if (key.second == EVFILT_USER && note.triggered) {
                queue.ready.push_back(make_event(key.first, EVFILT_USER, note.udata));
                note.triggered = !note.edge_triggered; // EV_CLEAR: retrieving it resets it
            }
        }
#endif
        return;
    }
    const std::uintptr_t ident = raw.data.u64;
    const std::uint32_t happened = raw.events;
    if (const auto note = queue.knotes.find({ident, EVFILT_READ});
        note != queue.knotes.end() &&
        (happened & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        struct kevent event = make_event(ident, EVFILT_READ, note->second.udata);
        if ((happened & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
            event.flags |= EV_EOF;
        }
        int readable = 0;
        if (ioctl(static_cast<int>(ident), FIONREAD, &readable) == 0) {
            event.data = readable;
        }
        queue.ready.push_back(event);
    }
    if (const auto note = queue.knotes.find({ident, EVFILT_WRITE});
        note != queue.knotes.end() && (happened & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
        struct kevent event = make_event(ident, EVFILT_WRITE, note->second.udata);
        if ((happened & (EPOLLHUP | EPOLLERR)) != 0) {
            event.flags |= EV_EOF;
        }
        queue.ready.push_back(event);
    }
}

} // namespace

int kqueue() {
    const int kq = epoll_create1(EPOLL_CLOEXEC);
    if (kq < 0) {
        return -1;
    }
    const int user_event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event interest{};
    interest.events = EPOLLIN;
    interest.data.u64 = user_event_tag;
    if (user_event_fd < 0 || epoll_ctl(kq, EPOLL_CTL_ADD, user_event_fd, &interest) != 0) {
        const int error = errno;
        if (user_event_fd >= 0) {
            __real_close(user_event_fd);
        }
        __real_close(kq);
        errno = error;
        return -1;
    }
    const std::lock_guard guard(registry_lock);
    registry()[kq] = emulated_queue{user_event_fd, {}, {}};
    return kq;
}

int kevent(int kq, const struct kevent* changes, int change_count, struct kevent* events,
           int event_count, const struct timespec* timeout) {
    std::unique_lock guard(registry_lock);
    const auto queue_of = [kq]() -> emulated_queue* {
        const auto found = registry().find(kq);
        return found == registry().end() ? nullptr : &found->second;
    };
    emulated_queue* queue = queue_of();
    if (queue == nullptr) {
        errno = EBADF;
        return -1;
    }
    int returned = 0;
    for (int i = 0; i < change_count; ++i) {
        const struct kevent& change = changes[i];
        const int error = apply_change(kq, *queue, change);
        if ((change.flags & EV_RECEIPT) == 0 && error == 0) {
            continue;
        }
        if (returned < event_count) {
            events[returned] = change;
            events[returned].flags = EV_ERROR;
            events[returned].data = error;
            ++returned;
        } else if (error != 0) {
            errno = error;
            return -1;
        }
    }
    if (returned > 0 || event_count == 0) {
        return returned;
    }

    using clock = std::chrono::steady_clock;
    std::optional<clock::time_point> deadline;
    if (timeout != nullptr) {
        deadline = clock::now() + std::chrono::seconds(timeout->tv_sec) +
                   std::chrono::nanoseconds(timeout->tv_nsec);
    }
    for (;;) {
        while (returned < event_count && !queue->ready.empty()) {
            events[returned++] = queue->ready.front();
            queue->ready.pop_front();
        }
        if (returned > 0) {
            return returned;
        }
        int wait_ms = -1;
        if (deadline) {
            const auto left = *deadline - clock::now();
            if (left <= clock::duration::zero()) {
                return 0;
            }
            // Rounded up: epoll counts whole milliseconds, and a wait must not end early.
            wait_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
        }
        std::array<epoll_event, 64> raw{};
        guard.unlock();
        const int count = epoll_wait(kq, raw.data(), static_cast<int>(raw.size()), wait_ms);
        const int wait_error = errno;
        guard.lock();
        queue = queue_of();
        if (count < 0 || queue == nullptr) {
            errno = count < 0 ? wait_error : EBADF;
            return -1;
        }
        for (int i = 0; i < count; ++i) {
            convert(*queue, raw[static_cast<std::size_t>(i)]);
        }
    }
}

extern "C" int __wrap_close(int fd) {
    int user_event_fd = -1;
    {
        const std::lock_guard guard(registry_lock);
        std::map<int, emulated_queue>& queues = registry();
        if (const auto found = queues.find(fd); found != queues.end()) {
            user_event_fd = found->second.user_event_fd;
            queues.erase(found);
        }
        const auto ident = static_cast<std::uintptr_t>(fd);
        for (auto& [kq, queue] : queues) {
            const auto removed = std::erase_if(queue.knotes, [ident](const auto& entry) {
                return entry.first.first == ident && is_descriptor_filter(entry.first.second);
            });
            if (removed != 0) {
                epoll_ctl(kq, EPOLL_CTL_DEL, fd, nullptr); // a dup() would keep it registered
                forget_ready_events(queue, ident, EVFILT_READ);
                forget_ready_events(queue, ident, EVFILT_WRITE);
            }
        }
    }
    if (user_event_fd >= 0) {
        __real_close(user_event_fd);
    }
    return __real_close(fd);
}
