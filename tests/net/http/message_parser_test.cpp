// SPDX-License-Identifier: MIT
#include "http/message_parser.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::string_view_literals;
using corio::http::header_field;
using corio::http::headers;
using corio::http::detail::body_kind;
using corio::http::detail::parse_error;
using corio::http::detail::parse_limits;
using corio::http::detail::parse_result;
using corio::http::detail::parse_status;
using corio::http::detail::request_head;
using corio::http::detail::response_head;
namespace detail = corio::http::detail;

parse_error response_error(std::string_view text, const parse_limits& limits = {}) {
    response_head head;
    const parse_result result = detail::parse_response_head(text, limits, head);
    EXPECT_EQ(result.status == parse_status::error, result.error != parse_error::none);
    return result.status == parse_status::error ? result.error : parse_error::none;
}

parse_error request_error(std::string_view text, const parse_limits& limits = {}) {
    request_head head;
    const parse_result result = detail::parse_request_head(text, limits, head);
    EXPECT_EQ(result.status == parse_status::error, result.error != parse_error::none);
    return result.status == parse_status::error ? result.error : parse_error::none;
}

// Grows the buffer one byte at a time, as the slowest possible peer would send it, and checks
// every call before the last needs more.
template <typename Head, typename Parse>
parse_result feed_bytewise(std::string_view text, Head& head, Parse parse,
                           const parse_limits& limits = {}) {
    for (std::size_t size = 0; size < text.size(); ++size) {
        const parse_result partial = parse(text.substr(0, size), limits, head);
        if (partial.status != parse_status::need_more) {
            return partial;
        }
    }
    return parse(text, limits, head);
}

std::vector<header_field> fields_of(const headers& h) {
    return {h.begin(), h.end()};
}

// The limits the client parses responses with: one line may take the whole head.
parse_limits client_like_limits() {
    parse_limits limits;
    limits.max_head_line_bytes = limits.max_head_bytes;
    return limits;
}

// A head of exactly `size` bytes: a status line, then "X: aaa..." padding, then the blank line.
std::string response_head_of_size(std::size_t size) {
    std::string head = "HTTP/1.1 200 OK\r\nX: ";
    const std::size_t fixed = head.size() + 4; // the padding line's CRLF and the blank line
    head.append(size - fixed, 'a');
    head += "\r\n\r\n";
    return head;
}

std::string response_with_fields(std::size_t count) {
    std::string head = "HTTP/1.1 200 OK\r\n";
    for (std::size_t i = 0; i < count; ++i) {
        head += "X-" + std::to_string(i) + ": v\r\n";
    }
    head += "\r\n";
    return head;
}

// --- response heads -----------------------------------------------------------------------

TEST(ResponseHead, ParsesTheStatusLineAndFieldsAndStopsBeforeTheBody) {
    const std::string_view text =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
    response_head head;
    const parse_result result = detail::parse_response_head(text, {}, head);
    ASSERT_EQ(result.status, parse_status::done);
    EXPECT_EQ(result.consumed, text.size() - 5);
    EXPECT_EQ(head.version_minor, 1);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.reason, "OK");
    const std::vector<header_field> expected{{"Content-Type", "text/plain"},
                                             {"Content-Length", "5"}};
    EXPECT_EQ(fields_of(head.fields), expected);
}

TEST(ResponseHead, AcceptsHttp10) {
    response_head head;
    const std::string_view text = "HTTP/1.0 404 Not Found\r\n\r\n";
    ASSERT_EQ(detail::parse_response_head(text, {}, head).status, parse_status::done);
    EXPECT_EQ(head.version_minor, 0);
    EXPECT_EQ(head.status, 404);
    EXPECT_EQ(head.reason, "Not Found");
}

TEST(ResponseHead, ReasonMayBeEmptyOrMissing) {
    for (const std::string_view text : {"HTTP/1.1 204 \r\n\r\n"sv, "HTTP/1.1 204\r\n\r\n"sv}) {
        response_head head;
        head.reason = "stale";
        ASSERT_EQ(detail::parse_response_head(text, {}, head).status, parse_status::done) << text;
        EXPECT_EQ(head.status, 204);
        EXPECT_EQ(head.reason, "");
    }
}

TEST(ResponseHead, ReasonMayHoldSpacesTabsAndObsText) {
    response_head head;
    const std::string_view text = "HTTP/1.1 200 All \tfine \xE9t\xE9 \r\n\r\n";
    ASSERT_EQ(detail::parse_response_head(text, {}, head).status, parse_status::done);
    EXPECT_EQ(head.reason, "All \tfine \xE9t\xE9 ");
}

TEST(ResponseHead, ReasonWithAControlCharacterIsABadStatusLine) {
    EXPECT_EQ(response_error("HTTP/1.1 200 O\x01K\r\n\r\n"), parse_error::bad_status_line);
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\x7f\r\n\r\n"), parse_error::bad_status_line);
}

TEST(ResponseHead, StatusCodesFrom100To999AreAccepted) {
    for (const std::string_view text : {"HTTP/1.1 100 Continue\r\n\r\n"sv,
                                        "HTTP/1.1 999 X\r\n\r\n"sv, "HTTP/1.1 599\r\n\r\n"sv}) {
        EXPECT_EQ(response_error(text), parse_error::none) << text;
    }
}

