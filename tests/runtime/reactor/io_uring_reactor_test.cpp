// SPDX-License-Identifier: MIT
// io_uring_reactor's own behaviour, beyond the contract suite it also runs
// (reactor_contract_test.cpp): what a full submission queue, an overflowing completion queue,
// abandon() among other completions, handles deregistered or closed under operations, and the one
// io_uring_enter per wait() look like. Linux only; skipped (with the reason) where io_uring cannot
// be set up, which this project's CI never allows (it runs where io_uring works).
#include "reactor/io_uring_reactor.hpp"

#include "exchange_operation.hpp"
#include "support/socket_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

using namespace std::chrono_literals;
using corio::detail::io_kind;
using corio::detail::io_operation;
using corio::detail::io_operation_list;
using corio::detail::io_uring_reactor;

namespace {

std::size_t open_descriptors() {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/self/fd")) {
        ++count;
    }
    return count;
}

class IoUringReactor : public testing::Test {
protected:
    void SetUp() override { make(io_uring_reactor::default_queue_entries); }
    void make(unsigned entries) {
        try {
            reactor_ = std::make_unique<io_uring_reactor>(entries);
        } catch (const std::system_error& error) {
            GTEST_SKIP() << "io_uring cannot be set up here: " << error.what();
        }
    }
    void TearDown() override {
        if (!reactor_) {
            return;
        }
        for (auto* registration : registrations_) {
            reactor_->deregister_handle(*registration);
        }
        io_operation_list leftovers;
        reactor_->wait(0ns, leftovers);
        for (auto handle : handles_) {
            corio_test::close_handle(handle);
        }
        EXPECT_EQ(reactor_->registered_handles(), 0U);
        EXPECT_EQ(reactor_->pending_operations(), 0U);
    }

    corio::detail::io_registration& track(corio::native_handle_t handle) {
        handles_.push_back(handle);
        auto& registration = reactor_->register_handle(handle);
        registrations_.push_back(&registration);
        return registration;
    }
    void forget(corio::detail::io_registration& registration) {
        std::erase(registrations_, &registration);
        reactor_->deregister_handle(registration);
    }

    // Waits until every operation in `ops` has been reported, each exactly once.
    void collect(const std::vector<io_operation*>& ops) {
        std::set<io_operation*> expected(ops.begin(), ops.end());
        std::set<io_operation*> seen;
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (seen.size() < expected.size()) {
            ASSERT_LT(std::chrono::steady_clock::now(), deadline)
                << seen.size() << " of " << expected.size() << " reported";
            io_operation_list done;
            reactor_->wait(100ms, done);
            while (io_operation* finished = done.pop_front()) {
                EXPECT_EQ(expected.count(finished), 1U) << "an operation nobody started";
                EXPECT_TRUE(seen.insert(finished).second) << "reported twice";
            }
        }
    }

    static io_operation receive(corio::detail::io_registration& target, char* buffer,
                                std::size_t size) {
        io_operation op;
        op.kind = io_kind::receive;
        op.target = &target;
        op.buffer = buffer;
        op.length = size;
        return op;
    }

    std::unique_ptr<io_uring_reactor> reactor_;
    std::vector<corio::native_handle_t> handles_;
    std::vector<corio::detail::io_registration*> registrations_;
};

TEST_F(IoUringReactor, ConstructingAndDestroyingLeavesNoDescriptorOpen) {
    const std::size_t before = open_descriptors();
    {
        io_uring_reactor reactor;
        io_operation_list done;
        reactor.wait(0ns, done); // arms the wake-up read, which the destructor must take back
        reactor.wake();
        reactor.wait(1s, done);
    }
    EXPECT_EQ(open_descriptors(), before);
}

