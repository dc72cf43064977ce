// SPDX-License-Identifier: MIT
// unique_function.hpp - a move-only std::function (C++23's std::move_only_function, for C++20).
//
// post() and run_blocking() accept callables that own resources (a unique_ptr, a socket), which
// std::function cannot hold because it must be copyable. Small callables are stored inline.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio::detail {

template <class Signature>
class unique_function;

template <class R, class... Args>
class unique_function<R(Args...)> {
public:
    unique_function() noexcept = default;
    unique_function(std::nullptr_t) noexcept {}

    template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, unique_function> &&
             std::is_invocable_r_v<R, std::decay_t<F>&, Args...>)
        // Implicit, like std::function's. NOLINTNEXTLINE(bugprone-forwarding-reference-overload)
        unique_function(F&& fn) { // the constraint above keeps it from hiding the move constructor
        using stored = std::decay_t<F>;
        if constexpr (fits_inline<stored>) {
            ::new (static_cast<void*>(&storage_)) stored(std::forward<F>(fn));
            ops_ = &inline_ops<stored>;
        } else {
            *reinterpret_cast<stored**>(&storage_) = new stored(std::forward<F>(fn));
            ops_ = &heap_ops<stored>;
        }
    }

    unique_function(unique_function&& other) noexcept
        : ops_(std::exchange(other.ops_, nullptr)) {
        if (ops_ != nullptr) {
            ops_->relocate(&other.storage_, &storage_);
        }
    }
    unique_function& operator=(unique_function&& other) noexcept {
        if (this != &other) {
            reset();
            ops_ = std::exchange(other.ops_, nullptr);
            if (ops_ != nullptr) {
                ops_->relocate(&other.storage_, &storage_);
            }
        }
        return *this;
    }
    unique_function(const unique_function&) = delete;
    unique_function& operator=(const unique_function&) = delete;
    ~unique_function() { reset(); }

    explicit operator bool() const noexcept { return ops_ != nullptr; }

    R operator()(Args... args) { return ops_->invoke(&storage_, std::forward<Args>(args)...); }

private:
    struct storage_type {
        alignas(std::max_align_t) std::byte bytes[3 * sizeof(void*)];
    };

    struct operations {
        R (*invoke)(void*, Args&&...);
        void (*relocate)(void* from, void* to) noexcept; // move-construct into `to`, destroy `from`
        void (*destroy)(void*) noexcept;
    };

    // NOLINTBEGIN(misc-redundant-expression): the two sides differ per F
    template <class F>
    static constexpr bool fits_inline =
        sizeof(F) <= sizeof(storage_type) &&
        alignof(F) <= alignof(storage_type) && std::is_nothrow_move_constructible_v<F>;
    // NOLINTEND(misc-redundant-expression)

    template <class F>
    static constexpr operations inline_ops{
        [](void* self, Args&&... args) -> R {
            return std::invoke(*static_cast<F*>(self), std::forward<Args>(args)...);
        },
        [](void* from, void* to) noexcept {
            ::new (to) F(std::move(*static_cast<F*>(from)));
            static_cast<F*>(from)->~F();
        },
        [](void* self) noexcept { static_cast<F*>(self)->~F(); },
    };

    template <class F>
    static constexpr operations heap_ops{
        [](void* self, Args&&... args) -> R {
            return std::invoke(**static_cast<F**>(self), std::forward<Args>(args)...);
        },
        [](void* from, void* to) noexcept { *static_cast<F**>(to) = *static_cast<F**>(from); },
        [](void* self) noexcept { delete *static_cast<F**>(self); },
    };

    void reset() noexcept {
        if (ops_ != nullptr) {
            ops_->destroy(&storage_);
            ops_ = nullptr;
        }
    }

    const operations* ops_ = nullptr;
    storage_type storage_;
};

} // namespace corio::detail
CORIO_EXPORT_END