TEST(ResponseHead, StatusCodesThatAreNotThreeDigitsFrom100AreRejected) {
    for (const std::string_view text :
         {"HTTP/1.1 20 OK\r\n\r\n"sv, "HTTP/1.1 2000 OK\r\n\r\n"sv, "HTTP/1.1 099 OK\r\n\r\n"sv,
          "HTTP/1.1 000\r\n\r\n"sv, "HTTP/1.1 2x0 OK\r\n\r\n"sv, "HTTP/1.1 200OK\r\n\r\n"sv,
          "HTTP/1.1  200 OK\r\n\r\n"sv, "HTTP/1.1 \r\n\r\n"sv, "HTTP/1.1 -20 OK\r\n\r\n"sv}) {
        EXPECT_EQ(response_error(text), parse_error::bad_status_code) << text;
    }
}

TEST(ResponseHead, VersionsOtherThan10And11AreRejected) {
    for (const std::string_view text :
         {"HTTP/2.0 200 OK\r\n\r\n"sv, "HTTP/1.2 200 OK\r\n\r\n"sv, "HTTP/0.9 200 OK\r\n\r\n"sv,
          "HTTP/2 200 OK\r\n\r\n"sv, "HTTP/1.10 200 OK\r\n\r\n"sv, "HTTP/1 200\r\n\r\n"sv,
          "HTTP/1.x 200 OK\r\n\r\n"sv, "HTTP/ 200 OK\r\n\r\n"sv}) {
        EXPECT_EQ(response_error(text), parse_error::bad_version) << text;
    }
}

TEST(ResponseHead, StartLinesThatAreNotHttpAreRejected) {
    for (const std::string_view text :
         {"ICY 200 OK\r\n\r\n"sv, "http/1.1 200 OK\r\n\r\n"sv, "HTTP/1.1\r\n\r\n"sv,
          "SSH-2.0-OpenSSH_9.0\r\n\r\n"sv, " HTTP/1.1 200 OK\r\n\r\n"sv}) {
        EXPECT_EQ(response_error(text), parse_error::bad_status_line) << text;
    }
}

TEST(ResponseHead, LeadingEmptyLinesAreNotSkipped) {
    EXPECT_EQ(response_error("\r\nHTTP/1.1 200 OK\r\n\r\n"), parse_error::bad_status_line);
    EXPECT_EQ(response_error("\nHTTP/1.1 200 OK\r\n\r\n"), parse_error::bad_status_line);
}

TEST(ResponseHead, NeedsMoreUntilTheBlankLineArrives) {
    const std::string_view text = "HTTP/1.1 200 OK\r\nA: b\r\n\r\n";
    for (std::size_t size = 0; size < text.size(); ++size) {
        response_head head;
        EXPECT_EQ(detail::parse_response_head(text.substr(0, size), {}, head).status,
                  parse_status::need_more)
            << size;
    }
}

TEST(ResponseHead, ByteAtATimeGivesTheSameHeadAsOneRead) {
    const std::string_view text = "HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\n"
                                  "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nbody";
    response_head whole;
    const parse_result at_once = detail::parse_response_head(text, {}, whole);
    response_head pieces;
    const parse_result bytewise = feed_bytewise(text, pieces, detail::parse_response_head);
    ASSERT_EQ(at_once.status, parse_status::done);
    ASSERT_EQ(bytewise.status, parse_status::done);
    EXPECT_EQ(bytewise.consumed, at_once.consumed);
    EXPECT_EQ(bytewise.consumed, text.size() - 4);
    EXPECT_EQ(pieces.status, 301);
    EXPECT_EQ(pieces.reason, "Moved Permanently");
    EXPECT_EQ(pieces.fields, whole.fields);
    EXPECT_EQ(pieces.fields.get_all("set-cookie").size(), 2U);
}

TEST(ResponseHead, ResumesTheSearchWhereThePreviousCallStopped) {
    // A later call must not re-read what an earlier one already searched, or a head trickling in
    // a byte at a time would cost quadratic time.
    const std::string text = "HTTP/1.1 200 OK\r\nX: " + std::string(1000, 'a');
    response_head head;
    ASSERT_EQ(detail::parse_response_head(text, {}, head).status, parse_status::need_more);
    EXPECT_EQ(head.progress.line_start, 17U);
    EXPECT_EQ(head.progress.scanned, text.size());
    EXPECT_EQ(head.status, 200); // complete lines are parsed as they arrive
}

TEST(ResponseHead, A64KiBHeadArrivingAByteAtATimeParses) {
    const parse_limits limits = client_like_limits();
    const std::string text = response_head_of_size(limits.max_head_bytes);
    response_head head;
    const parse_result result = feed_bytewise(text, head, detail::parse_response_head, limits);
    ASSERT_EQ(result.status, parse_status::done);
    EXPECT_EQ(result.consumed, text.size());
}

TEST(ResponseHead, BareLfLineEndingsAreAccepted) {
    response_head head;
    const std::string_view text = "HTTP/1.1 200 OK\nA: 1\r\nB: 2\n\nrest";
    const parse_result result = detail::parse_response_head(text, {}, head);
    ASSERT_EQ(result.status, parse_status::done);
    EXPECT_EQ(result.consumed, text.size() - 4);
    EXPECT_EQ(head.fields.get("A"), "1");
    EXPECT_EQ(head.fields.get("B"), "2");
}

