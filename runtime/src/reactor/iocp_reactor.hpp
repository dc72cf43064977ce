// SPDX-License-Identifier: MIT
// iocp_reactor.hpp - the Windows backend: an I/O completion port (IOCP), the native
// completion-style facility the reactor contract is modelled on.
//
// Completion model. Every registered handle is associated with one port (CreateIoCompletionPort,
// completion key = its registration). start() issues the overlapped call (WSARecv, WSASend,
// ReadFile, WriteFile, AcceptEx, ConnectEx) and returns; when the kernel finishes it, a packet
// naming the OVERLAPPED is queued on the port, and wait() dequeues a batch of them
// (GetQueuedCompletionStatusEx) and hands the finished operations back.
// https://learn.microsoft.com/windows/win32/fileio/i-o-completion-ports
//
// Immediate completion. Handles are put in FILE_SKIP_COMPLETION_PORT_ON_SUCCESS mode, so a call
// that *returns success* queues no packet and start() reports it finished at once (data already in
// the socket costs no port round trip). Only a real success return counts: ERROR_IO_PENDING means
// a packet will come. Sockets keep the default (always queue a packet) when a non-IFS layered
// service provider is installed, as the documentation requires; start() then reports them pending.
// https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-setfilecompletionnotificationmodes
//
// Overlapped slots. The OVERLAPPED, WSABUF, AcceptEx buffers and accept socket of a started
// operation (a windows::overlapped_request) live in a slot from a backend-owned free list
// (completion_slots.hpp, shared with io_uring_reactor), not in the io_operation, so that the
// kernel never writes into the caller's memory after abandon() (below) and an operation record
// stays small and portable. op.backend_data points at the slot while the operation is pending.
//
// Files. This file is the port: creating it, associating handles, dequeuing packets, wake-ups,
// and what happens to a slot when its packet arrives. The per-operation calls (WSARecv ...
// ConnectEx, CancelIoEx, reading a packet's error, turning a finished call into a result) are in
// sys/windows/overlapped_calls.{hpp,cpp}; Winsock's start-up, shared with net, is in
// sys/windows/winsock_startup.hpp.
//
// Cancellation. cancel() is CancelIoEx on that one OVERLAPPED; the operation still comes back
// through the port, as ERROR_OPERATION_ABORTED (reported `cancelled`) or with its real result if
// the kernel had already finished it. abandon() cancels the same way and then *waits* for the
// packet: FILE_SKIP_SET_EVENT_ON_HANDLE leaves neither the handle nor an event to wait on (so
// GetOverlappedResult(TRUE) could block forever), but the packet always comes to our port, so
// abandon() dequeues until it arrives and keeps the other packets for the next wait(). After that
// the kernel is done with the buffer. deregister_handle() cancels everything on the handle
// (CancelIoEx with no OVERLAPPED) and keeps the registration alive, counted, until its last packet
// has been dequeued: the packets carry it as their completion key.
// https://learn.microsoft.com/windows/win32/fileio/cancelioex-func
//
// Wake-ups. wake() posts a packet with a reserved key (PostQueuedCompletionStatus), deduplicated by
// an atomic flag so a burst of post() calls costs one packet.
//
// Quirks.
//  * AcceptEx needs the accepted socket created in advance (of the listener's family), and the new
//    socket only behaves like an accept()ed one after SO_UPDATE_ACCEPT_CONTEXT; the peer address
//    comes from GetAcceptExSockaddrs. A connection reset while it waited in the backlog fails the
//    AcceptEx; the backend issues it again, as accept(2) users skip ECONNABORTED.
//    https://learn.microsoft.com/windows/win32/api/mswsock/nf-mswsock-acceptex
//  * ConnectEx requires a bound socket (the backend binds the wildcard address, port 0) and
//    SO_UPDATE_CONNECT_CONTEXT afterwards for shutdown()/getpeername() to work.
//    https://learn.microsoft.com/windows/win32/api/mswsock/nc-mswsock-lpfn_connectex
//  * Both are extension functions, loaded per socket provider with
//    WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER).
//  * WSARecvFrom reports a datagram larger than the buffer as WSAEMSGSIZE (synchronously, then
//    with no packet, as for every error but WSA_IO_PENDING; or in its packet), with the buffer
//    filled: the backend reports it as a success with `truncated`. The sender's address and
//    WSASendTo's peer are copied through the slot.
//  * A pipe whose writer has gone reports ERROR_BROKEN_PIPE to ReadFile: that is end of stream.
//  * Results are Win32/WSA error codes; detail::os_error_code() gives them std::errc meanings.
//  * A handle stays associated with its port until it is closed (Windows has no supported way to
//    undo CreateIoCompletionPort before 8.1): a released handle cannot join another loop.
//  * GetQueuedCompletionStatusEx's timeout has the system timer's resolution (15.6 ms unless a
//    process raised it with timeBeginPeriod); a wait that ends early only costs the loop a turn.
#pragma once

#include "completion_slots.hpp"
#include "reactor_backend.hpp"

#include <atomic>
#include <cstddef>
#include <type_traits>

namespace corio::detail {

// Defined in sys/windows/overlapped_calls.hpp: this header stays free of <windows.h>.
namespace windows {
struct overlapped_request;
}

class iocp_reactor final : public reactor_backend {
public:
    iocp_reactor();
    ~iocp_reactor() override;

    [[nodiscard]] std::string_view name() const noexcept override { return "iocp"; }
    // Overlapped ReadFile/WriteFile at the OVERLAPPED's offset.
    [[nodiscard]] bool completes_file_io() const noexcept override { return true; }
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
        return slots_.registrations();
    }
    [[nodiscard]] std::size_t pending_operations() const noexcept override {
        return slots_.pending();
    }

private:
    struct registration;
    using slot = completion_slot<windows::overlapped_request, registration>;
    enum class issue_result : unsigned char { finished, pending };

    // Win32 types spelled without <windows.h>: DWORD is unsigned long, OVERLAPPED* is void*.
    issue_result issue(slot& request) noexcept;
    void finish(slot& done, unsigned long error, std::size_t transferred) noexcept;
    bool dequeue(unsigned long timeout_ms, unsigned long& error) noexcept;
    void on_packet(void* overlapped, std::size_t transferred) noexcept;

    void* port_ = nullptr; // the completion port's HANDLE
    std::atomic<bool> wake_pending_{false};
    bool woken_ =
        false; // a wake-up packet was dequeued by abandon(): the next wait() must not block
    completion_slots<windows::overlapped_request, registration> slots_;
};

static_assert(!std::is_abstract_v<iocp_reactor>, "iocp_reactor implements the whole contract");

} // namespace corio::detail
