// SPDX-License-Identifier: MIT
// queue.hpp - corio::queue<T>, a FIFO for handing work between tasks (asyncio.Queue).
//
//     corio::queue<int> work{10};          // maxsize 10; 0 (the default) means unbounded
//     co_await work.put(15);               // waits while the queue is full
//     int item = co_await work.get();      // waits while it is empty
//     work.task_done();                    // and co_await work.join() waits for all of them
//
// close() ends the stream, like Python 3.13's Queue.shutdown(): puts fail at once with
// queue_closed (a waiting put's item is not enqueued), gets drain what is left and then fail with
// queue_closed, so consumers can loop until the producer is done:
//
//     try { for (;;) handle(co_await work.get()); } catch (const corio::queue_closed&) {}
//
// put_nowait()/get_nowait() never wait: they throw queue_full/queue_empty instead. Waiters are
// served first-come first-served, and an item is handed straight to a waiting getter, so a busy
// task cannot snatch it from under a getter that was woken for it. Waits are cancellable; a
// cancelled put() does not enqueue its item. Every operation is a cancellation checkpoint.
// Not thread-safe: use a queue from tasks of one loop (use event_loop::post to cross threads).
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/detail/ring_buffer.hpp>
#include <corio/runtime/detail/wait_list.hpp>
#include <corio/runtime/detail/waiter.hpp>
#include <corio/runtime/error.hpp>

#include <coroutine>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

CORIO_EXPORT_BEGIN
namespace corio {

class queue_empty : public std::runtime_error {
public:
    queue_empty()
        : std::runtime_error("get_nowait() on an empty corio::queue") {}
};

class queue_full : public std::runtime_error {
public:
    queue_full()
        : std::runtime_error("put_nowait() on a full corio::queue") {}
};

class queue_closed : public std::runtime_error {
public:
    queue_closed()
        : std::runtime_error("corio::queue is closed") {}
};

template <class T>
class queue {
public:
    class get_awaiter;
    class put_awaiter;
    class join_awaiter;

    explicit queue(std::size_t maxsize = 0)
        : maxsize_(maxsize) {}
    queue(const queue&) = delete;
    queue& operator=(const queue&) = delete;

    [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
    [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
    [[nodiscard]] bool full() const noexcept { return maxsize_ != 0 && items_.size() >= maxsize_; }
    [[nodiscard]] std::size_t maxsize() const noexcept { return maxsize_; }
    [[nodiscard]] bool closed() const noexcept { return closed_; }
    // Items put but not yet marked with task_done().
    [[nodiscard]] std::size_t unfinished_tasks() const noexcept { return unfinished_; }

    [[nodiscard]] put_awaiter put(T item) { return put_awaiter{*this, std::move(item)}; }
    [[nodiscard]] get_awaiter get() noexcept { return get_awaiter{*this}; }

    void put_nowait(T item) {
        if (closed_) {
            throw queue_closed();
        }
        if (!getters_.empty()) {
            hand_to_getter(std::move(item));
            return;
        }
        if (full()) {
            throw queue_full();
        }
        items_.push_back(std::move(item));
        ++unfinished_;
    }

    T get_nowait() {
        if (items_.empty()) {
            if (closed_) {
                throw queue_closed();
            }
            throw queue_empty();
        }
        T item = items_.pop_front();
        admit_putter();
        return item;
    }

    // Marks one earlier item as processed; throws usage_error if called more often than put.
    void task_done() {
        if (unfinished_ == 0) {
            throw usage_error("corio::queue::task_done() called more times than items were put");
        }
        if (--unfinished_ == 0) {
            while (join_awaiter* joiner = joiners_.pop_front()) {
                joiner->wake();
            }
        }
    }

    // No more items: waiting putters fail with queue_closed (their items are dropped), and so do
    // waiting getters (the queue is empty if any wait). Items already queued can still be got.
    // Idempotent.
    void close() noexcept {
        closed_ = true;
        while (put_awaiter* putter = putters_.pop_front()) {
            putter->refuse();
        }
        while (get_awaiter* getter = getters_.pop_front()) {
            getter->refuse();
        }
    }

    // Waits until every item put so far has been marked with task_done().
    [[nodiscard]] join_awaiter join() noexcept { return join_awaiter{*this}; }

    class [[nodiscard]] get_awaiter : private detail::waiter,
                                      public detail::wait_list_hook<get_awaiter> {
    public:
        explicit get_awaiter(queue& owner) noexcept
            : queue_(owner) {}
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> coroutine) {
            if (!park(coroutine, get_kind)) {
                return false;
            }
            if (!queue_.items_.empty()) {
                item_.emplace(queue_.items_.pop_front());
                queue_.admit_putter();
                return complete_immediately();
            }
            if (queue_.closed_) {
                return complete_immediately(); // item_ stays empty: queue_closed
            }
            queue_.getters_.push_back(*this);
            return suspend();
        }
        T await_resume() {
            resume_or_throw();
            if (!item_) {
                throw queue_closed();
            }
            return std::move(*item_);
        }

    private:
        friend class queue;
        void deliver(T item) {
            item_.emplace(std::move(item));
            wake();
        }
        void refuse() noexcept { wake(); }
        static void on_cancel(detail::suspension& parked) noexcept {
            auto& self = static_cast<get_awaiter&>(parked);
            self.unlink();
            self.wake_cancelled();
        }
        static void describe(const detail::suspension& parked, std::string& out) {
            static_cast<const get_awaiter&>(parked).queue_.describe(out);
        }
        static constexpr detail::suspension_kind get_kind{&on_cancel, "queue.get",
                                                          wait_category::queue, &describe};
        queue& queue_;
        std::optional<T> item_;
    };

    class [[nodiscard]] put_awaiter : private detail::waiter,
                                      public detail::wait_list_hook<put_awaiter> {
    public:
        put_awaiter(queue& owner, T item)
            : queue_(owner)
            , item_(std::move(item)) {}
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> coroutine) {
            if (!park(coroutine, put_kind)) {
                return false;
            }
            if (queue_.closed_) {
                refused_ = true;
                return complete_immediately();
            }
            if (!queue_.getters_.empty() || !queue_.full()) {
                queue_.put_nowait(std::move(item_));
                return complete_immediately();
            }
            queue_.putters_.push_back(*this);
            return suspend();
        }
        void await_resume() const {
            resume_or_throw();
            if (refused_) {
                throw queue_closed();
            }
        }

    private:
        friend class queue;
        void refuse() noexcept {
            refused_ = true;
            wake();
        }
        static void on_cancel(detail::suspension& parked) noexcept {
            auto& self = static_cast<put_awaiter&>(parked);
            self.unlink();
            self.wake_cancelled();
        }
        static void describe(const detail::suspension& parked, std::string& out) {
            static_cast<const put_awaiter&>(parked).queue_.describe(out);
        }
        static constexpr detail::suspension_kind put_kind{&on_cancel, "queue.put",
                                                          wait_category::queue, &describe};
        queue& queue_;
        T item_;
        bool refused_ = false;
    };

