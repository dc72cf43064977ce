// SPDX-License-Identifier: MIT
#include "http/redirect_policy.hpp"

#include "http/client_request.hpp"

#include <corio/http/error.hpp>
#include <corio/runtime/version.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using corio::http::headers;
using corio::http::url;
using corio::http::detail::client_request;
using corio::http::detail::follow_redirect;
using corio::http::detail::redirect_hop;

client_request make_request(std::string method, std::string_view target, std::string body = {}) {
    headers fields;
    fields.add("Content-Type", "text/plain");
    fields.add("Authorization", "Bearer secret");
    fields.add("X-Trace", "1");
    return client_request{std::move(method), url::parse(target), fields, std::move(body)};
}

headers location(std::string_view where) {
    headers fields;
    fields.add("Location", where);
    return fields;
}

client_request follow(const client_request& request, int status, std::string_view where,
                      const std::vector<redirect_hop>& earlier = {}, int max_redirects = 10) {
    std::optional<client_request> next =
        follow_redirect(request, status, location(where), earlier, max_redirects);
    if (!next) {
        ADD_FAILURE() << status << " to " << where << " was not followed";
        return request;
    }
    return *next;
}

TEST(RedirectPolicy, SeeOtherAndFoundTurnAPostIntoAGetWithoutBody) {
    for (const int status : {301, 302, 303}) {
        const client_request next =
            follow(make_request("POST", "http://a.test/form", "x=1"), status, "/done");
        EXPECT_EQ(next.method, "GET") << status;
        EXPECT_TRUE(next.body.empty()) << status;
        EXPECT_FALSE(next.fields.contains("Content-Type")) << "it described the dropped body";
        EXPECT_EQ(next.fields.get("X-Trace"), "1");
        EXPECT_EQ(next.target.to_string(), "http://a.test/done");
    }
}

TEST(RedirectPolicy, AHeadStaysAHead) {
    for (const int status : {301, 302, 303, 307, 308}) {
        EXPECT_EQ(follow(make_request("HEAD", "http://a.test/"), status, "/b").method, "HEAD");
    }
}

TEST(RedirectPolicy, TemporaryAndPermanentRedirectsKeepMethodAndBody) {
    for (const int status : {307, 308}) {
        const client_request next =
            follow(make_request("POST", "http://a.test/upload", "payload"), status, "/v2/upload");
        EXPECT_EQ(next.method, "POST");
        EXPECT_EQ(next.body, "payload");
        EXPECT_EQ(next.fields.get("Content-Type"), "text/plain");
        EXPECT_EQ(next.target.to_string(), "http://a.test/v2/upload");
    }
}

TEST(RedirectPolicy, RelativeLocationsResolveAgainstTheRequestUrl) {
    const client_request request = make_request("GET", "http://a.test/dir/page?x=1");
    EXPECT_EQ(follow(request, 302, "other").target.to_string(), "http://a.test/dir/other");
    EXPECT_EQ(follow(request, 302, "../up").target.to_string(), "http://a.test/up");
    EXPECT_EQ(follow(request, 302, "?y=2").target.to_string(), "http://a.test/dir/page?y=2");
    EXPECT_EQ(follow(request, 302, "//b.test/p").target.to_string(), "http://b.test/p");
    EXPECT_EQ(follow(request, 302, "http://c.test:8080/q#frag").target.to_string(),
              "http://c.test:8080/q");
}

TEST(RedirectPolicy, OtherStatusesAndMissingLocationsAreFinal) {
    const client_request request = make_request("GET", "http://a.test/");
    for (const int status : {200, 300, 304, 305, 306, 404}) {
        EXPECT_FALSE(follow_redirect(request, status, location("/x"), {}, 10)) << status;
    }
    EXPECT_FALSE(follow_redirect(request, 302, headers{}, {}, 10));
}

TEST(RedirectPolicy, CredentialsStayWithTheirOrigin) {
    const client_request request = make_request("GET", "http://a.test/");
    EXPECT_EQ(follow(request, 302, "/same").fields.get("Authorization"), "Bearer secret");
    EXPECT_FALSE(follow(request, 302, "http://b.test/").fields.contains("Authorization"));
    EXPECT_FALSE(follow(request, 302, "http://a.test:8080/").fields.contains("Authorization"));

    client_request with_cookie = request;
    with_cookie.fields.add("Cookie", "session=1");
    with_cookie.fields.add("Host", "a.test");
    const client_request elsewhere = follow(with_cookie, 307, "http://b.test/");
    EXPECT_FALSE(elsewhere.fields.contains("Cookie"));
    EXPECT_FALSE(elsewhere.fields.contains("Host"));
    EXPECT_EQ(elsewhere.fields.get("X-Trace"), "1");
}

