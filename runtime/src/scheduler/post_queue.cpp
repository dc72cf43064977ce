// SPDX-License-Identifier: MIT
#include "scheduler/post_queue.hpp"

#include <corio/runtime/detail/loop_instruments.hpp>

#include <exception>
#include <utility>

namespace corio::detail {

void post_queue::push(posted_node& node) noexcept {
    posted_node* head = head_.load(std::memory_order_relaxed);
    do {
        node.next = head;
        // release: the loop thread that takes the stack sees everything written before the post.
    } while (!head_.compare_exchange_weak(head, &node, std::memory_order_release,
                                          std::memory_order_relaxed));
}

std::size_t post_queue::run_all(loop_instruments* instruments) noexcept {
    posted_node* stack = head_.exchange(nullptr, std::memory_order_acquire);
    posted_node* fifo = nullptr; // the stack is newest first: reverse it
    while (stack != nullptr) {
        posted_node* next = stack->next;
        stack->next = fifo;
        fifo = stack;
        stack = next;
    }
    std::size_t ran = 0;
    while (fifo != nullptr) {
        posted_node* next = fifo->next; // read first: running the node may free it
        if (instruments != nullptr) [[unlikely]] {
            instruments->posted_begin();
            fifo->run(*fifo);
            instruments->posted_end();
        } else {
            fifo->run(*fifo);
        }
        ++ran;
        fifo = next;
    }
    return ran;
}

namespace {

struct heap_post final : posted_node {
    explicit heap_post(unique_function<void()> fn) noexcept
        : callback(std::move(fn)) {
        run = &invoke;
    }
    static void invoke(posted_node& node) noexcept {
        auto* self = static_cast<heap_post*>(&node);
        try {
            self->callback();
        } catch (...) {
            if (event_loop* loop = event_loop::try_current()) {
                loop->report_unhandled(std::current_exception());
            }
        }
        delete self;
    }
    unique_function<void()> callback;
};

} // namespace

posted_node& make_posted_callback(unique_function<void()> callback) {
    return *new heap_post(std::move(callback));
}

} // namespace corio::detail