    class [[nodiscard]] join_awaiter : private detail::waiter,
                                       public detail::wait_list_hook<join_awaiter> {
    public:
        explicit join_awaiter(queue& owner) noexcept
            : queue_(owner) {}
        [[nodiscard]] bool await_ready() const noexcept { return false; }
        template <detail::corio_promise Promise>
        bool await_suspend(std::coroutine_handle<Promise> coroutine) {
            if (!park(coroutine, join_kind)) {
                return false;
            }
            if (queue_.unfinished_ == 0) {
                return complete_immediately();
            }
            queue_.joiners_.push_back(*this);
            return suspend();
        }
        void await_resume() const { resume_or_throw(); }

    private:
        friend class queue;
        static void on_cancel(detail::suspension& parked) noexcept {
            auto& self = static_cast<join_awaiter&>(parked);
            self.unlink();
            self.wake_cancelled();
        }
        static void describe(const detail::suspension& parked, std::string& out) {
            static_cast<const join_awaiter&>(parked).queue_.describe(out);
        }
        static constexpr detail::suspension_kind join_kind{&on_cancel, "queue.join",
                                                           wait_category::queue, &describe};
        queue& queue_;
    };

private:
    // " (0x7ffc..., 0 of 4 items)" for the awaiters' descriptions (traces, task dumps).
    void describe(std::string& out) const {
        out += " (";
        detail::append_address(out, this);
        out += ", ";
        out += std::to_string(items_.size());
        if (maxsize_ != 0) {
            out += " of ";
            out += std::to_string(maxsize_);
        }
        out += " items)";
    }

    void hand_to_getter(T item) {
        ++unfinished_;
        getters_.pop_front()->deliver(std::move(item));
    }

    // A slot has freed up: the longest-waiting putter's item goes in and it resumes.
    void admit_putter() {
        if (put_awaiter* putter = putters_.pop_front()) {
            items_.push_back(std::move(putter->item_));
            ++unfinished_;
            putter->wake();
        }
    }

    std::size_t maxsize_;
    std::size_t unfinished_ = 0;
    bool closed_ = false;
    detail::ring_buffer<T> items_;
    detail::wait_list<get_awaiter> getters_;
    detail::wait_list<put_awaiter> putters_;
    detail::wait_list<join_awaiter> joiners_;
};

} // namespace corio
CORIO_EXPORT_END
