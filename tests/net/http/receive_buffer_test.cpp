// SPDX-License-Identifier: MIT
// receive_buffer: the bytes a client connection has received and not consumed yet, kept with
// the connection between exchanges.
#include "http/receive_buffer.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

using corio::http::detail::receive_buffer;

namespace {

// Copies `text` into the space prepare() gives and commits it, as a read would.
void receive(receive_buffer& buffer, std::string_view text, std::size_t space = 64) {
    const std::span<std::byte> room = buffer.prepare(std::max(space, text.size()));
    std::memcpy(room.data(), text.data(), text.size());
    buffer.commit(text.size());
}

TEST(ReceiveBuffer, StartsEmptyWithoutMemory) {
    const receive_buffer buffer;
    EXPECT_TRUE(buffer.empty());
    EXPECT_EQ(buffer.capacity(), 0U);
    EXPECT_EQ(buffer.unread(), "");
}

TEST(ReceiveBuffer, CommittedBytesAreUnreadUntilConsumed) {
    receive_buffer buffer;
    receive(buffer, "HTTP/1.1 200 OK\r\n");
    EXPECT_EQ(buffer.unread(), "HTTP/1.1 200 OK\r\n");
    buffer.consume(9);
    EXPECT_EQ(buffer.unread(), "200 OK\r\n");
    receive(buffer, "Server: x\r\n");
    EXPECT_EQ(buffer.unread(), "200 OK\r\nServer: x\r\n");
    buffer.consume(buffer.unread().size());
    EXPECT_TRUE(buffer.empty());
}

TEST(ReceiveBuffer, ConsumedSpaceIsReusedBeforeGrowing) {
    receive_buffer buffer;
    receive(buffer, std::string(48, 'a'), 64);
    const std::size_t capacity = buffer.capacity();
    buffer.consume(40); // 8 unread at the back
    receive(buffer, std::string(50, 'b'), 50);
    EXPECT_EQ(buffer.capacity(), capacity) << "the unread bytes should have moved to the front";
    EXPECT_EQ(buffer.unread(), std::string(8, 'a') + std::string(50, 'b'));
}

TEST(ReceiveBuffer, GrowingKeepsTheUnreadBytes) {
    receive_buffer buffer;
    receive(buffer, "head", 16);
    const std::string big(10'000, 'x');
    receive(buffer, big, big.size());
    EXPECT_GE(buffer.capacity(), 4 + big.size());
    EXPECT_EQ(buffer.unread(), "head" + big);
}

TEST(ReceiveBuffer, RecycleDropsUnreadBytesButKeepsOrdinaryMemory) {
    receive_buffer buffer;
    receive(buffer, "left over", 1024);
    const std::size_t capacity = buffer.capacity();
    ASSERT_LE(capacity, receive_buffer::max_retained);
    buffer.recycle();
    EXPECT_TRUE(buffer.empty());
    EXPECT_EQ(buffer.capacity(), capacity);
}

TEST(ReceiveBuffer, RecycleFreesMemoryGrownPastTheRetainedLimit) {
    receive_buffer buffer;
    receive(buffer, "x", receive_buffer::max_retained + 1);
    ASSERT_GT(buffer.capacity(), receive_buffer::max_retained);
    buffer.recycle();
    EXPECT_TRUE(buffer.empty());
    EXPECT_EQ(buffer.capacity(), 0U);
    receive(buffer, "still usable");
    EXPECT_EQ(buffer.unread(), "still usable");
}

TEST(ReceiveBuffer, MovingTakesTheBytesAndLeavesTheSourceEmpty) {
    receive_buffer source;
    receive(source, "pending");
    receive_buffer target = std::move(source);
    EXPECT_EQ(target.unread(), "pending");
    // NOLINTBEGIN(bugprone-use-after-move,clang-analyzer-cplusplus.Move): the moved-from state
    // is specified
    EXPECT_TRUE(source.empty());
    EXPECT_EQ(source.capacity(), 0U);
    // NOLINTEND(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
    receive_buffer assigned;
    assigned = std::move(target);
    EXPECT_EQ(assigned.unread(), "pending");
}

} // namespace
