// SPDX-License-Identifier: MIT
// wait_list.hpp - an intrusive FIFO of parked awaiters, for the synchronisation primitives.
//
// A queue, event or lock keeps the awaiters of the tasks waiting on it in arrival order (that
// is what makes the primitives fair). Awaiters link themselves in through a hook they embed, so
// waiting never allocates and a cancelled waiter unlinks itself in O(1).
//
// The list is circular around a sentinel hook inside the wait_list, so a hook unlinks itself
// with its two neighbours alone: it holds no pointer back to its list, and the list keeps no
// count (size() walks it; only diagnostics ask). A hook lives in every parked awaiter, so that
// is one word less per waiting task (issue 17's bytes per parked task).
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

    [[nodiscard]] bool is_waiting() const noexcept { return next_ != nullptr; }

    // Leaves whatever list holds it; safe if it is in none.
    void unlink() noexcept {
        if (next_ != nullptr) {
            prev_->next_ = next_;
            next_->prev_ = prev_;
            prev_ = next_ = nullptr;
        }
    }

private:
    friend class wait_list<Waiter>;
    // Both null while unlinked; in a list, the neighbours (the list's sentinel at either end).
    wait_list_hook* prev_ = nullptr;
    wait_list_hook* next_ = nullptr;
};

template <class Waiter>
class wait_list {
public:
    wait_list() noexcept { sentinel_.prev_ = sentinel_.next_ = &sentinel_; }
    wait_list(const wait_list&) = delete;
    wait_list& operator=(const wait_list&) = delete;
    // Forgets the waiters still linked (their owner is going away); they stay parked until
    // cancelled, and their destructors no longer reach back here.
    ~wait_list() {
        while (!empty()) {
            sentinel_.next_->unlink();
        }
        sentinel_.prev_ = sentinel_.next_ = nullptr; // the sentinel's own destructor: a no-op
    }

    [[nodiscard]] bool empty() const noexcept { return sentinel_.next_ == &sentinel_; }
    // Walks the list: for diagnostics (semaphore::waiting), not for hot paths.
    [[nodiscard]] std::size_t size() const noexcept {
        std::size_t count = 0;
        for (const wait_list_hook<Waiter>* hook = sentinel_.next_; hook != &sentinel_;
             hook = hook->next_) {
            ++count;
        }
        return count;
    }
    [[nodiscard]] Waiter* front() const noexcept {
        return empty() ? nullptr : static_cast<Waiter*>(sentinel_.next_);
    }

    void push_back(Waiter& waiter) noexcept {
        wait_list_hook<Waiter>& hook = waiter;
        assert(!hook.is_waiting());
        hook.prev_ = sentinel_.prev_;
        hook.next_ = &sentinel_;
        sentinel_.prev_->next_ = &hook;
        sentinel_.prev_ = &hook;
    }
    Waiter* pop_front() noexcept {
        Waiter* first = front();
        if (first != nullptr) {
            remove(*first);
        }
        return first;
    }
    // Unlinks `waiter`, which must be in this list or in none.
    void remove(Waiter& waiter) noexcept { static_cast<wait_list_hook<Waiter>&>(waiter).unlink(); }

private:
    wait_list_hook<Waiter> sentinel_;
};

} // namespace corio::detail
CORIO_EXPORT_END
