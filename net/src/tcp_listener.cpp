// SPDX-License-Identifier: MIT
#include <corio/net/tcp_listener.hpp>

#include "sys/socket_ops.hpp"

namespace corio::net {

tcp_listener tcp_listener::bind(const address& endpoint, int backlog) {
    listener_options options;
    options.backlog = backlog;
    return bind(endpoint, options);
}

tcp_listener tcp_listener::bind(const address& endpoint, const listener_options& options) {
    io_object socket{detail::open_tcp_socket(endpoint.family())};
    const native_handle_t handle = socket.native_handle();
    socket_options::set_reuse_address(handle, options.reuse_address);
    if (options.reuse_port) {
        socket_options::set_reuse_port(handle, true);
    }
    if (options.receive_buffer_size) {
        socket_options::set_receive_buffer_size(handle, *options.receive_buffer_size);
    }
    if (options.send_buffer_size) {
        socket_options::set_send_buffer_size(handle, *options.send_buffer_size);
    }
    detail::bind_and_listen(handle, endpoint, options.backlog);
    return tcp_listener{std::move(socket)};
}

bool tcp_listener::reuse_address() const {
    return socket_options::reuse_address(socket_.native_handle());
}

bool tcp_listener::reuse_port() const {
    return socket_options::reuse_port(socket_.native_handle());
}

std::size_t tcp_listener::receive_buffer_size() const {
    return socket_options::receive_buffer_size(socket_.native_handle());
}

std::size_t tcp_listener::send_buffer_size() const {
    return socket_options::send_buffer_size(socket_.native_handle());
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
