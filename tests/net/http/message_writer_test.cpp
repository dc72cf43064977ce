// SPDX-License-Identifier: MIT
#include "http/message_writer.hpp"

#include "http/message_parser.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace {

using namespace std::string_view_literals;
using corio::http::headers;
namespace detail = corio::http::detail;

headers one_field(std::string_view name, std::string_view value) {
    headers h;
    h.add(name, value);
    return h;
}

TEST(MessageWriter, WritesARequestHeadWithFieldsInOrder) {
    headers fields;
    fields.add("Host", "example.com");
    fields.add("Accept", "*/*");
    fields.add("X-Empty", "");
    std::string out;
    detail::write_request_head(out, "GET", "/index.html?q=1", fields);
    EXPECT_EQ(out, "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n"
                   "X-Empty: \r\n\r\n");
}

TEST(MessageWriter, AppendsToWhatIsAlreadyInTheBuffer) {
    std::string out = "previous";
    detail::write_request_head(out, "HEAD", "/", {});
    EXPECT_EQ(out, "previousHEAD / HTTP/1.1\r\n\r\n");
}

TEST(MessageWriter, WritesAResponseHead) {
    headers fields;
    fields.add("Content-Length", "5");
    std::string out;
    detail::write_response_head(out, 200, "OK", fields);
    EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
}

TEST(MessageWriter, KeepsTheSpaceBeforeAnEmptyReason) {
    std::string out;
    detail::write_response_head(out, 299, "", {});
    EXPECT_EQ(out, "HTTP/1.1 299 \r\n\r\n");
}

TEST(MessageWriter, WhatItWritesParsesBackToTheSameHead) {
    headers fields;
    fields.add("Host", "h");
    fields.add("Set-Cookie", "a=1; Path=/");
    fields.add("Set-Cookie", "b=2");
    fields.add("X-Tab", "a\tb");
    std::string request;
    detail::write_request_head(request, "PATCH", "/p?x=%20", fields);
    detail::request_head parsed_request;
    const auto request_result = detail::parse_request_head(request, {}, parsed_request);
    ASSERT_EQ(request_result.status, detail::parse_status::done);
    EXPECT_EQ(request_result.consumed, request.size());
    EXPECT_EQ(parsed_request.method, "PATCH");
    EXPECT_EQ(parsed_request.target, "/p?x=%20");
    EXPECT_EQ(parsed_request.fields, fields);

    std::string response;
    detail::write_response_head(response, 404, "Not \xC3\xA9 Found", fields);
    detail::response_head parsed_response;
    ASSERT_EQ(detail::parse_response_head(response, {}, parsed_response).status,
              detail::parse_status::done);
    EXPECT_EQ(parsed_response.status, 404);
    EXPECT_EQ(parsed_response.reason, "Not \xC3\xA9 Found");
    EXPECT_EQ(parsed_response.fields, fields);
}

TEST(MessageWriter, HeaderInjectionThroughAValueIsRefused) {
    for (const std::string_view value :
         {"x\r\nInjected: yes"sv, "x\nInjected: yes"sv, "x\rInjected"sv, "x\0y"sv, "\x01"sv,
          "\x7f"sv, "a\r\n\r\nGET /smuggled HTTP/1.1"sv}) {
        std::string out = "kept";
        EXPECT_THROW(detail::write_request_head(out, "GET", "/", one_field("X-Value", value)),
                     std::invalid_argument)
            << value;
        EXPECT_THROW(detail::write_response_head(out, 200, "OK", one_field("X-Value", value)),
                     std::invalid_argument)
            << value;
        EXPECT_EQ(out, "kept"); // nothing written when anything is invalid
    }
}

TEST(MessageWriter, InvalidHeaderNamesAreRefused) {
    for (const std::string_view name :
         {""sv, "X Name"sv, "X-Name:"sv, "X\r\nInjected"sv, "X\0"sv, "Caf\xC3\xA9"sv, "(x)"sv}) {
        std::string out;
        EXPECT_THROW(detail::write_request_head(out, "GET", "/", one_field(name, "v")),
                     std::invalid_argument)
            << name;
        EXPECT_TRUE(out.empty());
    }
}

