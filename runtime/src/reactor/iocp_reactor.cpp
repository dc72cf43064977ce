// SPDX-License-Identifier: MIT
#include "iocp_reactor.hpp"

#include <corio/runtime/detail/os_error.hpp>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// winsock2.h first: mswsock.h and ws2tcpip.h build on it, and windows.h must not bring the old
// winsock.h.
#include <winsock2.h>

#include <mswsock.h>
#include <windows.h>
#include <ws2tcpip.h> // sockaddr_in6

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <system_error>
#include <type_traits>

namespace corio::detail {

namespace {

// Completion key of wake-up packets; registrations use their own (non-null) address.
constexpr ULONG_PTR wake_key = 0;
constexpr ULONG max_packets_per_wait = 128;
// AcceptEx writes each address as the largest sockaddr plus 16 bytes (see its documentation).
constexpr DWORD accept_address_room = sizeof(sockaddr_storage) + 16;
// overlapped.Internal holds an NTSTATUS; 0 is STATUS_SUCCESS.
constexpr ULONG_PTR status_success = 0;

// Winsock needs WSAStartup once per process before any socket call; it is reference-counted, so
// net's socket functions may call it again. Never WSACleanup: other threads may still be using
// sockets while statics are destroyed, and process exit releases everything anyway.
void start_winsock() {
    static const int status = [] {
        WSADATA data{};
        return ::WSAStartup(MAKEWORD(2, 2), &data);
    }();
    if (status != 0) {
        throw_os_error(status, "WSAStartup");
    }
}

DWORD clamp_length(std::size_t length) noexcept {
    // A longer buffer is filled in several calls: every transfer may be short.
    return static_cast<DWORD>(std::min<std::size_t>(length, MAXDWORD));
}

DWORD timeout_in_ms(std::optional<std::chrono::nanoseconds> timeout) noexcept {
    if (!timeout) {
        return INFINITE;
    }
    if (timeout->count() <= 0) {
        return 0;
    }
    // Round up: waking a little early would only spin the loop around again.
    const auto ms = (timeout->count() + 999'999) / 1'000'000;
    return ms >= static_cast<long long>(INFINITE) ? INFINITE - 1 : static_cast<DWORD>(ms);
}

bool is_reset_while_queued(DWORD error) noexcept {
    // ERROR_NETNAME_DELETED is how the NT layer names a connection reset.
    return error == WSAECONNRESET || error == ERROR_NETNAME_DELETED || error == WSAECONNABORTED;
}

// Files opened overlapped have no file pointer: each call says where it reads or writes (pipes
// ignore it, and io_operation::offset is 0 for them). All ones is Windows' "at the end of the
// file".
void set_file_offset(OVERLAPPED& overlapped, std::uint64_t offset) noexcept {
    overlapped.Offset = static_cast<DWORD>(offset);
    overlapped.OffsetHigh = static_cast<DWORD>(offset >> 32);
}

template <class Function>
Function load_extension(SOCKET socket, GUID id, DWORD& error) noexcept {
    Function function = nullptr;
    DWORD size = 0;
    if (::WSAIoctl(socket, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id, &function,
                   sizeof function, &size, nullptr, nullptr) != 0) {
        error = static_cast<DWORD>(::WSAGetLastError());
        return nullptr;
    }
    return function;
}

} // namespace

struct iocp_reactor::registration final : io_registration {
    bool is_socket = false;
    // FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is in force: a call that returns success queues nothing.
    bool skips_port_on_success = false;
    bool deregistered = false;
    int family = AF_UNSPEC;    // sockets: the family AcceptEx's pre-created sockets need
    std::size_t in_flight = 0; // slots issued on this handle whose packet is not dequeued yet
    // Extension functions, loaded from this socket's provider on first use.
    LPFN_ACCEPTEX accept_ex = nullptr;
    LPFN_GETACCEPTEXSOCKADDRS accept_ex_sockaddrs = nullptr;
    LPFN_CONNECTEX connect_ex = nullptr;

