// SPDX-License-Identifier: MIT
#include "http/response_reader.hpp"

#include <corio/http/error.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace {

using corio::http::error_kind;
using corio::http::detail::reader_event;
using corio::http::detail::reader_limits;
using corio::http::detail::response_reader;

// Everything a reader produced for some input.
struct outcome {
    int status = 0;
    std::string body;
    bool ended = false;
    bool reusable = false;
    std::size_t reads = 0; // how many times the reader asked for more
};

// Feeds `wire` in pieces of `piece` bytes, then end of stream if `then_eof`, and collects events.
// Stops at the end event, or when input runs out while the reader still needs more.
outcome feed(response_reader& reader, std::string_view wire, std::size_t piece, bool then_eof) {
    outcome out;
    bool eof_given = false;
    while (true) {
        const response_reader::step step = reader.next();
        switch (step.event) {
        case reader_event::head:
            out.status = reader.head().status;
            break;
        case reader_event::data:
            out.body.append(step.data);
            break;
        case reader_event::end:
            out.ended = true;
            out.reusable = reader.reusable();
            return out;
        case reader_event::need_more:
            ++out.reads;
            if (!wire.empty()) {
                const std::size_t size = std::min(piece, wire.size());
                const std::span<std::byte> space = reader.prepare(size);
                std::memcpy(space.data(), wire.data(), size);
                reader.commit(size);
                wire.remove_prefix(size);
            } else if (then_eof && !eof_given) {
                reader.eof();
                eof_given = true;
            } else {
                return out;
            }
            break;
        }
    }
}

outcome read_all(std::string_view wire, std::string method = "GET", bool then_eof = false,
                 std::size_t piece = 4096) {
    response_reader reader{std::move(method), true};
    return feed(reader, wire, piece, then_eof);
}

// Runs `wire` through a reader and returns the kind of the error it throws (failing if none).
error_kind failure_of(std::string_view wire, const reader_limits& limits = {},
                      bool then_eof = false) {
    response_reader reader{"GET", true, limits};
    try {
        (void)feed(reader, wire, 4096, then_eof);
    } catch (const corio::http::error& failure) {
        EXPECT_TRUE(failure.url().empty()) << "the reader knows no URL; the driver stamps it";
        return failure.kind();
    }
    ADD_FAILURE() << "no error for: " << wire;
    return error_kind::usage;
}

std::string message_of(std::string_view wire, const reader_limits& limits = {},
                       bool then_eof = false) {
    response_reader reader{"GET", true, limits};
    try {
        (void)feed(reader, wire, 4096, then_eof);
    } catch (const corio::http::error& failure) {
        return failure.what();
    }
    return "(no error)";
}

TEST(ResponseReader, ReadsAContentLengthBodyAndAllowsReuse) {
    const outcome out = read_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    EXPECT_EQ(out.status, 200);
    EXPECT_EQ(out.body, "hello");
    EXPECT_TRUE(out.ended);
    EXPECT_TRUE(out.reusable);
}

TEST(ResponseReader, AnySplitOfTheInputGivesTheSameResult) {
    const std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "4\r\nWiki\r\n6;lang=en\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n"
                             "0\r\nExpires: never\r\n\r\n";
    for (std::size_t piece = 1; piece <= wire.size(); ++piece) {
        const outcome out = read_all(wire, "GET", false, piece);
        EXPECT_EQ(out.body, "Wikipedia in \r\n\r\nchunks.") << "piece size " << piece;
        EXPECT_TRUE(out.reusable) << "piece size " << piece;
    }
}

TEST(ResponseReader, ChunkedBodiesKeepTheirTrailers) {
    response_reader reader{"GET", true};
    const outcome out = feed(reader,
                             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5;a=1;b=\"two words\"\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n",
                             7, false);
    EXPECT_EQ(out.body, "hello");
    EXPECT_EQ(reader.trailers().get("X-Checksum"), "abc");
}

