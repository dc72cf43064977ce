// SPDX-License-Identifier: MIT
#include "http/chunked_decoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using namespace std::string_view_literals;
using corio::http::detail::chunked_decoder;
using corio::http::detail::parse_error;
using corio::http::detail::parse_limits;
using corio::http::detail::parse_status;

struct decoded {
    parse_status status = parse_status::need_more;
    std::string body;
    std::size_t consumed = 0; // of the whole input, across every call
    parse_error error = parse_error::none;
};

// Plays a real caller: bytes arrive `piece` at a time into a buffer that keeps what the decoder
// has not consumed yet, and each arrival is decoded with the documented loop.
decoded decode_in_pieces(std::string_view input, std::size_t piece, chunked_decoder& decoder) {
    decoded result;
    std::string buffer;
    std::size_t fed = 0;
    while (true) {
        std::string_view view = buffer;
        chunked_decoder::step step{parse_status::need_more, 0, {}};
        while (!view.empty()) {
            step = decoder.decode(view);
            result.body.append(step.data);
            view.remove_prefix(step.consumed);
            result.consumed += step.consumed;
            if (step.status != parse_status::need_more) {
                break;
            }
            // The no-spin guarantee: a need_more step on non-empty input makes progress.
            EXPECT_GT(step.consumed, 0U);
            if (step.consumed == 0) {
                return result;
            }
        }
        buffer.erase(0, buffer.size() - view.size());
        if (step.status != parse_status::need_more) {
            result.status = step.status;
            result.error = step.error;
            return result;
        }
        if (fed == input.size()) {
            return result;
        }
        const std::size_t count = std::min(piece, input.size() - fed);
        buffer.append(input.substr(fed, count));
        fed += count;
    }
}

decoded decode_in_pieces(std::string_view input, std::size_t piece,
                         const parse_limits& limits = {}) {
    chunked_decoder decoder(limits);
    return decode_in_pieces(input, piece, decoder);
}

decoded decode_all(std::string_view input, const parse_limits& limits = {}) {
    return decode_in_pieces(input, input.size() + 1, limits);
}

// The error `input` produces, checked to be the same whether it arrives at once or byte by byte.
parse_error error_of(std::string_view input, const parse_limits& limits = {}) {
    const decoded whole = decode_all(input, limits);
    const decoded bytewise = decode_in_pieces(input, 1, limits);
    EXPECT_EQ(whole.error, bytewise.error) << input;
    EXPECT_EQ(whole.body, bytewise.body) << input;
    return whole.status == parse_status::error ? whole.error : parse_error::none;
}

TEST(ChunkedDecoder, DecodesASingleChunk) {
    const decoded result = decode_all("5\r\nhello\r\n0\r\n\r\n");
    EXPECT_EQ(result.status, parse_status::done);
    EXPECT_EQ(result.body, "hello");
    EXPECT_EQ(result.consumed, 15U);
}

TEST(ChunkedDecoder, DecodesAnEmptyBody) {
    chunked_decoder decoder;
    const auto step = decoder.decode("0\r\n\r\n");
    EXPECT_EQ(step.status, parse_status::done);
    EXPECT_EQ(step.consumed, 5U);
    EXPECT_TRUE(step.data.empty());
    EXPECT_TRUE(decoder.done());
    EXPECT_TRUE(decoder.trailers().empty());
}

TEST(ChunkedDecoder, StopsExactlyAtTheEndOfTheBodySoPipelinedBytesAreLeft) {
    const std::string_view body = "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
    const std::string input = std::string(body) + "HTTP/1.1 200 OK\r\n\r\n";
    for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, input.size()}) {
        const decoded result = decode_in_pieces(input, piece);
        EXPECT_EQ(result.status, parse_status::done) << piece;
        EXPECT_EQ(result.body, "abcdefg") << piece;
        EXPECT_EQ(result.consumed, body.size()) << piece;
    }
}

