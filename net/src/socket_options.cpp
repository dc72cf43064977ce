// SPDX-License-Identifier: MIT
// The socket options of socket_options.hpp. One file for every platform: the calls are the same
// (setsockopt/getsockopt), only the option names, value types and error numbers differ, and
// those are settled at the top.
#include <corio/net/socket_options.hpp>

#include <corio/runtime/detail/os_error.hpp>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
// After winsock2.h, which it needs.
#include <mstcpip.h>
#else
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

#include <limits>

namespace corio::net::socket_options {

namespace {

#if defined(_WIN32)
using socket_type = SOCKET;
using length_type = int;
int last_error() noexcept {
    return ::WSAGetLastError();
}
#else
using socket_type = int;
using length_type = socklen_t;
int last_error() noexcept {
    return errno;
}
#endif

socket_type as_socket(native_handle_t handle) noexcept {
    return static_cast<socket_type>(handle);
}

[[noreturn]] void fail(const char* option, const char* call) {
    const std::error_code code = corio::detail::os_error_code(last_error());
    throw socket_option_error(option, code, std::string(call) + ": " + code.message());
}

[[maybe_unused]] [[noreturn]] void unsupported(const char* option, const char* why) {
    throw socket_option_error(option, std::make_error_code(std::errc::not_supported), why);
}

template <class Value>
void set_value(native_handle_t socket, int level, int name, const Value& value,
               const char* option) {
    if (::setsockopt(as_socket(socket), level, name, reinterpret_cast<const char*>(&value),
                     static_cast<length_type>(sizeof value)) != 0) {
        fail(option, "setsockopt");
    }
}

template <class Value>
Value get_value(native_handle_t socket, int level, int name, const char* option) {
    Value value{};
    length_type length = sizeof value;
    if (::getsockopt(as_socket(socket), level, name, reinterpret_cast<char*>(&value), &length) !=
        0) {
        fail(option, "getsockopt");
    }
    return value;
}

// Booleans and counts are ints on POSIX; Windows takes a BOOL or DWORD of the same size.
void set_int(native_handle_t socket, int level, int name, int value, const char* option) {
    set_value(socket, level, name, value, option);
}
int get_int(native_handle_t socket, int level, int name, const char* option) {
    return get_value<int>(socket, level, name, option);
}

int checked_int(std::size_t value, const char* option) {
    if (value > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw socket_option_error(option, std::make_error_code(std::errc::invalid_argument),
                                  std::to_string(value) + " is too large");
    }
    return static_cast<int>(value);
}

int checked_seconds(std::chrono::seconds value, const char* option) {
    if (value.count() < 1 || value.count() > std::numeric_limits<int>::max()) {
        throw socket_option_error(option, std::make_error_code(std::errc::invalid_argument),
                                  std::to_string(value.count()) + " s is out of range");
    }
    return static_cast<int>(value.count());
}

#if defined(_WIN32)
// MinGW's headers lack TCP_KEEPIDLE and friends (and Windows has them only since 10 1709), so
// Windows gets SIO_KEEPALIVE_VALS, which every version has: it sets idle and interval together
// (an unset one gets Windows' default: 2 h idle, 1 s interval) and cannot be read back.
#define CORIO_NO_KEEP_ALIVE_IDLE
void set_keep_alive_timing(native_handle_t socket, const keep_alive_options& options) {
    tcp_keepalive timing{};
    timing.onoff = options.enabled ? 1 : 0;
    timing.keepalivetime = static_cast<u_long>(checked_seconds(
                               options.idle.value_or(std::chrono::hours(2)), "keep_alive.idle")) *
                           1000;
    timing.keepaliveinterval =
        static_cast<u_long>(checked_seconds(options.interval.value_or(std::chrono::seconds(1)),
                                            "keep_alive.interval")) *
        1000;
    DWORD returned = 0;
    if (::WSAIoctl(as_socket(socket), SIO_KEEPALIVE_VALS, &timing, sizeof timing, nullptr, 0,
                   &returned, nullptr, nullptr) != 0) {
        fail("keep_alive.idle", "WSAIoctl(SIO_KEEPALIVE_VALS)");
    }
}
#elif defined(TCP_KEEPIDLE)
constexpr int keep_alive_idle_option = TCP_KEEPIDLE;
#elif defined(TCP_KEEPALIVE)
constexpr int keep_alive_idle_option = TCP_KEEPALIVE; // macOS's name for it
#else
#define CORIO_NO_KEEP_ALIVE_IDLE
#endif

} // namespace

void set_keep_alive(native_handle_t socket, const keep_alive_options& options) {
    set_int(socket, SOL_SOCKET, SO_KEEPALIVE, options.enabled ? 1 : 0, "keep_alive");
#if defined(_WIN32)
    if (options.probes) {
        unsupported("keep_alive.probes", "Windows has no per-socket keep-alive probe count");
    }
    if (options.idle || options.interval) {
        set_keep_alive_timing(socket, options);
    }
#else
    if (options.idle) {
#if defined(CORIO_NO_KEEP_ALIVE_IDLE)
        unsupported("keep_alive.idle", "this system has no per-socket keep-alive idle time");
#else
        set_int(socket, IPPROTO_TCP, keep_alive_idle_option,
                checked_seconds(*options.idle, "keep_alive.idle"), "keep_alive.idle");
#endif
    }
    if (options.interval) {
#if defined(TCP_KEEPINTVL)
        set_int(socket, IPPROTO_TCP, TCP_KEEPINTVL,
                checked_seconds(*options.interval, "keep_alive.interval"), "keep_alive.interval");
#else
        unsupported("keep_alive.interval", "this system has no per-socket keep-alive interval");
#endif
    }
    if (options.probes) {
#if defined(TCP_KEEPCNT)
        if (*options.probes < 1) {
            throw socket_option_error("keep_alive.probes",
                                      std::make_error_code(std::errc::invalid_argument),
                                      std::to_string(*options.probes) + " is out of range");
        }
        set_int(socket, IPPROTO_TCP, TCP_KEEPCNT, *options.probes, "keep_alive.probes");
#else
        unsupported("keep_alive.probes", "this system has no per-socket keep-alive probe count");
#endif
    }
#endif
}

keep_alive_options keep_alive(native_handle_t socket) {
    keep_alive_options options;
    options.enabled = get_int(socket, SOL_SOCKET, SO_KEEPALIVE, "keep_alive") != 0;
#if !defined(CORIO_NO_KEEP_ALIVE_IDLE)
    options.idle = std::chrono::seconds(
        get_int(socket, IPPROTO_TCP, keep_alive_idle_option, "keep_alive.idle"));
#endif
#if defined(TCP_KEEPINTVL)
    options.interval =
        std::chrono::seconds(get_int(socket, IPPROTO_TCP, TCP_KEEPINTVL, "keep_alive.interval"));
#endif
#if defined(TCP_KEEPCNT)
    options.probes = get_int(socket, IPPROTO_TCP, TCP_KEEPCNT, "keep_alive.probes");
#endif
    return options;
}

void set_reuse_address(native_handle_t socket, bool enabled) {
#if defined(_WIN32)
    (void)socket; // see the header: SO_EXCLUSIVEADDRUSE, whatever is asked
    (void)enabled;
#else
    set_int(socket, SOL_SOCKET, SO_REUSEADDR, enabled ? 1 : 0, "reuse_address");
#endif
}

bool reuse_address(native_handle_t socket) {
#if defined(_WIN32)
    (void)socket;
    return false;
#else
    return get_int(socket, SOL_SOCKET, SO_REUSEADDR, "reuse_address") != 0;
#endif
}

void set_reuse_port(native_handle_t socket, bool enabled) {
#if defined(SO_REUSEPORT)
    set_int(socket, SOL_SOCKET, SO_REUSEPORT, enabled ? 1 : 0, "reuse_port");
#else
    (void)socket;
    if (enabled) {
        unsupported("reuse_port", "this system has no SO_REUSEPORT");
    }
#endif
}

bool reuse_port(native_handle_t socket) {
#if defined(SO_REUSEPORT)
    return get_int(socket, SOL_SOCKET, SO_REUSEPORT, "reuse_port") != 0;
#else
    (void)socket;
    return false;
#endif
}

void set_receive_buffer_size(native_handle_t socket, std::size_t bytes) {
    set_int(socket, SOL_SOCKET, SO_RCVBUF, checked_int(bytes, "receive_buffer_size"),
            "receive_buffer_size");
}

std::size_t receive_buffer_size(native_handle_t socket) {
    return static_cast<std::size_t>(get_int(socket, SOL_SOCKET, SO_RCVBUF, "receive_buffer_size"));
}

void set_send_buffer_size(native_handle_t socket, std::size_t bytes) {
    set_int(socket, SOL_SOCKET, SO_SNDBUF, checked_int(bytes, "send_buffer_size"),
            "send_buffer_size");
}

std::size_t send_buffer_size(native_handle_t socket) {
    return static_cast<std::size_t>(get_int(socket, SOL_SOCKET, SO_SNDBUF, "send_buffer_size"));
}

void set_linger(native_handle_t socket, std::optional<std::chrono::seconds> timeout) {
    ::linger value{};
    if (timeout) {
        if (timeout->count() < 0 || timeout->count() > std::numeric_limits<unsigned short>::max()) {
            throw socket_option_error("linger", std::make_error_code(std::errc::invalid_argument),
                                      std::to_string(timeout->count()) + " s is out of range");
        }
        value.l_onoff = 1;
        value.l_linger = static_cast<decltype(value.l_linger)>(timeout->count());
    }
    set_value(socket, SOL_SOCKET, SO_LINGER, value, "linger");
}

std::optional<std::chrono::seconds> linger(native_handle_t socket) {
    const auto value = get_value<::linger>(socket, SOL_SOCKET, SO_LINGER, "linger");
    if (value.l_onoff == 0) {
        return std::nullopt;
    }
    return std::chrono::seconds(value.l_linger);
}

void set_no_delay(native_handle_t socket, bool enabled) {
    set_int(socket, IPPROTO_TCP, TCP_NODELAY, enabled ? 1 : 0, "no_delay");
}

bool no_delay(native_handle_t socket) {
    return get_int(socket, IPPROTO_TCP, TCP_NODELAY, "no_delay") != 0;
}

} // namespace corio::net::socket_options
