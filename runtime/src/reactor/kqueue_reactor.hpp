// SPDX-License-Identifier: MIT
// kqueue_reactor.hpp - the macOS and BSD backend: kqueue(2), edge-triggered (EV_CLEAR), plus an
// EVFILT_USER event for wake-ups.
//
// kqueue watches (identifier, filter) pairs, not descriptors: each handle gets two "knotes",
// EVFILT_READ and EVFILT_WRITE, added once with EV_ADD | EV_CLEAR and never modified, so waiting
// costs no further kevent() changes. EV_CLEAR is kqueue's edge-triggered mode: a knote's state is
// reset when wait() retrieves it, and it fires again only on new activity (more data, more buffer
// space). As with epoll's EPOLLET, the backend therefore remembers per handle and direction
// whether the handle may still be ready: an operation is attempted at once while that flag is
// set; EAGAIN (or a short transfer, see looks_drained()) clears it, and the operation queues until
// the next event for its direction. On such an event the queued operations of that direction are
// retried in FIFO order until one would block again: that is the draining rule EV_CLEAR requires.
// That bookkeeping is shared with epoll (readiness_queues.hpp); this file translates kqueue's
// events into it.
//
// EV_EOF on EVFILT_READ is epoll's EPOLLRDHUP: the peer shut down its side (or reset the
// connection; `fflags` then holds the error, which the retried call reports itself). On
// EVFILT_WRITE it means nothing more can be written. Either is remembered for good, since no
// further event will follow it. EV_ERROR belongs to *changes*: register and deregister ask for a
// receipt per change (EV_RECEIPT) and read each change's errno from `data`; wait() submits no
// changes, so it never sees one from the kernel (if it did, both directions would be retried and
// the system calls would report whatever went wrong).
//
// wake() triggers a user event (EVFILT_USER with NOTE_TRIGGER; added with EV_CLEAR so retrieving
// it re-arms it), once per wake-up, deduplicated by an atomic flag. Systems without EVFILT_USER
// (OpenBSD, NetBSD before 10) get a non-blocking self-pipe instead, watched level-triggered like
// epoll's eventfd.
//
// Quirks:
//  * `struct kevent` has to be spelled with `struct`: the kevent() function hides the type name.
//  * Its `udata` is `void*` on macOS, FreeBSD, OpenBSD and NetBSD 10, but `intptr_t` on older
//    NetBSD; the .cpp converts with reinterpret_cast, which is valid for both.
//  * Adding EVFILT_WRITE for a pipe whose reader is gone fails with EPIPE on some systems
//    (https://github.com/tokio-rs/mio/issues/582): that direction is then treated as closed, so a
//    write is attempted at once and reports EPIPE itself.
//  * A kqueue descriptor is not inherited by fork(2) children (a loop stays in its process).
// See kqueue(2): https://man.freebsd.org/cgi/man.cgi?query=kqueue&sektion=2 and `man 2 kqueue` on
// macOS.
#pragma once

#include "reactor_backend.hpp"
#include "readiness_queues.hpp"

#include <atomic>
#include <cstddef>

struct kevent;

namespace corio::detail {

class kqueue_reactor final : public reactor_backend {
public:
    kqueue_reactor();
    ~kqueue_reactor() override;

    [[nodiscard]] std::string_view name() const noexcept override { return "kqueue"; }
    // A regular file is always readable for kqueue; corio::file uses the blocking pool.
    [[nodiscard]] bool completes_file_io() const noexcept override { return false; }
    [[nodiscard]] bool completes_exchanges() const noexcept override { return false; }
    [[nodiscard]] io_registration& register_handle(native_handle_t handle) override;
    void deregister_handle(io_registration& registration) noexcept override;
    [[nodiscard]] bool start(io_operation& op) noexcept override;
    void cancel(io_operation& op) noexcept override;
    void abandon(io_operation& op) noexcept override;
    void wait(std::optional<std::chrono::nanoseconds> timeout,
              io_operation_list& completed) override;
    void wake() noexcept override;
    [[nodiscard]] std::size_t registered_handles() const noexcept override {
        return registrations_;
    }
    [[nodiscard]] std::size_t pending_operations() const noexcept override {
        return queues_.pending();
    }

private:
    void on_event(readiness_state& handle, const struct kevent& event) noexcept;
    void on_wake() noexcept;
    int open_wake_channel() noexcept; // returns an errno, 0 on success
    void close_descriptors() noexcept;

    int kqueue_fd_ = -1;
    // The self-pipe, only where EVFILT_USER is missing; -1 otherwise.
    int wake_read_fd_ = -1;
    int wake_write_fd_ = -1;
    std::atomic<bool> wake_pending_{false};
    std::size_t registrations_ = 0;
    readiness_queues queues_;
};

} // namespace corio::detail