TEST(ChunkedDecoder, EachStepReturnsOneChunksDataAsAViewIntoTheInput) {
    const std::string_view input = "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
    chunked_decoder decoder;
    const auto first = decoder.decode(input);
    EXPECT_EQ(first.status, parse_status::need_more);
    EXPECT_EQ(first.data, "abc");
    EXPECT_EQ(first.data.data(), input.data() + 3); // no copy
    // Through the CRLF after the data and the next size line, up to the next chunk's data.
    EXPECT_EQ(first.consumed, 11U);
    const auto second = decoder.decode(input.substr(first.consumed));
    EXPECT_EQ(second.status, parse_status::done);
    EXPECT_EQ(second.data, "defg");
    EXPECT_EQ(second.consumed, input.size() - first.consumed);
}

TEST(ChunkedDecoder, EveryWayOfSplittingTheInputDecodesIdentically) {
    const std::string_view input =
        "1\r\na\r\n10;ext=\"v;x\"\r\n0123456789abcdef\r\nA\r\n"
        "ABCDEFGHIJ\r\n0\r\nTrailer-One: 1\r\nTrailer-Two: 2\r\n\r\nNEXT";
    for (std::size_t piece = 1; piece <= input.size(); ++piece) {
        chunked_decoder decoder;
        const decoded result = decode_in_pieces(input, piece, decoder);
        ASSERT_EQ(result.status, parse_status::done) << piece;
        EXPECT_EQ(result.body, "a0123456789abcdefABCDEFGHIJ") << piece;
        EXPECT_EQ(result.consumed, input.size() - 4) << piece;
        EXPECT_EQ(decoder.trailers().get("trailer-two"), "2") << piece;
    }
}

TEST(ChunkedDecoder, EveryTwoPieceSplitDecodesIdentically) {
    const std::string_view input = "5;a=b\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\n\r\n";
    for (std::size_t split = 0; split <= input.size(); ++split) {
        chunked_decoder decoder;
        std::string body;
        // Decodes what is buffered, as far as it goes, dropping what was consumed.
        const auto drain = [&](std::string& buffer) {
            chunked_decoder::step step{parse_status::need_more, 0, {}};
            do {
                step = decoder.decode(buffer);
                body.append(step.data);
                buffer.erase(0, step.consumed);
            } while (step.status == parse_status::need_more && !buffer.empty());
            return step.status;
        };
        std::string buffer(input.substr(0, split));
        drain(buffer);
        buffer.append(input.substr(split));
        ASSERT_EQ(drain(buffer), parse_status::done) << split;
        EXPECT_EQ(body, "hello world") << split;
        EXPECT_TRUE(buffer.empty()) << split;
    }
}

TEST(ChunkedDecoder, ChunkSizesAreHexadecimalInEitherCase) {
    const std::string input = "a\r\n" + std::string(10, 'x') + "\r\nF\r\n" + std::string(15, 'y') +
                              "\r\n1f\r\n" + std::string(31, 'z') + "\r\n0\r\n\r\n";
    const decoded result = decode_all(input);
    EXPECT_EQ(result.status, parse_status::done);
    EXPECT_EQ(result.body, std::string(10, 'x') + std::string(15, 'y') + std::string(31, 'z'));
}

TEST(ChunkedDecoder, LeadingZerosDoNotOverflow) {
    const decoded result = decode_all("00000000000000000000000000000005\r\nhello\r\n000\r\n\r\n");
    EXPECT_EQ(result.status, parse_status::done);
    EXPECT_EQ(result.body, "hello");
}

TEST(ChunkedDecoder, TheLargestChunkSizeIsAccepted) {
    chunked_decoder decoder;
    const auto step = decoder.decode("FFFFFFFFFFFFFFFF\r\nsome data");
    EXPECT_EQ(step.status, parse_status::need_more);
    EXPECT_EQ(step.data, "some data");
}

TEST(ChunkedDecoder, AChunkSizeOver64BitsOverflows) {
    EXPECT_EQ(error_of("10000000000000000\r\n"), parse_error::chunk_size_overflow);
    EXPECT_EQ(error_of("FFFFFFFFFFFFFFFFF\r\nx"), parse_error::chunk_size_overflow);
    EXPECT_EQ(error_of("1" + std::string(100, '0') + "\r\n"), parse_error::chunk_size_overflow);
}

