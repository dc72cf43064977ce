// SPDX-License-Identifier: MIT
#include "nonblocking_call.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace corio::detail::posix {

namespace {

// backend_flags bit: connect(2) has been issued and returned EINPROGRESS.
constexpr std::uint32_t connect_in_progress = 1U << 0;

#if defined(MSG_NOSIGNAL)
constexpr int send_flags = MSG_NOSIGNAL; // a peer's reset must surface as EPIPE, not kill us
#else
constexpr int send_flags = 0; // macOS: sockets get SO_NOSIGPIPE when created instead
#endif

bool is_would_block(int error) noexcept {
    return error == EAGAIN || error == EWOULDBLOCK;
}

template <class Call>
attempt_result transfer(io_operation& op, Call call) noexcept {
    for (;;) {
        const ssize_t n = call();
        if (n >= 0) {
            op.transferred = static_cast<std::size_t>(n);
            op.error = 0;
            return attempt_result::finished;
        }
        if (errno == EINTR) {
            continue;
        }
        if (is_would_block(errno)) {
            return attempt_result::would_block;
        }
        op.error = errno;
        return attempt_result::finished;
    }
}

int accept_nonblocking(int listener, sockaddr* address, socklen_t* length) noexcept {
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    return ::accept4(listener, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    // macOS has no accept4: set the flags on the new socket ourselves.
    const int fd = ::accept(listener, address, length);
    if (fd >= 0) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
    }
    return fd;
#endif
}

attempt_result attempt_accept(io_operation& op) noexcept {
    for (;;) {
        socklen_t length = op.address_length;
        const int fd = accept_nonblocking(op.target->handle, static_cast<sockaddr*>(op.address),
                                          op.address != nullptr ? &length : nullptr);
        if (fd >= 0) {
            op.accepted = fd;
            op.address_length = length;
            op.error = 0;
            return attempt_result::finished;
        }
        // A connection that was reset while queued is the peer's problem, not the listener's.
        if (errno == EINTR || errno == ECONNABORTED) {
            continue;
        }
        if (is_would_block(errno)) {
            return attempt_result::would_block;
        }
        op.error = errno;
        return attempt_result::finished;
    }
}

// recvmsg rather than recvfrom: msg_flags says whether the datagram was cut to fit (MSG_TRUNC),
// which recvfrom only reports on Linux (its MSG_TRUNC *argument* is Linux-only too).
attempt_result attempt_receive_from(io_operation& op) noexcept {
    iovec part{};
    part.iov_base = op.buffer;
    part.iov_len = op.length;
    msghdr message{};
    message.msg_name = op.address;
    message.msg_namelen = op.address != nullptr ? op.address_length : 0;
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    const attempt_result result =
        transfer(op, [&] { return ::recvmsg(op.target->handle, &message, 0); });
    if (result == attempt_result::finished && op.error == 0) {
        op.truncated = (message.msg_flags & MSG_TRUNC) != 0;
        if (op.address != nullptr) {
            op.address_length = message.msg_namelen;
        }
    }
    return result;
}

attempt_result attempt_connect(io_operation& op) noexcept {
    const int fd = op.target->handle;
    if ((op.backend_flags & connect_in_progress) == 0) {
        int rc = 0;
        do {
            rc = ::connect(fd, static_cast<const sockaddr*>(op.address), op.address_length);
        } while (rc != 0 && errno == EINTR);
        if (rc == 0) {
            op.error = 0;
            return attempt_result::finished;
        }
        if (errno == EINPROGRESS || errno == EALREADY) {
            op.backend_flags |= connect_in_progress;
            return attempt_result::would_block;
        }
        op.error = errno;
        return attempt_result::finished;
    }
    // Writable after EINPROGRESS: the connection attempt is over; SO_ERROR says how it went.
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
        error = errno;
    }
    if (error == EINPROGRESS || error == EALREADY) {
        return attempt_result::would_block;
    }
    op.backend_flags &= ~connect_in_progress;
    op.error = error;
    return attempt_result::finished;
}

} // namespace

attempt_result attempt(io_operation& op) noexcept {
    const int fd = op.target->handle;
    switch (op.kind) {
    case io_kind::read:
        return transfer(op, [&] { return ::read(fd, op.buffer, op.length); });
    case io_kind::write:
        return transfer(op, [&] { return ::write(fd, op.buffer, op.length); });
    case io_kind::receive:
        return transfer(op, [&] { return ::recv(fd, op.buffer, op.length, 0); });
    case io_kind::send:
        return transfer(op, [&] { return ::send(fd, op.buffer, op.length, send_flags); });
    case io_kind::peek:
        return transfer(op, [&] {
            char scratch = 0; // MSG_PEEK copies the byte but leaves it queued
            return ::recv(fd, &scratch, 1, MSG_PEEK);
        });
    case io_kind::accept:
        return attempt_accept(op);
    case io_kind::connect:
        return attempt_connect(op);
    case io_kind::receive_from:
        return attempt_receive_from(op);
    case io_kind::send_to:
        return transfer(op, [&] {
            return ::sendto(fd, op.buffer, op.length, send_flags,
                            static_cast<const sockaddr*>(op.address),
                            op.address != nullptr ? op.address_length : 0);
        });
    case io_kind::exchange:
        break; // readiness backends do not complete exchanges: io_object splits them
    }
    op.error = EINVAL;
    return attempt_result::finished;
}

bool looks_drained(const io_operation& op) noexcept {
    switch (op.kind) {
    case io_kind::receive:
    case io_kind::send:
    case io_kind::read:
    case io_kind::write:
        // 0 bytes read means end of stream, which stays "ready" forever.
        return op.error == 0 && op.transferred != 0 && op.transferred < op.length;
    case io_kind::peek: // consumes nothing: what it saw is still there
    case io_kind::accept:
    case io_kind::connect:
        return false;
    case io_kind::receive_from:
    case io_kind::send_to:
        // A short datagram says nothing about the ones queued behind it.
        return false;
    case io_kind::exchange: // never started here
        return false;
    }
    return false;
}

} // namespace corio::detail::posix