TEST_F(IoUringReactor, OneWaitIsOneSystemCall) {
    auto [a, b] = corio_test::stream_socket_pair();
    auto& ra = track(a);
    handles_.push_back(b);
    io_operation_list done;
    reactor_->wait(0ns, done); // settle: the wake-up read is armed
    char buffer[8];
    for (int round = 0; round < 10; ++round) {
        io_operation op = receive(ra, buffer, sizeof buffer);
        ASSERT_FALSE(reactor_->start(op)); // queued only: no system call
        ASSERT_EQ(corio_test::write_some(b, "x", 1), 1);
        const std::size_t before = reactor_->enter_calls();
        reactor_->wait(5s, done); // submits the receive and waits for it: one io_uring_enter
        EXPECT_EQ(reactor_->enter_calls() - before, 1U);
        ASSERT_EQ(done.pop_front(), &op);
        EXPECT_EQ(op.transferred, 1U);
    }
}

TEST_F(IoUringReactor, AWaitWithCompletionsAlreadyKnownDoesNotBlock) {
    auto [a, b] = corio_test::stream_socket_pair();
    auto& ra = track(a);
    auto [c, d] = corio_test::stream_socket_pair();
    auto& rc = track(c);
    handles_.push_back(b);
    handles_.push_back(d);
    char first[4];
    char second[4];
    io_operation pending = receive(ra, first, sizeof first);
    io_operation abandoned = receive(rc, second, sizeof second);
    ASSERT_FALSE(reactor_->start(pending));
    ASSERT_FALSE(reactor_->start(abandoned));
    io_operation_list done;
    reactor_->wait(0ns, done); // both in the kernel
    ASSERT_TRUE(done.empty());
    ASSERT_EQ(corio_test::write_some(b, "ab", 2), 2);
    std::this_thread::sleep_for(10ms);
    // abandon() enters the kernel until its own CQE comes; `pending`'s is reaped meanwhile and
    // kept: the next wait() must hand it over without blocking, and without a system call.
    reactor_->abandon(abandoned);
    const std::size_t enters = reactor_->enter_calls();
    const auto start = std::chrono::steady_clock::now();
    reactor_->wait(10s, done);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_EQ(reactor_->enter_calls(), enters);
    ASSERT_EQ(done.pop_front(), &pending);
    EXPECT_EQ(pending.transferred, 2U);
}

// The point of the exchange: a request and the wait for its reply are one io_uring_enter, since
// the send that succeeds posts no completion to end the wait early.
TEST_F(IoUringReactor, AnExchangeIsOneSystemCallAndOneCompletion) {
    if (const std::string reason = corio_test::exchange_skip_reason(*reactor_); !reason.empty()) {
        GTEST_SKIP() << reason;
    }
    auto [a, b] = corio_test::stream_socket_pair();
    auto& ra = track(a);
    handles_.push_back(b);
    io_operation_list done;
    reactor_->wait(0ns, done); // settle: the wake-up read is armed
    char reply[8];
    for (int round = 0; round < 10; ++round) {
        io_operation op = corio_test::exchange_operation(ra, "ping", 4, reply, sizeof reply);
        ASSERT_FALSE(reactor_->start(op));
        std::thread peer([b = b] {
            char request[4];
            std::size_t got = 0;
            while (got < sizeof request) {
                const long n = corio_test::read_some(b, request + got, sizeof request - got);
                if (n > 0) {
                    got += static_cast<std::size_t>(n);
                } else {
                    std::this_thread::sleep_for(1ms);
                }
            }
            EXPECT_EQ(corio_test::write_some(b, "pong", 4), 4);
        });
        const std::size_t before = reactor_->enter_calls();
        reactor_->wait(5s, done); // submits the pair, and waits for the reply: one call
        peer.join();
        EXPECT_EQ(reactor_->enter_calls() - before, 1U);
        ASSERT_EQ(done.pop_front(), &op);
        EXPECT_TRUE(done.empty());
        EXPECT_EQ(op.sent_bytes, 4U);
        EXPECT_EQ(op.transferred, 4U);
    }
    EXPECT_EQ(reactor_->stray_completions(), 0U);
}

