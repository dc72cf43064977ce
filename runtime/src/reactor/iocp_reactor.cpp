// SPDX-License-Identifier: MIT
#include "iocp_reactor.hpp"

#include "../sys/windows/overlapped_calls.hpp"
#include "../sys/windows/winsock_startup.hpp"

#include <corio/runtime/detail/os_error.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <system_error>
#include <type_traits>

namespace corio::detail {

namespace {

// Completion key of wake-up packets; registrations use their own (non-null) address.
constexpr ULONG_PTR wake_key = 0;
constexpr ULONG max_packets_per_wait = 128;

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

} // namespace

struct iocp_reactor::registration final : completion_registration {
    windows::overlapped_handle calls;
    // FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is in force: a call that returns success queues nothing.
    bool skips_port_on_success = false;
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
    // slots and registrations are freed. slots_ leaks what is still in flight after that.
    DWORD error = 0;
    while (slots_.any_in_kernel() && dequeue(0, error)) {
    }
    ::CloseHandle(port_);
}

io_registration& iocp_reactor::register_handle(native_handle_t handle) {
    auto state = std::make_unique<registration>();
    state->handle = handle;
    bool may_skip = false;
    state->calls = windows::describe_handle(handle, may_skip);
    if (::CreateIoCompletionPort(state->calls.file(), port_,
                                 reinterpret_cast<ULONG_PTR>(state.get()), 0) == nullptr) {
        throw_os_error(static_cast<int>(::GetLastError()), "CreateIoCompletionPort(handle)");
    }
    const UCHAR modes =
        FILE_SKIP_SET_EVENT_ON_HANDLE | (may_skip ? FILE_SKIP_COMPLETION_PORT_ON_SUCCESS : 0);
    state->skips_port_on_success =
        may_skip && ::SetFileCompletionNotificationModes(state->calls.file(), modes) != FALSE;
    return slots_.adopt(std::move(state));
}

void iocp_reactor::deregister_handle(io_registration& base) noexcept {
    auto& state = static_cast<registration&>(base);
    if (slots_.deregister(state)) {
        // Every pending operation comes back through the port, as cancelled; the registration is
        // the packets' completion key, so it lives until the last one has been dequeued.
        windows::cancel_overlapped(state.calls, nullptr);
    }
}

bool iocp_reactor::start(io_operation& op) noexcept {
    static_assert(std::is_standard_layout_v<slot> && offsetof(slot, kernel) == 0 &&
                      offsetof(windows::overlapped_request, overlapped) == 0,
                  "the port's OVERLAPPED* must convert back to its slot");
    slot* request = slots_.acquire(op);
    if (request == nullptr) {
        op.error = ERROR_NOT_ENOUGH_MEMORY;
        return true;
    }
    if (issue(*request) == issue_result::finished) {
        slots_.finished_at_once(*request);
        return true;
    }
    request->in_kernel = true;
    return false;
}

iocp_reactor::issue_result iocp_reactor::issue(slot& request) noexcept {
    registration& owner = *request.owner;
    const DWORD error = windows::issue_overlapped(request.kernel, owner.calls, *request.op);
    if (error == ERROR_IO_PENDING || (error == 0 && !owner.skips_port_on_success)) {
        return issue_result::pending; // a packet will come
    }
    // Succeeded at once with no packet to come, or failed before it started (no packet either).
    // That includes a datagram truncated at once (WSAEMSGSIZE, finished as `truncated`):
    // WSARecvFrom's documentation says any error but WSA_IO_PENDING means no completion
    // indication, and Wine queues none.
    finish(request, error, error == 0 ? request.kernel.overlapped.InternalHigh : 0);
    return issue_result::finished;
}

void iocp_reactor::finish(slot& done, DWORD error, std::size_t transferred) noexcept {
    io_operation& op = *done.op;
    windows::finish_overlapped(done.kernel, done.owner->calls, op, error, transferred);
    if (done.owner->deregistered && op.error != 0) {
        // The contract: deregistration completes pending operations as cancelled, whatever
        // closing the handle under them made the kernel say.
        op.error = 0;
        op.cancelled = true;
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
    // The OVERLAPPED is the first member of the request, itself the first member of the slot.
    slot& done = *reinterpret_cast<slot*>(overlapped);
    const registration& owner = *done.owner;
    const DWORD error = windows::overlapped_error(done.kernel, owner.calls);
    if (done.op == nullptr) {
        windows::discard_accept_socket(done.kernel);
        slots_.release(done); // orphaned by abandon(), which is waiting for exactly this
        return;
    }
    if (done.op->kind == io_kind::accept && error != 0 && windows::is_reset_while_queued(error) &&
        !done.cancel_requested && !owner.deregistered) {
        // The connection died in the backlog (issue_overlapped() skips those it meets at once):
        // accept the next one.
        windows::discard_accept_socket(done.kernel);
        if (issue(done) == issue_result::pending) {
            return;
        }
    } else {
        finish(done, error, transferred);
    }
    slots_.report(done);
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
    // If it has just finished, its packet is on the way, with the real result.
    windows::cancel_overlapped(request.owner->calls, &request.kernel);
}

void iocp_reactor::abandon(io_operation& op) noexcept {
    if (op.backend_data == nullptr) {
        // Finished, and perhaps dequeued by an earlier abandon() and waiting to be reported.
        slots_.forget_finished(op);
        return;
    }
    slot& request = slots_.orphan(op); // its packet is recycled, never reported
    request.cancel_requested = true;
    windows::cancel_overlapped(request.owner->calls, &request.kernel);
    // The kernel may write into the caller's buffer until the operation completes. With
    // FILE_SKIP_SET_EVENT_ON_HANDLE there is no event to wait on, but the packet always comes to
    // our port: dequeue until it has (other packets wait for the next wait()).
    while (request.in_kernel) {
        DWORD error = 0;
        if (!dequeue(INFINITE, error) && error != 0) {
            return; // the port itself failed: nothing more can arrive on it
        }
    }
}

void iocp_reactor::wait(std::optional<std::chrono::nanoseconds> timeout,
                        io_operation_list& completed) {
    if (slots_.has_finished() || woken_) {
        timeout = std::chrono::nanoseconds::zero();
    }
    woken_ = false;
    DWORD error = 0;
    if (!dequeue(timeout_in_ms(timeout), error) && error != 0) {
        throw_os_error(static_cast<int>(error), "GetQueuedCompletionStatusEx");
    }
    woken_ = false; // a wake-up dequeued just now has done its job: this wait returns
    slots_.take_finished(completed);
}

void iocp_reactor::wake() noexcept {
    if (!wake_pending_.exchange(true)) {
        ::PostQueuedCompletionStatus(port_, 0, wake_key, nullptr);
    }
}

} // namespace corio::detail
