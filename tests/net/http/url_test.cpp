// SPDX-License-Identifier: MIT
#include <corio/http/url.hpp>

#include <corio/http/error.hpp>

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

namespace {

using corio::http::invalid_url;
using corio::http::url;
using namespace std::string_view_literals;

// The message invalid_url carries for `text`, or "" if it parsed.
std::string rejection(std::string_view text) {
    try {
        (void)url::parse(text);
    } catch (const invalid_url& failure) {
        EXPECT_EQ(failure.url(), text);
        EXPECT_EQ(failure.kind(), corio::http::error_kind::usage);
        return failure.what();
    }
    return "";
}

std::string resolve_rejection(const url& base, std::string_view reference) {
    try {
        (void)base.resolve(reference);
    } catch (const invalid_url& failure) {
        EXPECT_EQ(failure.url(), reference);
        return failure.what();
    }
    return "";
}

TEST(Url, ParseSplitsEveryComponent) {
    const url u = url::parse("http://example.com:8080/a/b?x=1&y=2#top");
    EXPECT_EQ(u.scheme(), "http");
    EXPECT_EQ(u.host(), "example.com");
    EXPECT_FALSE(u.is_ipv6_literal());
    EXPECT_EQ(u.port(), 8080);
    EXPECT_TRUE(u.has_explicit_port());
    EXPECT_EQ(u.path(), "/a/b");
    EXPECT_EQ(u.query(), "x=1&y=2");
    EXPECT_TRUE(u.has_query());
    EXPECT_EQ(u.target(), "/a/b?x=1&y=2");
    EXPECT_EQ(u.host_header(), "example.com:8080");
    EXPECT_EQ(u.to_string(), "http://example.com:8080/a/b?x=1&y=2");
}

TEST(Url, SchemeAndHostAreLowercasedButThePathIsNot) {
    const url u = url::parse("HTTPS://WWW.Example.COM/Read/ME?Q=A");
    EXPECT_EQ(u.scheme(), "https");
    EXPECT_EQ(u.host(), "www.example.com");
    EXPECT_EQ(u.path(), "/Read/ME");
    EXPECT_EQ(u.query(), "Q=A");
}

TEST(Url, PortDefaultsToTheSchemes) {
    const url plain = url::parse("http://example.com/");
    EXPECT_EQ(plain.port(), 80);
    EXPECT_FALSE(plain.has_explicit_port());
    const url secure = url::parse("https://example.com/");
    EXPECT_EQ(secure.port(), 443);
    EXPECT_FALSE(secure.has_explicit_port());
}

TEST(Url, HostHeaderOmitsAnExplicitDefaultPort) {
    const url u = url::parse("https://example.com:443/x");
    EXPECT_TRUE(u.has_explicit_port());
    EXPECT_EQ(u.host_header(), "example.com");
    EXPECT_EQ(u.to_string(), "https://example.com/x");
    EXPECT_EQ(url::parse("https://example.com:80/").host_header(), "example.com:80");
    EXPECT_EQ(url::parse("http://example.com:443/").host_header(), "example.com:443");
}

TEST(Url, PathIsNeverEmpty) {
    EXPECT_EQ(url::parse("http://example.com").path(), "/");
    EXPECT_EQ(url::parse("http://example.com?q").path(), "/");
    EXPECT_EQ(url::parse("http://example.com?q").target(), "/?q");
    EXPECT_EQ(url::parse("http://example.com#f").target(), "/");
}

TEST(Url, AnEmptyQueryIsKeptApartFromNoQuery) {
    const url with_empty = url::parse("http://h/p?");
    EXPECT_TRUE(with_empty.has_query());
    EXPECT_EQ(with_empty.query(), "");
    EXPECT_EQ(with_empty.target(), "/p?");
    const url without = url::parse("http://h/p");
    EXPECT_FALSE(without.has_query());
    EXPECT_EQ(without.target(), "/p");
    EXPECT_NE(with_empty, without);
}

TEST(Url, TheFragmentIsDropped) {
    const url u = url::parse("http://h/p?q=1#frag/../x?y");
    EXPECT_EQ(u.path(), "/p");
    EXPECT_EQ(u.query(), "q=1");
    EXPECT_EQ(u.to_string(), "http://h/p?q=1");
}

TEST(Url, TheFragmentIsValidatedLikeAQueryBeforeItIsDropped) {
    EXPECT_EQ(url::parse("http://h/p#a/b?c:d@").to_string(), "http://h/p");
    EXPECT_EQ(rejection("http://h/p#a{b}"), "URL contains '{', which must be percent-encoded");
    EXPECT_EQ(rejection("http://h/p#a#b"), "URL contains '#', which must be percent-encoded");
}

TEST(Url, DotSegmentsAreRemovedFromThePathOnly) {
    const url u = url::parse("http://h/a/./b/../c/?x=/./y/../z");
    EXPECT_EQ(u.path(), "/a/c/");
    EXPECT_EQ(u.query(), "x=/./y/../z");
    EXPECT_EQ(url::parse("http://h/../../x").path(), "/x");
    EXPECT_EQ(url::parse("http://h/a/..").path(), "/");
}

TEST(Url, PercentEncodingsAreUppercased) {
    const url u = url::parse("http://h/a%2fb%c3%A9?k=%3d");
    EXPECT_EQ(u.path(), "/a%2Fb%C3%A9");
    EXPECT_EQ(u.query(), "k=%3D");
    EXPECT_EQ(u, url::parse("http://h/a%2Fb%C3%A9?k=%3D"));
}

TEST(Url, PathAndQueryAcceptEveryRfc3986Character) {
    const std::string_view text = "http://h/az-._~!$&'()*+,;=:@/09?/?:@!$&'()*+,;=";
    const url u = url::parse(text);
    EXPECT_EQ(u.path(), "/az-._~!$&'()*+,;=:@/09");
    EXPECT_EQ(u.query(), "/?:@!$&'()*+,;=");
}

TEST(Url, EqualityComparesNormalisedForms) {
    EXPECT_EQ(url::parse("HTTP://Example.com:80"), url::parse("http://example.com/"));
    EXPECT_EQ(url::parse("http://h/a/../b"), url::parse("http://h/b#x"));
    EXPECT_NE(url::parse("http://h/"), url::parse("https://h/"));
    EXPECT_NE(url::parse("http://h/"), url::parse("http://h:8080/"));
    EXPECT_NE(url::parse("http://h/a"), url::parse("http://h/A"));
}

TEST(Url, HostsMayBeRegNamesOrIpv4Addresses) {
    EXPECT_EQ(url::parse("http://my_host-1.example~/").host(), "my_host-1.example~");
    EXPECT_EQ(url::parse("http://127.0.0.1:3000/").host(), "127.0.0.1");
    EXPECT_EQ(url::parse("http://localhost./").host(), "localhost.");
}

TEST(Url, Ipv6LiteralsLoseTheirBracketsInHostButKeepThemInHostHeader) {
    const url u = url::parse("http://[::1]:8080/x");
    EXPECT_TRUE(u.is_ipv6_literal());
    EXPECT_EQ(u.host(), "::1");
    EXPECT_EQ(u.port(), 8080);
    EXPECT_EQ(u.host_header(), "[::1]:8080");
    EXPECT_EQ(u.to_string(), "http://[::1]:8080/x");
    EXPECT_EQ(url::parse("https://[::1]/").host_header(), "[::1]");
}

TEST(Url, Ipv6LiteralsAreLowercasedAndMayEmbedIpv4) {
    EXPECT_EQ(url::parse("http://[2001:DB8::A]/").host(), "2001:db8::a");
    EXPECT_EQ(url::parse("http://[1:2:3:4:5:6:7:8]/").host(), "1:2:3:4:5:6:7:8");
    EXPECT_EQ(url::parse("http://[::ffff:192.0.2.1]/").host(), "::ffff:192.0.2.1");
    EXPECT_EQ(url::parse("http://[1:2:3:4:5:6:1.2.3.4]/").host(), "1:2:3:4:5:6:1.2.3.4");
    EXPECT_EQ(url::parse("http://[::]/").host(), "::");
    EXPECT_EQ(url::parse("http://[1::]/").host(), "1::");
    EXPECT_EQ(url::parse("http://[1:2:3:4:5:6:7::]/").host(), "1:2:3:4:5:6:7::");
}

TEST(Url, MalformedIpv6LiteralsAreRejected) {
    for (const std::string_view text :
         {"http://[::1/", "http://[]/", "http://[1:2:3:4:5:6:7:8:9]/", "http://[1:2:3:4:5:6:7]/",
          "http://[1::2::3]/", "http://[12345::]/", "http://[:1::]/", "http://[1:]/",
          "http://[1:::2]/", "http://[::1.2.3]/", "http://[::256.1.1.1]/", "http://[::01.1.1.1]/",
          "http://[1:2:3:4:5:6:7:1.2.3.4]/", "http://[fe80::1%25eth0]/", "http://[v1.x]/",
          "http://[::1]x/", "http://[g::1]/"}) {
        EXPECT_EQ(rejection(text).rfind("malformed IPv6 literal", 0), 0U) << text;
    }
}

TEST(Url, AMissingSchemeIsRejected) {
    for (const std::string_view text : {"example.com/path", "//example.com/", "/path",
                                        "localhost:8080/x", ":foo", "1http://h/"}) {
        EXPECT_EQ(rejection(text), "missing scheme (expected 'http://' or 'https://')") << text;
    }
}

TEST(Url, SchemesOtherThanHttpAndHttpsAreRejected) {
    EXPECT_EQ(rejection("ftp://example.com/file"),
              "unsupported scheme 'ftp' (corio speaks http and https)");
    EXPECT_EQ(rejection("WS://example.com/"),
              "unsupported scheme 'ws' (corio speaks http and https)");
    EXPECT_EQ(rejection("mailto:someone@example.com"),
              "unsupported scheme 'mailto' (corio speaks http and https)");
}

TEST(Url, AnEmptyHostIsRejected) {
    EXPECT_EQ(rejection("http://"), "empty host");
    EXPECT_EQ(rejection("http:///path"), "empty host");
    EXPECT_EQ(rejection("http://:8080/"), "empty host");
    EXPECT_EQ(rejection("https://?q"), "empty host");
    EXPECT_EQ(rejection("http:example.com"), "missing host (expected 'http://host/...')");
}

TEST(Url, InvalidPortsAreRejected) {
    EXPECT_EQ(rejection("http://h:/"), "invalid port: empty after ':'");
    EXPECT_EQ(rejection("http://h:http/"),
              "invalid port 'http' (expected a number from 1 to 65535)");
    EXPECT_EQ(rejection("http://h:65536/"),
              "invalid port '65536' (expected a number from 1 to 65535)");
    EXPECT_EQ(rejection("http://h:0/"), "invalid port '0' (expected a number from 1 to 65535)");
    EXPECT_EQ(rejection("http://h:-1/"), "invalid port '-1' (expected a number from 1 to 65535)");
    EXPECT_EQ(rejection("http://h:1:2/"), "invalid port '1:2' (expected a number from 1 to 65535)");
    EXPECT_EQ(rejection("http://h:99999999999999999999999/"),
              "invalid port '99999999999999999999999' (expected a number from 1 to 65535)");
    EXPECT_EQ(rejection("http://[::1]:/"), "invalid port: empty after ':'");
}

TEST(Url, TheLargestPortAndLeadingZerosAreAccepted) {
    EXPECT_EQ(url::parse("http://h:65535/").port(), 65535);
    EXPECT_EQ(url::parse("http://h:0080/").port(), 80);
}

TEST(Url, CredentialsAreRejected) {
    EXPECT_EQ(rejection("http://user:pass@example.com/"), "credentials in URLs are not supported");
    EXPECT_EQ(rejection("http://user@example.com/"), "credentials in URLs are not supported");
    EXPECT_EQ(rejection("http://@example.com/"), "credentials in URLs are not supported");
}

TEST(Url, AnAtSignInThePathIsNotACredential) {
    EXPECT_EQ(url::parse("http://h/@user").path(), "/@user");
}

TEST(Url, WhitespaceAndControlCharactersAreRejected) {
    for (const std::string_view text :
         {" http://h/"sv, "http://h/ "sv, "http://h/a b"sv, "http://h/\t"sv, "http://h/\r\nX: y"sv,
          "http://h\n/"sv, "http://h/\x7f"sv, "http://h/\0"sv}) {
        EXPECT_EQ(
            rejection(text).rfind("URL contains whitespace or a control character at offset", 0),
            0U)
            << text;
    }
    EXPECT_EQ(rejection("http://h/a b"),
              "URL contains whitespace or a control character at offset 10");
}

TEST(Url, NonAsciiBytesAreRejected) {
    EXPECT_EQ(rejection("http://h/caf\xC3\xA9"),
              "URL contains a non-ASCII byte at offset 12 (percent-encode it)");
    EXPECT_NE(rejection("http://b\xC3\xBC"
                        "cher.example/"),
              "");
}

TEST(Url, InvalidPercentEncodingIsRejected) {
    for (const std::string_view text : {"http://h/%", "http://h/%4", "http://h/%zz", "http://h/%4g",
                                        "http://h/?q=%", "http://h/#%x1"}) {
        EXPECT_EQ(rejection(text).rfind("invalid percent-encoding at offset", 0), 0U) << text;
    }
    EXPECT_EQ(rejection("http://h/a%2"),
              "invalid percent-encoding at offset 10 ('%' must be followed by two hex digits)");
}

TEST(Url, CharactersThatMustBePercentEncodedAreRejected) {
    for (const char c : std::string_view("\"<>\\^`{|}[]")) {
        std::string text = "http://h/a";
        text += c;
        EXPECT_EQ(rejection(text),
                  std::string("URL contains '") + c + "', which must be percent-encoded")
            << text;
        EXPECT_NE(rejection("http://h/?q=" + std::string(1, c)), "") << c;
    }
}

TEST(Url, HostsWithCharactersDnsCannotResolveAreRejected) {
    EXPECT_EQ(rejection("http://exa%41mple.com/"), "invalid character '%' in host");
    EXPECT_EQ(rejection("http://a!b/"), "invalid character '!' in host");
    EXPECT_EQ(rejection("http://a[b/"), "invalid character '[' in host");
}

TEST(Url, InvalidUrlIsAnHttpErrorOfKindUsage) {
    try {
        (void)url::parse("gopher://h/");
        FAIL() << "expected invalid_url";
    } catch (const corio::http::error& failure) {
        EXPECT_EQ(failure.kind(), corio::http::error_kind::usage);
        EXPECT_EQ(failure.url(), "gopher://h/");
    }
}

// RFC 3986 §5.4: every example whose result is an http URL; fragments are dropped and an empty
// path becomes "/".
struct resolution {
    std::string_view reference;
    std::string_view expected;
};

// Names each case after its reference in ctest's list, instead of the struct's raw bytes.
void PrintTo(const resolution& example, std::ostream* out) {
    *out << '"' << example.reference << '"';
}

class UrlResolve : public testing::TestWithParam<resolution> {};

TEST_P(UrlResolve, MatchesRfc3986Section5_4) {
    const url base = url::parse("http://a/b/c/d;p?q");
    EXPECT_EQ(base.resolve(GetParam().reference).to_string(), GetParam().expected)
        << "reference: " << GetParam().reference;
}

INSTANTIATE_TEST_SUITE_P(
    NormalExamples, UrlResolve,
    testing::Values(resolution{"g", "http://a/b/c/g"}, resolution{"./g", "http://a/b/c/g"},
                    resolution{"g/", "http://a/b/c/g/"}, resolution{"/g", "http://a/g"},
                    resolution{"//g", "http://g/"}, resolution{"?y", "http://a/b/c/d;p?y"},
                    resolution{"g?y", "http://a/b/c/g?y"}, resolution{"#s", "http://a/b/c/d;p?q"},
                    resolution{"g#s", "http://a/b/c/g"}, resolution{"g?y#s", "http://a/b/c/g?y"},
                    resolution{";x", "http://a/b/c/;x"}, resolution{"g;x", "http://a/b/c/g;x"},
                    resolution{"g;x?y#s", "http://a/b/c/g;x?y"},
                    resolution{"", "http://a/b/c/d;p?q"}, resolution{".", "http://a/b/c/"},
                    resolution{"./", "http://a/b/c/"}, resolution{"..", "http://a/b/"},
                    resolution{"../", "http://a/b/"}, resolution{"../g", "http://a/b/g"},
                    resolution{"../..", "http://a/"}, resolution{"../../", "http://a/"},
                    resolution{"../../g", "http://a/g"}));

INSTANTIATE_TEST_SUITE_P(
    AbnormalExamples, UrlResolve,
    testing::Values(
        resolution{"../../../g", "http://a/g"}, resolution{"../../../../g", "http://a/g"},
        resolution{"/./g", "http://a/g"}, resolution{"/../g", "http://a/g"},
        resolution{"g.", "http://a/b/c/g."}, resolution{".g", "http://a/b/c/.g"},
        resolution{"g..", "http://a/b/c/g.."}, resolution{"..g", "http://a/b/c/..g"},
        resolution{"./../g", "http://a/b/g"}, resolution{"./g/.", "http://a/b/c/g/"},
        resolution{"g/./h", "http://a/b/c/g/h"}, resolution{"g/../h", "http://a/b/c/h"},
        resolution{"g;x=1/./y", "http://a/b/c/g;x=1/y"}, resolution{"g;x=1/../y", "http://a/b/c/y"},
        resolution{"g?y/./x", "http://a/b/c/g?y/./x"},
        resolution{"g?y/../x", "http://a/b/c/g?y/../x"}, resolution{"g#s/./x", "http://a/b/c/g"},
        resolution{"g#s/../x", "http://a/b/c/g"}));

TEST(Url, ResolveIsStrictAboutASchemeWithoutAHost) {
    // RFC 3986 §5.4.2: a strict parser reads "http:g" as an absolute URL, here one with no host.
    const url base = url::parse("http://a/b/c/d;p?q");
    EXPECT_EQ(resolve_rejection(base, "http:g"), "missing host (expected 'http://host/...')");
}

TEST(Url, ResolveRejectsReferencesToOtherSchemes) {
    const url base = url::parse("http://a/b/c/d;p?q");
    EXPECT_EQ(resolve_rejection(base, "g:h"),
              "unsupported scheme 'g' (corio speaks http and https)");
}

TEST(Url, ResolveAcceptsAnAbsoluteUrlAsIs) {
    const url base = url::parse("http://a/b");
    EXPECT_EQ(base.resolve("HTTPS://Other.example:8443/x/../y?z#f").to_string(),
              "https://other.example:8443/y?z");
}

TEST(Url, ResolveKeepsTheBaseSchemeForSchemeRelativeReferences) {
    const url base = url::parse("https://a:8443/b");
    EXPECT_EQ(base.resolve("//other/x").to_string(), "https://other/x");
    EXPECT_EQ(base.resolve("//other:81").to_string(), "https://other:81/");
}

TEST(Url, ResolveKeepsTheBasePortAndIpv6Host) {
    const url base = url::parse("http://[::1]:8080/dir/page");
    const url resolved = base.resolve("../other?x");
    EXPECT_EQ(resolved.to_string(), "http://[::1]:8080/other?x");
    EXPECT_TRUE(resolved.is_ipv6_literal());
    EXPECT_EQ(resolved.port(), 8080);
}

TEST(Url, ResolveAllowsAColonAfterTheFirstSegment) {
    const url base = url::parse("http://a/b/c");
    EXPECT_EQ(base.resolve("./x:y").to_string(), "http://a/b/x:y");
    EXPECT_EQ(base.resolve("x/y:z").to_string(), "http://a/b/x/y:z");
    EXPECT_EQ(resolve_rejection(base, "1x:y"), "relative reference has a ':' in its first segment");
}

TEST(Url, ResolveValidatesTheReference) {
    const url base = url::parse("http://a/b");
    EXPECT_EQ(resolve_rejection(base, "/new path"),
              "URL contains whitespace or a control character at offset 4");
    EXPECT_EQ(resolve_rejection(base, "/x%zz"),
              "invalid percent-encoding at offset 2 ('%' must be followed by two hex digits)");
    EXPECT_EQ(resolve_rejection(base, "/a|b"), "URL contains '|', which must be percent-encoded");
    EXPECT_EQ(resolve_rejection(base, "//user@h/"), "credentials in URLs are not supported");
    EXPECT_EQ(resolve_rejection(base, "/x#{"), "URL contains '{', which must be percent-encoded");
}

} // namespace
