// SPDX-License-Identifier: MIT
// content_decoder, white-box: which Content-Encoding values get a decoder, and that gzip, zlib
// and raw deflate bodies come out whole however they are split, while corrupt or truncated ones
// are protocol errors. The compressed data is made here with zlib (compression.hpp).
#include "http/content_decoder.hpp"

#include <corio/http/error.hpp>
#include <corio/http/headers.hpp>

#include "compression.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using corio::http::headers;
using corio::http::protocol_error;
using corio::http::detail::content_decoder;
using corio_test::compress;
using corio_test::compressed_format;

#define SKIP_WITHOUT_ZLIB()                                                                        \
    if (!corio_test::compression_available()) {                                                    \
        GTEST_SKIP() << "built without zlib: there is no gzip or deflate to decode";               \
    }

headers encoded_as(std::string_view coding) {
    headers fields;
    fields.add("Content-Encoding", coding);
    return fields;
}

std::unique_ptr<content_decoder> decoder_for(std::string_view coding) {
    return content_decoder::for_response(200, encoded_as(coding));
}

// What one decoding produced.
struct decoded {
    std::string body;
    std::size_t largest_piece = 0;
};

// Takes every decoded byte of what has been fed so far, as the client does after each piece.
void drain(content_decoder& decoder, decoded& out) {
    for (std::string_view piece = decoder.next(); !piece.empty(); piece = decoder.next()) {
        out.body.append(piece);
        out.largest_piece = std::max(out.largest_piece, piece.size());
    }
}

// Feeds `encoded` in pieces of `piece_size` bytes (each valid until drained, as the reader's
// are), then finishes the body.
decoded decode(content_decoder& decoder, std::string_view encoded, std::size_t piece_size) {
    decoded out;
    for (std::size_t at = 0; at < encoded.size(); at += piece_size) {
        decoder.feed(encoded.substr(at, piece_size));
        drain(decoder, out);
    }
    decoder.finish();
    return out;
}

std::string decode_whole(std::string_view coding, std::string_view encoded) {
    const std::unique_ptr<content_decoder> decoder = decoder_for(coding);
    if (!decoder) {
        ADD_FAILURE() << "no decoder for " << coding;
        return {};
    }
    return decode(*decoder, encoded, encoded.size() + 1).body;
}

// ---- which bodies are decoded ----

TEST(ContentDecoder, IsAvailableExactlyWhenTheBuildHasZlib) {
    EXPECT_EQ(content_decoder::available(), corio_test::compression_available());
    EXPECT_EQ(content_decoder::accepted_codings, "gzip, deflate");
}

TEST(ContentDecoder, GzipXGzipAndDeflateGetADecoderInAnyCase) {
    SKIP_WITHOUT_ZLIB();
    for (const char* coding : {"gzip", "x-gzip", "deflate", "GZIP", "Deflate", " gzip "}) {
        EXPECT_NE(decoder_for(coding), nullptr) << coding;
    }
}

TEST(ContentDecoder, NoEncodingOrOnlyIdentityGetsNoDecoder) {
    EXPECT_EQ(content_decoder::for_response(200, headers{}), nullptr);
    EXPECT_EQ(decoder_for("identity"), nullptr);
    EXPECT_EQ(decoder_for("identity, identity"), nullptr);
    EXPECT_EQ(decoder_for(""), nullptr);
}

TEST(ContentDecoder, IdentityBesideARealCodingIsIgnored) {
    SKIP_WITHOUT_ZLIB();
    const std::string encoded = compress("hello", compressed_format::gzip);
    EXPECT_EQ(decode_whole("identity, gzip", encoded), "hello");
    EXPECT_EQ(decode_whole("gzip, identity", encoded), "hello");
}

// RFC 9110 §5.6.1.2: Content-Encoding is a list, and its empty elements are ignored.
TEST(ContentDecoder, EmptyCodingListElementsAreIgnored) {
    SKIP_WITHOUT_ZLIB();
    const std::string encoded = compress("hello", compressed_format::gzip);
    EXPECT_EQ(decode_whole(", gzip", encoded), "hello");
    EXPECT_EQ(decode_whole("gzip, ,", encoded), "hello");
    EXPECT_EQ(decoder_for(" , "), nullptr) << "no coding: delivered as it came";
}

