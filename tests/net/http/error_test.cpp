// SPDX-License-Identifier: MIT
#include <corio/http/error.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <type_traits>

namespace {

namespace http = corio::http;

TEST(HttpError, KindNamesAreStable) {
    EXPECT_EQ(http::to_string(http::error_kind::resolve), "resolve");
    EXPECT_EQ(http::to_string(http::error_kind::connect), "connect");
    EXPECT_EQ(http::to_string(http::error_kind::timeout), "timeout");
    EXPECT_EQ(http::to_string(http::error_kind::protocol), "protocol");
    EXPECT_EQ(http::to_string(http::error_kind::too_large), "too-large");
    EXPECT_EQ(http::to_string(http::error_kind::redirect), "redirect");
    EXPECT_EQ(http::to_string(http::error_kind::closed), "closed");
    EXPECT_EQ(http::to_string(http::error_kind::tls), "tls");
    EXPECT_EQ(http::to_string(http::error_kind::usage), "usage");
}

TEST(HttpError, WhatIsTheMessageAloneAndUrlIsSeparate) {
    const http::protocol_error failure("http://example.com/", "bad chunk");
    EXPECT_STREQ(failure.what(), "bad chunk");
    EXPECT_EQ(failure.url(), "http://example.com/");
    EXPECT_EQ(failure.kind(), http::error_kind::protocol);
}

TEST(HttpError, UrlMayBeFilledInLater) {
    http::protocol_error failure("", "bad chunk");
    EXPECT_TRUE(failure.url().empty());
    failure.set_url("http://example.com/x");
    EXPECT_EQ(failure.url(), "http://example.com/x");
    EXPECT_STREQ(failure.what(), "bad chunk");
}

template <typename Error>
void expect_kind(http::error_kind kind) {
    static_assert(std::is_base_of_v<http::error, Error>);
    static_assert(std::is_base_of_v<std::runtime_error, Error>);
    static_assert(std::is_final_v<Error>);
    try {
        throw Error("http://h/", "message");
    } catch (const http::error& caught) {
        EXPECT_EQ(caught.kind(), kind);
        EXPECT_EQ(caught.url(), "http://h/");
        EXPECT_STREQ(caught.what(), "message");
    }
}

TEST(HttpError, EachSubclassCarriesItsKindAndIsCaughtAsError) {
    expect_kind<http::resolve_error>(http::error_kind::resolve);
    expect_kind<http::connect_error>(http::error_kind::connect);
    expect_kind<http::timeout_error>(http::error_kind::timeout);
    expect_kind<http::protocol_error>(http::error_kind::protocol);
    expect_kind<http::too_large_error>(http::error_kind::too_large);
    expect_kind<http::redirect_error>(http::error_kind::redirect);
    expect_kind<http::connection_closed_error>(http::error_kind::closed);
    expect_kind<http::tls_error>(http::error_kind::tls);
    expect_kind<http::invalid_url>(http::error_kind::usage);
}

} // namespace
