// SPDX-License-Identifier: MIT
#include <corio/runtime/io_object.hpp>

#include <corio/runtime/detail/os_error.hpp>

#include "reactor/reactor_backend.hpp"
#include "sys/handle_ops.hpp"

#include <string>
#include <system_error>
#include <utility>

namespace corio {

namespace detail {

io_awaiter_base::io_awaiter_base(event_loop* loop, io_registration* handle, io_kind operation,
                                 std::optional<event_loop::time_point> deadline) noexcept
    : timer_node(&on_deadline)
    , loop_(loop)
    , deadline_(deadline) {
    kind = operation;
    target = handle;
    on_complete = &on_complete_trampoline;
}

io_awaiter_base::~io_awaiter_base() {
    // Only reached with the operation pending when the whole frame is being destroyed (loop
    // shutdown destroying a stuck task): the backend must forget the operation before its memory
    // goes.
    if (pending_) {
        loop_->reactor().abandon(*this);
    }
}

const char* io_awaiter_base::describe(io_kind operation) noexcept {
    switch (operation) {
    case io_kind::read:
    case io_kind::receive:
    case io_kind::peek:
        return "read";
    case io_kind::write:
    case io_kind::send:
        return "write";
    case io_kind::receive_from:
        return "receive";
    case io_kind::send_to:
        return "send";
    case io_kind::accept:
        return "accept";
    case io_kind::connect:
        return "connect";
    case io_kind::exchange: // check_result() names the step that failed instead
        return "exchange";
    }
    return "io";
}

const suspension_kind& io_awaiter_base::kind_of(io_kind operation) noexcept {
    static constexpr suspension_kind reading{&on_cancel, "read", wait_category::io,
                                             &describe_handle};
    static constexpr suspension_kind writing{&on_cancel, "write", wait_category::io,
                                             &describe_handle};
    static constexpr suspension_kind accepting{&on_cancel, "accept", wait_category::io,
                                               &describe_handle};
    static constexpr suspension_kind connecting{&on_cancel, "connect", wait_category::io,
                                                &describe_handle};
    switch (operation) {
    case io_kind::read:
    case io_kind::receive:
    case io_kind::peek:
    case io_kind::receive_from:
        return reading;
    case io_kind::write:
    case io_kind::send:
    case io_kind::send_to:
        return writing;
    case io_kind::exchange: // it waits for the reply far longer than for the send
        return reading;
    case io_kind::accept:
        return accepting;
    case io_kind::connect:
        return connecting;
    }
    return reading;
}

// "read fd 7": the native handle the operation runs on (on Windows the SOCKET or HANDLE value).
void io_awaiter_base::describe_handle(const suspension& parked, std::string& out) {
    const auto& self = static_cast<const io_awaiter_base&>(parked);
#ifdef _WIN32
    out += " handle ";
#else
    out += " fd ";
#endif
    if (self.target == nullptr || self.target->handle == invalid_native_handle) {
        out += "(closed)";
    } else {
        out += std::to_string(self.target->handle);
    }
}

bool io_awaiter_base::has_next_step() noexcept {
    return next_step_ != nullptr && next_step_(*this);
}

bool io_awaiter_base::start_steps() noexcept {
    while (loop_->reactor().start(*this)) {
        if (!has_next_step()) {
            return false;
        }
    }
    pending_ = true;
    return true;
}

bool io_awaiter_base::begin() {
    if (!start_steps()) {
        // Finished without waiting: carry on, unless this task has had its turn.
        return complete_immediately();
    }
    if (deadline_) {
        loop_->arm_timer(*this, *deadline_);
    }
    return suspend(); // a pending operation reports back through on_complete, never from here
}

void io_awaiter_base::on_deadline(timer_node& timer) noexcept {
    auto& self = static_cast<io_awaiter_base&>(timer);
    self.timed_out_ = true;
    self.loop_->reactor().cancel(self); // reported back through on_complete
}

void io_awaiter_base::on_complete_trampoline(io_operation& op) noexcept {
    auto& self = static_cast<io_awaiter_base&>(op);
    self.pending_ = false;
    if (self.has_next_step()) {
        if (self.interrupted_ || self.timed_out_) {
            // Cut short between two steps: the operation as a whole did not finish.
            op.cancelled = true;
        } else if (self.start_steps()) {
            return; // the next step is pending; the deadline's timer stays armed
        }
    }
    self.disarm();
    if (self.interrupted_ && op.cancelled) {
        self.wake_cancelled();
    } else {
        self.wake(); // finished normally (even if a cancel raced it: the result is delivered)
    }
}

void io_awaiter_base::on_cancel(suspension& parked) noexcept {
    auto& self = static_cast<io_awaiter_base&>(parked);
    self.interrupted_ = true;
    // The operation comes back through on_complete once the backend has really stopped it.
    self.loop_->reactor().cancel(self);
}

void io_awaiter_base::check_result() const {
    resume_or_throw();
    if (cancelled && timed_out_) {
        throw timeout_error(std::string(describe(kind)) + " timed out");
    }
    if (cancelled) {
        throw std::system_error(std::make_error_code(std::errc::operation_canceled),
                                "I/O handle closed while the operation was pending");
    }
    if (error != 0) {
        // An exchange failed in its send if the request did not all go out, else in its receive.
        const io_kind step = kind != io_kind::exchange
                                 ? kind
                                 : (sent_bytes < send_length ? io_kind::send : io_kind::receive);
        throw_os_error(error, describe(step)); // on Windows, WSA codes get their std::errc meanings
    }
}

} // namespace detail

transfer_awaiter::transfer_awaiter(event_loop* loop, detail::io_registration* handle,
                                   detail::io_kind operation, void* data, std::size_t size,
                                   std::optional<event_loop::time_point> deadline,
                                   std::uint64_t file_offset) noexcept
    : io_awaiter_base(loop, handle, operation, deadline) {
    buffer = data;
    length = size;
    offset = file_offset;
}

std::size_t transfer_awaiter::await_resume() const {
    check_result();
    return transferred;
}

exchange_awaiter::exchange_awaiter(event_loop* loop, detail::io_registration* handle,
                                   const void* request, std::size_t request_size, void* reply,
                                   std::size_t reply_size,
                                   std::optional<event_loop::time_point> deadline,
                                   bool linked) noexcept
    : io_awaiter_base(loop, handle, detail::io_kind::send, deadline)
    , request_(static_cast<const std::byte*>(request))
    , request_size_(request_size)
    , reply_(reply)
    , reply_size_(reply_size) {
    set_next_step(&next_step);
    if (request_size == 0) {
        receive_reply(); // nothing to send: an exchange would be refused
    } else if (linked && request_size <= detail::max_exchange_send) {
        kind = detail::io_kind::exchange;
        send_buffer = request_;
        send_length = request_size_;
        buffer = reply_;
        length = reply_size_;
    } else {
        // The reactor only reads from a send buffer; the record has one pointer type.
        buffer = const_cast<std::byte*>(request_);
        length = request_size_;
    }
}

void exchange_awaiter::receive_reply() noexcept {
    kind = detail::io_kind::receive;
    buffer = reply_;
    length = reply_size_;
}

bool exchange_awaiter::next_step(io_awaiter_base& base) noexcept {
    auto& self = static_cast<exchange_awaiter&>(base);
    const bool failed = self.error != 0 || self.cancelled;
    switch (self.kind) {
    case detail::io_kind::exchange:
        self.request_sent_ += self.sent_bytes;
        if (failed || self.request_sent_ == self.request_size_) {
            return false; // failed, or the reply is in
        }
        // A short send the kernel gave no reason for: send the rest, in another exchange.
        self.send_buffer = self.request_ + self.request_sent_;
        self.send_length = self.request_size_ - self.request_sent_;
        return true;
    case detail::io_kind::send:
        self.request_sent_ += self.transferred;
        if (failed) {
            return false;
        }
        if (self.request_sent_ < self.request_size_) {
            self.buffer = const_cast<std::byte*>(self.request_ + self.request_sent_);
            self.length = self.request_size_ - self.request_sent_;
            return true;
        }
        self.receive_reply();
        return true;
    default:
        return false; // the receive: done
    }
}

std::size_t exchange_awaiter::await_resume() const {
    check_result();
    return transferred;
}

accept_awaiter::accept_awaiter(event_loop* loop, detail::io_registration* handle,
                               void* peer_address, std::uint32_t capacity,
                               std::optional<event_loop::time_point> deadline) noexcept
    : io_awaiter_base(loop, handle, detail::io_kind::accept, deadline) {
    address = peer_address;
    address_length = capacity;
}

accepted_handle accept_awaiter::await_resume() const {
    check_result();
    return {accepted, address_length};
}

connect_awaiter::connect_awaiter(event_loop* loop, detail::io_registration* handle,
                                 const void* peer_address, std::uint32_t peer_length,
                                 std::optional<event_loop::time_point> deadline) noexcept
    : io_awaiter_base(loop, handle, detail::io_kind::connect, deadline) {
    address = const_cast<void*>(peer_address); // connect only reads it
    address_length = peer_length;
}

void connect_awaiter::await_resume() const {
    check_result();
}

receive_from_awaiter::receive_from_awaiter(event_loop* loop, detail::io_registration* handle,
                                           void* data, std::size_t size, void* sender_address,
                                           std::uint32_t capacity,
                                           std::optional<event_loop::time_point> deadline) noexcept
    : io_awaiter_base(loop, handle, detail::io_kind::receive_from, deadline) {
    buffer = data;
    length = size;
    address = sender_address;
    address_length = sender_address != nullptr ? capacity : 0;
}

received_datagram receive_from_awaiter::await_resume() const {
    check_result();
    return {transferred, truncated, address != nullptr ? address_length : 0};
}

send_to_awaiter::send_to_awaiter(event_loop* loop, detail::io_registration* handle,
                                 const void* data, std::size_t size, const void* peer_address,
                                 std::uint32_t peer_length,
                                 std::optional<event_loop::time_point> deadline) noexcept
    : io_awaiter_base(loop, handle, detail::io_kind::send_to, deadline) {
    // The reactor only reads both; the record has one pointer type for either direction.
    buffer = const_cast<void*>(data);
    length = size;
    address = const_cast<void*>(peer_address);
    address_length = peer_address != nullptr ? peer_length : 0;
}

std::size_t send_to_awaiter::await_resume() const {
    check_result();
    return transferred;
}

io_object::io_object(native_handle_t handle)
    : loop_(&event_loop::current())
    , handle_(handle) {
    try {
        registration_ = &loop_->reactor().register_handle(handle);
    } catch (...) {
        detail::close_native_handle(handle);
        handle_ = invalid_native_handle;
        throw;
    }
}

io_object::io_object(io_object&& other) noexcept
    : loop_(std::exchange(other.loop_, nullptr))
    , registration_(std::exchange(other.registration_, nullptr))
    , handle_(std::exchange(other.handle_, invalid_native_handle)) {}

io_object& io_object::operator=(io_object&& other) noexcept {
    if (this != &other) {
        close();
        loop_ = std::exchange(other.loop_, nullptr);
        registration_ = std::exchange(other.registration_, nullptr);
        handle_ = std::exchange(other.handle_, invalid_native_handle);
    }
    return *this;
}

native_handle_t io_object::release() noexcept {
    if (registration_ != nullptr) {
        loop_->reactor().deregister_handle(*registration_);
        registration_ = nullptr;
    }
    return std::exchange(handle_, invalid_native_handle);
}

void io_object::close() noexcept {
    if (const native_handle_t handle = release(); handle != invalid_native_handle) {
        detail::close_native_handle(handle);
    }
}

void io_object::require_open() const {
    if (registration_ == nullptr) {
        throw usage_error("I/O on a closed corio::io_object");
    }
}

void io_object::require_positional_io() const {
    require_open();
    if (!loop_->reactor().completes_file_io()) {
        throw usage_error(std::string("positional file I/O through the ") +
                          std::string(loop_->reactor().name()) +
                          " reactor: it does not complete file I/O (corio::file uses the blocking "
                          "pool there)");
    }
}

transfer_awaiter io_object::read_some(std::span<std::byte> buffer, deadline until) {
    require_open();
    return {loop_, registration_, detail::io_kind::read, buffer.data(), buffer.size(), until};
}

transfer_awaiter io_object::write_some(std::span<const std::byte> data, deadline until) {
    require_open();
    // The reactor only reads from a write buffer; the record just has one pointer type.
    return {loop_,       registration_, detail::io_kind::write, const_cast<std::byte*>(data.data()),
            data.size(), until};
}

transfer_awaiter io_object::receive_some(std::span<std::byte> buffer, deadline until) {
    require_open();
    return {loop_, registration_, detail::io_kind::receive, buffer.data(), buffer.size(), until};
}

transfer_awaiter io_object::send_some(std::span<const std::byte> data, deadline until) {
    require_open();
    return {loop_,       registration_, detail::io_kind::send, const_cast<std::byte*>(data.data()),
            data.size(), until};
}

exchange_awaiter io_object::send_then_receive(std::span<const std::byte> request,
                                              std::span<std::byte> reply, deadline until) {
    require_open();
    return {loop_,        registration_, request.data(), request.size(),
            reply.data(), reply.size(),  until,          loop_->reactor().completes_exchanges()};
}

transfer_awaiter io_object::read_some_at(std::uint64_t offset, std::span<std::byte> buffer,
                                         deadline until) {
    require_positional_io();
    return {loop_, registration_, detail::io_kind::read, buffer.data(), buffer.size(),
            until, offset};
}

transfer_awaiter io_object::write_some_at(std::uint64_t offset, std::span<const std::byte> data,
                                          deadline until) {
    require_positional_io();
    return {loop_,
            registration_,
            detail::io_kind::write,
            const_cast<std::byte*>(data.data()),
            data.size(),
            until,
            offset};
}

transfer_awaiter io_object::wait_for_input(deadline until) {
    require_open();
    return {loop_, registration_, detail::io_kind::peek, nullptr, 0, until};
}

accept_awaiter io_object::accept(void* peer_address, std::uint32_t capacity, deadline until) {
    require_open();
    return {loop_, registration_, peer_address, capacity, until};
}

connect_awaiter io_object::connect(const void* peer_address, std::uint32_t length, deadline until) {
    require_open();
    return {loop_, registration_, peer_address, length, until};
}

receive_from_awaiter io_object::receive_from(std::span<std::byte> buffer, void* sender_address,
                                             std::uint32_t capacity, deadline until) {
    require_open();
    return {loop_, registration_, buffer.data(), buffer.size(), sender_address, capacity, until};
}

send_to_awaiter io_object::send_to(std::span<const std::byte> data, const void* peer_address,
                                   std::uint32_t length, deadline until) {
    require_open();
    return {loop_, registration_, data.data(), data.size(), peer_address, length, until};
}

} // namespace corio
