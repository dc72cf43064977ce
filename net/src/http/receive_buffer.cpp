// SPDX-License-Identifier: MIT
#include "receive_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace corio::http::detail {

receive_buffer::receive_buffer(receive_buffer&& other) noexcept
    : data_(std::move(other.data_))
    , capacity_(std::exchange(other.capacity_, 0))
    , begin_(std::exchange(other.begin_, 0))
    , end_(std::exchange(other.end_, 0)) {}

receive_buffer& receive_buffer::operator=(receive_buffer&& other) noexcept {
    if (this != &other) {
        data_ = std::move(other.data_);
        capacity_ = std::exchange(other.capacity_, 0);
        begin_ = std::exchange(other.begin_, 0);
        end_ = std::exchange(other.end_, 0);
    }
    return *this;
}

std::span<std::byte> receive_buffer::prepare(std::size_t size) {
    if (begin_ == end_) {
        begin_ = end_ = 0;
    }
    if (capacity_ - end_ < size && begin_ > 0) {
        std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (capacity_ - end_ < size) {
        const std::size_t capacity = std::max(capacity_ * 2, end_ + size);
        auto grown = std::make_unique_for_overwrite<char[]>(capacity);
        if (end_ > 0) {
            std::memcpy(grown.get(), data_.get(), end_);
        }
        data_ = std::move(grown);
        capacity_ = capacity;
    }
    return std::as_writable_bytes(std::span<char>(data_.get() + end_, size));
}

void receive_buffer::recycle() noexcept {
    begin_ = end_ = 0;
    if (capacity_ > max_retained) {
        data_.reset();
        capacity_ = 0;
    }
}

} // namespace corio::http::detail
