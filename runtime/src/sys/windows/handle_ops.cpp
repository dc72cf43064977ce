// SPDX-License-Identifier: MIT
#include "../handle_ops.hpp"

#include <corio/runtime/detail/os_error.hpp>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// winsock2.h before windows.h, which would otherwise pull in the old winsock.h.
#include <winsock2.h>

#include <windows.h>

#include <string>

namespace corio::detail {

void close_native_handle(native_handle_t handle) noexcept {
    // A native_handle_t is a SOCKET or a HANDLE, and the two must be closed differently:
    // closesocket() also releases Winsock's state for the socket. It refuses anything else with
    // WSAENOTSOCK (and fails with WSANOTINITIALISED if no socket was ever made), which is how we
    // tell them apart without remembering the kind of every handle.
    if (::closesocket(static_cast<SOCKET>(handle)) == 0) {
        return;
    }
    const int error = ::WSAGetLastError();
    if (error == WSAENOTSOCK || error == WSANOTINITIALISED) {
        ::CloseHandle(reinterpret_cast<HANDLE>(handle));
    }
}

namespace {

// Win32 and Winsock error codes with std::errc meanings. Messages come from
// std::system_category() (FormatMessage, which knows WSA codes too); equivalence to std::errc
// is the part MinGW's libstdc++ lacks: it maps a handful of Win32 codes and no WSA code.
// This is the one place where corio translates Windows errors; everything that builds an
// error_code from an OS number goes through os_error_code().
struct errc_meaning {
    int code;
    std::errc meaning;
};

constexpr errc_meaning socket_meanings[] = {
    {WSAEINTR, std::errc::interrupted},
    {WSAEBADF, std::errc::bad_file_descriptor},
    {WSAEACCES, std::errc::permission_denied},
    {WSAEFAULT, std::errc::bad_address},
    {WSAEINVAL, std::errc::invalid_argument},
    {WSAEMFILE, std::errc::too_many_files_open},
    {WSAEWOULDBLOCK, std::errc::operation_would_block},
    {WSAEINPROGRESS, std::errc::operation_in_progress},
    {WSAEALREADY, std::errc::connection_already_in_progress},
    {WSAENOTSOCK, std::errc::not_a_socket},
    {WSAEDESTADDRREQ, std::errc::destination_address_required},
    {WSAEMSGSIZE, std::errc::message_size},
    {WSAEPROTOTYPE, std::errc::wrong_protocol_type},
    {WSAENOPROTOOPT, std::errc::no_protocol_option},
    {WSAEPROTONOSUPPORT, std::errc::protocol_not_supported},
    {WSAEOPNOTSUPP, std::errc::operation_not_supported},
    {WSAEAFNOSUPPORT, std::errc::address_family_not_supported},
    {WSAEADDRINUSE, std::errc::address_in_use},
    {WSAEADDRNOTAVAIL, std::errc::address_not_available},
    {WSAENETDOWN, std::errc::network_down},
    {WSAENETUNREACH, std::errc::network_unreachable},
    {WSAENETRESET, std::errc::network_reset},
    {WSAECONNABORTED, std::errc::connection_aborted},
    {WSAECONNRESET, std::errc::connection_reset},
    {WSAENOBUFS, std::errc::no_buffer_space},
    {WSAEISCONN, std::errc::already_connected},
    {WSAENOTCONN, std::errc::not_connected},
    {WSAESHUTDOWN, std::errc::broken_pipe}, // sending after shutdown(SD_SEND): EPIPE
    {WSAETIMEDOUT, std::errc::timed_out},
    {WSAECONNREFUSED, std::errc::connection_refused},
    {WSAENAMETOOLONG, std::errc::filename_too_long},
    {WSAEHOSTUNREACH, std::errc::host_unreachable},
    // The NT names of the same socket failures, as ReadFile/WriteFile and GetOverlappedResult
    // report them (libstdc++ maps ERROR_NETNAME_DELETED to ENOENT).
    {ERROR_NETNAME_DELETED, std::errc::connection_reset},
    {ERROR_CONNECTION_ABORTED, std::errc::connection_aborted},
    {ERROR_CONNECTION_REFUSED, std::errc::connection_refused},
    {ERROR_OPERATION_ABORTED, std::errc::operation_canceled},
};

// std::system_category(), plus the meanings above.
class windows_category final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "windows"; }

    [[nodiscard]] std::string message(int code) const override {
        return std::system_category().message(code);
    }

    [[nodiscard]] std::error_condition default_error_condition(int code) const noexcept override {
        if (const std::errc meaning = socket_meaning(code); meaning != std::errc{}) {
            return std::make_error_condition(meaning);
        }
        return std::system_category().default_error_condition(code);
    }

private:
    static std::errc socket_meaning(int code) noexcept {
        for (const auto& [number, meaning] : socket_meanings) {
            if (number == code) {
                return meaning;
            }
        }
        return std::errc{};
    }
};

} // namespace

std::error_code os_error_code(int error) noexcept {
    static const windows_category category;
    return {error, category};
}

} // namespace corio::detail
