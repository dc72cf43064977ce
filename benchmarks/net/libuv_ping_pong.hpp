// SPDX-License-Identifier: MIT
// libuv_ping_pong.hpp - socket_ping_pong.hpp's ping-pong written with libuv, the usual way:
// uv_read_start on both ends, and the reply sent from the read callback with uv_write. For
// comparison only; built when libuv is found.
#pragma once

#include "socket_ping_pong.hpp"

#include <uv.h>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace corio_bench {

namespace libuv_detail {

// One end of the connection. libuv handles are C structs that must not move once initialised.
struct side {
    union {
        uv_pipe_t pipe; // socketpair
        uv_tcp_t tcp;
    } handle;
    uv_write_t write_request;
    bool writing = false; // write_request is in use until its callback runs
    std::array<char, read_buffer_size> buffer{};
};

template <class KeepGoing>
struct session {
    side a;
    side b;
    KeepGoing* keep_going = nullptr;
    std::size_t message_size = 1;
    std::size_t replied = 0; // bytes of the current reply read so far
    std::string failure;     // exceptions must not cross libuv's C frames
};

inline uv_stream_t* stream_of(side& end) {
    return reinterpret_cast<uv_stream_t*>(&end.handle);
}

inline void allocate(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buffer) {
    auto* end = static_cast<side*>(handle->data);
    *buffer = uv_buf_init(end->buffer.data(), static_cast<unsigned>(end->buffer.size()));
}

inline void on_written(uv_write_t* request, int status) {
    static_cast<side*>(request->data)->writing = false;
    if (status < 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(request->handle), nullptr);
    }
}

// Starts writing `data`, which must outlive the write; false if the previous one is unfinished.
inline bool send(side& end, const char* data, std::size_t size) {
    if (end.writing) {
        return false;
    }
    end.writing = true;
    end.write_request.data = &end;
    const uv_buf_t piece = uv_buf_init(const_cast<char*>(data), static_cast<unsigned>(size));
    return uv_write(&end.write_request, stream_of(end), &piece, 1, &on_written) == 0;
}

template <class KeepGoing>
void finish(session<KeepGoing>& s, std::string_view failure) {
    if (s.failure.empty()) {
        s.failure = failure;
    }
    for (side* end : {&s.a, &s.b}) {
        auto* handle = reinterpret_cast<uv_handle_t*>(&end->handle);
        if (uv_is_closing(handle) == 0) {
            uv_close(handle, nullptr);
        }
    }
}

template <class KeepGoing>
bool next_ping(session<KeepGoing>& s) {
    if (!(*s.keep_going)()) {
        finish(s, {});
        return true;
    }
    s.replied = 0;
    return send(s.a, ping_bytes.data(), s.message_size);
}

template <class KeepGoing>
void on_read_a(uv_stream_t* stream, ssize_t received, const uv_buf_t* /*buffer*/) {
    auto& s = *static_cast<session<KeepGoing>*>(stream->loop->data);
    if (received <= 0) {
        if (received != 0) { // 0 is EAGAIN, not an error
            finish(s, "ping side: the reply did not come back");
        }
        return;
    }
    s.replied += static_cast<std::size_t>(received);
    if (s.replied < s.message_size) {
        return; // the rest of the reply is still on its way
    }
    if (!next_ping(s)) {
        finish(s, "ping side: uv_write failed");
    }
}

template <class KeepGoing>
void on_read_b(uv_stream_t* stream, ssize_t received, const uv_buf_t* buffer) {
    auto& s = *static_cast<session<KeepGoing>*>(stream->loop->data);
    if (received < 0) {
        finish(s, "pong side: " + std::string(uv_strerror(static_cast<int>(received))));
        return;
    }
    if (received > 0 && !send(s.b, buffer->base, static_cast<std::size_t>(received))) {
        finish(s, "pong side: uv_write failed");
    }
}

} // namespace libuv_detail

template <class KeepGoing>
void libuv_ping_pong(connected_pair pair, transport kind, KeepGoing& keep_going,
                     std::size_t message_size = 1) {
    check_message_size(message_size);
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) {
        throw std::runtime_error("uv_loop_init failed");
    }
    libuv_detail::session<KeepGoing> s;
    s.keep_going = &keep_going;
    s.message_size = message_size;
    loop.data = &s;
    int failed = 0;
    for (auto [end, fd] : {std::pair{&s.a, pair.a}, std::pair{&s.b, pair.b}}) {
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
    failed |= uv_read_start(libuv_detail::stream_of(s.a), &libuv_detail::allocate,
                            &libuv_detail::on_read_a<KeepGoing>);
    failed |= uv_read_start(libuv_detail::stream_of(s.b), &libuv_detail::allocate,
                            &libuv_detail::on_read_b<KeepGoing>);
    if (failed != 0) {
        libuv_detail::finish(s, "setting up the libuv handles failed");
    } else if (!libuv_detail::next_ping(s)) {
        libuv_detail::finish(s, "ping side: uv_write failed");
    }
    uv_run(&loop, UV_RUN_DEFAULT); // returns once both handles are closed
    uv_loop_close(&loop);
    if (!s.failure.empty()) {
        throw std::runtime_error(s.failure);
    }
}

} // namespace corio_bench
