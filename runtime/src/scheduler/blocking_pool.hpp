// SPDX-License-Identifier: MIT
// blocking_pool.hpp - a few worker threads for work that would block the loop.
//
// getaddrinfo(), file system calls and CPU-heavy functions cannot run on the loop thread without
// stalling every task, so run_blocking() sends them here (libuv's threadpool, asyncio's
// to_thread). Threads start on demand up to the limit and live until the loop is destroyed.
// Jobs are intrusive (no allocation per job). submit/withdraw are called on the loop thread;
// workers report back through event_loop::post_node().
#pragma once

#include <corio/runtime/detail/blocking_job.hpp>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace corio::detail {

class blocking_pool {
public:
    blocking_pool(event_loop& loop, unsigned max_threads);
    ~blocking_pool(); // stops the workers after the jobs already queued
    blocking_pool(const blocking_pool&) = delete;
    blocking_pool& operator=(const blocking_pool&) = delete;

    void submit(blocking_job& job);
    bool withdraw(blocking_job& job) noexcept;

private:
    void work();

    event_loop& loop_;
    unsigned max_threads_;
    // The loop records traces: stamp each job's times. Fixed at construction (a loop's
    // instruments never come or go while it runs), so workers read it without a lock.
    const bool stamp_jobs_;
    std::mutex mutex_;
    std::condition_variable wanted_;
    blocking_job* head_ = nullptr; // guarded by mutex_
    blocking_job* tail_ = nullptr; // guarded by mutex_
    unsigned idle_ = 0;            // guarded by mutex_
    bool stopping_ = false;        // guarded by mutex_
    std::vector<std::thread> threads_;
};

} // namespace corio::detail
