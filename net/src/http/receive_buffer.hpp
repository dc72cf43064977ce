// SPDX-License-Identifier: MIT
// receive_buffer.hpp - the bytes a client connection has received and not consumed yet.
//
// Read into prepare(n), commit() what arrived, parse unread(), consume() what was used. Space
// behind the unread bytes is reclaimed by moving them to the front; the memory grows only when
// they fill it. A buffer outlives the response it was read for: the client keeps it with the
// pooled connection, so the next exchange on that connection reads into the same memory instead
// of allocating its own. recycle() bounds what an idle connection holds on to. Move-only; not
// thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace corio::http::detail {

class receive_buffer {
public:
    // An idle pooled connection keeps at most this much (issue 14: at most 2 KiB per idle pooled
    // connection in all). The usual 16 KiB read buffer is freed by recycle() and allocated again,
    // without zero-filling, by the next exchange: a malloc is cheaper than pinning 16 KiB for
    // every idle connection of a large pool.
    static constexpr std::size_t max_retained = 2 * 1024;

    receive_buffer() noexcept = default;
    receive_buffer(receive_buffer&& other) noexcept;
    receive_buffer& operator=(receive_buffer&& other) noexcept;
    receive_buffer(const receive_buffer&) = delete;
    receive_buffer& operator=(const receive_buffer&) = delete;
    ~receive_buffer() = default;

    // `size` writable bytes after the unread ones, valid until the next prepare(). Invalidates
    // views of unread() taken before.
    [[nodiscard]] std::span<std::byte> prepare(std::size_t size);
    // `size` bytes arrived in the space prepare() gave.
    void commit(std::size_t size) noexcept { end_ += size; }

    [[nodiscard]] std::string_view unread() const noexcept {
        return {data_.get() + begin_, end_ - begin_};
    }
    void consume(std::size_t size) noexcept { begin_ += size; }
    [[nodiscard]] bool empty() const noexcept { return begin_ == end_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

    // Ready for the next message: drops anything unread, and frees the memory if it grew past
    // max_retained.
    void recycle() noexcept;

private:
    std::unique_ptr<char[]> data_;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0; // first unread byte
    std::size_t end_ = 0;   // one past the last received byte
};

} // namespace corio::http::detail
