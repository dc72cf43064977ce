// SPDX-License-Identifier: MIT
// buffered_reader, buffered_writer and buffered_stream: records split across reads in every way
// (a byte per read, delimiters spanning reads), limits at and past their boundary, the end of the
// stream in the middle of a record, deadlines and cancellation that must leave the buffer as it
// was, the writer's thresholds and its report of unflushed bytes; over a scripted stream in
// memory, over loopback TCP and (builds with OpenSSL) over TLS.
#include <corio/net/buffered_stream.hpp>

#include <corio/net/byte_stream.hpp>
#include <corio/net/tcp_listener.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/wait_for.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#ifdef CORIO_TEST_TLS
#include <corio/net/tls_context.hpp>
#include <corio/net/tls_stream.hpp>

#include "support/test_certificates.hpp"
#endif

using namespace std::chrono_literals;
using corio::net::address;
using corio::net::buffered_reader;
using corio::net::buffered_stream;
using corio::net::buffered_writer;
using corio::net::incomplete_read_error;
using corio::net::limit_overrun_error;

namespace {

// A byte_stream in memory. Reads hand out the fed chunks one at a time (a read never joins two
// chunks, and splits one only if the caller's buffer is smaller), then end of stream once end()
// was called; with nothing fed they wait, honouring the deadline. Writes are recorded one entry
// per call, and can be made to fail or to stall.
class script_stream final : public corio::net::byte_stream {
public:
    using byte_stream::write_all;

    void feed(std::string chunk) {
        incoming_.push_back(std::move(chunk));
        arrived_.set();
    }
    // Feeds `text` a byte per read.
    void feed_bytewise(std::string_view text) {
        for (const char c : text) {
            feed(std::string(1, c));
        }
    }
    void end() {
        ended_ = true;
        arrived_.set();
    }

    corio::task<std::size_t> read_some(std::span<std::byte> buffer,
                                       corio::net::deadline until) override {
        ++reads;
        // Like corio's own I/O, a read that completes at once yields now and then (the loop's
        // immediate-completion budget), so that thousands of them in a row do not nest: where
        // the compiler does not make symmetric transfer a tail call (MinGW at -O0), each would
        // take stack.
        if (!corio::event_loop::current().try_continue_immediately()) {
            co_await corio::yield_now();
        }
        while (incoming_.empty() && !ended_) {
            arrived_.clear();
            if (until) {
                co_await corio::wait_until(arrived_.wait(), *until);
            } else {
                co_await arrived_.wait();
            }
        }
        if (incoming_.empty()) {
            co_return 0;
        }
        std::string& front = incoming_.front();
        const std::size_t size = std::min(buffer.size(), front.size());
        std::memcpy(buffer.data(), front.data(), size);
        front.erase(0, size);
        if (front.empty()) {
            incoming_.pop_front();
        }
        co_return size;
    }

    corio::task<> write_all(std::span<const std::byte> data, corio::net::deadline until) override {
        if (stall_writes) {
            corio::event never;
            if (until) {
                co_await corio::wait_until(never.wait(), *until);
            } else {
                co_await never.wait();
            }
        }
        if (fail_writes) {
            throw std::system_error(std::make_error_code(std::errc::connection_reset), "send");
        }
        writes.emplace_back(reinterpret_cast<const char*>(data.data()), data.size());
    }
    corio::task<> shutdown_write(corio::net::deadline /*until*/) override {
        shut_down = true;
        co_return;
    }
    void close() noexcept override { open = false; }
    [[nodiscard]] bool is_open() const noexcept override { return open; }

    // Chunks fed and not read yet.
    [[nodiscard]] std::size_t unread_chunks() const noexcept { return incoming_.size(); }