TEST(ResponseReader, ABodyWithoutLengthRunsUntilCloseAndEndsTheConnection) {
    const outcome out = read_all("HTTP/1.1 200 OK\r\n\r\neverything until the end", "GET", true);
    EXPECT_EQ(out.body, "everything until the end");
    EXPECT_TRUE(out.ended);
    EXPECT_FALSE(out.reusable);
}

TEST(ResponseReader, HeadResponsesHaveNoBodyWhateverTheyAnnounce) {
    const outcome out = read_all("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", "HEAD");
    EXPECT_EQ(out.status, 200);
    EXPECT_TRUE(out.body.empty());
    EXPECT_TRUE(out.reusable);
}

TEST(ResponseReader, NoContentAndNotModifiedHaveNoBody) {
    for (const char* wire : {"HTTP/1.1 204 No Content\r\n\r\n",
                             "HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\n\r\n"}) {
        const outcome out = read_all(wire);
        EXPECT_TRUE(out.ended) << wire;
        EXPECT_TRUE(out.body.empty()) << wire;
        EXPECT_TRUE(out.reusable) << wire;
    }
}

TEST(ResponseReader, ExpectsBodyTellsWhetherAnyBodyByteCanFollow) {
    response_reader reader{"GET", true};
    EXPECT_TRUE(reader.expects_body());
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
    const std::span<std::byte> space = reader.prepare(head.size());
    std::memcpy(space.data(), head.data(), head.size());
    reader.commit(head.size());
    EXPECT_EQ(reader.next().event, reader_event::head);
    EXPECT_TRUE(reader.expects_body());

    response_reader empty{"GET", true};
    const std::string empty_head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    const std::span<std::byte> room = empty.prepare(empty_head.size());
    std::memcpy(room.data(), empty_head.data(), empty_head.size());
    empty.commit(empty_head.size());
    EXPECT_EQ(empty.next().event, reader_event::head);
    EXPECT_FALSE(empty.expects_body());
    EXPECT_EQ(empty.next().event, reader_event::end);
    EXPECT_TRUE(empty.reusable());
}

TEST(ResponseReader, InterimResponsesAreSkipped) {
    response_reader reader{"POST", true};
    const outcome out = feed(reader,
                             "HTTP/1.1 100 Continue\r\n\r\n"
                             "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                             "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
                             5, false);
    EXPECT_EQ(out.status, 201);
    EXPECT_EQ(out.body, "ok");
    EXPECT_FALSE(reader.head().fields.contains("Link")) << "the interim head's fields are gone";
}

TEST(ResponseReader, SwitchingProtocolsWithoutAnUpgradeIsAProtocolError) {
    EXPECT_EQ(failure_of("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"),
              error_kind::protocol);
}

TEST(ResponseReader, EndlessInterimResponsesHitALimit) {
    std::string wire;
    for (int i = 0; i < 40; ++i) {
        wire += "HTTP/1.1 102 Processing\r\n\r\n";
    }
    reader_limits limits;
    limits.max_interim_responses = 32;
    EXPECT_EQ(failure_of(wire, limits), error_kind::too_large);
}