TEST(ResponseHead, ACrNotFollowedByLfIsRejected) {
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\rX: y\r\n\r\n"), parse_error::bare_cr);
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n"), parse_error::bare_cr);
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nA\r: b\r\n\r\n"), parse_error::bare_cr);
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\n\r\r\n"), parse_error::bare_cr);
}

TEST(ResponseHead, NulAnywhereInTheHeadIsRejected) {
    EXPECT_EQ(response_error("HTTP/1.1 200 O\0K\r\n\r\n"sv), parse_error::nul_byte);
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nA\0: b\r\n\r\n"sv), parse_error::nul_byte);
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n"sv), parse_error::nul_byte);
}

TEST(ResponseHead, FieldValuesLoseSurroundingWhitespaceOnly) {
    response_head head;
    const std::string_view text = "HTTP/1.1 200 OK\r\nA: \t b \t c \t\r\nB:\r\nC:   \r\n"
                                  "Host:example.com:80\r\nD: caf\xC3\xA9\r\n\r\n";
    ASSERT_EQ(detail::parse_response_head(text, {}, head).status, parse_status::done);
    EXPECT_EQ(head.fields.get("A"), "b \t c");
    EXPECT_EQ(head.fields.get("B"), "");
    EXPECT_EQ(head.fields.get("C"), "");
    EXPECT_EQ(head.fields.get("Host"), "example.com:80");
    EXPECT_EQ(head.fields.get("D"), "caf\xC3\xA9");
}

TEST(ResponseHead, FieldValuesWithControlCharactersAreRejected) {
    for (const std::string_view value : {"a\x01"sv, "\x1b[31m"sv, "a\x7f"sv, "a\x0b"sv, "\x0c"sv}) {
        const std::string text = "HTTP/1.1 200 OK\r\nA: " + std::string(value) + "\r\n\r\n";
        EXPECT_EQ(response_error(text), parse_error::bad_header_value) << value;
    }
}

TEST(ResponseHead, FieldNamesMustBeTokensFollowedByAColon) {
    for (const std::string_view line :
         {"No colon"sv, "NoColon"sv, ": value"sv, "Fo(o: x"sv, "Foo bar: x"sv, "Caf\xC3\xA9: x"sv,
          "{}: x"sv, "\"A\": x"sv}) {
        const std::string text = "HTTP/1.1 200 OK\r\n" + std::string(line) + "\r\n\r\n";
        EXPECT_EQ(response_error(text), parse_error::bad_header_name) << line;
    }
}

TEST(ResponseHead, FieldNamesMayUseEveryTokenCharacter) {
    response_head head;
    const std::string_view text = "HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n";
    ASSERT_EQ(detail::parse_response_head(text, {}, head).status, parse_status::done);
    EXPECT_EQ(head.fields.get("!#$%&'*+-.^_`|~09azaz"), "v");
}

TEST(ResponseHead, WhitespaceBetweenAFieldNameAndItsColonIsRejected) {
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n"),
              parse_error::whitespace_before_colon);
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nContent-Length\t: 5\r\n\r\n"),
              parse_error::whitespace_before_colon);
}

TEST(ResponseHead, ObsoleteLineFoldingIsRejected) {
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n"),
              parse_error::obsolete_line_folding);
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nA: b\r\n\tc\r\n\r\n"),
              parse_error::obsolete_line_folding);
    // Whitespace between the start line and the first field (RFC 9112 §2.2) is folded too.
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\n A: b\r\n\r\n"),
              parse_error::obsolete_line_folding);
}

TEST(ResponseHead, AHeadOfExactlyTheLimitIsAccepted) {
    parse_limits limits;
    limits.max_head_bytes = 200;
    const std::string text = response_head_of_size(200) + "body";
    response_head head;
    const parse_result result = detail::parse_response_head(text, limits, head);
    ASSERT_EQ(result.status, parse_status::done);
    EXPECT_EQ(result.consumed, 200U);
}

TEST(ResponseHead, AHeadOneByteOverTheLimitIsTooLarge) {
    parse_limits limits;
    limits.max_head_bytes = 200;
    const std::string text = response_head_of_size(201);
    EXPECT_EQ(response_error(text, limits), parse_error::head_too_large);
    EXPECT_EQ(response_error(text + "more bytes", limits), parse_error::head_too_large);
}

TEST(ResponseHead, AnUnfinishedHeadIsTooLargeAsSoonAsItReachesTheLimit) {
    parse_limits limits;
    limits.max_head_bytes = 200;
    const std::string text = response_head_of_size(201);
    response_head head;
    for (std::size_t size = 0; size < 200; ++size) {
        ASSERT_EQ(detail::parse_response_head(std::string_view(text).substr(0, size), limits, head)
                      .status,
                  parse_status::need_more)
            << size;
    }
    const parse_result at_limit =
        detail::parse_response_head(std::string_view(text).substr(0, 200), limits, head);
    EXPECT_EQ(at_limit.status, parse_status::error);
    EXPECT_EQ(at_limit.error, parse_error::head_too_large);
}