    std::vector<std::string> writes;
    int reads = 0;
    bool shut_down = false;
    bool open = true;
    bool fail_writes = false;
    bool stall_writes = false;

private:
    std::deque<std::string> incoming_;
    bool ended_ = false;
    corio::event arrived_;
};

// Runs `scenario` on a fresh loop and checks that nothing was left behind.
void run_checked(const std::function<corio::task<>()>& scenario, corio::loop_options options = {}) {
    corio_test::leak_check check;
    {
        corio::event_loop loop{std::move(options)};
        loop.run_until_complete(scenario());
        corio_test::expect_loop_is_clean(loop);
    }
}

std::string text_of(std::span<const std::byte> data) {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
}

// ---- lines and delimiters ----

TEST(BufferedReader, ReadsLinesArrivingAByteAtATime) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed_bytewise("hello\nworld\r\n\nlast\n");
        stream.end();
        buffered_reader in{stream};
        EXPECT_EQ(co_await in.read_line(100), "hello");
        EXPECT_EQ(co_await in.read_line(100), "world") << "\"\\r\\n\" ends a line too";
        EXPECT_EQ(co_await in.read_line(100), "");
        EXPECT_EQ(co_await in.read_line(100), "last");
        EXPECT_EQ(co_await in.read_line(100), std::nullopt) << "the end, on a line boundary";
        EXPECT_TRUE(in.at_eof());
        EXPECT_EQ(co_await in.read_line(100), std::nullopt) << "and it stays there";
    });
}

TEST(BufferedReader, KeepsWhatFollowsTheDelimiterForTheNextRead) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed("one\ntwo\nthr");
        buffered_reader in{stream};
        EXPECT_EQ(co_await in.read_line(100), "one");
        EXPECT_EQ(in.buffered(), "two\nthr");
        EXPECT_EQ(stream.reads, 1);
        EXPECT_EQ(co_await in.read_line(100), "two");
        EXPECT_EQ(stream.reads, 1) << "the second line was buffered: no read needed";
        stream.feed("ee\n");
        EXPECT_EQ(co_await in.read_line(100), "three");
        EXPECT_EQ(in.buffered(), "");
    });
}

TEST(BufferedReader, FindsAMultiByteDelimiterSpanningReads) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        for (const char* chunk : {"GET / HTTP/1.1\r", "\n", "Host: x\r\n\r", "\nbody"}) {
            stream.feed(chunk);
        }
        buffered_reader in{stream};
        EXPECT_EQ(co_await in.read_until("\r\n\r\n", 100), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(in.buffered(), "body");
    });
}

TEST(BufferedReader, FindsADelimiterThatOverlapsItselfAByteAtATime) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        // "aab" first ends at the fourth byte; a search that restarted past a partial match
        // ("aa" then "a") would miss it.
        stream.feed_bytewise("aaab|xababc|");
        buffered_reader in{stream};
        EXPECT_EQ(co_await in.read_until("aab", 100), "aaab");
        EXPECT_EQ(co_await in.read_until("abc", 100), "|xababc");
        EXPECT_EQ(co_await in.read_until("|", 100), "|");
    });
}

TEST(BufferedReader, ALineOfExactlyTheLimitIsAcceptedAndOneByteMoreIsNot) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed_bytewise("12345\n123456\n");
        buffered_reader in{stream};
        EXPECT_EQ(co_await in.read_line(5), "12345") << "limit counts the bytes before the \\n";
        try {
            (void)co_await in.read_line(5);
            ADD_FAILURE() << "a 6-byte line is over a limit of 5";
        } catch (const limit_overrun_error& overrun) {
            EXPECT_EQ(overrun.limit(), 5U);
            EXPECT_EQ(overrun.buffered(), 6U) << "it gives up at the first byte past the limit";
            EXPECT_EQ(std::string(overrun.what()),
                      "line longer than 5 bytes (6 bytes buffered, no line end)");
        }
        EXPECT_EQ(in.buffered(), "123456") << "nothing is consumed";
        EXPECT_EQ(stream.unread_chunks(), 1U) << "and nothing more was read than needed";
        EXPECT_EQ(co_await in.read_line(6), "123456") << "a larger limit reads the same line";
    });
}

TEST(BufferedReader, TheLimitBoundsTheBytesBeforeAMultiByteDelimiter) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed_bytewise("12345\r\n123456\r\n");
        buffered_reader in{stream};
        EXPECT_EQ(co_await in.read_until("\r\n", 5), "12345\r\n");
        try {
            (void)co_await in.read_until("\r\n", 5);
            ADD_FAILURE() << "6 bytes precede the delimiter";
        } catch (const limit_overrun_error& overrun) {
            // "123456\r" can no longer hold a "\r\n" starting within 5 bytes.
            EXPECT_EQ(overrun.buffered(), 7U);
            EXPECT_EQ(std::string(overrun.what()),
                      R"(no "\r\n" within 5 bytes (7 bytes buffered))");
        }
        EXPECT_EQ(in.buffered(), "123456\r");
        in.consume(in.buffered().size()); // skip the over-long record: its "\n" is next
        EXPECT_EQ(co_await in.read_exact(1), "\n");
    });
}