TEST(ChunkedDecoder, MalformedChunkSizesAreRejected) {
    for (const std::string_view input :
         {"\r\n"sv, "x\r\n"sv, "-1\r\n"sv, " 5\r\n"sv, "5 \r\n"sv, "5x\r\n"sv, "0x5\r\n"sv,
          ";a\r\n"sv, "+5\r\n"sv, "5\t\r\n"sv}) {
        EXPECT_EQ(error_of(input), parse_error::bad_chunk_size) << input;
    }
}

TEST(ChunkedDecoder, ChunkExtensionsAreValidatedThenIgnored) {
    for (const std::string_view size_line :
         {"5;name"sv, "5;name=value"sv, "5 ; a = b ; c"sv, "5\t;\ta\t=\tb"sv, "5;a=\"\""sv,
          "5;a=\"quoted ; string = with \\\" escapes\""sv, "5;a=\"tab\there \xE9\""sv,
          "5;!#$%&'*+-.^_`|~=x"sv}) {
        const std::string input = std::string(size_line) + "\r\nhello\r\n0\r\n\r\n";
        const decoded result = decode_all(input);
        EXPECT_EQ(result.status, parse_status::done) << size_line;
        EXPECT_EQ(result.body, "hello") << size_line;
    }
}

// Many chunks each carrying a modest extension: every line is well under max_line_bytes, but
// the body's extensions together are bounded, in any split of the input.
TEST(ChunkedDecoder, TheChunkExtensionsOfOneBodyAreBoundedTogether) {
    parse_limits limits;
    limits.max_chunk_extension_bytes = 100;
    const std::string extension = ";name=" + std::string(14, 'v'); // 20 bytes
    std::string at_limit;
    for (int i = 0; i < 5; ++i) {
        at_limit += "1" + extension + "\r\nx\r\n";
    }
    const decoded accepted = decode_all(at_limit + "0\r\n\r\n", limits);
    EXPECT_EQ(accepted.status, parse_status::done);
    EXPECT_EQ(accepted.body, "xxxxx");
    // One byte more, on the last chunk's line: refused, and the data before it was delivered.
    EXPECT_EQ(error_of(at_limit + "0;a\r\n\r\n", limits), parse_error::chunk_extensions_too_large);
    EXPECT_EQ(decode_all(at_limit + "0;a\r\n\r\n", limits).body, "xxxxx");
    // Whitespace after the size counts too: it costs the same to parse.
    EXPECT_EQ(error_of(at_limit + "0 \r\n\r\n", limits), parse_error::chunk_extensions_too_large);
    // The default is 4 KiB.
    std::string many;
    for (int i = 0; i < 205; ++i) {
        many += "1" + extension + "\r\nx\r\n"; // 4100 bytes of extensions
    }
    EXPECT_EQ(error_of(many + "0\r\n\r\n"), parse_error::chunk_extensions_too_large);
}

TEST(ChunkedDecoder, MalformedChunkExtensionsAreRejected) {
    for (const std::string_view size_line :
         {"5;"sv, "5;=b"sv, "5;a="sv, "5;a=\"unterminated"sv, "5;a=b c"sv, "5;a=\"x\"y"sv,
          "5;a b"sv, "5;a=\"\x01\""sv, "5;a=\"\\\x01\""sv, "5;a=b;"sv, "5;a=\"\\"sv, "5;a=(b)"sv,
          "5;a ="sv}) {
        const std::string input = std::string(size_line) + "\r\nhello\r\n0\r\n\r\n";
        EXPECT_EQ(error_of(input), parse_error::bad_chunk_extension) << size_line;
    }
}

