// SPDX-License-Identifier: MIT
// io_object.hpp - an OS handle registered with the loop's reactor, with awaitable I/O on it.
//
//     corio::io_object pipe_end{fd};                          // takes ownership of fd
//     std::size_t n = co_await pipe_end.read_some(buffer);    // 0 means end of stream
//
// This is the runtime's whole I/O surface; corio::net builds sockets on it. Each operation is
// *started* on the reactor and the task resumes with the *result* (completion-style, so the same
// code runs on epoll, kqueue and IOCP). If the data is already there, the operation completes
// without suspending, but after loop_options::immediate_completion_budget such completions in a row
// the task yields anyway. Each operation takes an optional deadline: if it is still pending then,
// it is cancelled and throws corio::timeout_error (a timer in the awaiter, no extra task).
// Errors throw std::system_error; cancelling the task throws cancelled_error; closing the handle
// under a pending operation fails it with std::errc::operation_canceled. An operation record
// lives in its awaiter: no allocation per I/O.
// Not thread-safe: use an io_object only on the thread of the loop it was created on.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/io_operation.hpp>
#include <corio/runtime/detail/timer_node.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/native_handle.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

CORIO_EXPORT_BEGIN
namespace corio {

// The outcome of accept(): the new connection's handle (ready for this platform's reactor) and
// the size of the peer address written into the caller's storage.
struct accepted_handle {
    native_handle_t handle = invalid_native_handle;
    std::uint32_t address_length = 0;
};

// The outcome of receive_from(): one datagram. `size` bytes were copied into the buffer; when
// `truncated`, the datagram was longer and the rest of it is lost. `address_length` is the size
// of the sender's address written into the caller's storage (0 if none was asked for).
struct received_datagram {
    std::size_t size = 0;
    bool truncated = false;
    std::uint32_t address_length = 0;
};

class io_object;

namespace detail {

// No deadline: wait as long as it takes.
inline constexpr std::optional<event_loop::time_point> no_deadline{};

// The awaiter shared by every operation kind; the operation's result is read out by await_resume.
class io_awaiter_base : protected waiter, protected io_operation, private timer_node {
public:
    io_awaiter_base(io_awaiter_base&&) noexcept = default; // before it is awaited only
    io_awaiter_base(const io_awaiter_base&) = delete;
    io_awaiter_base& operator=(const io_awaiter_base&) = delete;
    ~io_awaiter_base();

    [[nodiscard]] bool await_ready() const noexcept { return false; }
    template <corio_promise Promise>
    bool await_suspend(std::coroutine_handle<Promise> coroutine) {
        if (!park(coroutine, kind_of(kind))) {
            return false;
        }
        return begin();
    }

protected:
    io_awaiter_base(event_loop* loop, io_registration* handle, io_kind operation,
                    std::optional<event_loop::time_point> deadline) noexcept;
    // Throws for cancellation, timeout, closure or an OS error; otherwise the caller reads the
    // result.
    void check_result() const;

    // For an awaiter whose operation takes several steps (exchange_awaiter: a send, then a
    // receive). Called whenever a step has finished, to account for it: returns true once it has
    // set up the next step (never after an error or a cancellation), which is then started at
    // once, from the completion, without resuming the task. The deadline covers every step; a
    // cancellation or deadline that arrives between two steps ends the whole operation as cancelled
    // or timed out.
    using next_step_function = bool (*)(io_awaiter_base&) noexcept;
    void set_next_step(next_step_function next_step) noexcept { next_step_ = next_step; }

private:
    static const char* describe(io_kind operation) noexcept;
    static const suspension_kind& kind_of(io_kind operation) noexcept;
    static void describe_handle(const suspension& parked, std::string& out);
    static void on_complete_trampoline(io_operation& op) noexcept;
    static void on_cancel(suspension& parked) noexcept;
    static void on_deadline(timer_node& timer) noexcept;
    bool begin();
    // Starts the operation, and each next step that finishes at once: true if one is pending.
    bool start_steps() noexcept;
    [[nodiscard]] bool has_next_step() noexcept;

    event_loop* loop_;
    next_step_function next_step_ = nullptr;
    std::optional<event_loop::time_point> deadline_;
    bool pending_ = false;     // started on the reactor and not reported back yet
    bool interrupted_ = false; // the task was cancelled while the operation was pending
    bool timed_out_ = false;   // the deadline passed while the operation was pending
};

} // namespace detail

// read_some/write_some/receive_some/send_some: bytes transferred (0 from a read = end of stream).
class [[nodiscard]] transfer_awaiter : public detail::io_awaiter_base {
public:
    transfer_awaiter(event_loop* loop, detail::io_registration* handle, detail::io_kind operation,
                     void* data, std::size_t size, std::optional<event_loop::time_point> deadline,
                     std::uint64_t file_offset = 0) noexcept;
    std::size_t await_resume() const;
};

class [[nodiscard]] accept_awaiter : public detail::io_awaiter_base {
public:
    accept_awaiter(event_loop* loop, detail::io_registration* handle, void* peer_address,
                   std::uint32_t capacity, std::optional<event_loop::time_point> deadline) noexcept;
    accepted_handle await_resume() const;
};

class [[nodiscard]] connect_awaiter : public detail::io_awaiter_base {
public:
    connect_awaiter(event_loop* loop, detail::io_registration* handle, const void* peer_address,
                    std::uint32_t peer_length,
                    std::optional<event_loop::time_point> deadline) noexcept;
    void await_resume() const;
};

class [[nodiscard]] receive_from_awaiter : public detail::io_awaiter_base {
public:
    receive_from_awaiter(event_loop* loop, detail::io_registration* handle, void* data,
                         std::size_t size, void* sender_address, std::uint32_t capacity,
                         std::optional<event_loop::time_point> deadline) noexcept;
    received_datagram await_resume() const;
};

// send_then_receive: sends all of a request, then receives what has arrived of the reply (at
// least one byte, or 0 once the peer has finished sending). On a backend that completes exchanges
// (io_uring) it is one reactor operation, so the request and its reply cost one system call;
// elsewhere it is a send and then a receive, the receive started from the send's completion.
// sent() says how much of the request went out, also after a failure: all of it means the failure
// was the reply's. Keep the awaiter in a variable to read it after an exception.
class [[nodiscard]] exchange_awaiter : public detail::io_awaiter_base {
public:
    exchange_awaiter(event_loop* loop, detail::io_registration* handle, const void* request,
                     std::size_t request_size, void* reply, std::size_t reply_size,
                     std::optional<event_loop::time_point> deadline, bool linked) noexcept;
    std::size_t await_resume() const;
    [[nodiscard]] std::size_t sent() const noexcept { return request_sent_; }

private:
    static bool next_step(io_awaiter_base& self) noexcept;
    void receive_reply() noexcept;