TEST(BufferedReader, ALimitOfZeroAcceptsOnlyTheDelimiterItself) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed("\nx\n");
        buffered_reader in{stream};
        EXPECT_EQ(co_await in.read_until("\n", 0), "\n");
        EXPECT_THROW((void)co_await in.read_until("\n", 0), limit_overrun_error);
    });
}

TEST(BufferedReader, AnOverlongLineArrivingInOneReadIsRefusedToo) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed("this line is long\nshort\n");
        buffered_reader in{stream};
        try {
            (void)co_await in.read_line(8);
            ADD_FAILURE() << "over the limit";
        } catch (const limit_overrun_error& overrun) {
            EXPECT_EQ(overrun.buffered(), 24U) << "everything the one read brought";
        }
        // The defined way on: drop the long line, then go on reading.
        in.consume(in.buffered().find('\n') + 1);
        EXPECT_EQ(co_await in.read_line(8), "short");
    });
}

TEST(BufferedReader, TheBufferStaysBoundedByTheLimitAndOneRead) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        for (int i = 0; i < 1000; ++i) {
            stream.feed(std::string(100, 'x')); // 100 kB, no line end
        }
        buffered_reader in{stream, 256};
        EXPECT_THROW((void)co_await in.read_line(1000), limit_overrun_error);
        EXPECT_LE(in.buffered().size(), 1000U + 256U);
        EXPECT_GT(stream.unread_chunks(), 980U) << "it stopped reading at the limit";
    });
}

TEST(BufferedReader, EndOfStreamInTheMiddleOfALineIsAnIncompleteRead) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed_bytewise("whole\npart");
        stream.end();
        buffered_reader in{stream};
        EXPECT_EQ(co_await in.read_line(100), "whole");
        try {
            (void)co_await in.read_line(100);
            ADD_FAILURE() << "the stream ended mid-line";
        } catch (const incomplete_read_error& incomplete) {
            EXPECT_EQ(incomplete.partial(), "part");
            EXPECT_EQ(incomplete.expected(), std::nullopt);
            EXPECT_EQ(std::string(incomplete.what()),
                      "stream ended after 4 bytes in the middle of a line");
        }
        EXPECT_TRUE(in.at_eof()) << "the partial line was handed over with the error";
        EXPECT_EQ(co_await in.read_line(100), std::nullopt);
        EXPECT_EQ(co_await in.read_to_end(100), "");
    });
}

TEST(BufferedReader, ReadUntilAtTheEndCarriesWhatCameBeforeIt) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed("abc\r");
        stream.end();
        buffered_reader in{stream};
        try {
            (void)co_await in.read_until("\r\n", 100);
            ADD_FAILURE() << "no delimiter before the end";
        } catch (const incomplete_read_error& incomplete) {
            EXPECT_EQ(incomplete.partial(), "abc\r");
            EXPECT_EQ(std::string(incomplete.what()),
                      R"(stream ended after 4 bytes, before "\r\n")");
        }
        try {
            (void)co_await in.read_until("\r\n", 100);
            ADD_FAILURE() << "still the end";
        } catch (const incomplete_read_error& incomplete) {
            EXPECT_EQ(incomplete.partial(), "") << "an end with nothing before it: asyncio's too";
        }
    });
}

TEST(BufferedReader, AnEmptyDelimiterIsRefused) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        buffered_reader in{stream};
        EXPECT_THROW((void)co_await in.read_until("", 10), std::invalid_argument);
    });
}

// ---- exact sizes and the whole stream ----

