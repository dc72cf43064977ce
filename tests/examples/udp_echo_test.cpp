// SPDX-License-Identifier: MIT
// examples/udp_echo as a black box: its command line, and a whole run over IPv4 and IPv6
// loopback (the echoes, and the oversized datagram reported as truncated by the server).
#include "support/child_process.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

TEST(UdpEchoExample, HelpPrintsTheUsageAndExitsZero) {
    const corio_test::process_result run = corio_test::run_process(EXAMPLE_UDP_ECHO, {"--help"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out.rfind("usage: udp_echo [--count N] [--ipv6]", 0), 0U) << run.out;
    EXPECT_EQ(run.err, "");
}

TEST(UdpEchoExample, ABadCommandLineSaysWhatIsWrongAndExitsTwo) {
    const struct {
        std::vector<std::string> args;
        std::string message;
    } cases[] = {
        {{"--count", "0"}, "udp_echo: --count wants a whole number from 1 to 1000, not '0'"},
        {{"--count"}, "udp_echo: --count needs a value"},
        {{"7000"}, "udp_echo: unexpected argument '7000'"},
    };
    for (const auto& bad : cases) {
        const corio_test::process_result run = corio_test::run_process(EXAMPLE_UDP_ECHO, bad.args);
        EXPECT_EQ(run.exit_code, 2) << bad.message;
        EXPECT_EQ(corio_test::lines_of(run.err).at(0), bad.message);
        EXPECT_NE(run.err.find("usage: udp_echo"), std::string::npos) << run.err;
        EXPECT_EQ(run.out, "");
    }
}

void expect_a_whole_exchange(const std::vector<std::string>& args, const std::string& host) {
    const corio_test::process_result run = corio_test::run_process(EXAMPLE_UDP_ECHO, args);
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    const std::vector<std::string> lines = corio_test::lines_of(run.out);
    ASSERT_EQ(lines.size(), 7U) << run.out;
    EXPECT_EQ(lines[0].rfind("server: listening on " + host + ":", 0), 0U) << lines[0];
    for (int i = 1; i <= 4; ++i) {
        const std::string message = "hello " + std::to_string(i);
        EXPECT_EQ(lines[static_cast<std::size_t>(i)],
                  "client: sent \"" + message + "\", got back \"" + message + "\"");
    }
    EXPECT_EQ(lines[5], "client: sent 2000 bytes, got back \"truncated: the server's 512-byte "
                        "buffer held only the first 512 bytes\"");
    EXPECT_EQ(lines[6], "echoed 4 of 4 messages");
}

TEST(UdpEchoExample, EchoesEachMessageAndReportsTheOversizedOneAsTruncatedOverIpv4) {
    expect_a_whole_exchange({"--count", "4"}, "127.0.0.1");
}

TEST(UdpEchoExample, WorksOverIpv6Too) {
    expect_a_whole_exchange({"--count", "4", "--ipv6"}, "[::1]");
}

} // namespace
