// SPDX-License-Identifier: MIT
#include "blocking_pool.hpp"

namespace corio::detail {

blocking_pool::blocking_pool(event_loop& loop, unsigned max_threads)
    : loop_(loop)
    , max_threads_(max_threads == 0 ? 1 : max_threads)
    , stamp_jobs_(loop.instruments() != nullptr) {}

blocking_pool::~blocking_pool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wanted_.notify_all();
    for (std::thread& thread : threads_) {
        thread.join();
    }
}

void blocking_pool::submit(blocking_job& job) {
    if (stamp_jobs_) [[unlikely]] {
        job.submitted_by = loop_.instruments()->running_task();
    }
    bool start_thread = false;
    {
        std::lock_guard lock(mutex_);
        job.next_job = nullptr;
        (tail_ != nullptr ? tail_->next_job : head_) = &job;
        tail_ = &job;
        start_thread = idle_ == 0 && threads_.size() < max_threads_;
        if (start_thread) {
            // Emplace under the lock so a concurrent destructor cannot miss the thread.
            threads_.emplace_back([this] { work(); });
        }
    }
    if (!start_thread) {
        wanted_.notify_one();
    }
}

bool blocking_pool::withdraw(blocking_job& job) noexcept {
    std::lock_guard lock(mutex_);
    blocking_job* previous = nullptr;
    for (blocking_job* queued = head_; queued != nullptr; queued = queued->next_job) {
        if (queued == &job) {
            (previous != nullptr ? previous->next_job : head_) = job.next_job;
            if (tail_ == &job) {
                tail_ = previous;
            }
            return true;
        }
        previous = queued;
    }
    return false;
}

void blocking_pool::work() {
    std::unique_lock lock(mutex_);
    for (;;) {
        while (head_ == nullptr && !stopping_) {
            ++idle_;
            wanted_.wait(lock);
            --idle_;
        }
        if (head_ == nullptr) {
            return; // stopping, and nothing left to run
        }
        blocking_job& job = *head_;
        head_ = job.next_job;
        if (head_ == nullptr) {
            tail_ = nullptr;
        }
        lock.unlock();
        if (stamp_jobs_) [[unlikely]] {
            job.started = std::chrono::steady_clock::now();
            job.execute(job);
            job.finished = std::chrono::steady_clock::now();
        } else {
            job.execute(job);
        }
        loop_.post_node(job); // hands the job back; the loop calls on_done
        lock.lock();
    }
}

} // namespace corio::detail