TEST(ResponseReader, KeepAliveNeedsBothSidesAndACleanEnd) {
    EXPECT_FALSE(
        read_all("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").reusable);
    EXPECT_FALSE(read_all("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").reusable);
    EXPECT_TRUE(read_all("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
                    .reusable);
    response_reader closing_request{"GET", false};
    EXPECT_FALSE(
        feed(closing_request, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 64, false).reusable);
    // Bytes after the message cannot be the answer to anything we sent.
    EXPECT_FALSE(read_all("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nXjunk").reusable);
}

TEST(ResponseReader, ReceivedAnyTellsAStaleConnectionFromABrokenResponse) {
    response_reader silent{"GET", true};
    silent.eof();
    try {
        (void)silent.next();
        ADD_FAILURE() << "expected connection_closed_error";
    } catch (const corio::http::connection_closed_error& failure) {
        EXPECT_STREQ(failure.what(), "connection closed before any response byte arrived");
    }
    EXPECT_FALSE(silent.received_any());

    EXPECT_EQ(failure_of("HTTP/1.1 200 OK\r\nContent-Le", {}, true), error_kind::closed);
    EXPECT_NE(message_of("HTTP/1.1 200 OK\r\nContent-Le", {}, true).find("head was complete"),
              std::string::npos);
}

TEST(ResponseReader, ClosingBeforeTheBodyIsCompleteIsAnError) {
    EXPECT_EQ(failure_of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", {}, true),
              error_kind::closed);
    EXPECT_EQ(message_of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", {}, true),
              "connection closed after 3 of 10 body bytes");
    EXPECT_EQ(failure_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", {}, true),
              error_kind::closed);
}

TEST(ResponseReader, MalformedResponsesAreProtocolErrors) {
    const char* const cases[] = {
        "HTTX/1.1 200 OK\r\n\r\n", // bad status line
        "HTTP/1.1 20 OK\r\n\r\n",  // bad status code
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", // CL + TE
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", // conflicting CL
        "HTTP/1.1 200 OK\r\nX-A: b\rc\r\n\r\n",                              // bare CR
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", // overflow
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", // bad chunk size
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",          // unsupported coding
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    for (const char* wire : cases) {
        EXPECT_EQ(failure_of(wire), error_kind::protocol) << wire;
    }
    using namespace std::string_view_literals;
    EXPECT_EQ(failure_of("HTTP/1.1 200 OK\r\nX-A: b\0c\r\n\r\n"sv), error_kind::protocol); // NUL
}

TEST(ResponseReader, OversizedHeadsAndLinesAreTooLarge) {
    reader_limits small;
    small.max_head_bytes = 64;
    small.max_header_count = 3;
    EXPECT_EQ(failure_of("HTTP/1.1 200 OK\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n", small),
              error_kind::too_large);
    EXPECT_EQ(failure_of("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", small),
              error_kind::too_large);
    // The head parser's line limit is 8 KiB for chunk-size and trailer lines.
    EXPECT_EQ(failure_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=" +
                         std::string(9000, 'y') + "\r\n"),
              error_kind::too_large);
}

TEST(ResponseReader, ABodyOverTheLimitFailsWithoutDeliveringAnyOfIt) {
    reader_limits limits;
    limits.max_body_bytes = 8;
    response_reader reader{"GET", true, limits};
    std::string delivered;
    try {
        const outcome out =
            feed(reader, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n123456789", 4096, false);
        delivered = out.body;
        ADD_FAILURE() << "expected too_large_error";
    } catch (const corio::http::too_large_error& failure) {
        EXPECT_NE(std::string(failure.what()).find("limit of 8 bytes"), std::string::npos);
    }
    EXPECT_TRUE(delivered.empty());
    EXPECT_EQ(reader.body_bytes(), 0U);
}

TEST(ResponseReader, ChunkedAndUntilCloseBodiesAreCutOffAtTheLimit) {
    reader_limits limits;
    limits.max_body_bytes = 8;
    EXPECT_EQ(failure_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n",
                         limits),
              error_kind::too_large);
    EXPECT_EQ(failure_of("HTTP/1.1 200 OK\r\n\r\n123456789", limits, true), error_kind::too_large);
    // Exactly at the limit is fine.
    response_reader reader{"GET", true, limits};
    EXPECT_EQ(feed(reader, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n12345678", 3, false).body,
              "12345678");
}

TEST(ResponseReader, AHeadLargerThanOneReadIsAssembledAcrossManyPrepares) {
    std::string wire = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 50; ++i) {
        wire += "X-Field-" + std::to_string(i) + ": " + std::string(200, 'v') + "\r\n";
    }
    wire += "Content-Length: 3\r\n\r\nend";
    response_reader reader{"GET", true};
    const outcome out = feed(reader, wire, 333, false);
    EXPECT_EQ(out.body, "end");
    EXPECT_EQ(reader.head().fields.size(), 51U);
    EXPECT_GT(out.reads, 10U);
}

TEST(ResponseReader, AFailedReaderStaysFailed) {
    response_reader reader{"GET", true};
    EXPECT_THROW((void)feed(reader, "garbage\r\n\r\n", 64, false), corio::http::protocol_error);
    EXPECT_THROW((void)reader.next(), corio::http::error);
}

} // namespace