TEST(BufferedReader, ReadExactGathersAcrossReadsAndKeepsTheRest) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        for (const char* chunk : {"abc", "defg", "hij"}) {
            stream.feed(chunk);
        }
        stream.end();
        buffered_reader in{stream, 4};
        EXPECT_EQ(co_await in.read_exact(0), "");
        EXPECT_EQ(co_await in.read_exact(2), "ab");
        EXPECT_EQ(co_await in.read_exact(7), "cdefghi");
        EXPECT_EQ(in.buffered(), "j");
        try {
            (void)co_await in.read_exact(3);
            ADD_FAILURE() << "only one byte is left";
        } catch (const incomplete_read_error& incomplete) {
            EXPECT_EQ(incomplete.partial(), "j");
            EXPECT_EQ(incomplete.expected(), 3U);
            EXPECT_EQ(std::string(incomplete.what()), "stream ended after 1 of 3 bytes");
        }
        EXPECT_TRUE(in.at_eof());
    });
}

TEST(BufferedReader, ReadExactOfALargeRecordAByteAtATimeAndInOneRead) {
    run_checked([]() -> corio::task<> {
        std::string record;
        for (int i = 0; i < 5000; ++i) {
            record += static_cast<char>('a' + i % 26);
        }
        script_stream stream;
        stream.feed_bytewise(record);
        stream.feed(record + "tail");
        buffered_reader in{stream, 16};
        EXPECT_EQ(co_await in.read_exact(record.size()), record);
        EXPECT_EQ(co_await in.read_exact(record.size()), record);
        EXPECT_EQ(in.buffered(), "") << "it read no further than it needed";
        EXPECT_EQ(co_await in.read_exact(4), "tail");
    });
}

TEST(BufferedReader, ReadToEndHonoursItsLimit) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed_bytewise("0123456789");
        stream.end();
        buffered_reader in{stream};
        try {
            (void)co_await in.read_to_end(9);
            ADD_FAILURE() << "10 bytes are more than 9";
        } catch (const limit_overrun_error& overrun) {
            EXPECT_EQ(overrun.buffered(), 10U);
            EXPECT_EQ(std::string(overrun.what()),
                      "more than 9 bytes before the end of the stream (10 bytes buffered)");
        }
        EXPECT_EQ(in.buffered(), "0123456789") << "nothing consumed";
        EXPECT_EQ(co_await in.read_to_end(10), "0123456789") << "exactly the limit is fine";
        EXPECT_TRUE(in.at_eof());
    });
}

TEST(BufferedReader, ReadSomeHandsOutBufferedBytesFirstThenReads) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed("line\nrest");
        stream.feed(std::string(100, 'z'));
        stream.end();
        buffered_reader in{stream, 16};
        EXPECT_EQ(co_await in.read_line(10), "line");
        std::array<std::byte, 2> small{};
        EXPECT_EQ(co_await in.read_some(small), 2U);
        EXPECT_EQ(text_of(small), "re");
        std::array<std::byte, 64> large{};
        EXPECT_EQ(co_await in.read_some(large), 2U) << "the buffered rest first, nothing more";
        EXPECT_EQ(co_await in.read_some(large), 64U) << "a large read goes to the stream";
        EXPECT_EQ(in.buffered(), "");
        EXPECT_EQ(co_await in.read_to_end(100), std::string(36, 'z'));
        EXPECT_EQ(co_await in.read_some(large), 0U);
    });
}

TEST(BufferedReader, FillAndConsumeLetAProgramParseItself) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed("\x03"
                    "abc");
        stream.end();
        buffered_reader in{stream};
        EXPECT_EQ(co_await in.fill(), 4U);
        const auto size = static_cast<std::size_t>(in.buffered()[0]);
        in.consume(1);
        EXPECT_EQ(co_await in.read_exact(size), "abc");
        EXPECT_EQ(co_await in.fill(), 0U);
        in.consume(100); // more than is buffered: just empties it
        EXPECT_TRUE(in.at_eof());
    });
}

TEST(BufferedReader, TwoReadsAtOnceAreAUsageError) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        buffered_reader in{stream};
        corio::join_handle<std::optional<std::string>> first = corio::spawn(in.read_line(10));
        co_await corio::yield_now();
        EXPECT_THROW((void)co_await in.read_line(10), corio::usage_error);
        stream.feed("ok\n");
        EXPECT_EQ(co_await first, "ok");
    });
}

// ---- deadlines and cancellation ----

