// SPDX-License-Identifier: MIT
// wait_list.hpp - an intrusive FIFO of parked awaiters, for the synchronisation primitives.
//
// A queue, event or lock keeps the awaiters of the tasks waiting on it in arrival order (that
// is what makes the primitives fair). Awaiters link themselves in through a hook they embed, so
// waiting never allocates and a cancelled waiter unlinks itself in O(1).
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <cassert>
#include <cstddef>

CORIO_EXPORT_BEGIN
namespace corio::detail {

template <class Waiter>
class wait_list;

template <class Waiter>
class wait_list_hook {
public:
    wait_list_hook() = default;
    // Awaiters are moved only before they wait (into a combinator), so a moved hook starts
    // unlinked.
    wait_list_hook(wait_list_hook&& other) noexcept { assert(!other.is_waiting()); }
    wait_list_hook(const wait_list_hook&) = delete;
    wait_list_hook& operator=(const wait_list_hook&) = delete;
    ~wait_list_hook() { unlink(); }

    [[nodiscard]] bool is_waiting() const noexcept { return list_ != nullptr; }
    // Leaves whatever list holds it; safe if it is in none.
    void unlink() noexcept {
        if (list_ != nullptr) {
            list_->remove(static_cast<Waiter&>(*this));
        }
    }

private:
    friend class wait_list<Waiter>;
    wait_list<Waiter>* list_ = nullptr;
    Waiter* prev_ = nullptr;
    Waiter* next_ = nullptr;
};

template <class Waiter>
class wait_list {
public:
    wait_list() = default;
    wait_list(const wait_list&) = delete;
    wait_list& operator=(const wait_list&) = delete;
    // Forgets the waiters still linked (their owner is going away); they stay parked until
    // cancelled, and their destructors no longer reach back here.
    ~wait_list() {
        while (head_ != nullptr) {
            remove(*head_);
        }
    }

    [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] Waiter* front() const noexcept { return head_; }

    void push_back(Waiter& waiter) noexcept {
        wait_list_hook<Waiter>& hook = waiter;
        hook.list_ = this;
        hook.prev_ = tail_;
        hook.next_ = nullptr;
        if (tail_ != nullptr) {
            static_cast<wait_list_hook<Waiter>&>(*tail_).next_ = &waiter;
        } else {
            head_ = &waiter;
        }
        tail_ = &waiter;
        ++size_;
    }

    Waiter* pop_front() noexcept {
        Waiter* first = head_;
        if (first != nullptr) {
            remove(*first);
        }
        return first;
    }

    void remove(Waiter& waiter) noexcept {
        wait_list_hook<Waiter>& hook = waiter;
        if (hook.list_ != this) {
            return;
        }
        if (hook.prev_ != nullptr) {
            static_cast<wait_list_hook<Waiter>&>(*hook.prev_).next_ = hook.next_;
        } else {
            head_ = hook.next_;
        }
        if (hook.next_ != nullptr) {
            static_cast<wait_list_hook<Waiter>&>(*hook.next_).prev_ = hook.prev_;
        } else {
            tail_ = hook.prev_;
        }
        hook.list_ = nullptr;
        hook.prev_ = hook.next_ = nullptr;
        --size_;
    }

private:
    Waiter* head_ = nullptr;
    Waiter* tail_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace corio::detail
CORIO_EXPORT_END
