// SPDX-License-Identifier: MIT
// libuv_ping_pong.hpp - socket_ping_pong.hpp's ping-pong written with libuv, the usual way:
// uv_read_start on both ends, and the reply sent from the read callback with uv_write; on one
// connection or on many at once (the pings sharing `keep_going`, as the corio tasks do). For
// comparison only; built when libuv is found.
#pragma once

#include "socket_ping_pong.hpp"

#include <uv.h>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio_bench {

namespace libuv_detail {

template <class KeepGoing>
struct connection;

// One end of a connection. libuv handles are C structs that must not move once initialised.
template <class KeepGoing>
struct side {
    union {
        uv_pipe_t pipe; // socketpair
        uv_tcp_t tcp;
    } handle;
    uv_write_t write_request;
    bool writing = false; // write_request is in use until its callback runs
    std::array<char, read_buffer_size> buffer{};
    connection<KeepGoing>* owner = nullptr;
};

// What every connection of one run shares.
template <class KeepGoing>
struct shared_state {
    KeepGoing* keep_going = nullptr;
    std::size_t message_size = 1;
    std::string failure; // exceptions must not cross libuv's C frames
};

template <class KeepGoing>
struct connection {
    side<KeepGoing> a; // pings
    side<KeepGoing> b; // echoes
    shared_state<KeepGoing>* shared = nullptr;
    std::size_t replied = 0; // bytes of the current reply read so far
};

template <class KeepGoing>
uv_stream_t* stream_of(side<KeepGoing>& end) {
    return reinterpret_cast<uv_stream_t*>(&end.handle);
}

template <class KeepGoing>
void allocate(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buffer) {
    auto* end = static_cast<side<KeepGoing>*>(handle->data);
    *buffer = uv_buf_init(end->buffer.data(), static_cast<unsigned>(end->buffer.size()));
}

template <class KeepGoing>
void on_written(uv_write_t* request, int status) {
    static_cast<side<KeepGoing>*>(request->data)->writing = false;
    if (status < 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(request->handle), nullptr);
    }
}

// Starts writing `data`, which must outlive the write; false if the previous one is unfinished.
template <class KeepGoing>
bool send(side<KeepGoing>& end, const char* data, std::size_t size) {
    if (end.writing) {
        return false;
    }
    end.writing = true;
    end.write_request.data = &end;
    const uv_buf_t piece = uv_buf_init(const_cast<char*>(data), static_cast<unsigned>(size));
    return uv_write(&end.write_request, stream_of(end), &piece, 1, &on_written<KeepGoing>) == 0;
}

inline void close_if_open(uv_handle_t* handle, void* /*unused*/) {
    if (uv_is_closing(handle) == 0) {
        uv_close(handle, nullptr);
    }
}

// Closes both ends of this connection; a failure closes every connection and is reported.
template <class KeepGoing>
void finish(connection<KeepGoing>& c, std::string_view failure) {
    if (!failure.empty()) {
        if (c.shared->failure.empty()) {
            c.shared->failure = failure;
        }
        uv_walk(stream_of(c.a)->loop, &close_if_open, nullptr);
        return;
    }
    for (side<KeepGoing>* end : {&c.a, &c.b}) {
        close_if_open(reinterpret_cast<uv_handle_t*>(&end->handle), nullptr);
    }
}

template <class KeepGoing>
bool next_ping(connection<KeepGoing>& c) {
    if (!(*c.shared->keep_going)()) {
        finish(c, {});
        return true;
    }
    c.replied = 0;
    return send(c.a, ping_bytes.data(), c.shared->message_size);
}

template <class KeepGoing>
void on_read_a(uv_stream_t* stream, ssize_t received, const uv_buf_t* /*buffer*/) {
    auto& c = *static_cast<side<KeepGoing>*>(stream->data)->owner;
    if (received <= 0) {
        if (received != 0) { // 0 is EAGAIN, not an error
            finish(c, "ping side: the reply did not come back");
        }
        return;
    }
    c.replied += static_cast<std::size_t>(received);
    if (c.replied < c.shared->message_size) {
        return; // the rest of the reply is still on its way
    }
    if (!next_ping(c)) {
        finish(c, "ping side: uv_write failed");
    }
}

template <class KeepGoing>
void on_read_b(uv_stream_t* stream, ssize_t received, const uv_buf_t* buffer) {
    auto& c = *static_cast<side<KeepGoing>*>(stream->data)->owner;
    if (received < 0) {
        finish(c, "pong side: " + std::string(uv_strerror(static_cast<int>(received))));
        return;
    }
    if (received > 0 && !send(c.b, buffer->base, static_cast<std::size_t>(received))) {
        finish(c, "pong side: uv_write failed");
    }
}

} // namespace libuv_detail

// The ping-pong on every connection at once on one libuv loop, which owns (and closes) the sockets
// from here on.
template <class KeepGoing>
void libuv_ping_pong_connections(std::span<const connected_pair> pairs, transport kind,
                                 KeepGoing& keep_going, std::size_t message_size = 1) {
    check_message_size(message_size);
    if (pairs.empty()) {
        return;
    }
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) {
        close_all(pairs);
        throw std::runtime_error("uv_loop_init failed");
    }
    libuv_detail::shared_state<KeepGoing> shared;
    shared.keep_going = &keep_going;
    shared.message_size = message_size;
    // Sized once: the handles inside must not move.
    std::vector<libuv_detail::connection<KeepGoing>> connections(pairs.size());
    int failed = 0;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        auto& c = connections[i];
        c.shared = &shared;
        for (auto [end, fd] : {std::pair{&c.a, pairs[i].a}, std::pair{&c.b, pairs[i].b}}) {
            end->owner = &c;
            if (kind == transport::socketpair) {
                failed |= uv_pipe_init(&loop, &end->handle.pipe, 0);
                failed |= uv_pipe_open(&end->handle.pipe, fd); // the handle now owns fd
                end->handle.pipe.data = end;
            } else {
                failed |= uv_tcp_init(&loop, &end->handle.tcp);
                failed |= uv_tcp_open(&end->handle.tcp, fd);
                end->handle.tcp.data = end;
            }
        }
        failed |= uv_read_start(libuv_detail::stream_of(c.a), &libuv_detail::allocate<KeepGoing>,
                                &libuv_detail::on_read_a<KeepGoing>);
        failed |= uv_read_start(libuv_detail::stream_of(c.b), &libuv_detail::allocate<KeepGoing>,
                                &libuv_detail::on_read_b<KeepGoing>);
    }
    if (failed != 0) {
        libuv_detail::finish(connections.front(), "setting up the libuv handles failed");
    } else {
        for (auto& c : connections) {
            if (!libuv_detail::next_ping(c)) {
                libuv_detail::finish(c, "ping side: uv_write failed");
                break;
            }
        }
    }
    uv_run(&loop, UV_RUN_DEFAULT); // returns once every handle is closed
    uv_loop_close(&loop);
    if (!shared.failure.empty()) {
        throw std::runtime_error(shared.failure);
    }
}

// One connection: libuv_ping_pong_connections over a single pair.
template <class KeepGoing>
void libuv_ping_pong(connected_pair pair, transport kind, KeepGoing& keep_going,
                     std::size_t message_size = 1) {
    libuv_ping_pong_connections(std::span(&pair, 1), kind, keep_going, message_size);
}

} // namespace corio_bench
