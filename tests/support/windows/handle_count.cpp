// SPDX-License-Identifier: MIT
// open_fd_count() on Windows: the number of open *file* handles of this process, the closest
// thing to POSIX descriptors: sockets, pipes, files and devices, but not threads, events or
// completion ports (those are no descriptors on POSIX either, except that epoll and eventfd
// are). A leaked socket or pipe end shows up as one more, like a leaked descriptor on POSIX.
//
// Not GetProcessHandleCount: it counts every kernel object, including the ones the C runtime,
// winpthreads and Winsock create on first use and keep (the first test to start a thread would
// look like a leak), and Wine's always reports 0. Instead the handle table is walked: handle
// values are multiples of 4 handed out from the low end, GetHandleInformation succeeds exactly for
// open ones, and GetFileType tells files from other objects. The walk stops after a long run of
// unused values; a handle beyond such a gap would go uncounted, which can hide a leak but never
// invent one.
#include "support/leak_check.hpp"
#include "support/socket_helpers.hpp"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
// winsock2.h before windows.h, which would otherwise pull in the old winsock.h.
#include <winsock2.h>

#include <windows.h>

#include <cstddef>
#include <cstdint>

namespace corio_test {

namespace {

// Winsock may open a device handle of its own for the first socket, connection or overlapped
// operation and keep it: do each once before the first count, so no test is blamed for it.
void open_lazy_handles() {
    static const bool opened = [] {
        const auto [a, b] = stream_socket_pair(); // starts Winsock, connects, accepts
        HANDLE port = ::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
        const auto socket = static_cast<SOCKET>(a);
        if (port != nullptr &&
            ::CreateIoCompletionPort(reinterpret_cast<HANDLE>(socket), port, 1, 0) != nullptr) {
            char byte = 0;
            WSABUF buffer{1, &byte};
            DWORD flags = 0;
            OVERLAPPED overlapped{};
            // A receive that stays pending until cancelled, then collected from the port.
            if (::WSARecv(socket, &buffer, 1, nullptr, &flags, &overlapped, nullptr) == 0 ||
                ::WSAGetLastError() == WSA_IO_PENDING) {
                ::CancelIoEx(reinterpret_cast<HANDLE>(socket), &overlapped);
                DWORD transferred = 0;
                ULONG_PTR key = 0;
                OVERLAPPED* done = nullptr;
                ::GetQueuedCompletionStatus(port, &transferred, &key, &done, 5000);
            }
        }
        close_handle(a);
        close_handle(b);
        if (port != nullptr) {
            ::CloseHandle(port);
        }
        return true;
    }();
    (void)opened;
}

} // namespace

std::size_t open_fd_count() {
    open_lazy_handles();
    constexpr unsigned max_unused_in_a_row = 512;
    std::size_t files = 0;
    unsigned unused = 0;
    for (std::uintptr_t value = 4; unused < max_unused_in_a_row; value += 4) {
        const auto handle = reinterpret_cast<HANDLE>(value);
        DWORD flags = 0;
        if (::GetHandleInformation(handle, &flags) == FALSE) {
            ++unused;
            continue;
        }
        unused = 0;
        if (::GetFileType(handle) != FILE_TYPE_UNKNOWN) {
            ++files;
        }
    }
    return files;
}

} // namespace corio_test
