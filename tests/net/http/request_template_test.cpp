// SPDX-License-Identifier: MIT
// request_templates: a session's cache of the per-URL work (parsed URL, its text, the pool key,
// the plain request head), and outgoing_request, which picks the head a request sends.
#include "http/client_request.hpp"
#include "http/request_template.hpp"

#include <corio/http/error.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>

using corio::http::headers;
using corio::http::detail::outgoing_request;
using corio::http::detail::request_template;
using corio::http::detail::request_templates;

namespace {

headers session_defaults() {
    headers fields;
    fields.add("Accept", "*/*");
    return fields;
}

TEST(RequestTemplates, TheSameMethodAndSpellingShareOneTemplate) {
    request_templates cache;
    const auto first = cache.get("GET", "http://example.test:8080/a?b=1");
    const auto again = cache.get("GET", "http://example.test:8080/a?b=1");
    EXPECT_EQ(first, again);
    EXPECT_EQ(cache.find("GET", "http://example.test:8080/a?b=1"), first);
    EXPECT_EQ(first->url_text, "http://example.test:8080/a?b=1");
    EXPECT_EQ(first->origin.scheme, "http");
    EXPECT_EQ(first->origin.host, "example.test");
    EXPECT_EQ(first->origin.port, 8080);
}

TEST(RequestTemplates, AnotherMethodOrSpellingIsAnotherTemplate) {
    request_templates cache;
    const auto get = cache.get("GET", "http://example.test/a");
    const auto head = cache.get("HEAD", "http://example.test/a");
    // The same URL spelled differently is a different key, though it parses the same.
    const auto upper = cache.get("GET", "http://EXAMPLE.test/a");
    EXPECT_NE(get, head);
    EXPECT_NE(get, upper);
    EXPECT_EQ(head->method, "HEAD");
    EXPECT_EQ(upper->url_text, get->url_text);
}

TEST(RequestTemplates, TheOldestEntryIsEvictedAndSurvivesWhileInUse) {
    request_templates cache;
    const auto kept = cache.get("GET", "http://example.test/0");
    for (int i = 1; i <= 8; ++i) {
        (void)cache.get("GET", "http://example.test/" + std::to_string(i));
    }
    EXPECT_EQ(cache.find("GET", "http://example.test/0"), nullptr);
    EXPECT_NE(cache.find("GET", "http://example.test/8"), nullptr);
    EXPECT_EQ(kept->url_text, "http://example.test/0") << "a request keeps its evicted template";
    EXPECT_NE(cache.get("GET", "http://example.test/0"), kept);
}

TEST(RequestTemplates, AnInvalidUrlThrowsAndLeavesTheCacheAlone) {
    request_templates cache;
    const auto known = cache.get("GET", "http://example.test/");
    EXPECT_THROW((void)cache.get("GET", "http://"), corio::http::invalid_url);
    EXPECT_THROW((void)cache.get("GET", "not a url"), corio::http::invalid_url);
    EXPECT_EQ(cache.find("GET", "http://example.test/"), known);
    EXPECT_EQ(cache.find("GET", "http://"), nullptr);
}

TEST(RequestTemplates, ThePlainHeadIsSerialisedOnceAndMatchesTheSerializer) {
    const request_template request("GET", "http://example.test/p?q",
                                   corio::http::url::parse("http://example.test/p?q"));
    const headers defaults = session_defaults();
    const std::string& head = request.plain_head_for(defaults);
    EXPECT_EQ(head,
              corio::http::detail::serialize_request_head("GET", request.target, defaults, {}));
    EXPECT_EQ(&request.plain_head_for(defaults), &head) << "made on first use, then kept";
    EXPECT_TRUE(head.starts_with("GET /p?q HTTP/1.1\r\nHost: example.test\r\n"));
}

// An https request's head is the same plain HTTP/1.1 (TLS is the connection's business, and a
// build without it fails when connecting); only the origin, and so the pool, differs.
TEST(RequestTemplates, AnHttpsTemplateHasItsOwnOriginAndAnOrdinaryHead) {
    const request_template secure("GET", "https://example.test/p",
                                  corio::http::url::parse("https://example.test/p"));
    const request_template plain("GET", "http://example.test/p",
                                 corio::http::url::parse("http://example.test/p"));
    EXPECT_EQ(secure.origin.scheme, "https");
    EXPECT_EQ(secure.origin.port, 443);
    EXPECT_FALSE(secure.origin == plain.origin) << "pooled apart from http on the same host";
    const headers defaults = session_defaults();
    EXPECT_EQ(secure.plain_head_for(defaults), plain.plain_head_for(defaults));
    EXPECT_TRUE(
        secure.plain_head_for(defaults).starts_with("GET /p HTTP/1.1\r\nHost: example.test\r\n"))
        << "the default port stays out of Host";
}

TEST(OutgoingRequest, WithoutExtrasOrBodyItSendsTheTemplatesHead) {
    const request_template request("GET", "http://example.test/",
                                   corio::http::url::parse("http://example.test/"));
    const headers defaults = session_defaults();
    const outgoing_request outgoing(request, defaults, {}, {});
    EXPECT_EQ(outgoing.text().data(), request.plain_head_for(defaults).data());
    EXPECT_EQ(&outgoing.fields(), &defaults);
}

TEST(OutgoingRequest, ExtraFieldsAreMergedIntoItsOwnHead) {
    const request_template request("GET", "http://example.test/",
                                   corio::http::url::parse("http://example.test/"));
    const headers defaults = session_defaults();
    headers extra;
    extra.add("Accept", "text/plain");
    extra.add("X-Trace", "7");
    const outgoing_request outgoing(request, defaults, extra, {});
    EXPECT_NE(outgoing.text().data(), request.plain_head_for(defaults).data());
    EXPECT_NE(outgoing.text().find("\r\nAccept: text/plain\r\n"), std::string_view::npos);
    EXPECT_NE(outgoing.text().find("\r\nX-Trace: 7\r\n"), std::string_view::npos);
    EXPECT_EQ(outgoing.text().find("*/*"), std::string_view::npos) << "extra replaces defaults";
    EXPECT_EQ(outgoing.fields().get("X-Trace"), "7");
}

TEST(OutgoingRequest, ABodyGetsItsOwnHeadWithItsLength) {
    const request_template request("POST", "http://example.test/",
                                   corio::http::url::parse("http://example.test/"));
    const outgoing_request outgoing(request, session_defaults(), {}, "hello");
    EXPECT_NE(outgoing.text().find("\r\nContent-Length: 5\r\n"), std::string_view::npos);
}

TEST(OutgoingRequest, AnInvalidExtraFieldIsAUsageErrorNamingTheUrl) {
    const request_template request("GET", "http://example.test/",
                                   corio::http::url::parse("http://example.test/"));
    headers extra;
    extra.add("Bad Name", "x");
    try {
        const outgoing_request outgoing(request, {}, extra, {});
        FAIL() << "expected an error";
    } catch (const corio::http::error& failure) {
        EXPECT_EQ(failure.kind(), corio::http::error_kind::usage);
        EXPECT_EQ(failure.url(), "http://example.test/");
    }
}

} // namespace
