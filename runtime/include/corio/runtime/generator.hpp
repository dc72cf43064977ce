// SPDX-License-Identifier: MIT
// generator.hpp - corio::generator<T>, a synchronous coroutine that yields values on demand
// (a Python generator; C++23's std::generator, which g++ 12 does not have yet).
//
//     corio::generator<int> count_to(int n) { for (int i = 1; i <= n; ++i) co_yield i; }
//     for (int i : count_to(3)) std::cout << i;      // 1 2 3
//
//     corio::generator<> steps() { first(); co_yield {}; second(); } // a bare `yield`: pause
//     corio::generator<> g = steps();
//     while (g.next()) { }                           // Python's next(g); false = StopIteration
//
// Nothing runs until the first next() (or begin()). There is no event loop involved: the caller
// resumes the generator directly, which is exactly the tutorial's cooperative round-robin.
// An exception thrown inside propagates out of next(). Move-only; not thread-safe.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <coroutine>
#include <exception>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

CORIO_EXPORT_BEGIN
namespace corio {

template <class T = void>
class [[nodiscard]] generator {
    using yielded = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

public:
    struct promise_type {
        const yielded* current = nullptr;
        std::exception_ptr error;

        generator get_return_object() noexcept {
            return generator{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() const noexcept { return {}; }
        std::suspend_always final_suspend() const noexcept { return {}; }
        // The yielded object lives in the generator's frame until it resumes, so a pointer is
        // enough.
        std::suspend_always yield_value(const yielded& value) noexcept {
            current = std::addressof(value);
            return {};
        }
        void return_void() const noexcept {}
        void unhandled_exception() noexcept { error = std::current_exception(); }
        // Generators are synchronous: awaiting inside one is a mistake caught at compile time.
        template <class Awaitable>
        std::suspend_never await_transform(Awaitable&&) = delete;
    };

    generator() noexcept = default;
    explicit generator(std::coroutine_handle<promise_type> frame) noexcept
        : frame_(frame) {}
    generator(generator&& other) noexcept
        : frame_(std::exchange(other.frame_, {})) {}
    generator& operator=(generator&& other) noexcept {
        if (this != &other) {
            reset();
            frame_ = std::exchange(other.frame_, {});
        }
        return *this;
    }
    generator(const generator&) = delete;
    generator& operator=(const generator&) = delete;
    ~generator() { reset(); }

    // Runs the generator to its next co_yield. Returns false once it has finished (Python raises
    // StopIteration there); rethrows what it threw.
    bool next() {
        if (!frame_ || frame_.done()) {
            return false;
        }
        frame_.resume();
        if (frame_.promise().error) {
            std::rethrow_exception(std::exchange(frame_.promise().error, nullptr));
        }
        return !frame_.done();
    }

    // The value of the last co_yield. Precondition: next() returned true.
    [[nodiscard]] const yielded& value() const noexcept { return *frame_.promise().current; }
    [[nodiscard]] bool done() const noexcept { return !frame_ || frame_.done(); }

    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using difference_type = std::ptrdiff_t;
        using value_type = yielded;

        iterator() noexcept = default;
        explicit iterator(generator* owner) noexcept
            : owner_(owner) {}
        const yielded& operator*() const noexcept { return owner_->value(); }
        iterator& operator++() {
            if (!owner_->next()) {
                owner_ = nullptr;
            }
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
            return it.owner_ == nullptr;
        }

    private:
        generator* owner_ = nullptr;
    };

    iterator begin() {
        iterator it{this};
        return next() ? it : iterator{};
    }
    [[nodiscard]] std::default_sentinel_t end() const noexcept { return {}; }

private:
    void reset() noexcept {
        if (frame_) {
            std::exchange(frame_, {}).destroy();
        }
    }

    std::coroutine_handle<promise_type> frame_;
};

} // namespace corio
CORIO_EXPORT_END
