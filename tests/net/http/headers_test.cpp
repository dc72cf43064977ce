// SPDX-License-Identifier: MIT
#include <corio/http/headers.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using corio::http::header_field;
using corio::http::headers;

std::vector<header_field> fields_of(const headers& h) {
    return {h.begin(), h.end()};
}

TEST(Headers, StartsEmpty) {
    const headers h;
    EXPECT_TRUE(h.empty());
    EXPECT_EQ(h.size(), 0U);
    EXPECT_EQ(h.begin(), h.end());
}

TEST(Headers, AddKeepsInsertionOrderAndDuplicates) {
    headers h;
    h.add("Host", "example.com");
    h.add("Set-Cookie", "a=1");
    h.add("Accept", "*/*");
    h.add("set-cookie", "b=2");
    const std::vector<header_field> expected{
        {"Host", "example.com"}, {"Set-Cookie", "a=1"}, {"Accept", "*/*"}, {"set-cookie", "b=2"}};
    EXPECT_EQ(fields_of(h), expected);
    EXPECT_EQ(h.size(), 4U);
    EXPECT_FALSE(h.empty());
}

TEST(Headers, GetIsCaseInsensitiveAndReturnsTheFirstValue) {
    headers h;
    h.add("Content-Type", "text/plain");
    h.add("CONTENT-TYPE", "text/html");
    EXPECT_EQ(h.get("content-type"), "text/plain");
    EXPECT_EQ(h.get("Content-Type"), "text/plain");
    EXPECT_EQ(h.get("cOnTeNt-TyPe"), "text/plain");
}

TEST(Headers, GetReturnsNothingForAMissingName) {
    headers h;
    h.add("Content-Type", "text/plain");
    EXPECT_EQ(h.get("Content-Length"), std::nullopt);
    EXPECT_EQ(h.get("Content-Typ"), std::nullopt);
}

TEST(Headers, GetDistinguishesAnEmptyValueFromAMissingField) {
    headers h;
    h.add("X-Empty", "");
    ASSERT_TRUE(h.get("x-empty").has_value());
    EXPECT_EQ(*h.get("x-empty"), "");
}

TEST(Headers, GetAllReturnsEveryValueInOrder) {
    headers h;
    h.add("Set-Cookie", "a=1");
    h.add("Date", "today");
    h.add("set-cookie", "b=2");
    h.add("SET-COOKIE", "c=3");
    const std::vector<std::string_view> expected{"a=1", "b=2", "c=3"};
    EXPECT_EQ(h.get_all("Set-Cookie"), expected);
    EXPECT_TRUE(h.get_all("Missing").empty());
}

TEST(Headers, SetReplacesEveryValueWithOneAtTheFirstPosition) {
    headers h;
    h.add("A", "1");
    h.add("Accept", "text/html");
    h.add("B", "2");
    h.add("accept", "text/plain");
    h.set("ACCEPT", "*/*");
    const std::vector<header_field> expected{{"A", "1"}, {"Accept", "*/*"}, {"B", "2"}};
    EXPECT_EQ(fields_of(h), expected);
}

TEST(Headers, SetAppendsWhenTheNameIsAbsent) {
    headers h;
    h.add("A", "1");
    h.set("B", "2");
    const std::vector<header_field> expected{{"A", "1"}, {"B", "2"}};
    EXPECT_EQ(fields_of(h), expected);
}

TEST(Headers, ContainsIsCaseInsensitive) {
    headers h;
    h.add("Transfer-Encoding", "chunked");
    EXPECT_TRUE(h.contains("transfer-encoding"));
    EXPECT_FALSE(h.contains("Content-Length"));
}

TEST(Headers, EraseRemovesEveryMatchingFieldAndCountsThem) {
    headers h;
    h.add("Via", "a");
    h.add("Host", "h");
    h.add("VIA", "b");
    EXPECT_EQ(h.erase("via"), 2U);
    const std::vector<header_field> expected{{"Host", "h"}};
    EXPECT_EQ(fields_of(h), expected);
    EXPECT_EQ(h.erase("via"), 0U);
}

TEST(Headers, ClearRemovesEverything) {
    headers h;
    h.add("A", "1");
    h.add("B", "2");
    h.clear();
    EXPECT_TRUE(h.empty());
    EXPECT_FALSE(h.contains("A"));
}

TEST(Headers, HasTokenFindsAnElementOfACommaSeparatedList) {
    headers h;
    h.add("Connection", "keep-alive, Upgrade");
    EXPECT_TRUE(h.has_token("connection", "upgrade"));
    EXPECT_TRUE(h.has_token("Connection", "KEEP-ALIVE"));
    EXPECT_FALSE(h.has_token("Connection", "close"));
}

TEST(Headers, HasTokenIgnoresOptionalWhitespaceAndEmptyElements) {
    headers h;
    h.add("Connection", " ,\tclose \t, ,");
    EXPECT_TRUE(h.has_token("Connection", "close"));
    EXPECT_FALSE(h.has_token("Connection", ""));
}

TEST(Headers, HasTokenMatchesWholeElementsOnly) {
    headers h;
    h.add("Connection", "closed, keep-alive-ish, x close");
    EXPECT_FALSE(h.has_token("Connection", "close"));
    EXPECT_FALSE(h.has_token("Connection", "keep-alive"));
}

TEST(Headers, HasTokenSearchesEveryFieldWithTheName) {
    headers h;
    h.add("Connection", "keep-alive");
    h.add("Other", "close");
    h.add("connection", "close");
    EXPECT_TRUE(h.has_token("Connection", "close"));
    EXPECT_FALSE(h.has_token("Connection", "upgrade"));
}

TEST(Headers, CompareEqualWithTheSameFieldsInTheSameOrder) {
    headers a;
    a.add("A", "1");
    a.add("B", "2");
    headers b;
    b.add("A", "1");
    b.add("B", "2");
    headers reordered;
    reordered.add("B", "2");
    reordered.add("A", "1");
    EXPECT_EQ(a, b);
    EXPECT_NE(a, reordered);
}

TEST(Iequals, ComparesAsciiLettersCaseInsensitively) {
    using corio::http::detail::iequals;
    EXPECT_TRUE(iequals("Content-Length", "content-length"));
    EXPECT_TRUE(iequals("", ""));
    EXPECT_FALSE(iequals("abc", "abd"));
    EXPECT_FALSE(iequals("abc", "ab"));
    // Only A-Z fold; '@' (0x40) and '`' (0x60) differ by the case bit but are not letters.
    EXPECT_FALSE(iequals("@", "`"));
    EXPECT_FALSE(iequals("[", "{"));
    EXPECT_FALSE(iequals("\xC4", "\xE4"));
}

} // namespace