TEST(ResponseHead, AHugeBufferWithoutALineEndIsTooLargeAtOnce) {
    const std::string text = "HTTP/1.1 200 OK\r\nX: " + std::string(1 << 20, 'a');
    EXPECT_EQ(response_error(text, client_like_limits()), parse_error::head_too_large);
}

// max_head_line_bytes bounds every line of a head, without its CRLF, before the line has ended.
TEST(ResponseHead, ALineOverTheLineLimitIsTooLongEvenBeforeItEnds) {
    parse_limits limits;
    limits.max_head_line_bytes = 20;
    const std::string at_limit = "X: " + std::string(17, 'a'); // 20 bytes
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\n" + at_limit + "\r\n\r\n", limits),
              parse_error::none);
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\n" + at_limit + "a\r\n\r\n", limits),
              parse_error::line_too_long);
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\n" + at_limit + "a\n\n", limits),
              parse_error::line_too_long);
    // Unfinished: 20 bytes and a CR may still end well; a 21st byte may not.
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\n" + at_limit + "\r", limits), parse_error::none);
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\n" + at_limit + "a", limits),
              parse_error::line_too_long);
    // The status line too.
    EXPECT_EQ(response_error("HTTP/1.1 200 " + std::string(8, 'k') + "\r\n\r\n", limits),
              parse_error::line_too_long);
    response_head head;
    const std::string long_line = "HTTP/1.1 200 OK\r\n" + at_limit + "aaaa\r\n\r\n";
    EXPECT_EQ(feed_bytewise(long_line, head, detail::parse_response_head, limits).error,
              parse_error::line_too_long);
}

TEST(ResponseHead, ExactlyTheMaximumNumberOfFieldsIsAccepted) {
    parse_limits limits;
    limits.max_header_count = 5;
    EXPECT_EQ(response_error(response_with_fields(5), limits), parse_error::none);
    EXPECT_EQ(response_error(response_with_fields(100)), parse_error::none);
}

TEST(ResponseHead, OneFieldOverTheMaximumIsTooMany) {
    parse_limits limits;
    limits.max_header_count = 5;
    EXPECT_EQ(response_error(response_with_fields(6), limits), parse_error::too_many_headers);
    EXPECT_EQ(response_error(response_with_fields(101)), parse_error::too_many_headers);
}

TEST(ResponseHead, PipelinedResponsesParseOneAfterAnother) {
    const std::string_view first = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nA: 1\r\n\r\n";
    const std::string_view second = "HTTP/1.1 404 Not Found\r\nB: 2\r\n\r\n";
    const std::string stream = std::string(first) + "hi" + std::string(second);
    response_head head;
    const parse_result one = detail::parse_response_head(stream, {}, head);
    ASSERT_EQ(one.status, parse_status::done);
    EXPECT_EQ(one.consumed, first.size());
    EXPECT_EQ(head.status, 200);
    const std::string_view rest = std::string_view(stream).substr(one.consumed + 2);
    const parse_result two = detail::parse_response_head(rest, {}, head);
    ASSERT_EQ(two.status, parse_status::done);
    EXPECT_EQ(two.consumed, second.size());
    EXPECT_EQ(head.status, 404);
    EXPECT_EQ(head.reason, "Not Found");
    const std::vector<header_field> expected{{"B", "2"}};
    EXPECT_EQ(fields_of(head.fields), expected); // nothing left over from the first
}

TEST(ResponseHead, AHeadObjectIsReusableAfterAnError) {
    response_head head;
    ASSERT_EQ(
        detail::parse_response_head("HTTP/1.1 200 OK\r\nA: 1\r\nbad\r\n\r\n", {}, head).status,
        parse_status::error);
    ASSERT_EQ(detail::parse_response_head("HTTP/1.1 204 No Content\r\n\r\n", {}, head).status,
              parse_status::done);
    EXPECT_EQ(head.status, 204);
    EXPECT_TRUE(head.fields.empty());
}

// --- request heads ------------------------------------------------------------------------

TEST(RequestHead, ParsesTheRequestLineAndFields) {
    const std::string_view text = "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n";
    request_head head;
    const parse_result result = detail::parse_request_head(text, {}, head);
    ASSERT_EQ(result.status, parse_status::done);
    EXPECT_EQ(result.consumed, text.size());
    EXPECT_EQ(head.method, "GET");
    EXPECT_EQ(head.target, "/index.html?q=1");
    EXPECT_EQ(head.version_minor, 1);
    EXPECT_EQ(head.fields.get("host"), "example.com");
}

TEST(RequestHead, AcceptsEveryRequestTargetForm) {
    for (const std::string_view target :
         {"/"sv, "*"sv, "http://example.com/x?y"sv, "example.com:443"sv, "/a%20b;c=d"sv}) {
        request_head head;
        const std::string text = "OPTIONS " + std::string(target) + " HTTP/1.0\r\n\r\n";
        ASSERT_EQ(detail::parse_request_head(text, {}, head).status, parse_status::done) << target;
        EXPECT_EQ(head.target, target);
        EXPECT_EQ(head.version_minor, 0);
    }
}