// Each exchange posts exactly one CQE whatever happens to it: the slot is recycled on it, so a
// second one (the cancelled receive's) would land on a slot that now belongs to someone else.
TEST_F(IoUringReactor, AFailedOrCancelledExchangePostsNoSecondCompletion) {
    if (const std::string reason = corio_test::exchange_skip_reason(*reactor_); !reason.empty()) {
        GTEST_SKIP() << reason;
    }
    char reply[8];
    {
        auto [a, b] = corio_test::stream_socket_pair();
        auto& ra = track(a);
        corio_test::close_handle(b);
        io_operation failed = corio_test::exchange_operation(ra, "ping", 4, reply, sizeof reply);
        ASSERT_FALSE(reactor_->start(failed));
        collect({&failed});
        EXPECT_EQ(failed.error, EPIPE);
        EXPECT_EQ(failed.sent_bytes, 0U);
    }
    auto [a, b] = corio_test::stream_socket_pair();
    auto& ra = track(a);
    handles_.push_back(b);
    const std::string big(8 << 20, 'r');
    io_operation waiting =
        corio_test::exchange_operation(ra, big.data(), big.size(), reply, sizeof reply);
    ASSERT_FALSE(reactor_->start(waiting));
    io_operation_list done;
    reactor_->wait(20ms, done); // submitted; the send waits for room
    EXPECT_TRUE(done.empty());
    reactor_->cancel(waiting);
    collect({&waiting});
    EXPECT_TRUE(waiting.cancelled);
    // The slots are reused now; nothing stray may arrive for them.
    io_operation next = receive(ra, reply, sizeof reply);
    ASSERT_FALSE(reactor_->start(next));
    reactor_->wait(50ms, done);
    EXPECT_TRUE(done.empty());
    reactor_->cancel(next);
    collect({&next});
    EXPECT_EQ(reactor_->stray_completions(), 0U);
}

// The linked pair must go to the kernel in one submission: with a full SQ, the send is never
// submitted without its receive.
TEST_F(IoUringReactor, AFullSubmissionQueueNeverSplitsAnExchange) {
    reactor_.reset();
    make(4);
    ASSERT_TRUE(reactor_);
    if (const std::string reason = corio_test::exchange_skip_reason(*reactor_); !reason.empty()) {
        GTEST_SKIP() << reason;
    }
    constexpr int count = 25;
    std::vector<std::pair<corio::native_handle_t, corio::native_handle_t>> pairs;
    std::vector<io_operation> ops(count);
    std::vector<std::array<char, 8>> replies(count);
    std::vector<io_operation*> started;
    io_operation_list done;
    reactor_->wait(0ns, done); // the wake-up read takes one SQE, so pairs straddle the end
    for (int i = 0; i < count; ++i) {
        auto [a, b] = corio_test::stream_socket_pair();
        pairs.emplace_back(a, b);
        handles_.push_back(b);
        ops[i] = corio_test::exchange_operation(track(a), "ask", 3, replies[i].data(),
                                                replies[i].size());
        ASSERT_FALSE(reactor_->start(ops[i]));
        started.push_back(&ops[i]);
    }
    reactor_->wait(0ns, done);
    EXPECT_TRUE(done.empty());
    for (const auto& pair : pairs) {
        char request[3];
        ASSERT_EQ(corio_test::read_some(pair.second, request, sizeof request), 3);
        ASSERT_EQ(corio_test::write_some(pair.second, "yes", 3), 3);
    }
    collect(started);
    for (const auto& op : ops) {
        EXPECT_EQ(op.error, 0);
        EXPECT_EQ(op.sent_bytes, 3U);
        EXPECT_EQ(op.transferred, 3U);
    }
    EXPECT_EQ(reactor_->stray_completions(), 0U);
}

TEST_F(IoUringReactor, AnExchangeThisRingCannotLinkIsRefused) {
    reactor_->split_exchanges_for_testing();
    EXPECT_FALSE(reactor_->completes_exchanges());
    auto [a, b] = corio_test::stream_socket_pair();
    auto& ra = track(a);
    handles_.push_back(b);
    char reply[8];
    io_operation op = corio_test::exchange_operation(ra, "ping", 4, reply, sizeof reply);
    ASSERT_TRUE(reactor_->start(op)); // at once: io_object never asks this of such a ring
    EXPECT_EQ(op.error, EINVAL);
    EXPECT_EQ(reactor_->pending_operations(), 0U);
}