TEST(BufferedReader, ADeadlineLeavesWhatArrivedBufferedForTheNextRead) {
    run_checked(
        []() -> corio::task<> {
            script_stream stream;
            stream.feed("par");
            buffered_reader in{stream};
            EXPECT_THROW((void)co_await in.read_line(100, corio::now() + 1s), corio::timeout_error);
            EXPECT_EQ(in.buffered(), "par");
            EXPECT_THROW((void)co_await in.read_exact(10, corio::now() + 1s), corio::timeout_error);
            EXPECT_EQ(in.buffered(), "par");
            stream.feed("tial\n");
            EXPECT_EQ(co_await in.read_line(100, corio::now() + 1s), "partial");
        },
        corio::loop_options::with_virtual_time());
}

TEST(BufferedReader, CancellingAReadLeavesWhatArrivedBufferedForTheNextRead) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        stream.feed("can");
        buffered_reader in{stream};
        corio::join_handle<std::string> reading = corio::spawn(in.read_until(";", 100));
        co_await corio::yield_now();
        stream.feed("cel");
        co_await corio::yield_now();
        co_await corio::yield_now();
        reading.cancel();
        EXPECT_THROW((void)co_await reading, corio::cancelled_error);
        EXPECT_EQ(in.buffered(), "cancel");
        stream.feed("led;");
        EXPECT_EQ(co_await in.read_until(";", 100), "cancelled;");
    });
}

// A connected pair of TCP streams on loopback.
struct tcp_pair {
    corio::net::tcp_stream client;
    corio::net::tcp_stream server;
};

corio::task<tcp_pair> connect_pair() {
    auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
    auto [client, server] = co_await corio::gather(
        corio::net::tcp_stream::connect(listener.local_address()), listener.accept());
    tcp_pair pair{std::move(client), std::move(server)};
    co_return pair;
}

TEST(BufferedStreamTcp, ADeadlineOrACancellationMidLineKeepsTheBytesForTheNextRead) {
    run_checked([]() -> corio::task<> {
        tcp_pair pair = co_await connect_pair();
        buffered_stream in{std::move(pair.server)};
        co_await pair.client.write_all("hel");
        EXPECT_THROW((void)co_await in.read_line(100, corio::now() + 50ms), corio::timeout_error);
        EXPECT_EQ(in.reader().buffered(), "hel");

        corio::join_handle<std::optional<std::string>> reading = corio::spawn(in.read_line(100));
        co_await pair.client.write_all("lo");
        // Until the read has taken them in and waits for more (bounded: 5 s at most).
        for (int i = 0; i < 5000 && in.reader().buffered() != "hello"; ++i) {
            co_await corio::sleep_for(1ms);
        }
        reading.cancel();
        EXPECT_THROW((void)co_await reading, corio::cancelled_error);
        EXPECT_EQ(in.reader().buffered(), "hello");

        co_await pair.client.write_all(", world\n");
        EXPECT_EQ(co_await in.read_line(100, corio::now() + 5s), "hello, world");
    });
}

TEST(BufferedStreamTcp, ALineEchoConversation) {
    run_checked([]() -> corio::task<> {
        tcp_pair pair = co_await connect_pair();
        auto server = [&]() -> corio::task<int> {
            buffered_stream conn{std::move(pair.server)};
            int lines = 0;
            while (std::optional<std::string> line = co_await conn.read_line(64)) {
                co_await conn.write_all("echo: ");
                co_await conn.write_all(*line);
                co_await conn.write_all("\n");
                ++lines;
            }
            co_await conn.close();
            co_return lines;
        };
        auto client = [&]() -> corio::task<std::vector<std::string>> {
            buffered_stream conn{std::move(pair.client), {.read_size = 3, .flush_threshold = 5}};
            std::vector<std::string> answers;
            for (const char* line : {"a", "bb", "a somewhat longer line"}) {
                co_await conn.write_all(line);
                co_await conn.write_all("\r\n");
                // No flush(): the read flushes what the writer holds before it waits.
                answers.push_back((co_await conn.read_line(64)).value_or("<end>"));
            }
            co_await conn.writer().close(); // FIN: the server's loop ends
            EXPECT_EQ(co_await conn.read_to_end(100), "");
            co_return answers;
        };
        auto [lines, answers] = co_await corio::gather(server(), client());
        EXPECT_EQ(lines, 3);
        EXPECT_EQ(answers, (std::vector<std::string>{"echo: a", "echo: bb",
                                                     "echo: a somewhat longer line"}));
    });
}