TEST(RequestHead, MethodsAreCaseSensitiveTokens) {
    request_head head;
    ASSERT_EQ(detail::parse_request_head("get / HTTP/1.1\r\n\r\n", {}, head).status,
              parse_status::done);
    EXPECT_EQ(head.method, "get");
    ASSERT_EQ(detail::parse_request_head("M-SEARCH * HTTP/1.1\r\n\r\n", {}, head).status,
              parse_status::done);
    EXPECT_EQ(head.method, "M-SEARCH");
}

TEST(RequestHead, LeadingEmptyLinesAreSkipped) {
    const std::string_view text = "\r\n\n\r\nGET / HTTP/1.1\r\nA: b\r\n\r\n";
    request_head head;
    const parse_result result = feed_bytewise(text, head, detail::parse_request_head);
    ASSERT_EQ(result.status, parse_status::done);
    EXPECT_EQ(result.consumed, text.size());
    EXPECT_EQ(head.method, "GET");
    EXPECT_EQ(head.fields.get("A"), "b");
}

TEST(RequestHead, RequestLinesWithoutThreePartsAreRejected) {
    for (const std::string_view text :
         {"GET\r\n\r\n"sv, "GET /\r\n\r\n"sv, "GET / HTTP/1.1 x\r\n\r\n"sv,
          "GET / http/1.1\r\n\r\n"sv, "GET\t/\tHTTP/1.1\r\n\r\n"sv}) {
        EXPECT_EQ(request_error(text), parse_error::bad_request_line) << text;
    }
}

TEST(RequestHead, MethodsThatAreNotTokensAreRejected) {
    for (const std::string_view text :
         {" / HTTP/1.1\r\n\r\n"sv, "G(T / HTTP/1.1\r\n\r\n"sv, "G\xC3\x89T / HTTP/1.1\r\n\r\n"sv}) {
        EXPECT_EQ(request_error(text), parse_error::bad_method) << text;
    }
}

TEST(RequestHead, TargetsWithWhitespaceOrControlCharactersAreRejected) {
    for (const std::string_view text :
         {"GET /a b HTTP/1.1\r\n\r\n"sv, "GET  / HTTP/1.1\r\n\r\n"sv, "GET  HTTP/1.1\r\n\r\n"sv,
          "GET /\x01 HTTP/1.1\r\n\r\n"sv, "GET /\t HTTP/1.1\r\n\r\n"sv,
          "GET /\x7f HTTP/1.1\r\n\r\n"sv, "GET /caf\xC3\xA9 HTTP/1.1\r\n\r\n"sv}) {
        EXPECT_EQ(request_error(text), parse_error::bad_target) << text;
    }
}

TEST(RequestHead, VersionsOtherThan10And11AreRejected) {
    for (const std::string_view text : {"GET / HTTP/2.0\r\n\r\n"sv, "GET / HTTP/1.2\r\n\r\n"sv,
                                        "GET / HTTP/1.1x\r\n\r\n"sv, "GET / HTTP/\r\n\r\n"sv}) {
        EXPECT_EQ(request_error(text), parse_error::bad_version) << text;
    }
}

TEST(RequestHead, FieldRulesMatchResponses) {
    EXPECT_EQ(request_error("GET / HTTP/1.1\r\nHost : h\r\n\r\n"),
              parse_error::whitespace_before_colon);
    EXPECT_EQ(request_error("GET / HTTP/1.1\r\nA: b\r\n  c\r\n\r\n"),
              parse_error::obsolete_line_folding);
    EXPECT_EQ(request_error("GET / HTTP/1.1\r\nA: \x01\r\n\r\n"), parse_error::bad_header_value);
    EXPECT_EQ(request_error("GET / HTTP/1.1\r\nA:\0\r\n\r\n"sv), parse_error::nul_byte);
    EXPECT_EQ(request_error("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n"), parse_error::bare_cr);
    parse_limits limits;
    limits.max_header_count = 1;
    EXPECT_EQ(request_error("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", limits),
              parse_error::too_many_headers);
    limits.max_head_bytes = 20;
    EXPECT_EQ(request_error("GET / HTTP/1.1\r\nA: 1\r\n\r\n", limits), parse_error::head_too_large);
}