TEST(ChunkedDecoder, ChunkDataMustBeFollowedByCrlf) {
    for (const std::string_view input : {"5\r\nhelloX\r\n0\r\n\r\n"sv, "5\r\nhello\rX\n0\r\n\r\n"sv,
                                         "5\r\nhello\r\r\n0\r\n\r\n"sv, "5\r\nhello0\r\n\r\n"sv}) {
        const decoded result = decode_all(input);
        EXPECT_EQ(result.status, parse_status::error) << input;
        EXPECT_EQ(result.error, parse_error::bad_chunk_terminator) << input;
        EXPECT_EQ(result.body, "hello") << input; // the data before the fault is still delivered
        EXPECT_EQ(error_of(input), parse_error::bad_chunk_terminator) << input;
    }
}

TEST(ChunkedDecoder, BareLfLineEndingsAreAccepted) {
    const decoded result = decode_all("5\nhello\n0;x=y\nT: v\n\nnext");
    EXPECT_EQ(result.status, parse_status::done);
    EXPECT_EQ(result.body, "hello");
    EXPECT_EQ(result.consumed, 20U);
}

TEST(ChunkedDecoder, ChunkDataIsPassedThroughVerbatim) {
    const decoded result = decode_all("6\r\n\r\n\0\r\n\n\r\n0\r\n\r\n"sv);
    EXPECT_EQ(result.status, parse_status::done);
    EXPECT_EQ(result.body, "\r\n\0\r\n\n"sv);
}

TEST(ChunkedDecoder, BareCrAndNulInLinesAreRejected) {
    EXPECT_EQ(error_of("5\rX\r\nhello\r\n0\r\n\r\n"), parse_error::bare_cr);
    EXPECT_EQ(error_of("5;a\r=b\r\nhello\r\n0\r\n\r\n"), parse_error::bare_cr);
    EXPECT_EQ(error_of("5\0\r\nhello\r\n0\r\n\r\n"sv), parse_error::nul_byte);
    EXPECT_EQ(error_of("0\r\nA: b\rc\r\n\r\n"), parse_error::bare_cr);
    EXPECT_EQ(error_of("0\r\nA: b\0\r\n\r\n"sv), parse_error::nul_byte);
    EXPECT_EQ(error_of("0\r\n\r\r\n"), parse_error::bare_cr);
}

TEST(ChunkedDecoder, TrailersAreCollected) {
    chunked_decoder decoder;
    const decoded result = decode_in_pieces(
        "3\r\nabc\r\n0\r\nExpires: never\r\nX-Sum:  abc \r\nx-sum: def\r\n\r\n", 1, decoder);
    ASSERT_EQ(result.status, parse_status::done);
    EXPECT_TRUE(decoder.done());
    EXPECT_EQ(decoder.trailers().size(), 3U);
    EXPECT_EQ(decoder.trailers().get("expires"), "never");
    EXPECT_EQ(decoder.trailers().get_all("X-Sum").size(), 2U);
    EXPECT_EQ(decoder.trailers().get("X-Sum"), "abc");
}

TEST(ChunkedDecoder, TrailersFollowTheFieldLineRules) {
    EXPECT_EQ(error_of("0\r\nBad Name: x\r\n\r\n"), parse_error::bad_header_name);
    EXPECT_EQ(error_of("0\r\nNoColon\r\n\r\n"), parse_error::bad_header_name);
    EXPECT_EQ(error_of("0\r\nA : b\r\n\r\n"), parse_error::whitespace_before_colon);
    EXPECT_EQ(error_of("0\r\nA: b\r\n c\r\n\r\n"), parse_error::obsolete_line_folding);
    EXPECT_EQ(error_of("0\r\nA: \x01\r\n\r\n"), parse_error::bad_header_value);
}

