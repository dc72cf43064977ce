// SPDX-License-Identifier: MIT
// field_syntax: the byte classes of RFC 9110/9112 and the field-line parser built on them. The
// value check reads eight bytes at a time, so it is compared here, byte value by byte value and
// position by position, with the plain per-byte rule.
#include "http/field_syntax.hpp"
#include "http/message_parser.hpp"
#include "http/uri_host.hpp"

#include <corio/http/headers.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

using corio::http::headers;
using corio::http::detail::for_each_list_element;
using corio::http::detail::is_field_char;
using corio::http::detail::is_field_text;
using corio::http::detail::is_host_field_value;
using corio::http::detail::parse_error;
using corio::http::detail::parse_field_line;

namespace {

// HTAB, SP, VCHAR and obs-text: RFC 9110 §5.5, written out independently of the table.
bool allowed_in_value(unsigned char byte) {
    return byte == '\t' || byte == ' ' || (byte >= 0x21 && byte <= 0x7e) || byte >= 0x80;
}

TEST(FieldSyntax, TheByteTableMatchesTheRfc) {
    for (int value = 0; value < 256; ++value) {
        const auto byte = static_cast<unsigned char>(value);
        EXPECT_EQ(is_field_char(static_cast<char>(byte)), allowed_in_value(byte)) << value;
    }
}

TEST(FieldSyntax, EveryByteAtEveryPositionOfAFewWordsIsJudgedLikeTheByteRule) {
    // 19 bytes: two whole words and a tail, so each byte is tried in the word loop's every lane
    // and in the byte-by-byte tail.
    constexpr std::size_t length = 19;
    for (int value = 0; value < 256; ++value) {
        const auto byte = static_cast<unsigned char>(value);
        for (std::size_t position = 0; position < length; ++position) {
            std::string text(length, 'v');
            text[position] = static_cast<char>(byte);
            EXPECT_EQ(is_field_text(text), allowed_in_value(byte))
                << "byte " << value << " at " << position;
        }
    }
}

TEST(FieldSyntax, ObsTextNextToAControlByteIsStillCaught) {
    // High bytes must not mask a neighbouring control byte in the same word (no borrow tricks).
    std::string text(16, '\xff');
    text[7] = '\x1f';
    EXPECT_FALSE(is_field_text(text));
    text[7] = '\x7f';
    EXPECT_FALSE(is_field_text(text));
    text[7] = '\x80';
    EXPECT_TRUE(is_field_text(text));
}

TEST(FieldSyntax, AFieldLineIsSplitAtItsColonAndTrimmed) {
    headers fields;
    EXPECT_EQ(parse_field_line("Content-Type: \t text/html \t", fields), parse_error::none);
    EXPECT_EQ(parse_field_line("X-Empty:", fields), parse_error::none);
    EXPECT_EQ(parse_field_line("X-Colon: a:b", fields), parse_error::none);
    ASSERT_EQ(fields.size(), 3U);
    EXPECT_EQ(fields.get("content-type"), "text/html");
    EXPECT_EQ(fields.get("X-Empty"), "");
    EXPECT_EQ(fields.get("X-Colon"), "a:b");
}

TEST(FieldSyntax, EachMalformedFieldLineNamesItsFault) {
    headers fields;
    EXPECT_EQ(parse_field_line(" folded: x", fields), parse_error::obsolete_line_folding);
    EXPECT_EQ(parse_field_line("Name : x", fields), parse_error::whitespace_before_colon);
    EXPECT_EQ(parse_field_line("Na(me: x", fields), parse_error::bad_header_name);
    EXPECT_EQ(parse_field_line(": x", fields), parse_error::bad_header_name);
    EXPECT_EQ(parse_field_line("NoColon", fields), parse_error::bad_header_name);
    EXPECT_EQ(parse_field_line("Name: a\x01z", fields), parse_error::bad_header_value);
    EXPECT_TRUE(fields.empty()) << "a refused line adds nothing";
}

std::vector<std::string_view> list_elements(std::string_view value) {
    std::vector<std::string_view> elements;
    for_each_list_element(value,
                          [&elements](std::string_view element) { elements.push_back(element); });
    return elements;
}

// RFC 9110 §5.6.1.2: empty elements (and the whitespace around any element) are ignored.
TEST(FieldSyntax, EmptyListElementsAreIgnored) {
    using list = std::vector<std::string_view>;
    EXPECT_EQ(list_elements("chunked"), list{"chunked"});
    EXPECT_EQ(list_elements(", chunked"), list{"chunked"});
    EXPECT_EQ(list_elements("chunked, "), list{"chunked"});
    EXPECT_EQ(list_elements(" ,\t, gzip ,, chunked ,"), (list{"gzip", "chunked"}));
    EXPECT_EQ(list_elements("a,b"), (list{"a", "b"}));
    EXPECT_EQ(list_elements(""), list{});
    EXPECT_EQ(list_elements(" , ,"), list{});
}

// RFC 9112 §3.2 and RFC 3986 §3.2.2: uri-host [":" port].
TEST(FieldSyntax, HostFieldValuesFollowUriHostAndPort) {
    for (const std::string_view valid :
         {"example.com", "example.com:8080", "EXAMPLE.com", "127.0.0.1", "127.0.0.1:80", "[::1]",
          "[::1]:8080", "[2001:db8::7]", "[::ffff:192.0.2.1]:443", "[v1.fe80::a+en1]", "a-b_c~d.e",
          "%41%42c", "!$&'()*+,;=", "example.com:", "", "localhost:0", "999.999.999.999"}) {
        EXPECT_TRUE(is_host_field_value(valid)) << valid;
    }
    for (const std::string_view invalid : {"exa mple.com",
                                           "example.com:80:80",
                                           "example.com:8o",
                                           "example.com/path",
                                           "user@example.com",
                                           "[::1",
                                           "::1",
                                           "[::1]x",
                                           "[::1]:a",
                                           "[1.2.3.4]",
                                           "[:::1]",
                                           "[v.x]",
                                           "[vg.x]",
                                           "[v1.]",
                                           "%4",
                                           "%zz.com",
                                           "a\"b",
                                           "a<b>",
                                           "[fe80::1%25en0]",
                                           "example.com:80 ",
                                           "a\\b",
                                           "?"}) {
        EXPECT_FALSE(is_host_field_value(invalid)) << invalid;
    }
}

} // namespace