// RFC 9112 §3: a server answers a request-target longer than it accepts with 414, so a request
// line over the limit has an error of its own; a field line over it is line_too_long (431).
TEST(RequestHead, ARequestLineOverTheLineLimitIsRequestLineTooLong) {
    parse_limits limits;
    limits.max_head_line_bytes = 32;
    const std::string at_limit = "GET /" + std::string(18, 'a') + " HTTP/1.1"; // 32 bytes
    EXPECT_EQ(request_error(at_limit + "\r\nHost: h\r\n\r\n", limits), parse_error::none);
    const std::string over = "GET /" + std::string(19, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n";
    EXPECT_EQ(request_error(over, limits), parse_error::request_line_too_long);
    // Found before the line ends, whether it came in one piece or byte by byte.
    EXPECT_EQ(request_error("GET /" + std::string(100, 'a'), limits),
              parse_error::request_line_too_long);
    request_head head;
    EXPECT_EQ(feed_bytewise(over, head, detail::parse_request_head, limits).error,
              parse_error::request_line_too_long);
    EXPECT_EQ(request_error("GET / HTTP/1.1\r\nX: " + std::string(30, 'v') + "\r\n\r\n", limits),
              parse_error::line_too_long);
    // The default is 8 KiB.
    EXPECT_EQ(request_error("GET /" + std::string(8 * 1024, 'a') + " HTTP/1.1\r\n\r\n"),
              parse_error::request_line_too_long);
    EXPECT_EQ(request_error("GET / HTTP/1.1\r\nX: " + std::string(8 * 1024, 'v') + "\r\n\r\n"),
              parse_error::line_too_long);
}

// So that a server can answer a malformed HEAD request without a body (RFC 9110 §9.3.2).
TEST(RequestHead, TheMethodIsKnownOnceItHasArrivedEvenIfTheHeadFailsLater) {
    parse_limits limits;
    limits.max_head_line_bytes = 32;
    for (const std::string& text :
         {std::string("HEAD / HTTP/1.1\r\nHost: a\x01\r\n\r\n"),
          std::string("HEAD /a b HTTP/1.1\r\n\r\n"), std::string("HEAD / HTTP/3.0\r\n\r\n"),
          "HEAD /" + std::string(100, 'a'), "HEAD / HTTP/1.1\r\nX: " + std::string(40, 'v')}) {
        request_head head;
        const parse_result result = detail::parse_request_head(text, limits, head);
        EXPECT_EQ(result.status, parse_status::error) << text;
        EXPECT_EQ(head.method, "HEAD") << text;
    }
    request_head head;
    EXPECT_EQ(detail::parse_request_head(std::string(100, 'H'), limits, head).status,
              parse_status::error);
    EXPECT_EQ(head.method, "") << "no SP yet, so no method";
}

TEST(RequestHead, LeadingEmptyLinesCountTowardsTheLimit) {
    parse_limits limits;
    limits.max_head_bytes = 64;
    const std::string text = std::string(60, '\n') + "GET / HTTP/1.1\r\n\r\n";
    EXPECT_EQ(request_error(text, limits), parse_error::head_too_large);
}

TEST(RequestHead, PipelinedRequestsParseOneAfterAnotherEvenByteAtATime) {
    const std::string_view first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
    const std::string_view second = "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n";
    const std::string stream = std::string(first) + std::string(second);
    request_head head;
    const parse_result one = feed_bytewise(stream, head, detail::parse_request_head);
    ASSERT_EQ(one.status, parse_status::done);
    EXPECT_EQ(one.consumed, first.size());
    EXPECT_EQ(head.target, "/a");
    const parse_result two = feed_bytewise(std::string_view(stream).substr(one.consumed), head,
                                           detail::parse_request_head);
    ASSERT_EQ(two.status, parse_status::done);
    EXPECT_EQ(two.consumed, second.size());
    EXPECT_EQ(head.method, "POST");
    EXPECT_EQ(head.target, "/b");
    EXPECT_EQ(head.fields.size(), 2U);
}

// --- body framing -------------------------------------------------------------------------

headers fields(std::initializer_list<header_field> list) {
    headers h;
    for (const header_field& field : list) {
        h.add(field.name, field.value);
    }
    return h;
}

TEST(ResponseFraming, ContentLengthGivesTheBodySize) {
    const auto result = detail::response_framing("GET", 200, fields({{"Content-Length", "42"}}));
    EXPECT_EQ(result.error, parse_error::none);
    EXPECT_EQ(result.framing.kind, body_kind::content_length);
    EXPECT_EQ(result.framing.length, 42U);
}

TEST(ResponseFraming, AZeroContentLengthIsAnEmptyBody) {
    const auto result = detail::response_framing("GET", 200, fields({{"content-length", "0"}}));
    EXPECT_EQ(result.framing.kind, body_kind::content_length);
    EXPECT_EQ(result.framing.length, 0U);
}

TEST(ResponseFraming, TheLargestContentLengthFitsAndOneMoreOverflows) {
    const auto largest =
        detail::response_framing("GET", 200, fields({{"Content-Length", "18446744073709551615"}}));
    EXPECT_EQ(largest.framing.length, 18446744073709551615ULL);
    EXPECT_EQ(
        detail::response_framing("GET", 200, fields({{"Content-Length", "18446744073709551616"}}))
            .error,
        parse_error::bad_content_length);
    EXPECT_EQ(detail::response_framing("GET", 200,
                                       fields({{"Content-Length", "99999999999999999999999999"}}))
                  .error,
              parse_error::bad_content_length);
}

TEST(ResponseFraming, ChunkedTransferEncodingIsRecognisedInAnyCase) {
    for (const std::string_view value : {"chunked"sv, "Chunked"sv, "CHUNKED"sv, " chunked\t"sv}) {
        const auto result = detail::response_framing(
            "GET", 200, fields({{"Transfer-Encoding", std::string(value)}}));
        EXPECT_EQ(result.error, parse_error::none) << value;
        EXPECT_EQ(result.framing.kind, body_kind::chunked) << value;
    }
}

TEST(ResponseFraming, WithoutLengthOrChunkingTheBodyRunsUntilClose) {
    EXPECT_EQ(detail::response_framing("GET", 200, {}).framing.kind, body_kind::until_close);
    EXPECT_EQ(detail::response_framing("POST", 500, fields({{"A", "b"}})).framing.kind,
              body_kind::until_close);
}

TEST(ResponseFraming, ResponsesToHeadHaveNoBody) {
    const auto result = detail::response_framing(
        "HEAD", 200, fields({{"Content-Length", "1000"}, {"Content-Type", "text/html"}}));
    EXPECT_EQ(result.error, parse_error::none);
    EXPECT_EQ(result.framing.kind, body_kind::none);
    EXPECT_EQ(detail::response_framing("HEAD", 200, fields({{"Transfer-Encoding", "chunked"}}))
                  .framing.kind,
              body_kind::none);
}

TEST(ResponseFraming, MethodNamesAreCaseSensitive) {
    // "head" is not HEAD (RFC 9110 §9.1), so this response does have a body.
    EXPECT_EQ(detail::response_framing("head", 200, fields({{"Content-Length", "3"}})).framing.kind,
              body_kind::content_length);
}

TEST(ResponseFraming, InformationalNoContentAndNotModifiedHaveNoBody) {
    for (const int status : {100, 101, 103, 199, 204, 304}) {
        const auto result =
            detail::response_framing("GET", status, fields({{"Content-Length", "10"}}));
        EXPECT_EQ(result.framing.kind, body_kind::none) << status;
        EXPECT_EQ(result.error, parse_error::none) << status;
    }
    EXPECT_EQ(detail::response_framing("GET", 205, fields({{"Content-Length", "0"}})).framing.kind,
              body_kind::content_length);
    EXPECT_EQ(detail::response_framing("GET", 200, fields({{"Content-Length", "10"}})).framing.kind,
              body_kind::content_length);
}

TEST(ResponseFraming, SuccessfulConnectBecomesATunnelWithoutABody) {
    const headers sized = fields({{"Content-Length", "5"}});
    EXPECT_EQ(detail::response_framing("CONNECT", 200, sized).framing.kind, body_kind::none);
    EXPECT_EQ(detail::response_framing("CONNECT", 299, sized).framing.kind, body_kind::none);
    EXPECT_EQ(detail::response_framing("CONNECT", 302, sized).framing.kind,
              body_kind::content_length);
    EXPECT_EQ(detail::response_framing("CONNECT", 407, sized).framing.kind,
              body_kind::content_length);
}

TEST(ResponseFraming, ContentLengthWithTransferEncodingIsRejected) {
    const auto both = fields({{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}});
    EXPECT_EQ(detail::response_framing("GET", 200, both).error,
              parse_error::content_length_with_transfer_encoding);
    EXPECT_EQ(detail::request_framing(both).error,
              parse_error::content_length_with_transfer_encoding);
}

TEST(ResponseFraming, TransferCodingsOtherThanALoneChunkedAreRejected) {
    for (const std::string_view value :
         {"gzip"sv, "gzip, chunked"sv, "chunked, chunked"sv, "chunked, gzip"sv, ""sv, "identity"sv,
          "chunked;q=1"sv, "chunk"sv, ","sv}) {
        const auto result = detail::response_framing(
            "GET", 200, fields({{"Transfer-Encoding", std::string(value)}}));
        EXPECT_EQ(result.error, parse_error::unsupported_transfer_coding) << value;
        EXPECT_EQ(
            detail::request_framing(fields({{"Transfer-Encoding", std::string(value)}})).error,
            parse_error::unsupported_transfer_coding)
            << value;
    }
    EXPECT_EQ(detail::response_framing(
                  "GET", 200,
                  fields({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}))
                  .error,
              parse_error::unsupported_transfer_coding);
}

// RFC 9110 §5.6.1.2: empty list elements are ignored, on either side; a list of nothing but
// empty elements frames nothing and stays an error.
TEST(ResponseFraming, EmptyTransferCodingListElementsAreIgnored) {
    for (const std::string_view value :
         {", chunked"sv, "chunked, "sv, " , ,chunked,\t,"sv, ",CHUNKED"sv}) {
        const auto result = detail::response_framing(
            "GET", 200, fields({{"Transfer-Encoding", std::string(value)}}));
        EXPECT_EQ(result.error, parse_error::none) << value;
        EXPECT_EQ(result.framing.kind, body_kind::chunked) << value;
        EXPECT_EQ(detail::request_framing(fields({{"Transfer-Encoding", std::string(value)}}))
                      .framing.kind,
                  body_kind::chunked)
            << value;
    }
    EXPECT_EQ(detail::request_framing(
                  fields({{"Transfer-Encoding", ", "}, {"Transfer-Encoding", "chunked"}}))
                  .framing.kind,
              body_kind::chunked);
    for (const std::string_view value :
         {","sv, " , , "sv, ", gzip, chunked"sv, "chunked,,chunked"sv}) {
        EXPECT_EQ(
            detail::request_framing(fields({{"Transfer-Encoding", std::string(value)}})).error,
            parse_error::unsupported_transfer_coding)
            << value;
    }
    // Still refused next to a Content-Length, whatever the list holds.
    EXPECT_EQ(detail::request_framing(fields({{"Transfer-Encoding", ","}, {"Content-Length", "5"}}))
                  .error,
              parse_error::content_length_with_transfer_encoding);
}

TEST(ResponseFraming, IdenticalRepeatedContentLengthsAreAccepted) {
    for (const auto& list : {fields({{"Content-Length", "5"}, {"Content-Length", "5"}}),
                             fields({{"Content-Length", "5, 5"}}),
                             fields({{"Content-Length", "5,5"}, {"content-length", " 5 "}})}) {
        const auto result = detail::response_framing("GET", 200, list);
        EXPECT_EQ(result.error, parse_error::none);
        EXPECT_EQ(result.framing.kind, body_kind::content_length);
        EXPECT_EQ(result.framing.length, 5U);
    }
}

TEST(ResponseFraming, DifferingContentLengthsConflict) {
    for (const auto& list : {fields({{"Content-Length", "5"}, {"Content-Length", "6"}}),
                             fields({{"Content-Length", "5, 6"}}),
                             fields({{"Content-Length", "5"}, {"Content-Length", "05"}})}) {
        EXPECT_EQ(detail::response_framing("GET", 200, list).error,
                  parse_error::conflicting_content_length);
        EXPECT_EQ(detail::request_framing(list).error, parse_error::conflicting_content_length);
    }
}

TEST(ResponseFraming, ContentLengthsThatAreNotDigitsAreRejected) {
    for (const std::string_view value : {""sv, "abc"sv, "-1"sv, "+5"sv, "5 5"sv, "0x10"sv, "5,"sv,
                                         "5,,5"sv, "1e3"sv, "5;"sv, "\xD9\xA5"sv}) {
        EXPECT_EQ(
            detail::response_framing("GET", 200, fields({{"Content-Length", std::string(value)}}))
                .error,
            parse_error::bad_content_length)
            << value;
    }
}

TEST(RequestFraming, RequestsWithoutLengthOrChunkingHaveNoBody) {
    EXPECT_EQ(detail::request_framing({}).framing.kind, body_kind::none);
    EXPECT_EQ(detail::request_framing(fields({{"Host", "h"}})).framing.kind, body_kind::none);
}

TEST(RequestFraming, RequestsMayBeChunkedOrSized) {
    EXPECT_EQ(detail::request_framing(fields({{"Transfer-Encoding", "chunked"}})).framing.kind,
              body_kind::chunked);
    const auto sized = detail::request_framing(fields({{"Content-Length", "12"}}));
    EXPECT_EQ(sized.framing.kind, body_kind::content_length);
    EXPECT_EQ(sized.framing.length, 12U);
    EXPECT_EQ(detail::request_framing(fields({{"Content-Length", "x"}})).error,
              parse_error::bad_content_length);
}

TEST(KeepsAlive, Http11PersistsUnlessTheConnectionIsClosed) {
    EXPECT_TRUE(detail::keeps_alive(1, {}));
    EXPECT_TRUE(detail::keeps_alive(1, fields({{"Connection", "keep-alive"}})));
    EXPECT_FALSE(detail::keeps_alive(1, fields({{"Connection", "close"}})));
    EXPECT_FALSE(detail::keeps_alive(1, fields({{"Connection", "Upgrade, CLOSE"}})));
    EXPECT_FALSE(
        detail::keeps_alive(1, fields({{"Connection", "upgrade"}, {"connection", "close"}})));
    EXPECT_TRUE(detail::keeps_alive(1, fields({{"Connection", "closed"}})));
    EXPECT_FALSE(detail::keeps_alive(1, fields({{"Connection", ", close"}})));
    EXPECT_FALSE(detail::keeps_alive(1, fields({{"Connection", "close, "}})));
    EXPECT_TRUE(detail::keeps_alive(0, fields({{"Connection", " ,keep-alive,"}})));
    EXPECT_TRUE(detail::keeps_alive(1, fields({{"Connection", ","}})));
}

TEST(KeepsAlive, Http10ClosesUnlessAskedToKeepAlive) {
    EXPECT_FALSE(detail::keeps_alive(0, {}));
    EXPECT_TRUE(detail::keeps_alive(0, fields({{"Connection", "Keep-Alive"}})));
    EXPECT_FALSE(detail::keeps_alive(0, fields({{"Connection", "keep-alive, close"}})));
}

// --- errors -------------------------------------------------------------------------------

TEST(ParseError, EveryErrorHasItsOwnDescription) {
    std::set<std::string_view> seen;
    const auto last = static_cast<int>(parse_error::chunk_extensions_too_large);
    for (int i = 0; i <= last; ++i) {
        const std::string_view text = detail::describe(static_cast<parse_error>(i));
        EXPECT_FALSE(text.empty()) << i;
        EXPECT_NE(text, "unknown parse error") << i;
        EXPECT_TRUE(seen.insert(text).second) << "duplicate description: " << text;
    }
    EXPECT_EQ(detail::describe(parse_error::obsolete_line_folding),
              "field line starts with whitespace (obsolete line folding, RFC 9112 §5.2)");
}

TEST(ParseError, OnlyTheLimitErrorsAreSizeLimits) {
    const auto last = static_cast<int>(parse_error::chunk_extensions_too_large);
    std::set<parse_error> limits;
    for (int i = 0; i <= last; ++i) {
        if (detail::is_size_limit(static_cast<parse_error>(i))) {
            limits.insert(static_cast<parse_error>(i));
        }
    }
    const std::set<parse_error> expected{
        parse_error::head_too_large, parse_error::too_many_headers, parse_error::line_too_long,
        parse_error::request_line_too_long, parse_error::chunk_extensions_too_large};
    EXPECT_EQ(limits, expected);
}

} // namespace