TEST_F(IoUringReactor, AbandonKeepsOtherCompletionsForTheNextWait) {
    auto [a, b] = corio_test::stream_socket_pair();
    auto& ra = track(a);
    auto [c, d] = corio_test::stream_socket_pair();
    auto& rc = track(c);
    handles_.push_back(b);
    handles_.push_back(d);
    char buffer_a[8];
    char buffer_c[8];
    auto doomed = std::make_unique<io_operation>(receive(ra, buffer_a, sizeof buffer_a));
    io_operation survivor = receive(rc, buffer_c, sizeof buffer_c);
    ASSERT_FALSE(reactor_->start(*doomed));
    ASSERT_FALSE(reactor_->start(survivor));
    io_operation_list done;
    reactor_->wait(0ns, done); // both in the kernel now
    ASSERT_TRUE(done.empty());
    ASSERT_EQ(corio_test::write_some(d, "kept", 4), 4);
    std::this_thread::sleep_for(10ms); // the survivor's CQE is posted before abandon() reaps
    reactor_->abandon(*doomed);
    doomed.reset(); // the kernel is done with it: its buffer may go too
    EXPECT_EQ(reactor_->pending_operations(), 1U);
    ASSERT_EQ(corio_test::write_some(b, "late", 4), 4); // nothing is waiting for it any more
    collect({&survivor});
    EXPECT_EQ(survivor.transferred, 4U);
    EXPECT_EQ(std::memcmp(buffer_c, "kept", 4), 0);
    // The bytes sent to the abandoned receive are still in `a`: it consumed nothing.
    char rest[8];
    EXPECT_EQ(corio_test::read_some(a, rest, sizeof rest), 4);
}

TEST_F(IoUringReactor, AFullSubmissionQueueLosesNoOperation) {
    reactor_.reset();
    make(4); // four SQEs: a hundred receives overflow it many times
    ASSERT_TRUE(reactor_);
    constexpr int count = 100;
    std::vector<std::pair<corio::native_handle_t, corio::native_handle_t>> pairs;
    std::vector<io_operation> ops(count);
    std::vector<std::array<char, 8>> buffers(count);
    std::vector<io_operation*> started;
    for (int i = 0; i < count; ++i) {
        auto [a, b] = corio_test::stream_socket_pair();
        pairs.emplace_back(a, b);
        handles_.push_back(b);
        ops[i] = receive(track(a), buffers[i].data(), buffers[i].size());
        ASSERT_FALSE(reactor_->start(ops[i]));
        started.push_back(&ops[i]);
    }
    EXPECT_EQ(reactor_->pending_operations(), static_cast<std::size_t>(count));
    for (const auto& pair : pairs) {
        ASSERT_EQ(corio_test::write_some(pair.second, "y", 1), 1);
    }
    collect(started);
    for (const auto& op : ops) {
        EXPECT_EQ(op.error, 0);
        EXPECT_EQ(op.transferred, 1U);
    }
}

TEST_F(IoUringReactor, ACompletionQueueOverflowLosesNoCompletion) {
    reactor_.reset();
    make(4); // a CQ of eight entries
    ASSERT_TRUE(reactor_);
    constexpr int count = 64;
    std::vector<std::pair<corio::native_handle_t, corio::native_handle_t>> pairs;
    std::vector<io_operation> ops(count);
    std::vector<std::array<char, 8>> buffers(count);
    std::vector<io_operation*> started;
    for (int i = 0; i < count; ++i) {
        auto [a, b] = corio_test::stream_socket_pair();
        pairs.emplace_back(a, b);
        handles_.push_back(b);
        ops[i] = receive(track(a), buffers[i].data(), buffers[i].size());
        ASSERT_FALSE(reactor_->start(ops[i]));
        started.push_back(&ops[i]);
    }
    io_operation_list done;
    reactor_->wait(0ns, done); // everything in the kernel, nothing finished
    ASSERT_TRUE(done.empty());
    // All 64 finish while nobody reaps: 56 more than the CQ holds.
    for (const auto& pair : pairs) {
        ASSERT_EQ(corio_test::write_some(pair.second, "z", 1), 1);
    }
    std::this_thread::sleep_for(50ms);
    collect(started);
    for (const auto& op : ops) {
        EXPECT_EQ(op.error, 0);
        EXPECT_EQ(op.transferred, 1U);
    }
}

