// SPDX-License-Identifier: MIT
// socket_options.hpp - the TCP socket options services set, with one name on every platform.
//
//     stream.set_keep_alive({.idle = 60s, .interval = 10s, .probes = 5});
//     stream.set_linger(0s);                  // close() resets the connection (RST, no FIN)
//     auto listener = corio::net::tcp_listener::bind(where, {.reuse_port = true});
//
// tcp_stream and tcp_listener have setters and getters for these (a getter asks the socket, so
// it shows what the OS made of a request: Linux, for one, doubles a buffer size). The options
// that must be set before bind() (reuse address, reuse port) are the listener's bind options.
//
//   keep_alive    SO_KEEPALIVE; idle (TCP_KEEPIDLE, macOS TCP_KEEPALIVE), interval
//                 (TCP_KEEPINTVL) and probes (TCP_KEEPCNT) on Linux and macOS; unset fields
//                 keep the system's values. Windows sets idle and interval together
//                 (SIO_KEEPALIVE_VALS; an unset one gets Windows' default, 2 h or 1 s), cannot
//                 read them back (the getter leaves them nullopt) and has no probe count
//                 (socket_option_error).
//   reuse address SO_REUSEADDR on POSIX: bind although connections of an earlier listener on
//                 the port linger in TIME_WAIT. Windows' SO_REUSEADDR means something else (let
//                 another socket steal the port), so there listeners always use
//                 SO_EXCLUSIVEADDRUSE and this option is ignored (a restarted server may have to
//                 wait for its old connections to finish closing); the getter reads false.
//   reuse port    SO_REUSEPORT: several listeners share a port (Linux balances connections
//                 among them). Windows has no such option: socket_option_error.
//   buffer sizes  SO_RCVBUF / SO_SNDBUF.
//   linger        SO_LINGER: nullopt is the default (close() returns at once, the OS sends what
//                 is left); 0 s makes close() reset the connection; n s makes a blocking close
//                 wait up to n s for the data to go (corio's sockets do not block, so on most
//                 systems n > 0 only keeps the OS trying).
//   no delay      TCP_NODELAY (on by default for corio's streams).
// A failure is socket_option_error, a std::system_error that names the option.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/native_handle.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio::net {

class socket_option_error : public std::system_error {
public:
    socket_option_error(std::string option, std::error_code code, const std::string& detail)
        : std::system_error(code, "socket option " + option + ": " + detail)
        , option_(std::move(option)) {}
    // "keep_alive.idle", "reuse_port", "linger", ...
    [[nodiscard]] const std::string& option() const noexcept { return option_; }

private:
    std::string option_;
};

struct keep_alive_options {
    bool enabled = true;
    // Quiet time before the first probe, time between probes, probes before giving up
    // (nullopt: leave the system's value; a getter fills in what the socket has).
    std::optional<std::chrono::seconds> idle = std::nullopt;
    std::optional<std::chrono::seconds> interval = std::nullopt;
    std::optional<int> probes = std::nullopt;
};

// What tcp_listener::bind sets before binding and listening.
struct listener_options {
    int backlog = 512;
    bool reuse_address = true; // see above: POSIX only
    bool reuse_port = false;   // socket_option_error on Windows
    // Set on the listener before listen(): accepted connections inherit them, which is the only
    // way to have a large receive window from the start (window scaling is agreed in the SYN).
    std::optional<std::size_t> receive_buffer_size = std::nullopt;
    std::optional<std::size_t> send_buffer_size = std::nullopt;
};

namespace socket_options {

// The functions tcp_stream's and tcp_listener's members call, for any TCP socket handle.
void set_keep_alive(native_handle_t socket, const keep_alive_options& options);
[[nodiscard]] keep_alive_options keep_alive(native_handle_t socket);
void set_reuse_address(native_handle_t socket, bool enabled);
[[nodiscard]] bool reuse_address(native_handle_t socket);
void set_reuse_port(native_handle_t socket, bool enabled);
[[nodiscard]] bool reuse_port(native_handle_t socket);
void set_receive_buffer_size(native_handle_t socket, std::size_t bytes);
[[nodiscard]] std::size_t receive_buffer_size(native_handle_t socket);
void set_send_buffer_size(native_handle_t socket, std::size_t bytes);
[[nodiscard]] std::size_t send_buffer_size(native_handle_t socket);
void set_linger(native_handle_t socket, std::optional<std::chrono::seconds> timeout);
[[nodiscard]] std::optional<std::chrono::seconds> linger(native_handle_t socket);
void set_no_delay(native_handle_t socket, bool enabled);
[[nodiscard]] bool no_delay(native_handle_t socket);

} // namespace socket_options

} // namespace corio::net
CORIO_EXPORT_END
