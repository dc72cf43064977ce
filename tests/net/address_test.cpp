// SPDX-License-Identifier: MIT
#include <corio/net/address.hpp>

#include <gtest/gtest.h>

namespace {

using corio::net::address;

TEST(Address, ParsesAndPrintsIpv4WithPort) {
    auto parsed = address::parse("192.168.1.20:8080");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->family(), corio::net::address_family::ipv4);
    EXPECT_EQ(parsed->port(), 8080);
    EXPECT_EQ(parsed->to_string(), "192.168.1.20:8080");
    EXPECT_EQ(parsed->ip_string(), "192.168.1.20");
}

TEST(Address, ParsesBracketedIpv6AndPrintsTheCanonicalForm) {
    auto parsed = address::parse("[2001:0DB8:0000:0000:0000:0000:0000:0001]:443");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->family(), corio::net::address_family::ipv6);
    EXPECT_EQ(parsed->to_string(), "[2001:db8::1]:443");
}

TEST(Address, CompressesTheLongestRunOfZeroGroupsAsRfc5952Says) {
    EXPECT_EQ(address::from_ip("1:0:0:2:0:0:0:3", 0)->ip_string(), "1:0:0:2::3");
    EXPECT_EQ(address::from_ip("1:0:0:2:0:0:3:4", 0)->ip_string(), "1::2:0:0:3:4");
    EXPECT_EQ(address::from_ip("1:2:3:4:5:6:0:8", 0)->ip_string(),
              "1:2:3:4:5:6:0:8"); // one zero: no ::
    EXPECT_EQ(address::from_ip("::", 0)->ip_string(), "::");
    EXPECT_EQ(address::from_ip("::1", 0)->ip_string(), "::1");
    EXPECT_EQ(address::from_ip("fe80::", 0)->ip_string(), "fe80::");
}

TEST(Address, AcceptsAnEmbeddedIpv4TailAndNumericScopes) {
    auto mapped = address::from_ip("::ffff:10.1.2.3", 80);
    ASSERT_TRUE(mapped);
    EXPECT_EQ(mapped->octets()[10], 0xff);
    EXPECT_EQ(mapped->octets()[12], 10);
    EXPECT_EQ(mapped->octets()[15], 3);
    auto scoped = address::from_ip("fe80::1%3", 80);
    ASSERT_TRUE(scoped);
    EXPECT_EQ(scoped->scope_id(), 3U);
    EXPECT_EQ(scoped->to_string(), "[fe80::1%3]:80");
}

TEST(Address, RejectsMalformedText) {
    for (const char* bad :
         {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3:80", "1.2.3.256:80", "01.2.3.4:80",
          "::1:80", "[::1]", "[::1]80", "[1.2.3.4]:80", "[1:2:3:4:5:6:7:8:9]:1", "[1::2::3]:1",
          "[:1]:1", "[1:]:1", "[12345::]:1", "host:80", "[fe80::1%eth0]:1", "1.2.3.4:-1"}) {
        EXPECT_FALSE(address::parse(bad)) << bad;
    }
}

TEST(Address, KnowsLoopbackAddresses) {
    EXPECT_TRUE(address::loopback_v4(1).is_loopback());
    EXPECT_TRUE(address::loopback_v6(1).is_loopback());
    EXPECT_TRUE(address::from_ip("127.9.9.9", 0)->is_loopback());
    EXPECT_FALSE(address::from_ip("10.0.0.1", 0)->is_loopback());
    EXPECT_EQ(address::loopback_v6(5).to_string(), "[::1]:5");
}

TEST(Address, AUnixPathPrintsAsThePathAndHasNoIpParts) {
    const address socket_file = address::unix_path("/run/app.sock");
    EXPECT_EQ(socket_file.family(), corio::net::address_family::unix_domain);
    EXPECT_TRUE(socket_file.is_unix());
    EXPECT_FALSE(socket_file.is_abstract());
    EXPECT_EQ(socket_file.path(), "/run/app.sock");
    EXPECT_EQ(socket_file.to_string(), "/run/app.sock");
    EXPECT_EQ(socket_file.port(), 0);
    EXPECT_EQ(socket_file.ip_string(), "");
    EXPECT_FALSE(socket_file.is_loopback());
    EXPECT_EQ(address::unix_path("").to_string(), "(unnamed)");
}

TEST(Address, AnAbstractUnixNamePrintsWithAnAtSignAndDiffersFromTheSamePath) {
    const address abstract = address::unix_abstract("app");
    EXPECT_TRUE(abstract.is_unix());
    EXPECT_TRUE(abstract.is_abstract());
    EXPECT_EQ(abstract.path(), "app"); // the kernel's leading NUL is not part of the name
    EXPECT_EQ(abstract.to_string(), "@app");
    EXPECT_NE(abstract, address::unix_path("app"));
    EXPECT_EQ(abstract, address::unix_abstract("app"));
    EXPECT_NE(abstract, address::unix_abstract("other"));
}

TEST(Address, AddressesOfDifferentFamiliesNeverCompareEqual) {
    EXPECT_NE(address::unix_path(""), address());
    EXPECT_NE(address::loopback_v4(0), address::unix_path(""));
    EXPECT_NE(address::from_ip("::ffff:127.0.0.1", 0), address::loopback_v4(0));
    EXPECT_EQ(address::unix_path("/a"), address::unix_path("/a"));
    EXPECT_NE(address::unix_path("/a"), address::unix_path("/b"));
}

} // namespace