TEST_F(IoUringReactor, AHandleDeregisteredWithOperationsInFlightGetsThemBackCancelled) {
    auto [a, b] = corio_test::stream_socket_pair();
    auto& ra = reactor_->register_handle(a);
    handles_.push_back(b);
    char one[4];
    char two[4];
    io_operation first = receive(ra, one, sizeof one);
    io_operation second = receive(ra, two, sizeof two);
    ASSERT_FALSE(reactor_->start(first));
    io_operation_list done;
    reactor_->wait(0ns, done); // `first` is in the kernel, `second` only queued
    ASSERT_FALSE(reactor_->start(second));
    reactor_->deregister_handle(ra);
    corio_test::close_handle(a); // as io_object::close() does right after
    EXPECT_EQ(reactor_->registered_handles(), 0U);
    collect({&first, &second});
    EXPECT_TRUE(first.cancelled);
    EXPECT_TRUE(second.cancelled);
}

TEST_F(IoUringReactor, AHandleReleasedWithAnOperationInFlightCanBeUsedAgain) {
    auto [a, b] = corio_test::stream_socket_pair();
    auto& first = reactor_->register_handle(a);
    handles_.push_back(a);
    handles_.push_back(b);
    char buffer[4];
    io_operation op = receive(first, buffer, sizeof buffer);
    ASSERT_FALSE(reactor_->start(op));
    io_operation_list done;
    reactor_->wait(0ns, done);
    reactor_->deregister_handle(first); // released: `a` stays open
    collect({&op});
    EXPECT_TRUE(op.cancelled);
    ASSERT_EQ(corio_test::write_some(b, "x", 1), 1); // not taken by the cancelled receive
    auto& again = reactor_->register_handle(a);
    registrations_.push_back(&again);
    io_operation next = receive(again, buffer, sizeof buffer);
    ASSERT_FALSE(reactor_->start(next));
    collect({&next});
    EXPECT_EQ(next.transferred, 1U);
}

TEST_F(IoUringReactor, ReadingAPipeWaitsForItsWriter) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    auto& reader = track(fds[0]);
    handles_.push_back(fds[1]);
    char buffer[8];
    io_operation read;
    read.kind = io_kind::read;
    read.target = &reader;
    read.buffer = buffer;
    read.length = sizeof buffer;
    ASSERT_FALSE(reactor_->start(read));
    io_operation_list done;
    reactor_->wait(20ms, done); // an O_NONBLOCK pipe answers -EAGAIN: the backend polls it
    EXPECT_TRUE(done.empty());
    ASSERT_EQ(::write(fds[1], "pipe", 4), 4);
    collect({&read});
    EXPECT_EQ(read.transferred, 4U);
}

TEST_F(IoUringReactor, TheTimeoutOperationPathEndsWaitsToo) {
    reactor_->use_timeout_operations_for_testing(); // as on kernels without IORING_FEAT_EXT_ARG
    for (int round = 0; round < 3; ++round) {
        const auto start = std::chrono::steady_clock::now();
        io_operation_list done;
        reactor_->wait(30ms, done);
        EXPECT_GE(std::chrono::steady_clock::now() - start, 25ms);
        EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
        EXPECT_TRUE(done.empty());
    }
    // A wake-up still ends an unbounded wait.
    std::thread waker([&] {
        std::this_thread::sleep_for(20ms);
        reactor_->wake();
    });
    io_operation_list done;
    reactor_->wait(std::nullopt, done);
    waker.join();
}

} // namespace
