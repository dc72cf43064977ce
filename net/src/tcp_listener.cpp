// SPDX-License-Identifier: MIT
#include <corio/net/tcp_listener.hpp>

#include "sys/socket_ops.hpp"

namespace corio::net {

tcp_listener tcp_listener::bind(const address& endpoint, int backlog) {
    io_object socket{detail::open_tcp_socket(endpoint.family())};
    detail::bind_and_listen(socket.native_handle(), endpoint, backlog);
    return tcp_listener{std::move(socket)};
}

task<tcp_stream> tcp_listener::accept(address* peer) {
    detail::raw_socket_address raw{};
    const accepted_handle accepted = co_await socket_.accept(raw.bytes, sizeof raw.bytes);
    tcp_stream stream{io_object{accepted.handle}};
    stream.set_no_delay(true);
    if (peer != nullptr) {
        *peer = detail::from_raw(raw.bytes, accepted.address_length);
    }
    co_return stream;
}

address tcp_listener::local_address() const {
    return detail::local_address_of(socket_.native_handle());
}

} // namespace corio::net