    [[nodiscard]] HANDLE file() const noexcept { return reinterpret_cast<HANDLE>(handle); }
    [[nodiscard]] SOCKET socket() const noexcept { return static_cast<SOCKET>(handle); }
};

// Everything the kernel may write while an operation is in flight. The port hands back the
// OVERLAPPED's address, which is the slot's (first member of a standard-layout struct).
struct iocp_reactor::slot {
    OVERLAPPED overlapped;
    io_operation* op; // null once abandon() orphaned the slot
    registration* owner;
    bool busy;             // issued and its packet not processed yet
    bool cancel_requested; // cancel() was called: do not re-issue a failed AcceptEx
    WSABUF buffer;
    DWORD flags;
    SOCKET accept_socket;
    slot* next_free;
    // AcceptEx's two addresses; a datagram's sender (WSARecvFrom) or peer (WSASendTo), kept here
    // rather than in the caller's record for the reason the header gives.
    alignas(sockaddr_storage) unsigned char accept_addresses[2 * accept_address_room];
    INT datagram_address_length;
};

iocp_reactor::iocp_reactor() {
    start_winsock();
    port_ = ::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
    if (port_ == nullptr) {
        throw_os_error(static_cast<int>(::GetLastError()), "CreateIoCompletionPort");
    }
}

iocp_reactor::~iocp_reactor() {
    // Collect packets already queued (operations cancelled just before the loop ended), so their
    // slots and registrations are freed. A slot still in flight after that means its owner broke
    // the contract (destroyed the loop under a pending operation): it is leaked on purpose, since
    // the kernel may still write into it.
    const auto any_busy = [this] {
        return std::any_of(slots_.begin(), slots_.end(),
                           [](const auto& each) { return each->busy; });
    };
    DWORD error = 0;
    while (any_busy() && dequeue(0, error)) {
    }
    for (auto& each : slots_) {
        if (each->busy) {
            (void)each.release();
        }
    }
    ::CloseHandle(port_);
}

io_registration& iocp_reactor::register_handle(native_handle_t handle) {
    auto state = std::make_unique<registration>();
    state->handle = handle;
    // One call says whether this is a socket, its family, and whether its provider hands out real
    // kernel handles (XP1_IFS_HANDLES); pipes and files fail it with WSAENOTSOCK.
    WSAPROTOCOL_INFOW protocol{};
    int size = sizeof protocol;
    state->is_socket = ::getsockopt(state->socket(), SOL_SOCKET, SO_PROTOCOL_INFOW,
                                    reinterpret_cast<char*>(&protocol), &size) == 0;
    if (state->is_socket) {
        state->family = protocol.iAddressFamily;
    }
    if (::CreateIoCompletionPort(state->file(), port_, reinterpret_cast<ULONG_PTR>(state.get()),
                                 0) == nullptr) {
        throw_os_error(static_cast<int>(::GetLastError()), "CreateIoCompletionPort(handle)");
    }
    // Skipping the port on success is only safe when no non-IFS layered service provider sits
    // between us and the socket: such a provider may still queue a packet (see the header).
    const bool may_skip = !state->is_socket || (protocol.dwServiceFlags1 & XP1_IFS_HANDLES) != 0;
    const UCHAR modes =
        FILE_SKIP_SET_EVENT_ON_HANDLE | (may_skip ? FILE_SKIP_COMPLETION_PORT_ON_SUCCESS : 0);
    state->skips_port_on_success =
        may_skip && ::SetFileCompletionNotificationModes(state->file(), modes) != FALSE;
    ++registrations_;
    return *state.release();
}

void iocp_reactor::deregister_handle(io_registration& base) noexcept {
    auto& state = static_cast<registration&>(base);
    --registrations_;
    state.deregistered = true;
    if (state.in_flight == 0) {
        delete &state;
        return;
    }
    // Every pending operation comes back through the port, as cancelled; the registration is the
    // packets' completion key, so it lives until the last one (retire()).
    ::CancelIoEx(state.file(), nullptr);
}

void iocp_reactor::retire(registration& owner) noexcept {
    if (owner.deregistered && owner.in_flight == 0) {
        delete &owner;
    }
}

iocp_reactor::slot* iocp_reactor::acquire_slot() noexcept {
    static_assert(std::is_standard_layout_v<slot> && offsetof(slot, overlapped) == 0,
                  "the port's OVERLAPPED* must convert back to its slot");
    slot* fresh = free_slots_;
    if (fresh != nullptr) {
        free_slots_ = fresh->next_free;
    } else {
        try {
            slots_.push_back(std::make_unique<slot>());
        } catch (...) {
            return nullptr;
        }
        fresh = slots_.back().get();
    }
    *fresh = slot{};
    fresh->accept_socket = INVALID_SOCKET;
    return fresh;
}

void iocp_reactor::release_slot(slot& used) noexcept {
    if (used.accept_socket != INVALID_SOCKET) {
        ::closesocket(used.accept_socket); // an accept that failed, or that nobody will collect
        used.accept_socket = INVALID_SOCKET;
    }
    used.busy = false;
    used.op = nullptr;
    used.owner = nullptr;
    used.next_free = free_slots_;
    free_slots_ = &used;
}

bool iocp_reactor::start(io_operation& op) noexcept {
    op.cancelled = false;
    op.truncated = false;
    op.error = 0;
    op.transferred = 0;
    op.backend_flags = 0;
    op.backend_data = nullptr;
    slot* request = acquire_slot();
    if (request == nullptr) {
        op.error = ERROR_NOT_ENOUGH_MEMORY;
        return true;
    }
    request->op = &op;
    request->owner = static_cast<registration*>(op.target);
    if (issue(*request) == issue_result::finished) {
        release_slot(*request);
        return true;
    }
    request->busy = true;
    ++request->owner->in_flight;
    op.backend_data = request;
    ++pending_;
    return false;
}

iocp_reactor::issue_result iocp_reactor::issue(slot& request) noexcept {
    io_operation& op = *request.op;
    registration& owner = *request.owner;
    request.overlapped = OVERLAPPED{};
    bool succeeded = false;
    DWORD error = 0;
    switch (op.kind) {
    case io_kind::receive:
        request.buffer.buf = static_cast<char*>(op.buffer);
        request.buffer.len = clamp_length(op.length);
        request.flags = 0;
        // Byte counts come from the OVERLAPPED (null count pointers, as the documentation advises
        // for overlapped calls).
        succeeded = ::WSARecv(owner.socket(), &request.buffer, 1, nullptr, &request.flags,
                              &request.overlapped, nullptr) == 0;
        error = succeeded ? 0 : static_cast<DWORD>(::WSAGetLastError());
        break;
    case io_kind::peek:
        // A one-byte receive with MSG_PEEK into the slot's own scratch space (the slot outlives
        // the request, even an abandoned one). The WSARecv documentation lists MSG_PEEK for
        // non-overlapped sockets only; overlapped peeks are what Boost.Asio's async receive with
        // message_peek issues, and Wine implements them. A zero-byte receive, the other IOCP
        // idiom, completes at once under Wine (Linux's recv of 0 bytes does not wait), which
        // would make every idle peer look closed.
        request.buffer.buf = reinterpret_cast<char*>(request.accept_addresses);
        request.buffer.len = 1;
        request.flags = MSG_PEEK;
        succeeded = ::WSARecv(owner.socket(), &request.buffer, 1, nullptr, &request.flags,
                              &request.overlapped, nullptr) == 0;
        error = succeeded ? 0 : static_cast<DWORD>(::WSAGetLastError());
        break;
    case io_kind::send:
        request.buffer.buf = static_cast<char*>(op.buffer);
        request.buffer.len = clamp_length(op.length);
        succeeded = ::WSASend(owner.socket(), &request.buffer, 1, nullptr, 0, &request.overlapped,
                              nullptr) == 0;
        error = succeeded ? 0 : static_cast<DWORD>(::WSAGetLastError());
        break;
    case io_kind::receive_from:
        request.buffer.buf = static_cast<char*>(op.buffer);
        request.buffer.len = clamp_length(op.length);
        request.flags = 0;
        request.datagram_address_length = static_cast<INT>(sizeof(sockaddr_storage));
        succeeded =
            ::WSARecvFrom(owner.socket(), &request.buffer, 1, nullptr, &request.flags,
                          reinterpret_cast<sockaddr*>(request.accept_addresses),
                          &request.datagram_address_length, &request.overlapped, nullptr) == 0;
        error = succeeded ? 0 : static_cast<DWORD>(::WSAGetLastError());
        break;
    case io_kind::send_to: {
        request.buffer.buf = static_cast<char*>(op.buffer);
        request.buffer.len = clamp_length(op.length);
        const sockaddr* peer = nullptr;
        int peer_length = 0;
        if (op.address != nullptr) {
            peer_length = static_cast<int>(
                std::min<std::size_t>(op.address_length, sizeof request.accept_addresses));
            std::memcpy(request.accept_addresses, op.address,
                        static_cast<std::size_t>(peer_length));
            peer = reinterpret_cast<const sockaddr*>(request.accept_addresses);
        }
        succeeded = ::WSASendTo(owner.socket(), &request.buffer, 1, nullptr, 0, peer, peer_length,
                                &request.overlapped, nullptr) == 0;
        error = succeeded ? 0 : static_cast<DWORD>(::WSAGetLastError());
        break;
    }
    case io_kind::read:
        set_file_offset(request.overlapped, op.offset);
        succeeded = ::ReadFile(owner.file(), op.buffer, clamp_length(op.length), nullptr,
                               &request.overlapped) != FALSE;
        error = succeeded ? 0 : ::GetLastError();
        break;
    case io_kind::write:
        set_file_offset(request.overlapped, op.offset);
        succeeded = ::WriteFile(owner.file(), op.buffer, clamp_length(op.length), nullptr,
                                &request.overlapped) != FALSE;
        error = succeeded ? 0 : ::GetLastError();
        break;
    case io_kind::accept:
        error = issue_accept(request, succeeded);
        break;
    case io_kind::connect:
        error = issue_connect(request, succeeded);
        break;
    }
    if (succeeded) {
        if (!owner.skips_port_on_success) {
            return issue_result::pending; // the packet comes anyway
        }
        finish(request, 0, request.overlapped.InternalHigh);
        return issue_result::finished;
    }
    if (error == ERROR_IO_PENDING) {
        return issue_result::pending;
    }
    // Failed before it started: no packet will come. That includes a datagram truncated at once
    // (WSAEMSGSIZE, finished as `truncated`): WSARecvFrom's documentation says any error but
    // WSA_IO_PENDING means no completion indication, and Wine queues none.
    finish(request, error, 0);
    return issue_result::finished;
}

DWORD iocp_reactor::issue_accept(slot& request, bool& succeeded) noexcept {
    registration& owner = *request.owner;
    DWORD error = 0;
    if (owner.accept_ex == nullptr) {
        owner.accept_ex = load_extension<LPFN_ACCEPTEX>(owner.socket(), WSAID_ACCEPTEX, error);
        owner.accept_ex_sockaddrs = load_extension<LPFN_GETACCEPTEXSOCKADDRS>(
            owner.socket(), WSAID_GETACCEPTEXSOCKADDRS, error);
        if (owner.accept_ex == nullptr || owner.accept_ex_sockaddrs == nullptr) {
            owner.accept_ex = nullptr;
            return error;
        }
    }
    for (;;) {
        // AcceptEx takes the socket it will connect: same family, overlapped, not inheritable.
        request.accept_socket = ::WSASocketW(owner.family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                                             WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
        if (request.accept_socket == INVALID_SOCKET) {
            return static_cast<DWORD>(::WSAGetLastError());
        }
        DWORD received = 0;
        succeeded = owner.accept_ex(owner.socket(), request.accept_socket, request.accept_addresses,
                                    0, accept_address_room, accept_address_room, &received,
                                    &request.overlapped) != FALSE;
        error = succeeded ? 0 : static_cast<DWORD>(::WSAGetLastError());
        if (succeeded || !is_reset_while_queued(error)) {
            return error;
        }
        // The queued connection was reset before we took it: the peer's loss, not the
        // listener's. Wait for the next one.
        ::closesocket(request.accept_socket);
        request.accept_socket = INVALID_SOCKET;
        request.overlapped = OVERLAPPED{};
    }
}

DWORD iocp_reactor::issue_connect(slot& request, bool& succeeded) noexcept {
    registration& owner = *request.owner;
    io_operation& op = *request.op;
    DWORD error = 0;
    if (owner.connect_ex == nullptr) {
        owner.connect_ex = load_extension<LPFN_CONNECTEX>(owner.socket(), WSAID_CONNECTEX, error);
        if (owner.connect_ex == nullptr) {
            return error;
        }
    }
    sockaddr_storage peer{};
    std::memcpy(&peer, op.address, std::min<std::size_t>(op.address_length, sizeof peer));
    // ConnectEx only connects a bound socket: bind the wildcard address of the peer's family,
    // port 0, as connect() does implicitly. WSAEINVAL: the caller had bound it already.
    sockaddr_storage any{};
    any.ss_family = peer.ss_family;
    const int any_length = peer.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (::bind(owner.socket(), reinterpret_cast<const sockaddr*>(&any), any_length) != 0) {
        error = static_cast<DWORD>(::WSAGetLastError());
        if (error != WSAEINVAL) {
            return error;
        }
    }
    succeeded = owner.connect_ex(owner.socket(), reinterpret_cast<const sockaddr*>(&peer),
                                 static_cast<int>(op.address_length), nullptr, 0, nullptr,
                                 &request.overlapped) != FALSE;
    return succeeded ? 0 : static_cast<DWORD>(::WSAGetLastError());
}

void iocp_reactor::copy_datagram_address(const slot& done, io_operation& op) noexcept {
    if (op.address == nullptr) {
        return;
    }
    const auto length = static_cast<std::size_t>(std::max(done.datagram_address_length, 0));
    std::memcpy(op.address, done.accept_addresses,
                std::min<std::size_t>(length, op.address_length));
    op.address_length = static_cast<std::uint32_t>(length);
}

void iocp_reactor::finish(slot& done, DWORD error, std::size_t transferred) noexcept {
    io_operation& op = *done.op;
    registration& owner = *done.owner;
    op.error = 0;
    op.transferred = 0;
    if (error == ERROR_OPERATION_ABORTED) {
        op.cancelled = true; // CancelIoEx, or the handle was closed
        return;
    }
    if (op.kind == io_kind::receive_from && error == WSAEMSGSIZE) {
        // The datagram was larger than the buffer: Winsock filled the buffer, dropped the rest
        // and says so with this error (MSG_PARTIAL is for message-oriented streams only).
        op.truncated = true;
        op.transferred = done.buffer.len;
        copy_datagram_address(done, op);
        return;
    }
    if (error != 0) {
        // A pipe whose writer has gone, or a file read past its end: end of stream, as read(2).
        if (op.kind != io_kind::read || (error != ERROR_BROKEN_PIPE && error != ERROR_HANDLE_EOF)) {
            op.error = static_cast<int>(error);
        }
        return;
    }
    switch (op.kind) {
    case io_kind::read:
    case io_kind::write:
    case io_kind::receive:
    case io_kind::send:
    case io_kind::send_to:
        op.transferred = transferred;
        return;
    case io_kind::peek:
        op.transferred = transferred; // 1: a byte is waiting (still queued); 0: end of stream
        return;
    case io_kind::receive_from:
        op.transferred = transferred;
        copy_datagram_address(done, op);
        return;
    case io_kind::accept: {
        // Until SO_UPDATE_ACCEPT_CONTEXT the new socket knows nothing of its connection
        // (getpeername, shutdown fail).
        const SOCKET listener = owner.socket();
        if (::setsockopt(done.accept_socket, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                         reinterpret_cast<const char*>(&listener), sizeof listener) != 0) {
            op.error = ::WSAGetLastError();
            return; // release_slot() closes the socket
        }
        sockaddr* local = nullptr;
        sockaddr* remote = nullptr;
        int local_length = 0;
        int remote_length = 0;
        owner.accept_ex_sockaddrs(done.accept_addresses, 0, accept_address_room,
                                  accept_address_room, &local, &local_length, &remote,
                                  &remote_length);
        if (op.address != nullptr && remote != nullptr && remote_length > 0) {
            std::memcpy(
                op.address, remote,
                std::min<std::size_t>(static_cast<std::size_t>(remote_length), op.address_length));
            op.address_length = static_cast<std::uint32_t>(remote_length);
        }
        op.accepted = static_cast<native_handle_t>(done.accept_socket);
        done.accept_socket = INVALID_SOCKET; // the caller's now
        return;
    }
    case io_kind::connect:
        // Until SO_UPDATE_CONNECT_CONTEXT, getpeername() and shutdown() fail on the socket.
        if (::setsockopt(owner.socket(), SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0) != 0) {
            op.error = ::WSAGetLastError();
        }
        return;
    }
}

void iocp_reactor::on_packet(void* overlapped, std::size_t transferred) noexcept {
    if (overlapped == nullptr) {
        // Clear only once dequeued, so a wake() racing with us either sees the flag still set
        // (its post is picked up by the loop's next drain) or posts another packet.
        wake_pending_.store(false);
        woken_ = true;
        return;
    }
    slot& done = *static_cast<slot*>(overlapped);
    registration& owner = *done.owner;
    --owner.in_flight;
    DWORD error = 0;
    if (done.overlapped.Internal != status_success) {
        // Turn the NTSTATUS into the Win32/WSA code the synchronous call would have failed with.
        DWORD bytes = 0;
        DWORD flags = 0;
        const BOOL ok =
            owner.is_socket
                ? ::WSAGetOverlappedResult(owner.socket(), &done.overlapped, &bytes, FALSE, &flags)
                : ::GetOverlappedResult(owner.file(), &done.overlapped, &bytes, FALSE);
        if (ok == FALSE) {
            error = owner.is_socket ? static_cast<DWORD>(::WSAGetLastError()) : ::GetLastError();
        }
    }
    if (done.op == nullptr) {
        release_slot(done); // orphaned by abandon(), which is waiting for exactly this
        retire(owner);
        return;
    }
    io_operation& op = *done.op;
    if (op.kind == io_kind::accept && error != 0 && is_reset_while_queued(error) &&
        !done.cancel_requested && !owner.deregistered) {
        // As in issue_accept(): the connection died in the backlog; accept the next one.
        ::closesocket(done.accept_socket);
        done.accept_socket = INVALID_SOCKET;
        if (issue(done) == issue_result::pending) {
            ++owner.in_flight;
            return;
        }
    } else {
        finish(done, error, transferred);
        if (owner.deregistered && op.error != 0) {
            // The contract: deregistration completes pending operations as cancelled, whatever
            // closing the handle under them made the kernel say.
            op.error = 0;
            op.cancelled = true;
        }
    }
    op.backend_data = nullptr;
    --pending_;
    finished_.push_back(op);
    release_slot(done);
    retire(owner);
}

bool iocp_reactor::dequeue(DWORD timeout_ms, DWORD& error) noexcept {
    std::array<OVERLAPPED_ENTRY, max_packets_per_wait> entries{};
    ULONG count = 0;
    if (::GetQueuedCompletionStatusEx(port_, entries.data(), max_packets_per_wait, &count,
                                      timeout_ms, FALSE) == FALSE) {
        const DWORD failure = ::GetLastError();
        error = failure == WAIT_TIMEOUT ? 0 : failure;
        return false;
    }
    for (ULONG i = 0; i < count; ++i) {
        on_packet(entries[i].lpOverlapped, entries[i].dwNumberOfBytesTransferred);
    }
    return count != 0;
}

void iocp_reactor::cancel(io_operation& op) noexcept {
    if (op.backend_data == nullptr) {
        return; // already finished and queued for reporting, or never started
    }
    auto& request = *static_cast<slot*>(op.backend_data);
    request.cancel_requested = true;
    // ERROR_NOT_FOUND: it has just finished and its packet is on the way, with the real result.
    ::CancelIoEx(request.owner->file(), &request.overlapped);
}

void iocp_reactor::abandon(io_operation& op) noexcept {
    if (op.backend_data == nullptr) {
        // Finished, and perhaps dequeued by an earlier abandon() and waiting in finished_.
        for (io_operation* queued = finished_.front(); queued != nullptr; queued = queued->next) {
            if (queued == &op) {
                finished_.remove(op);
                if (op.kind == io_kind::accept && op.accepted != invalid_native_handle &&
                    op.error == 0 && !op.cancelled) {
                    ::closesocket(static_cast<SOCKET>(op.accepted)); // nobody will take it
                }
                return;
            }
        }
        return;
    }
    auto& request = *static_cast<slot*>(op.backend_data);
    op.backend_data = nullptr;
    --pending_;
    request.op = nullptr; // orphaned: its packet is recycled, never reported
    ::CancelIoEx(request.owner->file(), &request.overlapped);
    // The kernel may write into the caller's buffer until the operation completes. With
    // FILE_SKIP_SET_EVENT_ON_HANDLE there is no event to wait on, but the packet always comes to
    // our port: dequeue until it has (other packets wait in finished_ for the next wait()).
    while (request.busy) {
        DWORD error = 0;
        if (!dequeue(INFINITE, error) && error != 0) {
            return; // the port itself failed: nothing more can arrive on it
        }
    }
}

void iocp_reactor::wait(std::optional<std::chrono::nanoseconds> timeout,
                        io_operation_list& completed) {
    if (!finished_.empty() || woken_) {
        timeout = std::chrono::nanoseconds::zero();
    }
    woken_ = false;
    DWORD error = 0;
    if (!dequeue(timeout_in_ms(timeout), error) && error != 0) {
        throw_os_error(static_cast<int>(error), "GetQueuedCompletionStatusEx");
    }
    woken_ = false; // a wake-up dequeued just now has done its job: this wait returns
    completed.splice_back(finished_);
}

void iocp_reactor::wake() noexcept {
    if (!wake_pending_.exchange(true)) {
        ::PostQueuedCompletionStatus(port_, 0, wake_key, nullptr);
    }
}

} // namespace corio::detail
