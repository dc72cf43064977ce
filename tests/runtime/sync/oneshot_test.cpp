// SPDX-License-Identifier: MIT
#include <corio/runtime/sync/oneshot.hpp>

#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/wait_for.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

namespace {

TEST(Oneshot, TheReceiverWaitsForTheValueTheSenderSends) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<std::string> {
        auto [sender, receiver] = corio::make_oneshot<std::string>();
        auto worker = [](corio::oneshot_sender<std::string> result) -> corio::task<> {
            co_await corio::sleep_for(10ms);
            EXPECT_TRUE(result.receiver_alive());
            EXPECT_TRUE(result.send("computed"));
        };
        corio::spawn(worker(std::move(sender))).detach();
        co_return co_await receiver.receive();
    };
    EXPECT_EQ(corio::run(main_task(), corio::loop_options::with_virtual_time()), "computed");
}

TEST(Oneshot, AValueSentBeforeTheReceiveIsThereAtOnce) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto [sender, receiver] = corio::make_oneshot<std::unique_ptr<int>>();
        EXPECT_TRUE(sender.send(std::make_unique<int>(5)));
        EXPECT_THROW(sender.send(nullptr), corio::usage_error) << "a sender sends once";
        EXPECT_EQ(*co_await receiver.receive(), 5);
        EXPECT_THROW(co_await receiver.receive(), corio::usage_error) << "and is received once";
    };
    corio::run(main_task());
}

TEST(Oneshot, ASenderDroppedWithoutSendingClosesTheChannel) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto [sender, receiver] = corio::make_oneshot<int>();
        // A detached task's frame, and the sender in it, goes as soon as the task ends.
        auto giving_up = [](corio::oneshot_sender<int> result) -> corio::task<> {
            co_await corio::yield_now();
            if (result.receiver_alive()) {
                co_return; // nothing to answer after all
            }
            result.send(0);
        };
        corio::spawn(giving_up(std::move(sender))).detach();
        EXPECT_THROW(co_await corio::wait_for(receiver.receive(), 5s), corio::channel_closed);

        auto [other_sender, other_receiver] = corio::make_oneshot<int>();
        { auto dropped = std::move(other_sender); }
        EXPECT_THROW(co_await other_receiver.receive(), corio::channel_closed);
    };
    corio::run(main_task());
}

TEST(Oneshot, SendingToADroppedReceiverReturnsFalse) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto [sender, receiver] = corio::make_oneshot<int>();
        { auto gone = std::move(receiver); }
        EXPECT_FALSE(sender.receiver_alive());
        EXPECT_FALSE(sender.send(1));
        co_return;
    };
    corio::run(main_task());
}

TEST(Oneshot, ACancelledReceiveLeavesTheValueForTheNextOne) {
    corio_test::leak_check check;
    auto main_task = []() -> corio::task<> {
        auto [sender, receiver] = corio::make_oneshot<int>();
        EXPECT_THROW(co_await corio::wait_for(receiver.receive(), 10ms), corio::timeout_error);
        EXPECT_TRUE(sender.send(9));
        EXPECT_EQ(co_await receiver.receive(), 9);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
}

} // namespace
