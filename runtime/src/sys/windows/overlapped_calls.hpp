// SPDX-License-Identifier: MIT
// overlapped_calls.hpp - what one IOCP operation asks of Windows: its overlapped call.
//
// iocp_reactor.cpp owns the completion port (associating handles, dequeuing packets, wake-ups)
// and, through completion_slots.hpp, the life of every operation. What a single operation asks
// of Winsock or the file system lives here, one io_kind at a time:
//   issue_overlapped()   starts it (WSARecv, WSASend, WSARecvFrom, WSASendTo, ReadFile,
//                        WriteFile, AcceptEx, ConnectEx);
//   overlapped_error()   reads the error a dequeued packet carries;
//   finish_overlapped()  turns the finished call into the io_operation's result;
//   cancel_overlapped()  asks the kernel to end it (CancelIoEx).
// The memory the kernel may write while a call is in flight is an overlapped_request, which the
// backend keeps in a slot; iocp_reactor.hpp says why and how the port hands it back.
// Results are Win32/WSA error codes; detail::os_error_code() gives them std::errc meanings.
#pragma once

#include <corio/runtime/detail/io_operation.hpp>

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

#include <cstddef>

namespace corio::detail::windows {

// AcceptEx writes each address as the largest sockaddr plus 16 bytes (see its documentation).
inline constexpr DWORD accept_address_room = sizeof(sockaddr_storage) + 16;

// A handle as its overlapped calls need to know it.
struct overlapped_handle {
    native_handle_t handle = invalid_native_handle;
    bool is_socket = false;
    int family = AF_UNSPEC; // sockets: the family AcceptEx's pre-created sockets need
    // Extension functions, loaded from this socket's provider on first use.
    LPFN_ACCEPTEX accept_ex = nullptr;
    LPFN_GETACCEPTEXSOCKADDRS accept_ex_sockaddrs = nullptr;
    LPFN_CONNECTEX connect_ex = nullptr;

    [[nodiscard]] HANDLE file() const noexcept { return reinterpret_cast<HANDLE>(handle); }
    [[nodiscard]] SOCKET socket() const noexcept { return static_cast<SOCKET>(handle); }
};

// Finds out whether `handle` is a socket (and its family) and whether a call on it that returns
// success may skip the port: only when no non-IFS layered service provider sits between us and
// the socket, since such a provider may still queue a packet. Pipes and files may always skip.
[[nodiscard]] overlapped_handle describe_handle(native_handle_t handle,
                                                bool& may_skip_port_on_success) noexcept;

// Everything the kernel may write while one call is in flight. The OVERLAPPED comes first: the
// port hands back its address, which must convert back to whatever holds the request.
struct overlapped_request {
    OVERLAPPED overlapped{};
    WSABUF buffer{};
    DWORD flags = 0;
    SOCKET accept_socket = INVALID_SOCKET; // AcceptEx's socket, created in advance
    // AcceptEx's two addresses; a datagram's sender (WSARecvFrom) or peer (WSASendTo); peek's
    // scratch byte.
    alignas(sockaddr_storage) unsigned char addresses[2 * accept_address_room]{};
    INT datagram_address_length = 0;
};

// Starts `op`'s call. Returns 0 if it succeeded at once (the byte count is in
// request.overlapped.InternalHigh), ERROR_IO_PENDING if a packet will report it, and otherwise
// the error it failed with before it started (no packet will come).
[[nodiscard]] DWORD issue_overlapped(overlapped_request& request, overlapped_handle& target,
                                     io_operation& op) noexcept;

// The Win32/WSA error a dequeued packet's call ended with (0: success), as the synchronous call
// would have failed with.
[[nodiscard]] DWORD overlapped_error(overlapped_request& request,
                                     const overlapped_handle& target) noexcept;

// Fills `op`'s result from its finished call: `error` is 0, the call's error, or
// ERROR_OPERATION_ABORTED for a cancelled one (then `op.cancelled`). An accepted socket becomes
// the caller's; an accept that failed closes the one it had made.
void finish_overlapped(overlapped_request& request, const overlapped_handle& target,
                       io_operation& op, DWORD error, std::size_t transferred) noexcept;

// CancelIoEx on one call, or (request null) on every call on the handle. A call that has just
// finished is not cancelled: its packet is on the way with the real result.
void cancel_overlapped(const overlapped_handle& target, overlapped_request* request) noexcept;

// A connection reset while it waited in the listener's backlog: the peer's loss, not the
// listener's; accept(2) users skip it (ECONNABORTED) and so does the backend.
[[nodiscard]] bool is_reset_while_queued(DWORD error) noexcept;

// Closes the socket a pending AcceptEx made, if any: before the call is issued again, or when
// nobody will collect it.
void discard_accept_socket(overlapped_request& request) noexcept;

} // namespace corio::detail::windows