TEST(BufferedStreamTcp, WriteAllTakesTextOnEveryStream) {
    run_checked([]() -> corio::task<> {
        tcp_pair pair = co_await connect_pair();
        co_await pair.client.write_all("tcp_stream, "); // tcp_stream::write_all(string_view)
        corio::net::tcp_byte_stream wrapped{std::move(pair.client)};
        co_await wrapped.write_all("tcp_byte_stream, ");
        corio::net::byte_stream& any = wrapped;
        const std::string text = "byte_stream";
        co_await any.write_all(text, corio::now() + 5s);
        wrapped.tcp().shutdown_write();
        buffered_stream in{std::move(pair.server)};
        EXPECT_EQ(co_await in.read_to_end(100, corio::now() + 5s),
                  "tcp_stream, tcp_byte_stream, byte_stream");
    });
}

// ---- the writer ----

TEST(BufferedWriter, BuffersSmallWritesUntilTheThreshold) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        buffered_writer out{stream, 10};
        co_await out.write_all("abc");
        co_await out.write_all("defg");
        EXPECT_TRUE(stream.writes.empty());
        EXPECT_EQ(out.buffered_size(), 7U);
        EXPECT_EQ(text_of(out.buffered()), "abcdefg");
        co_await out.write_all("hij"); // 10: the threshold
        EXPECT_EQ(stream.writes, (std::vector<std::string>{"abcdefghij"}));
        EXPECT_EQ(out.buffered_size(), 0U);
        co_await out.write_all("123456789"); // 9, then 18 >= 10: out in one write
        co_await out.write_all("123456789");
        EXPECT_EQ(stream.writes.size(), 2U);
        EXPECT_EQ(stream.writes.back(), "123456789123456789");
    });
}

TEST(BufferedWriter, ALargeWriteGoesOutDirectlyAfterWhatWasBuffered) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        buffered_writer out{stream, 10};
        co_await out.write_all("x");
        co_await out.write_all("0123456789ab");
        EXPECT_EQ(stream.writes, (std::vector<std::string>{"x", "0123456789ab"}));
        co_await out.write_all("0123456789"); // the threshold itself, with nothing buffered
        EXPECT_EQ(stream.writes.size(), 3U);
        EXPECT_EQ(out.buffered_size(), 0U);
    });
}

TEST(BufferedWriter, AThresholdOfZeroWritesEverythingAtOnce) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        buffered_writer out{stream, 0};
        co_await out.write_all("a");
        co_await out.write_all("b");
        EXPECT_EQ(stream.writes, (std::vector<std::string>{"a", "b"}));
    });
}

TEST(BufferedWriter, FlushWritesOutAndCloseFlushesThenEndsTheStream) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        buffered_writer out{stream};
        co_await out.flush(); // nothing buffered: nothing written
        EXPECT_TRUE(stream.writes.empty());
        co_await out.write_all("one ");
        co_await out.flush();
        co_await out.write_all("two");
        EXPECT_EQ(stream.writes, (std::vector<std::string>{"one "}));
        EXPECT_FALSE(stream.shut_down);
        co_await out.close();
        EXPECT_EQ(stream.writes, (std::vector<std::string>{"one ", "two"}));
        EXPECT_TRUE(stream.shut_down);
        EXPECT_TRUE(out.closed());
        EXPECT_TRUE(stream.is_open()) << "close() ends the write side only";
        co_await out.close(); // twice: nothing more
        EXPECT_THROW(co_await out.write_all("late"), corio::usage_error);
    });
}

// Collects what the loop's unhandled-exception handler receives.
struct reported {
    std::vector<std::string> messages;
    corio::loop_options options() {
        corio::loop_options options;
        options.unhandled_exception_handler = [this](const std::exception_ptr& error) {
            try {
                std::rethrow_exception(error);
            } catch (const corio::usage_error& usage) {
                messages.emplace_back(usage.what());
            } catch (...) {
                messages.emplace_back("<not a usage_error>");
            }
        };
        return options;
    }
};