TEST(ContentDecoder, AnUnknownCodingIsDeliveredAsItCame) {
    EXPECT_EQ(decoder_for("br"), nullptr);
    EXPECT_EQ(decoder_for("compress"), nullptr);
    EXPECT_EQ(decoder_for("zstd"), nullptr);
}

TEST(ContentDecoder, StackedCodingsAreDeliveredAsTheyCame) {
    EXPECT_EQ(decoder_for("gzip, gzip"), nullptr);
    EXPECT_EQ(decoder_for("deflate, gzip"), nullptr);
    EXPECT_EQ(decoder_for("gzip, br"), nullptr);
    headers two_fields;
    two_fields.add("Content-Encoding", "gzip");
    two_fields.add("Content-Encoding", "deflate");
    EXPECT_EQ(content_decoder::for_response(200, two_fields), nullptr);
}

// A 206 carries a range of the encoded representation: not decodable on its own.
TEST(ContentDecoder, APartialResponseIsDeliveredAsItCame) {
    EXPECT_EQ(content_decoder::for_response(206, encoded_as("gzip")), nullptr);
}

// ---- the formats ----

TEST(ContentDecoder, GzipIsDecoded) {
    SKIP_WITHOUT_ZLIB();
    const std::string original = corio_test::varied_text(100'000);
    EXPECT_EQ(decode_whole("gzip", compress(original, compressed_format::gzip)), original);
}

TEST(ContentDecoder, ZlibWrappedDeflateIsDecoded) {
    SKIP_WITHOUT_ZLIB();
    const std::string original = corio_test::varied_text(100'000);
    EXPECT_EQ(decode_whole("deflate", compress(original, compressed_format::zlib)), original);
}

TEST(ContentDecoder, RawDeflateIsDecodedToo) {
    SKIP_WITHOUT_ZLIB();
    const std::string original = corio_test::varied_text(100'000);
    EXPECT_EQ(decode_whole("deflate", compress(original, compressed_format::raw_deflate)),
              original);
}

TEST(ContentDecoder, EveryMemberOfAMultiMemberGzipBodyIsDecoded) {
    SKIP_WITHOUT_ZLIB();
    const std::string encoded = compress("first member, ", compressed_format::gzip) +
                                compress("second member, ", compressed_format::gzip) +
                                compress("third", compressed_format::gzip);
    EXPECT_EQ(decode_whole("gzip", encoded), "first member, second member, third");
}

TEST(ContentDecoder, ZeroPaddingAfterAGzipStreamIsIgnoredAsGzipDoes) {
    SKIP_WITHOUT_ZLIB();
    const std::string encoded = compress("padded", compressed_format::gzip);
    EXPECT_EQ(decode_whole("gzip", encoded + std::string(512, '\0')), "padded");
    // Padding arriving a byte at a time, too.
    const std::unique_ptr<content_decoder> decoder = decoder_for("gzip");
    ASSERT_NE(decoder, nullptr);
    EXPECT_EQ(decode(*decoder, encoded + std::string(7, '\0'), 1).body, "padded");
}

TEST(ContentDecoder, DataAfterTheZeroPaddingIsAProtocolError) {
    SKIP_WITHOUT_ZLIB();
    const std::string encoded = compress("padded", compressed_format::gzip) + std::string(4, '\0');
    const std::unique_ptr<content_decoder> decoder = decoder_for("gzip");
    ASSERT_NE(decoder, nullptr);
    EXPECT_THROW((void)decode(*decoder, encoded + "x", encoded.size() + 1), protocol_error);
}

TEST(ContentDecoder, OneByteAtATimeGivesTheSameOutput) {
    SKIP_WITHOUT_ZLIB();
    const std::string original = corio_test::varied_text(20'000);
    const struct {
        const char* coding;
        compressed_format format;
    } cases[] = {
        {"gzip", compressed_format::gzip},
        {"deflate", compressed_format::zlib},
        // A raw stream's first two bytes decide the format: they must survive arriving apart.
        {"deflate", compressed_format::raw_deflate},
    };
    for (const auto& each : cases) {
        const std::string encoded = compress(original, each.format);
        const std::unique_ptr<content_decoder> decoder = decoder_for(each.coding);
        ASSERT_NE(decoder, nullptr);
        EXPECT_EQ(decode(*decoder, encoded, 1).body, original)
            << each.coding << ", format " << static_cast<int>(each.format);
    }
}

TEST(ContentDecoder, EachPieceIsAtMostOutputPieceBytes) {
    SKIP_WITHOUT_ZLIB();
    // 4 MB of zeros compress to about 4 KB: one small input that expands a thousandfold.
    const std::string encoded = corio_test::gzip_of_zeros(4 * 1024 * 1024);
    const std::unique_ptr<content_decoder> decoder = decoder_for("gzip");
    ASSERT_NE(decoder, nullptr);
    const decoded out = decode(*decoder, encoded, encoded.size());
    EXPECT_EQ(out.body.size(), 4U * 1024 * 1024);
    EXPECT_EQ(out.body.find_first_not_of('\0'), std::string::npos);
    EXPECT_EQ(out.largest_piece, content_decoder::output_piece) << "bounded, and the bound is used";
}

TEST(ContentDecoder, AnEmptyGzipBodyIsFine) {
    SKIP_WITHOUT_ZLIB();
    // A HEAD-like response with Content-Length: 0 but Content-Encoding: gzip: nothing to undo.
    const std::unique_ptr<content_decoder> decoder = decoder_for("gzip");
    ASSERT_NE(decoder, nullptr);
    EXPECT_TRUE(decoder->next().empty());
    EXPECT_NO_THROW(decoder->finish());
    // A fed empty piece is no body either.
    const std::unique_ptr<content_decoder> fed_nothing = decoder_for("deflate");
    ASSERT_NE(fed_nothing, nullptr);
    fed_nothing->feed({});
    EXPECT_TRUE(fed_nothing->next().empty());
    EXPECT_NO_THROW(fed_nothing->finish());
}

// ---- broken bodies ----

TEST(ContentDecoder, DataThatIsNotGzipIsAProtocolError) {
    SKIP_WITHOUT_ZLIB();
    const std::unique_ptr<content_decoder> decoder = decoder_for("gzip");
    ASSERT_NE(decoder, nullptr);
    try {
        (void)decode(*decoder, "this was never compressed", 100);
        ADD_FAILURE() << "expected protocol_error";
    } catch (const protocol_error& failure) {
        EXPECT_EQ(failure.kind(), corio::http::error_kind::protocol);
        EXPECT_TRUE(std::string_view(failure.what()).starts_with("corrupt gzip response body: "))
            << failure.what();
        EXPECT_TRUE(failure.url().empty()) << "the client stamps the URL";
    }
}

TEST(ContentDecoder, CorruptDataInsideTheStreamIsAProtocolError) {
    SKIP_WITHOUT_ZLIB();
    for (const compressed_format format :
         {compressed_format::gzip, compressed_format::zlib, compressed_format::raw_deflate}) {
        std::string encoded = compress(corio_test::varied_text(10'000), format);
        // Past any header: the damage is in the compressed data or the checksum after it.
        for (std::size_t at = encoded.size() / 2; at < encoded.size(); at += 7) {
            encoded[at] = static_cast<char>(encoded[at] ^ 0x5a);
        }
        const std::unique_ptr<content_decoder> decoder =
            decoder_for(format == compressed_format::gzip ? "gzip" : "deflate");
        ASSERT_NE(decoder, nullptr);
        EXPECT_THROW((void)decode(*decoder, encoded, 1000), protocol_error)
            << "format " << static_cast<int>(format);
    }
}

// Found by content_decoder_fuzz (tests/fuzz): zlib finds a bad checksum in the same call that
// produces the member's last bytes, which are then not handed out, so how much of the body comes
// out before the error depends on how the body arrived. The error itself must not, and what does
// come out must be the start of the real data.
TEST(ContentDecoder, ABadGzipChecksumIsAProtocolErrorHoweverTheBodyArrives) {
    SKIP_WITHOUT_ZLIB();
    const std::string text = corio_test::varied_text(50'000);
    std::string encoded = compress(text, compressed_format::gzip);
    encoded[encoded.size() - 8] = static_cast<char>(encoded[encoded.size() - 8] ^ 0xff); // CRC-32
    for (const std::size_t piece :
         {std::size_t{1}, std::size_t{7}, std::size_t{1000}, encoded.size()}) {
        const std::unique_ptr<content_decoder> decoder = decoder_for("gzip");
        ASSERT_NE(decoder, nullptr);
        decoded out;
        bool failed = false;
        try {
            for (std::size_t at = 0; at < encoded.size(); at += piece) {
                decoder->feed(std::string_view(encoded).substr(at, piece));
                drain(*decoder, out);
            }
            decoder->finish();
        } catch (const protocol_error&) {
            failed = true;
        }
        EXPECT_TRUE(failed) << "piece " << piece;
        EXPECT_LE(out.body.size(), text.size()) << "piece " << piece;
        EXPECT_EQ(out.body, text.substr(0, out.body.size())) << "piece " << piece;
    }
}

TEST(ContentDecoder, DataAfterTheEndOfADeflateStreamIsAProtocolError) {
    SKIP_WITHOUT_ZLIB();
    // Unlike gzip, deflate has no second member: anything after the end is not the body.
    const std::string encoded = compress("body", compressed_format::zlib) + "trailing junk";
    const std::unique_ptr<content_decoder> decoder = decoder_for("deflate");
    ASSERT_NE(decoder, nullptr);
    EXPECT_THROW((void)decode(*decoder, encoded, encoded.size()), protocol_error);
}

TEST(ContentDecoder, ATruncatedStreamIsAProtocolErrorAtFinish) {
    SKIP_WITHOUT_ZLIB();
    for (const compressed_format format :
         {compressed_format::gzip, compressed_format::zlib, compressed_format::raw_deflate}) {
        const std::string original = corio_test::varied_text(50'000);
        const std::string encoded = compress(original, format);
        const std::string_view cut = std::string_view(encoded).substr(0, encoded.size() - 20);
        const std::unique_ptr<content_decoder> decoder =
            decoder_for(format == compressed_format::gzip ? "gzip" : "deflate");
        ASSERT_NE(decoder, nullptr);
        decoded out;
        decoder->feed(cut);
        EXPECT_NO_THROW(drain(*decoder, out)) << "what arrived is fine so far";
        EXPECT_FALSE(out.body.empty());
        EXPECT_TRUE(std::string_view(original).starts_with(out.body));
        try {
            decoder->finish();
            ADD_FAILURE() << "expected protocol_error, format " << static_cast<int>(format);
        } catch (const protocol_error& failure) {
            EXPECT_NE(std::string_view(failure.what()).find("truncated"), std::string_view::npos)
                << failure.what();
        }
    }
}

TEST(ContentDecoder, ADeflateBodyOfOneByteIsTruncated) {
    SKIP_WITHOUT_ZLIB();
    // One byte cannot tell zlib from raw deflate, nor hold a stream.
    const std::unique_ptr<content_decoder> decoder = decoder_for("deflate");
    ASSERT_NE(decoder, nullptr);
    decoder->feed("x");
    EXPECT_TRUE(decoder->next().empty());
    EXPECT_THROW(decoder->finish(), protocol_error);
}

// When zlib takes the last input while it still holds output it had no room for (the output
// piece filled up mid-match), the decoder must ask it again: otherwise a whole body looks
// truncated. gzip and zlib streams end in a checksum read after the last output, so raw deflate
// is the format where this shows; which sizes hit it depends on the encoder, hence a range.
TEST(ContentDecoder, ARawDeflateBodyWhoseOutputOutlastsItsInputIsWhole) {
    SKIP_WITHOUT_ZLIB();
    for (std::size_t size = content_decoder::output_piece;
         size < content_decoder::output_piece + 2000; ++size) {
        std::string original(size, '\0');
        original[0] = 'x'; // not all zeros: a match per 258 bytes, and a literal to start with
        const std::string encoded = compress(original, compressed_format::raw_deflate);
        const std::unique_ptr<content_decoder> decoder = decoder_for("deflate");
        ASSERT_NE(decoder, nullptr);
        try {
            EXPECT_EQ(decode(*decoder, encoded, encoded.size()).body, original) << size;
        } catch (const protocol_error& failure) {
            ADD_FAILURE() << size << " bytes: " << failure.what();
            return; // one is enough to show it
        }
    }
}

} // namespace