TEST(MessageWriter, ValuesWithSurroundingWhitespaceAreRefused) {
    // The parser would strip it, so the value sent would not be the value received.
    for (const std::string_view value : {" x"sv, "x "sv, "\tx"sv, " "sv}) {
        std::string out;
        EXPECT_THROW(detail::write_request_head(out, "GET", "/", one_field("X", value)),
                     std::invalid_argument)
            << value;
    }
}

TEST(MessageWriter, InvalidMethodsAreRefused) {
    for (const std::string_view method : {""sv, "GE T"sv, "GET /evil HTTP/1.1\r\nX:"sv, "G\nT"sv}) {
        std::string out;
        EXPECT_THROW(detail::write_request_head(out, method, "/", {}), std::invalid_argument)
            << method;
        EXPECT_TRUE(out.empty());
    }
}

TEST(MessageWriter, InvalidTargetsAreRefused) {
    for (const std::string_view target :
         {""sv, "/a b"sv, "/\r\nX: y"sv, "/\t"sv, "/\x7f"sv, "/caf\xC3\xA9"sv}) {
        std::string out;
        EXPECT_THROW(detail::write_request_head(out, "GET", target, {}), std::invalid_argument)
            << target;
        EXPECT_TRUE(out.empty());
    }
}

TEST(MessageWriter, InvalidStatusCodesAndReasonsAreRefused) {
    std::string out;
    EXPECT_THROW(detail::write_response_head(out, 99, "", {}), std::invalid_argument);
    EXPECT_THROW(detail::write_response_head(out, 1000, "", {}), std::invalid_argument);
    EXPECT_THROW(detail::write_response_head(out, -200, "", {}), std::invalid_argument);
    EXPECT_THROW(detail::write_response_head(out, 200, "OK\r\nX: y", {}), std::invalid_argument);
    EXPECT_THROW(detail::write_response_head(out, 200, "O\0K"sv, {}), std::invalid_argument);
    EXPECT_TRUE(out.empty());
    detail::write_response_head(out, 100, "", {});
    detail::write_response_head(out, 999, "\tTabbed reason", {});
    EXPECT_EQ(out, "HTTP/1.1 100 \r\n\r\nHTTP/1.1 999 \tTabbed reason\r\n\r\n");
}

TEST(MessageWriter, ErrorMessagesEscapeTheBytesTheyComplainAbout) {
    std::string out;
    try {
        detail::write_request_head(out, "GET", "/", one_field("X\r\nY", "v"));
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& failure) {
        const std::string_view message = failure.what();
        EXPECT_EQ(message.find('\r'), std::string_view::npos);
        EXPECT_NE(message.find("X\\x0D\\x0AY"), std::string_view::npos) << message;
    }
}

TEST(DefaultReason, KnowsTheCommonStatusCodes) {
    EXPECT_EQ(detail::default_reason(100), "Continue");
    EXPECT_EQ(detail::default_reason(200), "OK");
    EXPECT_EQ(detail::default_reason(204), "No Content");
    EXPECT_EQ(detail::default_reason(301), "Moved Permanently");
    EXPECT_EQ(detail::default_reason(304), "Not Modified");
    EXPECT_EQ(detail::default_reason(404), "Not Found");
    EXPECT_EQ(detail::default_reason(413), "Content Too Large");
    EXPECT_EQ(detail::default_reason(500), "Internal Server Error");
    EXPECT_EQ(detail::default_reason(503), "Service Unavailable");
}

TEST(DefaultReason, IsEmptyForUnknownCodes) {
    EXPECT_EQ(detail::default_reason(299), "");
    EXPECT_EQ(detail::default_reason(0), "");
    EXPECT_EQ(detail::default_reason(999), "");
}

} // namespace
