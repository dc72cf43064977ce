// SPDX-License-Identifier: MIT
// full_listener.hpp - a listening socket that nobody accepts on, for connect timeouts.
//
// Its backlog is 0; once fill() has queued the connections that fit, Linux drops further SYNs, so
// the next connect hangs until its timeout - the one reliable way to make a loopback connect time
// out. Owns its socket and the connections that filled it; needs no event loop, so a blocking
// client can meet it as well as an async one.
#pragma once

#include <corio/net/address.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/native_handle.hpp>

#include "support/socket_helpers.hpp"
#include "sys/blocking_socket.hpp"
#include "sys/socket_ops.hpp"

#include <chrono>
#include <vector>

namespace corio_test {

struct full_listener {
    corio::native_handle_t handle = corio::invalid_native_handle;
    corio::net::address where;
    std::vector<corio::net::detail::blocking_socket> fillers;

    full_listener() {
        namespace sys = corio::net::detail;
        handle = sys::open_tcp_socket(corio::net::address_family::ipv4);
        sys::bind_and_listen(handle, corio::net::address::loopback_v4(0), 0);
        where = sys::local_address_of(handle);
    }
    full_listener(const full_listener&) = delete;
    full_listener& operator=(const full_listener&) = delete;
    ~full_listener() { close_handle(handle); }

    // False if the queue never filled up.
    bool fill() {
        using corio::net::detail::blocking_socket;
        for (int i = 0; i < 8; ++i) {
            try {
                fillers.push_back(blocking_socket::connect(
                    where, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
            } catch (const corio::timeout_error&) {
                return true;
            }
        }
        return false;
    }
};

} // namespace corio_test