TEST(BufferedWriter, DestroyedWithUnflushedBytesItReportsThemToTheLoop) {
    reported report;
    run_checked(
        []() -> corio::task<> {
            script_stream stream;
            {
                buffered_writer out{stream};
                co_await out.write_all("lost!\n");
            }
            EXPECT_TRUE(stream.writes.empty()) << "a destructor cannot write";
        },
        report.options());
    ASSERT_EQ(report.messages.size(), 1U);
    EXPECT_EQ(report.messages[0], "corio::net::buffered_writer destroyed with 6 bytes unflushed "
                                  "(they were dropped): flush() or close() it before it goes, or "
                                  "discard() them");
}

TEST(BufferedWriter, NoReportAfterDiscardOrWhileAnExceptionUnwinds) {
    reported report;
    run_checked(
        []() -> corio::task<> {
            script_stream stream;
            {
                buffered_writer out{stream};
                co_await out.write_all("dropped on purpose");
                out.discard();
            }
            try {
                buffered_writer out{stream};
                co_await out.write_all("abandoned");
                throw std::runtime_error("the exchange failed");
            } catch (const std::runtime_error&) {
            }
            // A cancelled task unwinds with its writer still holding bytes.
            auto writer_task = [&]() -> corio::task<> {
                buffered_writer out{stream};
                co_await out.write_all("cut short");
                co_await corio::sleep_for(1h);
            };
            corio::join_handle<> handle = corio::spawn(writer_task());
            co_await corio::yield_now();
            handle.cancel();
            EXPECT_THROW(co_await handle, corio::cancelled_error);
        },
        report.options());
    EXPECT_TRUE(report.messages.empty()) << report.messages[0];
}

TEST(BufferedWriter, AFailedFlushDropsTheBufferAndThrows) {
    reported report;
    run_checked(
        []() -> corio::task<> {
            script_stream stream;
            stream.fail_writes = true;
            buffered_writer out{stream};
            co_await out.write_all("doomed");
            EXPECT_THROW(co_await out.flush(), std::system_error);
            EXPECT_EQ(out.buffered_size(), 0U) << "the exception told of the loss";
            stream.fail_writes = false;
            co_await out.write_all("next"); // the writer itself still works
            co_await out.flush();
            EXPECT_EQ(stream.writes, (std::vector<std::string>{"next"}));
        },
        report.options());
    EXPECT_TRUE(report.messages.empty());
}

TEST(BufferedWriter, AFlushPastItsDeadlineOrCancelledThrowsAndDropsTheBuffer) {
    run_checked(
        []() -> corio::task<> {
            script_stream stream;
            stream.stall_writes = true;
            buffered_writer out{stream, 4};
            co_await out.write_all("ab");
            EXPECT_THROW(co_await out.write_all("cd", corio::now() + 1s), corio::timeout_error);
            EXPECT_EQ(out.buffered_size(), 0U);
            co_await out.write_all("ef");
            corio::join_handle<> flushing = corio::spawn(out.flush());
            co_await corio::yield_now();
            EXPECT_TRUE(out.busy());
            EXPECT_THROW(co_await out.write_all("gh"), corio::usage_error) << "one write at a time";
            flushing.cancel();
            EXPECT_THROW(co_await flushing, corio::cancelled_error);
            EXPECT_FALSE(out.busy());
            EXPECT_EQ(out.buffered_size(), 0U);
        },
        corio::loop_options::with_virtual_time());
}

TEST(BufferedStream, AReadFromTheStreamFlushesTheWriterFirst) {
    run_checked([]() -> corio::task<> {
        auto owned = std::make_unique<script_stream>();
        script_stream& stream = *owned;
        buffered_stream conn{std::unique_ptr<corio::net::byte_stream>(std::move(owned))};
        stream.feed("first\nsecond\n");
        EXPECT_EQ(co_await conn.read_line(100), "first");
        co_await conn.write_all("request");
        EXPECT_EQ(co_await conn.read_line(100), "second");
        EXPECT_TRUE(stream.writes.empty()) << "that line was buffered: no read, no flush";
        stream.feed("answer\n");
        EXPECT_EQ(co_await conn.read_line(100), "answer");
        EXPECT_EQ(stream.writes, (std::vector<std::string>{"request"}))
            << "flushed before reading from the stream";

        buffered_stream moved = std::move(conn); // the halves stay tied after a move
        co_await moved.write_all("second");
        stream.end();
        EXPECT_EQ(co_await moved.read_line(100), std::nullopt);
        EXPECT_EQ(stream.writes.back(), "second");
        co_await moved.close();
        EXPECT_TRUE(stream.shut_down);
        EXPECT_FALSE(stream.is_open());
    });
}

