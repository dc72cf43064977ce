// SPDX-License-Identifier: MIT
// The floor for the timer workloads of protocol.hpp: a bare binary heap of timers and no loop.
// Each timer knows its slot in the heap so that cancelling is a real O(log n) removal (as libuv's
// heap and Asio's timer queue remove, unlike asyncio's lazy flag). insert+fire pops the timers in
// deadline order and calls each one's callback: no clock is read and nothing waits, so it is the
// pure queue work any loop's timers pay at least.
#include "protocol.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace {

volatile std::int64_t sink = 0;

struct timer {
    std::int64_t deadline = 0; // microseconds from the start
    std::size_t slot = 0;      // index in the heap while armed
    void (*on_fire)(timer&) = nullptr;
};

class timer_heap {
public:
    void reserve(std::size_t count) { heap_.reserve(count); }
    void insert(timer& armed) {
        armed.slot = heap_.size();
        heap_.push_back(&armed);
        sift_up(armed.slot);
    }
    void cancel(timer& armed) {
        const std::size_t slot = armed.slot;
        timer* last = heap_.back();
        heap_.pop_back();
        if (last != &armed) {
            place(slot, last);
            sift_down(slot);
            sift_up(last->slot);
        }
    }
    [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
    timer& pop_earliest() {
        timer& earliest = *heap_.front();
        cancel(earliest);
        return earliest;
    }

private:
    static bool earlier(const timer* a, const timer* b) { return a->deadline < b->deadline; }
    void place(std::size_t slot, timer* entry) {
        heap_[slot] = entry;
        entry->slot = slot;
    }
    void sift_up(std::size_t slot) {
        timer* moving = heap_[slot];
        while (slot > 0) {
            const std::size_t parent = (slot - 1) / 2;
            if (!earlier(moving, heap_[parent])) {
                break;
            }
            place(slot, heap_[parent]);
            slot = parent;
        }
        place(slot, moving);
    }
    void sift_down(std::size_t slot) {
        timer* moving = heap_[slot];
        for (;;) {
            std::size_t child = 2 * slot + 1;
            if (child >= heap_.size()) {
                break;
            }
            if (child + 1 < heap_.size() && earlier(heap_[child + 1], heap_[child])) {
                ++child;
            }
            if (!earlier(heap_[child], moving)) {
                break;
            }
            place(slot, heap_[child]);
            slot = child;
        }
        place(slot, moving);
    }

    std::vector<timer*> heap_;
};

std::int64_t next_timer = 0;
std::int64_t fired = 0;

void on_fire(timer& /*fired_timer*/) {
    ++fired;
}

void insert_cancel(timer_heap& heap, std::int64_t ops) {
    for (std::int64_t i = 0; i < ops; ++i) {
        timer op_timer{corio_compare::far_delay_us(next_timer++), 0, &on_fire};
        heap.insert(op_timer);
        heap.cancel(op_timer);
    }
}

void insert_fire(timer_heap& heap, std::int64_t live, std::int64_t ops) {
    const auto timers = std::make_unique<timer[]>(static_cast<std::size_t>(std::min(live, ops)));
    for (std::int64_t done = 0; done < ops;) {
        const std::int64_t round = std::min(live, ops - done);
        for (std::int64_t i = 0; i < round; ++i) {
            timer& armed = timers[static_cast<std::size_t>(i)];
            armed = {corio_compare::fire_delay_us(next_timer++), 0, &on_fire};
            heap.insert(armed);
        }
        while (!heap.empty()) {
            timer& due = heap.pop_earliest();
            due.on_fire(due);
        }
        done += round;
    }
}

} // namespace

int main(int argc, char** argv) {
    const auto work =
        corio_compare::parse_parameterised_arguments(argc, argv, corio_compare::timer_families);
    if (!work) {
        return 2;
    }
    corio_compare::workload_clock timing{work->family};
    timer_heap heap;
    if (work->family == "timer_insert_cancel") {
        const auto live = std::make_unique<timer[]>(static_cast<std::size_t>(work->parameter));
        heap.reserve(static_cast<std::size_t>(work->parameter) + 1);
        for (std::int64_t i = 0; i < work->parameter; ++i) {
            live[static_cast<std::size_t>(i)] = {corio_compare::far_delay_us(next_timer++), 0,
                                                 &on_fire};
            heap.insert(live[static_cast<std::size_t>(i)]);
        }
        insert_cancel(heap, corio_compare::warm_up_ops(work->ops));
        timing.start();
        insert_cancel(heap, work->ops);
    } else {
        insert_fire(heap, work->parameter, corio_compare::warm_up_ops(work->ops));
        timing.start();
        insert_fire(heap, work->parameter, work->ops);
    }
    const auto elapsed = timing.elapsed();
    sink = fired;
    corio_compare::report("floor", *work, elapsed);
    return 0;
}
