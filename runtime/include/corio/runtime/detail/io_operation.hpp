// SPDX-License-Identifier: MIT
// io_operation.hpp - one I/O request travelling through the reactor.
//
// The reactor seam is completion-style: "start this read on this handle, and tell me when it has
// *finished*, with its result". A readiness backend (epoll, kqueue) emulates that by trying the
// system call at once and retrying it when the handle becomes ready; a completion backend (IOCP,
// io_uring) hands the request to the kernel. Either way the caller sees the same record: the
// request fields going in, `error`/`transferred`/`cancelled` coming out.
// The record lives in the awaiter (inside the waiting coroutine's frame): no allocation per I/O.
// Not thread-safe: owned by one loop.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/native_handle.hpp>

#include <cstddef>
#include <cstdint>

CORIO_EXPORT_BEGIN
namespace corio::detail {

// A handle's state inside one backend (readiness flags and waiting operations for epoll, the
// association for IOCP). Opaque outside the backend that created it.
struct io_registration {
    native_handle_t handle = invalid_native_handle;

protected:
    io_registration() = default;
    ~io_registration() = default;
};

enum class io_kind : std::uint8_t {
    read,    // read(2) / ReadFile: pipes, files, anything byte-oriented
    write,   // write(2) / WriteFile
    receive, // recv(2) / WSARecv: stream sockets
    send,    // send(2) with SIGPIPE suppressed / WSASend
    accept,  // a connected socket from a listening one
    connect, // a stream socket to `address`
    // Stream sockets: waits until input is waiting or the peer has finished sending, consuming
    // nothing (a one-byte recv / WSARecv with MSG_PEEK into the backend's own scratch byte).
    // `transferred` is 1 if bytes are waiting, 0 at end of stream; a reset peer is an error.
    // `buffer` and `length` are unused.
    peek,
    // Datagram sockets. Each call moves exactly one datagram; a datagram larger than the buffer
    // is cut to fit and reported with `truncated` (the rest of it is lost, as the OS does).
    receive_from, // recvmsg(2) / WSARecvFrom; `address`, if not null, receives the sender
    send_to,      // sendto(2) / WSASendTo to `address` (null on a connected socket: its peer)
    // Stream sockets, on backends whose completes_exchanges() is true (io_uring): sends all of
    // `send_buffer`/`send_length`, then receives into `buffer`/`length`, as one operation that is
    // reported once. Send and receive are the socket's two independent directions, so a backend
    // can hand both to the kernel at once and hear back only when the reply has come.
    // `sent_bytes` says how much of the request went out: less than `send_length` means the send
    // failed or came up short (`error` says why, or is 0 when the kernel did not say: the caller
    // sends the rest) and nothing was received. Other backends never see this kind: io_object
    // splits it into a send and a receive (reactor_backend.hpp).
    exchange,
};

// The longest request an exchange may carry (what Linux moves in one call at most); longer ones
// are refused with EINVAL.
inline constexpr std::size_t max_exchange_send = 0x7ffff000;

// io_operation::offset for a write that goes to the end of the file, whatever its size then.
inline constexpr std::uint64_t append_offset = ~std::uint64_t{0};

struct io_operation {
    // ---- request ----
    io_kind kind = io_kind::read;
    io_registration* target = nullptr;
    void* buffer = nullptr; // read/write/receive/send
    std::size_t length = 0;
    // connect, send_to: the peer; accept, receive_from: where to store the peer's address.
    void* address = nullptr;
    std::uint32_t address_length = 0; // accept, receive_from: capacity in, actual length out
    // read/write on a regular file, for backends that complete file I/O (completes_file_io()):
    // the position in the file, or append_offset for "at the end". Pipes and sockets ignore it.
    std::uint64_t offset = 0;
    // exchange: the request sent before the receive (the backend only reads it).
    const void* send_buffer = nullptr;
    std::size_t send_length = 0;

    // ---- result ----
    int error = 0;               // OS error code (errno or Win32/WSA), 0 on success
    bool cancelled = false;      // ended by cancel() or deregistration, not by the OS
    std::size_t transferred = 0; // bytes moved; 0 from a read/receive means end of stream
    bool truncated = false;      // receive_from: the datagram was larger than `length`
    native_handle_t accepted = invalid_native_handle;
    std::size_t sent_bytes = 0; // exchange: bytes of the request that went out

    // Called on the loop thread when a *pending* operation completes (never when start() returned
    // true: then the caller already has the result).
    void (*on_complete)(io_operation&) noexcept = nullptr;

    // ---- private to the backend ----
    void* backend_data = nullptr;
    std::uint32_t backend_flags = 0;
    io_operation* next = nullptr;
    io_operation* prev = nullptr;
};

// An intrusive FIFO of operations, linked through io_operation::next/prev: O(1) push, pop and
// removal from the middle (for cancellation).
class io_operation_list {
public:
    [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
    [[nodiscard]] io_operation* front() const noexcept { return head_; }

    void push_back(io_operation& op) noexcept {
        op.next = nullptr;
        op.prev = tail_;
        if (tail_ != nullptr) {
            tail_->next = &op;
        } else {
            head_ = &op;
        }
        tail_ = &op;
    }
    io_operation* pop_front() noexcept {
        io_operation* op = head_;
        if (op != nullptr) {
            remove(*op);
        }
        return op;
    }
    void remove(io_operation& op) noexcept {
        (op.prev != nullptr ? op.prev->next : head_) = op.next;
        (op.next != nullptr ? op.next->prev : tail_) = op.prev;
        op.next = op.prev = nullptr;
    }
    // Moves every operation of `other` to the back of this list.
    void splice_back(io_operation_list& other) noexcept {
        if (other.head_ == nullptr) {
            return;
        }
        if (tail_ != nullptr) {
            tail_->next = other.head_;
            other.head_->prev = tail_;
        } else {
            head_ = other.head_;
        }
        tail_ = other.tail_;
        other.head_ = other.tail_ = nullptr;
    }

private:
    io_operation* head_ = nullptr;
    io_operation* tail_ = nullptr;
};

} // namespace corio::detail
CORIO_EXPORT_END