TEST(BufferedStream, UntiedHalvesDoNotFlushOnRead) {
    run_checked([]() -> corio::task<> {
        script_stream stream;
        buffered_reader in{stream};
        buffered_writer out{stream};
        EXPECT_EQ(in.tied(), nullptr);
        co_await out.write_all("held");
        stream.feed("x\n");
        EXPECT_EQ(co_await in.read_line(10), "x");
        EXPECT_TRUE(stream.writes.empty());
        in.tie(&out);
        stream.feed("y\n");
        EXPECT_EQ(co_await in.read_line(10), "y");
        EXPECT_EQ(stream.writes, (std::vector<std::string>{"held"}));
    });
}

#ifdef CORIO_TEST_TLS

const corio_test::test_authority& authority() {
    static const corio_test::test_authority made;
    return made;
}

TEST(BufferedStreamTls, LinesAndSizedRecordsOverTlsWithASmallWriteThreshold) {
    corio_test::scratch_directory directory;
    corio::net::tls_client_options client_options;
    client_options.ca_file = directory.write("ca.pem", authority().certificate()).string();
    const corio::net::tls_context client_context = corio::net::tls_context::client(client_options);
    const corio_test::pem_credentials credentials = authority().localhost();
    const corio::net::tls_context server_context =
        corio::net::tls_context::server(corio::net::tls_server_options::from_pem(
            credentials.certificate_chain, credentials.private_key));
    run_checked([&]() -> corio::task<> {
        auto listener = corio::net::tcp_listener::bind(address::loopback_v4(0));
        const std::uint16_t port = listener.local_address().port();
        auto server = [&]() -> corio::task<std::string> {
            corio::net::tcp_stream accepted = co_await listener.accept();
            corio::net::tls_stream tls = co_await corio::net::tls_stream::accept(
                std::make_unique<corio::net::tcp_byte_stream>(std::move(accepted)), server_context,
                corio::now() + 10s);
            buffered_stream conn{std::move(tls), {.read_size = 7, .flush_threshold = 16}};
            std::string seen;
            while (std::optional<std::string> line = co_await conn.read_line(100)) {
                if (line->starts_with("size ")) {
                    const std::size_t size = std::stoul(line->substr(5));
                    std::string record = co_await conn.read_exact(size);
                    co_await conn.write_all("got " + std::to_string(record.size()) + "\n");
                    seen += "[" + record + "]";
                } else {
                    co_await conn.write_all(*line + "\n");
                    seen += *line;
                }
            }
            co_await conn.close(); // flushes, close_notify, FIN
            co_return seen;
        };
        auto client = [&]() -> corio::task<std::string> {
            corio::net::tls_stream tls =
                co_await corio::net::tls_stream::connect("127.0.0.1", port, client_context, 10s);
            // Halves over a stream the program keeps: the writer buffers the many small writes.
            buffered_reader in{tls, 5};
            buffered_writer out{tls, 64};
            for (int i = 0; i < 20; ++i) {
                co_await out.write_all(std::to_string(i));
                co_await out.write_all("\n");
            }
            EXPECT_GT(out.buffered_size(), 0U);
            co_await out.write_all("size 40\n");
            co_await out.write_all(std::string(40, '#'));
            co_await out.flush();
            std::string answers;
            for (int i = 0; i < 21; ++i) {
                answers += (co_await in.read_line(100, corio::now() + 10s)).value_or("<end>") + ",";
            }
            co_await out.close(); // close_notify: the server's read_line returns nullopt
            EXPECT_EQ(co_await in.read_line(100, corio::now() + 10s), std::nullopt)
                << "the server's close_notify is a clean end";
            co_return answers;
        };
        auto [seen, answers] = co_await corio::gather(server(), client());
        std::string expected_seen;
        std::string expected_answers;
        for (int i = 0; i < 20; ++i) {
            expected_seen += std::to_string(i);
            expected_answers += std::to_string(i) + ",";
        }
        EXPECT_EQ(seen, expected_seen + "[" + std::string(40, '#') + "]");
        EXPECT_EQ(answers, expected_answers + "got 40,");
    });
}

#endif

} // namespace
