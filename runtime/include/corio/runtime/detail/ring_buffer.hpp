// SPDX-License-Identifier: MIT
// ring_buffer.hpp - a growable FIFO over one power-of-two array.
//
// The ready queue and corio::queue need a FIFO whose steady state never allocates: std::deque
// frees and reallocates blocks as it moves, this buffer only grows (doubling) and reuses its slots.
// Not thread-safe.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <cassert>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio::detail {

template <class T>
class ring_buffer {
public:
    ring_buffer() = default;
    ring_buffer(const ring_buffer&) = delete;
    ring_buffer& operator=(const ring_buffer&) = delete;
    ring_buffer(ring_buffer&& other) noexcept
        : slots_(std::exchange(other.slots_, nullptr))
        , capacity_(std::exchange(other.capacity_, 0))
        , mask_(std::exchange(other.mask_, 0))
        , head_(std::exchange(other.head_, 0))
        , size_(std::exchange(other.size_, 0)) {}
    ring_buffer& operator=(ring_buffer&& other) noexcept {
        if (this != &other) {
            clear();
            deallocate();
            slots_ = std::exchange(other.slots_, nullptr);
            capacity_ = std::exchange(other.capacity_, 0);
            mask_ = std::exchange(other.mask_, 0);
            head_ = std::exchange(other.head_, 0);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    ~ring_buffer() {
        clear();
        deallocate();
    }

    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

    template <class... Args>
    void emplace_back(Args&&... args) {
        if (size_ == capacity_) {
            grow();
        }
        ::new (static_cast<void*>(slots_ + ((head_ + size_) & mask_)))
            T(std::forward<Args>(args)...);
        ++size_;
    }
    void push_back(T value) { emplace_back(std::move(value)); }

    [[nodiscard]] T& front() noexcept {
        assert(size_ != 0);
        return slots_[head_];
    }

    // The newest element.
    [[nodiscard]] T& back() noexcept {
        assert(size_ != 0);
        return slots_[(head_ + size_ - 1) & mask_];
    }

    // Removes and returns the oldest element.
    T pop_front() noexcept(std::is_nothrow_move_constructible_v<T>) {
        assert(size_ != 0);
        T& slot = slots_[head_];
        T value = std::move(slot);
        slot.~T(); // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move): ends its
                   // lifetime
        head_ = (head_ + 1) & mask_;
        --size_;
        return value;
    }

    // Element `index` counted from the front.
    [[nodiscard]] T& operator[](std::size_t index) noexcept {
        return slots_[(head_ + index) & mask_];
    }

    void clear() noexcept {
        while (size_ != 0) {
            slots_[head_].~T();
            head_ = (head_ + 1) & mask_;
            --size_;
        }
        head_ = 0;
    }

private:
    void grow() {
        const std::size_t new_capacity = capacity_ == 0 ? 16 : capacity_ * 2;
        T* fresh = std::allocator<T>{}.allocate(new_capacity);
        for (std::size_t i = 0; i < size_; ++i) {
            T& old = slots_[(head_ + i) & mask_];
            ::new (static_cast<void*>(fresh + i)) T(std::move(old));
            old.~T(); // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move): ends its
                      // lifetime
        }
        deallocate();
        slots_ = fresh;
        capacity_ = new_capacity;
        mask_ = new_capacity - 1;
        head_ = 0;
    }
    void deallocate() noexcept {
        if (slots_ != nullptr) {
            std::allocator<T>{}.deallocate(slots_, capacity_);
            slots_ = nullptr;
        }
    }

    T* slots_ = nullptr;
    std::size_t capacity_ = 0;
    // capacity_ - 1, kept beside it: every push and pop wraps an index with it, and the ready
    // queue does one of each per task switch (callgrind: one instruction less each).
    std::size_t mask_ = 0;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

} // namespace corio::detail
CORIO_EXPORT_END