    const std::byte* request_;
    std::size_t request_size_;
    void* reply_;
    std::size_t reply_size_;
    std::size_t request_sent_ = 0;
};

// send_to: bytes sent, which for a datagram socket is the whole datagram.
class [[nodiscard]] send_to_awaiter : public detail::io_awaiter_base {
public:
    send_to_awaiter(event_loop* loop, detail::io_registration* handle, const void* data,
                    std::size_t size, const void* peer_address, std::uint32_t peer_length,
                    std::optional<event_loop::time_point> deadline) noexcept;
    std::size_t await_resume() const;
};

class io_object {
public:
    io_object() noexcept = default;
    // Takes ownership of `handle` and registers it with the current thread's loop. The handle must
    // be non-blocking on POSIX and overlapped on Windows (corio::net creates sockets that way).
    explicit io_object(native_handle_t handle);
    io_object(io_object&& other) noexcept;
    io_object& operator=(io_object&& other) noexcept;
    io_object(const io_object&) = delete;
    io_object& operator=(const io_object&) = delete;
    ~io_object() { close(); }

    [[nodiscard]] bool is_open() const noexcept { return handle_ != invalid_native_handle; }
    [[nodiscard]] native_handle_t native_handle() const noexcept { return handle_; }

    // Deregisters and closes the handle. Operations still pending fail with operation_canceled.
    void close() noexcept;
    // Deregisters the handle and gives up ownership without closing it.
    native_handle_t release() noexcept;

    using deadline = std::optional<event_loop::time_point>;

    transfer_awaiter read_some(std::span<std::byte> buffer, deadline until = detail::no_deadline);
    transfer_awaiter write_some(std::span<const std::byte> data,
                                deadline until = detail::no_deadline);
    // Sockets: recv(2)/send(2); a send to a reset peer fails with EPIPE instead of raising SIGPIPE.
    transfer_awaiter receive_some(std::span<std::byte> buffer,
                                  deadline until = detail::no_deadline);
    transfer_awaiter send_some(std::span<const std::byte> data,
                               deadline until = detail::no_deadline);
    // Stream sockets: all of `request`, then what arrives of the reply (exchange_awaiter above).
    // Both buffers must stay valid until the operation is over.
    exchange_awaiter send_then_receive(std::span<const std::byte> request,
                                       std::span<std::byte> reply,
                                       deadline until = detail::no_deadline);
    // Regular files, on backends that complete file I/O (IOCP; not epoll or kqueue, where
    // corio::file uses the blocking pool): read/write at `offset` (detail::append_offset: at the
    // end), without a file position.
    transfer_awaiter read_some_at(std::uint64_t offset, std::span<std::byte> buffer,
                                  deadline until = detail::no_deadline);
    transfer_awaiter write_some_at(std::uint64_t offset, std::span<const std::byte> data,
                                   deadline until = detail::no_deadline);
    // Stream sockets: waits until input is waiting or the peer has finished sending, and reads
    // nothing (MSG_PEEK): 1 if bytes are waiting, 0 at end of stream. A reset peer throws
    // std::system_error. For noticing that a peer left while nothing is being read; once it
    // returns 1 it keeps returning 1 at once until the input is read, so do not loop on it.
    transfer_awaiter wait_for_input(deadline until = detail::no_deadline);
    accept_awaiter accept(void* peer_address, std::uint32_t capacity,
                          deadline until = detail::no_deadline);
    connect_awaiter connect(const void* peer_address, std::uint32_t length,
                            deadline until = detail::no_deadline);
    // Datagram sockets: one datagram per call. `sender_address` (may be null) receives the
    // sender; `peer_address` null sends to a connected socket's peer. Both address buffers must
    // stay valid until the operation is over (they belong to the awaiting frame).
    receive_from_awaiter receive_from(std::span<std::byte> buffer, void* sender_address,
                                      std::uint32_t capacity, deadline until = detail::no_deadline);
    send_to_awaiter send_to(std::span<const std::byte> data, const void* peer_address,
                            std::uint32_t length, deadline until = detail::no_deadline);

private:
    void require_open() const;
    void require_positional_io() const;

    event_loop* loop_ = nullptr;
    detail::io_registration* registration_ = nullptr;
    native_handle_t handle_ = invalid_native_handle;
};

} // namespace corio
CORIO_EXPORT_END
