// SPDX-License-Identifier: MIT
#include <corio/net/unix_listener.hpp>
#include <corio/net/unix_stream.hpp>

#include <corio/runtime/error.hpp>

#include "sys/socket_ops.hpp"

#include <system_error>
#include <utility>

namespace corio::net {

namespace {

void require_unix(const address& endpoint, const char* what) {
    if (!endpoint.is_unix()) {
        throw usage_error(std::string(what) + " needs a Unix domain address, not " +
                          endpoint.to_string() + " (use tcp_stream / tcp_listener)");
    }
}

} // namespace

task<unix_stream> unix_stream::connect(address peer, std::optional<event_loop::duration> timeout) {
    require_unix(peer, "unix_stream::connect");
    io_object socket{detail::open_unix_stream_socket()};
    const detail::raw_socket_address raw = detail::to_raw(peer);
    deadline until;
    if (timeout) {
        until = event_loop::current().now() + *timeout;
    }
    try {
        co_await socket.connect(raw.bytes, raw.length, until);
    } catch (const std::system_error& failure) {
        throw std::system_error(failure.code(), "connect to " + peer.to_string());
    } catch (const timeout_error&) {
        throw timeout_error("connect to " + peer.to_string() + " timed out");
    }
    co_return unix_stream{std::move(socket)};
}

task<> unix_stream::write_all(std::span<const std::byte> data, deadline until) {
    while (!data.empty()) {
        const std::size_t written = co_await socket_.send_some(data, until);
        data = data.subspan(written);
    }
}

void unix_stream::shutdown_write() {
    detail::shutdown_write(socket_.native_handle());
}

address unix_stream::local_address() const {
    return detail::local_address_of(socket_.native_handle());
}

address unix_stream::peer_address() const {
    return detail::peer_address_of(socket_.native_handle());
}

unix_listener::unix_listener(unix_listener&& other) noexcept
    : socket_(std::move(other.socket_))
    , path_(std::exchange(other.path_, {}))
    , device_(other.device_)
    , inode_(other.inode_) {}

unix_listener& unix_listener::operator=(unix_listener&& other) noexcept {
    if (this != &other) {
        close();
        socket_ = std::move(other.socket_);
        path_ = std::exchange(other.path_, {});
        device_ = other.device_;
        inode_ = other.inode_;
    }
    return *this;
}

unix_listener unix_listener::bind(const address& endpoint, int backlog) {
    require_unix(endpoint, "unix_listener::bind");
    unix_listener listener;
    listener.socket_ = io_object{detail::open_unix_stream_socket()};
    const bool has_file = !endpoint.is_abstract() && !endpoint.path().empty();
    const std::string path(endpoint.path());
    if (has_file) {
        detail::remove_stale_unix_socket(path);
    }
    detail::bind_to(listener.socket_.native_handle(), endpoint);
    if (has_file) {
        // From here on the file is ours to remove, even if listen() below fails.
        const detail::file_identity created = detail::identify_file(path);
        listener.path_ = path;
        listener.device_ = created.device;
        listener.inode_ = created.inode;
    }
    detail::listen_on(listener.socket_.native_handle(), backlog);
    return listener;
}

task<unix_stream> unix_listener::accept(deadline until) {
    detail::raw_socket_address raw{};
    const accepted_handle accepted = co_await socket_.accept(raw.bytes, sizeof raw.bytes, until);
    co_return unix_stream{io_object{accepted.handle}};
}

address unix_listener::local_address() const {
    return detail::local_address_of(socket_.native_handle());
}

void unix_listener::close() noexcept {
    socket_.close();
    if (!path_.empty()) {
        detail::remove_socket_file(path_, {device_, inode_});
        path_.clear();
    }
}

} // namespace corio::net