TEST(ChunkedDecoder, ExactlyTheMaximumNumberOfTrailersIsAccepted) {
    parse_limits limits;
    limits.max_header_count = 2;
    EXPECT_EQ(error_of("0\r\nA: 1\r\nB: 2\r\n\r\n", limits), parse_error::none);
    EXPECT_EQ(error_of("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits), parse_error::too_many_headers);
}

TEST(ChunkedDecoder, ASizeLineOfExactlyTheLimitIsAcceptedAndOneMoreIsTooLong) {
    parse_limits limits;
    limits.max_line_bytes = 16;
    const std::string at_limit = "5;" + std::string(14, 'a'); // 16 bytes without CRLF
    EXPECT_EQ(error_of(at_limit + "\r\nhello\r\n0\r\n\r\n", limits), parse_error::none);
    EXPECT_EQ(error_of(at_limit + "\nhello\r\n0\r\n\r\n", limits), parse_error::none);
    EXPECT_EQ(error_of(at_limit + "a\r\nhello\r\n0\r\n\r\n", limits), parse_error::line_too_long);
}

TEST(ChunkedDecoder, ATrailerLineOfExactlyTheLimitIsAcceptedAndOneMoreIsTooLong) {
    parse_limits limits;
    limits.max_line_bytes = 16;
    const std::string at_limit = "Name: " + std::string(10, 'v');
    EXPECT_EQ(error_of("0\r\n" + at_limit + "\r\n\r\n", limits), parse_error::none);
    EXPECT_EQ(error_of("0\r\n" + at_limit + "v\r\n\r\n", limits), parse_error::line_too_long);
}

TEST(ChunkedDecoder, AnEndlessLineIsTooLongBeforeItEnds) {
    parse_limits limits;
    limits.max_line_bytes = 16;
    chunked_decoder decoder(limits);
    // Nothing beyond the limit is buffered, however long the line would be.
    const auto step = decoder.decode("5;" + std::string(100, 'a'));
    EXPECT_EQ(step.status, parse_status::error);
    EXPECT_EQ(step.error, parse_error::line_too_long);
    EXPECT_EQ(error_of("5;" + std::string(15, 'a'), limits), parse_error::line_too_long);
    EXPECT_EQ(error_of("5;" + std::string(14, 'a') + "\r", limits), parse_error::none);
}

TEST(ChunkedDecoder, TheTrailerSectionCountsAgainstTheHeadLimit) {
    parse_limits limits;
    limits.max_head_bytes = 20;
    // The trailer section is the field lines and the empty line: 16 + 2 + 2 bytes here.
    EXPECT_EQ(error_of("0\r\nA: 1234567890123\r\n\r\n", limits), parse_error::none);
    EXPECT_EQ(error_of("0\r\nA: 12345678901234\r\n\r\n", limits), parse_error::head_too_large);
}

TEST(ChunkedDecoder, AnUnfinishedBodyNeedsMore) {
    for (const std::string_view input :
         {""sv, "5"sv, "5\r"sv, "5\r\nhel"sv, "5\r\nhello"sv, "5\r\nhello\r"sv,
          "5\r\nhello\r\n0\r\n"sv, "5\r\nhello\r\n0\r\nT: v\r\n"sv}) {
        const decoded result = decode_in_pieces(input, 1);
        EXPECT_EQ(result.status, parse_status::need_more) << input;
        EXPECT_EQ(result.consumed, input.size()) << input; // partial lines are buffered
    }
}

TEST(ChunkedDecoder, DoneIsStickyAndConsumesNothingMore) {
    chunked_decoder decoder;
    ASSERT_EQ(decoder.decode("0\r\n\r\n").status, parse_status::done);
    const auto again = decoder.decode("5\r\nhello\r\n");
    EXPECT_EQ(again.status, parse_status::done);
    EXPECT_EQ(again.consumed, 0U);
    EXPECT_TRUE(again.data.empty());
}

TEST(ChunkedDecoder, ErrorsAreSticky) {
    chunked_decoder decoder;
    ASSERT_EQ(decoder.decode("zz\r\n").error, parse_error::bad_chunk_size);
    const auto again = decoder.decode("0\r\n\r\n");
    EXPECT_EQ(again.status, parse_status::error);
    EXPECT_EQ(again.error, parse_error::bad_chunk_size);
    EXPECT_EQ(again.consumed, 0U);
    EXPECT_FALSE(decoder.done());
}

TEST(ChunkedDecoder, EmptyInputNeedsMoreWithoutProgress) {
    chunked_decoder decoder;
    const auto step = decoder.decode({});
    EXPECT_EQ(step.status, parse_status::need_more);
    EXPECT_EQ(step.consumed, 0U);
    EXPECT_TRUE(step.data.empty());
}

} // namespace
