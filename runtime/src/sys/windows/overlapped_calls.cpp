// SPDX-License-Identifier: MIT
#include "overlapped_calls.hpp"

#include <algorithm>
#include <cstring>

namespace corio::detail::windows {

namespace {

// overlapped.Internal holds an NTSTATUS; 0 is STATUS_SUCCESS.
constexpr ULONG_PTR status_success = 0;

DWORD clamp_length(std::size_t length) noexcept {
    // A longer buffer is filled in several calls: every transfer may be short.
    return static_cast<DWORD>(std::min<std::size_t>(length, MAXDWORD));
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

// A Winsock call's outcome: 0 if it returned success, else its error (ERROR_IO_PENDING included).
DWORD socket_outcome(int result) noexcept {
    return result == 0 ? 0 : static_cast<DWORD>(::WSAGetLastError());
}

DWORD file_outcome(BOOL result) noexcept {
    return result != FALSE ? 0 : ::GetLastError();
}

DWORD issue_accept(overlapped_request& request, overlapped_handle& target) noexcept {
    DWORD error = 0;
    if (target.accept_ex == nullptr) {
        target.accept_ex = load_extension<LPFN_ACCEPTEX>(target.socket(), WSAID_ACCEPTEX, error);
        target.accept_ex_sockaddrs = load_extension<LPFN_GETACCEPTEXSOCKADDRS>(
            target.socket(), WSAID_GETACCEPTEXSOCKADDRS, error);
        if (target.accept_ex == nullptr || target.accept_ex_sockaddrs == nullptr) {
            target.accept_ex = nullptr;
            return error;
        }
    }
    for (;;) {
        // AcceptEx takes the socket it will connect: same family, overlapped, not inheritable.
        request.accept_socket = ::WSASocketW(target.family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                                             WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
        if (request.accept_socket == INVALID_SOCKET) {
            return static_cast<DWORD>(::WSAGetLastError());
        }
        DWORD received = 0;
        const bool succeeded =
            target.accept_ex(target.socket(), request.accept_socket, request.addresses, 0,
                             accept_address_room, accept_address_room, &received,
                             &request.overlapped) != FALSE;
        error = succeeded ? 0 : static_cast<DWORD>(::WSAGetLastError());
        if (succeeded || !is_reset_while_queued(error)) {
            return error;
        }
        // The queued connection was reset before we took it: wait for the next one.
        discard_accept_socket(request);
        request.overlapped = OVERLAPPED{};
    }
}

DWORD issue_connect(overlapped_request& request, overlapped_handle& target,
                    const io_operation& op) noexcept {
    DWORD error = 0;
    if (target.connect_ex == nullptr) {
        target.connect_ex = load_extension<LPFN_CONNECTEX>(target.socket(), WSAID_CONNECTEX, error);
        if (target.connect_ex == nullptr) {
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
    if (::bind(target.socket(), reinterpret_cast<const sockaddr*>(&any), any_length) != 0) {
        error = static_cast<DWORD>(::WSAGetLastError());
        if (error != WSAEINVAL) {
            return error;
        }
    }
    const bool succeeded =
        target.connect_ex(target.socket(), reinterpret_cast<const sockaddr*>(&peer),
                          static_cast<int>(op.address_length), nullptr, 0, nullptr,
                          &request.overlapped) != FALSE;
    return succeeded ? 0 : static_cast<DWORD>(::WSAGetLastError());
}

void copy_datagram_address(const overlapped_request& done, io_operation& op) noexcept {
    if (op.address == nullptr) {
        return;
    }
    const auto length = static_cast<std::size_t>(std::max(done.datagram_address_length, 0));
    std::memcpy(op.address, done.addresses, std::min<std::size_t>(length, op.address_length));
    op.address_length = static_cast<std::uint32_t>(length);
}

// finish_overlapped() for a call that succeeded.
void take_result(overlapped_request& done, const overlapped_handle& target, io_operation& op,
                 std::size_t transferred) noexcept {
    switch (op.kind) {
    case io_kind::read:
    case io_kind::write:
    case io_kind::receive:
    case io_kind::send:
    case io_kind::send_to:
    case io_kind::peek: // 1: a byte is waiting (still queued); 0: end of stream
        op.transferred = transferred;
        return;
    case io_kind::receive_from:
        op.transferred = transferred;
        copy_datagram_address(done, op);
        return;
    case io_kind::accept: {
        // Until SO_UPDATE_ACCEPT_CONTEXT the new socket knows nothing of its connection
        // (getpeername, shutdown fail).
        const SOCKET listener = target.socket();
        if (::setsockopt(done.accept_socket, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                         reinterpret_cast<const char*>(&listener), sizeof listener) != 0) {
            op.error = ::WSAGetLastError();
            return; // the caller closes the socket
        }
        sockaddr* local = nullptr;
        sockaddr* remote = nullptr;
        int local_length = 0;
        int remote_length = 0;
        target.accept_ex_sockaddrs(done.addresses, 0, accept_address_room, accept_address_room,
                                   &local, &local_length, &remote, &remote_length);
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
        if (::setsockopt(target.socket(), SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0) != 0) {
            op.error = ::WSAGetLastError();
        }
        return;
    case io_kind::exchange: // never issued (issue_overlapped refuses it)
        return;
    }
}

} // namespace

overlapped_handle describe_handle(native_handle_t handle, bool& may_skip_port_on_success) noexcept {
    overlapped_handle described;
    described.handle = handle;
    // One call says whether this is a socket, its family, and whether its provider hands out real
    // kernel handles (XP1_IFS_HANDLES); pipes and files fail it with WSAENOTSOCK.
    WSAPROTOCOL_INFOW protocol{};
    int size = sizeof protocol;
    described.is_socket = ::getsockopt(described.socket(), SOL_SOCKET, SO_PROTOCOL_INFOW,
                                       reinterpret_cast<char*>(&protocol), &size) == 0;
    if (described.is_socket) {
        described.family = protocol.iAddressFamily;
    }
    may_skip_port_on_success =
        !described.is_socket || (protocol.dwServiceFlags1 & XP1_IFS_HANDLES) != 0;
    return described;
}

DWORD issue_overlapped(overlapped_request& request, overlapped_handle& target,
                       io_operation& op) noexcept {
    request.overlapped = OVERLAPPED{};
    switch (op.kind) {
    case io_kind::receive:
        request.buffer.buf = static_cast<char*>(op.buffer);
        request.buffer.len = clamp_length(op.length);
        request.flags = 0;
        // Byte counts come from the OVERLAPPED (null count pointers, as the documentation advises
        // for overlapped calls).
        return socket_outcome(::WSARecv(target.socket(), &request.buffer, 1, nullptr,
                                        &request.flags, &request.overlapped, nullptr));
    case io_kind::peek:
        // A one-byte receive with MSG_PEEK into the request's own scratch space (it outlives the
        // operation, even an abandoned one). The WSARecv documentation lists MSG_PEEK for
        // non-overlapped sockets only; overlapped peeks are what Boost.Asio's async receive with
        // message_peek issues, and Wine implements them. A zero-byte receive, the other IOCP
        // idiom, completes at once under Wine (Linux's recv of 0 bytes does not wait), which
        // would make every idle peer look closed.
        request.buffer.buf = reinterpret_cast<char*>(request.addresses);
        request.buffer.len = 1;
        request.flags = MSG_PEEK;
        return socket_outcome(::WSARecv(target.socket(), &request.buffer, 1, nullptr,
                                        &request.flags, &request.overlapped, nullptr));
    case io_kind::send:
        request.buffer.buf = static_cast<char*>(op.buffer);
        request.buffer.len = clamp_length(op.length);
        return socket_outcome(::WSASend(target.socket(), &request.buffer, 1, nullptr, 0,
                                        &request.overlapped, nullptr));
    case io_kind::receive_from:
        request.buffer.buf = static_cast<char*>(op.buffer);
        request.buffer.len = clamp_length(op.length);
        request.flags = 0;
        request.datagram_address_length = static_cast<INT>(sizeof(sockaddr_storage));
        return socket_outcome(
            ::WSARecvFrom(target.socket(), &request.buffer, 1, nullptr, &request.flags,
                          reinterpret_cast<sockaddr*>(request.addresses),
                          &request.datagram_address_length, &request.overlapped, nullptr));
    case io_kind::send_to: {
        request.buffer.buf = static_cast<char*>(op.buffer);
        request.buffer.len = clamp_length(op.length);
        const sockaddr* peer = nullptr;
        int peer_length = 0;
        if (op.address != nullptr) {
            // Copied: the caller's address need not outlive the call.
            peer_length = static_cast<int>(
                std::min<std::size_t>(op.address_length, sizeof request.addresses));
            std::memcpy(request.addresses, op.address, static_cast<std::size_t>(peer_length));
            peer = reinterpret_cast<const sockaddr*>(request.addresses);
        }
        return socket_outcome(::WSASendTo(target.socket(), &request.buffer, 1, nullptr, 0, peer,
                                          peer_length, &request.overlapped, nullptr));
    }
    case io_kind::read:
        set_file_offset(request.overlapped, op.offset);
        return file_outcome(::ReadFile(target.file(), op.buffer, clamp_length(op.length), nullptr,
                                       &request.overlapped));
    case io_kind::write:
        set_file_offset(request.overlapped, op.offset);
        return file_outcome(::WriteFile(target.file(), op.buffer, clamp_length(op.length), nullptr,
                                        &request.overlapped));
    case io_kind::accept:
        return issue_accept(request, target);
    case io_kind::connect:
        return issue_connect(request, target, op);
    case io_kind::exchange:
        break; // IOCP does not complete exchanges: io_object splits them
    }
    return ERROR_INVALID_FUNCTION;
}

DWORD overlapped_error(overlapped_request& request, const overlapped_handle& target) noexcept {
    if (request.overlapped.Internal == status_success) {
        return 0;
    }
    // Turn the NTSTATUS into the Win32/WSA code the synchronous call would have failed with.
    DWORD bytes = 0;
    DWORD flags = 0;
    const BOOL ok =
        target.is_socket
            ? ::WSAGetOverlappedResult(target.socket(), &request.overlapped, &bytes, FALSE, &flags)
            : ::GetOverlappedResult(target.file(), &request.overlapped, &bytes, FALSE);
    if (ok != FALSE) {
        return 0;
    }
    return target.is_socket ? static_cast<DWORD>(::WSAGetLastError()) : ::GetLastError();
}

void finish_overlapped(overlapped_request& request, const overlapped_handle& target,
                       io_operation& op, DWORD error, std::size_t transferred) noexcept {
    op.error = 0;
    op.transferred = 0;
    if (error == ERROR_OPERATION_ABORTED) {
        op.cancelled = true; // CancelIoEx, or the handle was closed
    } else if (op.kind == io_kind::receive_from && error == WSAEMSGSIZE) {
        // The datagram was larger than the buffer: Winsock filled the buffer, dropped the rest
        // and says so with this error (MSG_PARTIAL is for message-oriented streams only).
        op.truncated = true;
        op.transferred = request.buffer.len;
        copy_datagram_address(request, op);
    } else if (error != 0) {
        // A pipe whose writer has gone, or a file read past its end: end of stream, as read(2).
        if (op.kind != io_kind::read || (error != ERROR_BROKEN_PIPE && error != ERROR_HANDLE_EOF)) {
            op.error = static_cast<int>(error);
        }
    } else {
        take_result(request, target, op, transferred);
    }
    discard_accept_socket(request); // unless take_result() handed it to the caller
}

void cancel_overlapped(const overlapped_handle& target, overlapped_request* request) noexcept {
    // ERROR_NOT_FOUND: nothing left to cancel; the packets on their way carry the real results.
    ::CancelIoEx(target.file(), request != nullptr ? &request->overlapped : nullptr);
}

bool is_reset_while_queued(DWORD error) noexcept {
    // ERROR_NETNAME_DELETED is how the NT layer names a connection reset.
    return error == WSAECONNRESET || error == ERROR_NETNAME_DELETED || error == WSAECONNABORTED;
}

void discard_accept_socket(overlapped_request& request) noexcept {
    if (request.accept_socket != INVALID_SOCKET) {
        ::closesocket(request.accept_socket);
        request.accept_socket = INVALID_SOCKET;
    }
}

} // namespace corio::detail::windows