TEST(RedirectPolicy, TheLimitNamesTheWholeChain) {
    const std::vector<redirect_hop> earlier{{"GET", "http://a.test/1"}, {"GET", "http://a.test/2"}};
    const client_request request = make_request("GET", "http://a.test/3");
    EXPECT_NO_THROW((void)follow(request, 302, "/4", earlier, 3));
    try {
        (void)follow_redirect(request, 302, location("/4"), earlier, 2);
        ADD_FAILURE() << "expected redirect_error";
    } catch (const corio::http::redirect_error& failure) {
        EXPECT_EQ(failure.kind(), corio::http::error_kind::redirect);
        EXPECT_EQ(failure.url(), "http://a.test/3");
        EXPECT_STREQ(failure.what(), "too many redirects (limit 2): http://a.test/1 -> "
                                     "http://a.test/2 -> http://a.test/3 -> http://a.test/4");
    }
    EXPECT_THROW((void)follow_redirect(request, 302, location("/4"), {}, 0),
                 corio::http::redirect_error);
}

TEST(RedirectPolicy, RevisitingARequestOfTheChainIsALoop) {
    const std::vector<redirect_hop> earlier{{"GET", "http://a.test/a"}};
    const client_request request = make_request("GET", "http://a.test/b");
    try {
        (void)follow_redirect(request, 302, location("/a"), earlier, 10);
        ADD_FAILURE() << "expected redirect_error";
    } catch (const corio::http::redirect_error& failure) {
        EXPECT_STREQ(failure.what(),
                     "redirect loop: http://a.test/a -> http://a.test/b -> http://a.test/a");
    }
    EXPECT_THROW((void)follow_redirect(request, 307, location("/b"), {}, 10),
                 corio::http::redirect_error);
    // POST, then GET of the same URL (post/redirect/get) is no loop.
    EXPECT_EQ(follow(make_request("POST", "http://a.test/form"), 303, "/form").method, "GET");
}

TEST(RedirectPolicy, AnUnusableLocationIsARedirectError) {
    const client_request request = make_request("GET", "http://a.test/");
    for (const char* where : {"ftp://a.test/file", "http://", "/with space"}) {
        try {
            (void)follow_redirect(request, 301, location(where), {}, 10);
            ADD_FAILURE() << where;
        } catch (const corio::http::redirect_error& failure) {
            EXPECT_EQ(failure.url(), "http://a.test/");
            EXPECT_NE(std::string(failure.what()).find("unusable Location"), std::string::npos);
        }
    }
}

// ---- the request's wire form ----

TEST(ClientRequest, TheHeadCarriesHostUserAgentAndNoAcceptEncoding) {
    const client_request request{"GET", url::parse("http://Example.com:8080/a?b=c"), {}, {}};
    EXPECT_EQ(
        corio::http::detail::serialize_request_head(request),
        "GET /a?b=c HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: corio/" CORIO_VERSION_STRING
        "\r\n\r\n");
}

TEST(ClientRequest, BodiesAreFramedByTheClientAlone) {
    headers fields;
    fields.add("Content-Length", "999");
    fields.add("Transfer-Encoding", "chunked");
    fields.add("User-Agent", "tester/2");
    const client_request post{"POST", url::parse("http://a.test/"), fields, "abc"};
    EXPECT_EQ(
        corio::http::detail::serialize_request_head(post),
        "POST / HTTP/1.1\r\nHost: a.test\r\nUser-Agent: tester/2\r\nContent-Length: 3\r\n\r\n");
    const client_request empty_post{"POST", url::parse("http://a.test/"), {}, {}};
    EXPECT_NE(corio::http::detail::serialize_request_head(empty_post).find("Content-Length: 0\r\n"),
              std::string::npos);
    headers host;
    host.add("Host", "virtual.test");
    const client_request explicit_host{"GET", url::parse("http://10.0.0.1/"), host, {}};
    EXPECT_EQ(corio::http::detail::serialize_request_head(explicit_host),
              "GET / HTTP/1.1\r\nHost: virtual.test\r\nUser-Agent: corio/" CORIO_VERSION_STRING
              "\r\n\r\n");
}

TEST(ClientRequest, InvalidMethodsAndFieldsAreRefused) {
    headers injected;
    injected.add("X-Evil", "a\r\nInjected: yes");
    EXPECT_THROW((void)corio::http::detail::serialize_request_head(
                     client_request{"GET", url::parse("http://a.test/"), injected, {}}),
                 std::invalid_argument);
    EXPECT_THROW((void)corio::http::detail::serialize_request_head(
                     client_request{"GE T", url::parse("http://a.test/"), {}, {}}),
                 std::invalid_argument);
}

TEST(ClientRequest, ExtraFieldsReplaceDefaultsOfTheSameName) {
    headers defaults;
    defaults.add("User-Agent", "default/1");
    defaults.add("Accept", "text/html");
    headers extra;
    extra.add("accept", "application/json");
    extra.add("Accept", "text/plain");
    const headers merged = corio::http::detail::merge_fields(defaults, extra);
    EXPECT_EQ(merged.get("User-Agent"), "default/1");
    EXPECT_EQ(merged.get_all("Accept"),
              (std::vector<std::string_view>{"application/json", "text/plain"}));
}

TEST(ClientRequest, IdempotentMethodsAreTheRfcOnes) {
    for (const char* method : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"}) {
        EXPECT_TRUE(corio::http::detail::is_idempotent(method)) << method;
    }
    for (const char* method : {"POST", "PATCH", "CONNECT", "get"}) {
        EXPECT_FALSE(corio::http::detail::is_idempotent(method)) << method;
    }
}

} // namespace
