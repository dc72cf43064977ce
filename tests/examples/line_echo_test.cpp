// SPDX-License-Identifier: MIT
// examples/line_echo as a black box: its command line (everywhere), and on POSIX the server
// itself, run as a child process and spoken to over plain sockets: lines come back, an over-long
// line gets an error line and the connection ends, an idle client is let go, and SIGTERM makes
// it say goodbye to its clients and exit 0.
#include "support/child_process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

TEST(LineEchoExample, HelpPrintsTheUsageAndExitsZero) {
    const corio_test::process_result run = corio_test::run_process(EXAMPLE_LINE_ECHO, {"--help"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out.rfind("usage: line_echo [--port N] [--max-line BYTES]", 0), 0U) << run.out;
    EXPECT_EQ(run.err, "");
}

TEST(LineEchoExample, ABadCommandLineSaysWhatIsWrongAndExitsTwo) {
    const struct {
        std::vector<std::string> args;
        std::string message;
    } cases[] = {
        {{"--port", "70000"},
         "line_echo: --port wants a whole number from 0 to 65535, not '70000'"},
        {{"--max-line", "0"},
         "line_echo: --max-line wants a whole number from 1 to 16777216, not '0'"},
        {{"--idle-timeout", "soon"},
         "line_echo: --idle-timeout wants a whole number from 1 to 86400, not 'soon'"},
        {{"--port"}, "line_echo: --port needs a value"},
        {{"7000"}, "line_echo: unexpected argument '7000'"},
    };
    for (const auto& bad : cases) {
        const corio_test::process_result run = corio_test::run_process(EXAMPLE_LINE_ECHO, bad.args);
        EXPECT_EQ(run.exit_code, 2) << bad.message;
        EXPECT_EQ(corio_test::lines_of(run.err).at(0), bad.message);
        EXPECT_NE(run.err.find("usage: line_echo"), std::string::npos) << run.err;
        EXPECT_EQ(run.out, "");
    }
}

} // namespace

#ifndef _WIN32

#include "support/spawned_process.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// The server on an ephemeral port, with the given limits.
class line_echo_process : public corio_test::spawned_process {
public:
    explicit line_echo_process(const std::vector<std::string>& extra_args = {})
        : spawned_process(EXAMPLE_LINE_ECHO, with_port_zero(extra_args)) {
        const std::string banner = read_until("\n", 10s);
        const std::string prefix = "listening on 127.0.0.1:";
        EXPECT_EQ(banner.rfind(prefix, 0), 0U) << banner;
        if (banner.rfind(prefix, 0) == 0) {
            port_ = static_cast<unsigned short>(std::stoul(banner.substr(prefix.size())));
        }
    }
    [[nodiscard]] unsigned short port() const noexcept { return port_; }

private:
    static std::vector<std::string> with_port_zero(const std::vector<std::string>& extra_args) {
        std::vector<std::string> args{"--port", "0"};
        args.insert(args.end(), extra_args.begin(), extra_args.end());
        return args;
    }
    unsigned short port_ = 0;
};

// A send to a server that went away fails instead of raising SIGPIPE (macOS has no
// MSG_NOSIGNAL: there, SO_NOSIGPIPE on the socket does it).
#ifdef MSG_NOSIGNAL
constexpr int no_sigpipe = MSG_NOSIGNAL;
#else
constexpr int no_sigpipe = 0;
#endif

// A blocking client socket whose reads give up after 10 s.
class client {
public:
    explicit client(unsigned short port)
        : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
#ifdef SO_NOSIGPIPE
        const int on = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
        sockaddr_in peer{};
        peer.sin_family = AF_INET;
        peer.sin_port = htons(port);
        peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) == 0;
        timeval limit{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    }
    ~client() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    [[nodiscard]] bool connected() const noexcept {
        return connected_;
    }

    void send(const std::string& text) const {
        std::size_t sent = 0;
        while (sent < text.size()) {
            const ssize_t n = ::send(fd_, text.data() + sent, text.size() - sent, no_sigpipe);
            ASSERT_GT(n, 0) << "send failed";
            sent += static_cast<std::size_t>(n);
        }
    }
    void end_sending() const {
        ::shutdown(fd_, SHUT_WR);
    }
    // Closes the socket: the server, draining its side, sees the end at once.
    void close() {
        ::close(fd_);
        fd_ = -1;
    }

    // Reads until `text` has arrived (or the stream ends, or 10 s pass); returns all received.
    std::string receive_until(const std::string& text) {
        while (received_.find(text) == std::string::npos && receive_more()) {
        }
        return received_;
    }
    // Reads until the server ends the stream; returns all received.
    std::string receive_to_end() {
        while (receive_more()) {
        }
        return received_;
    }
    // Whether the stream ended cleanly (a read returned 0) rather than by an error or time-out.
    [[nodiscard]] bool ended() const noexcept {
        return ended_;
    }

private:
    bool receive_more() {
        char buffer[1024];
        const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
        if (got <= 0) {
            ended_ = got == 0;
            return false;
        }
        received_.append(buffer, static_cast<std::size_t>(got));
        return true;
    }

    int fd_;
    bool connected_ = false;
    bool ended_ = false;
    std::string received_;
};

TEST(LineEchoExample, EchoesLinesToEachClientAndEndsWhenTheClientDoes) {
    line_echo_process server{{"--max-line", "16"}};
    client first{server.port()};
    client second{server.port()};
    ASSERT_TRUE(first.connected());
    ASSERT_TRUE(second.connected());
    first.send("hello\r\nwor");
    second.send("second client\n");
    EXPECT_EQ(first.receive_until("hello\n"), "hello\n");
    first.send("ld\n");
    EXPECT_EQ(first.receive_until("world\n"), "hello\nworld\n");
    EXPECT_EQ(second.receive_until("\n"), "second client\n");
    first.send("exactly16bytes!!\n\nno line end");
    first.end_sending();
    EXPECT_EQ(first.receive_to_end(), "hello\nworld\nexactly16bytes!!\n\nno line end\n")
        << "a line of --max-line bytes, an empty one, and a last one without its line end";
    EXPECT_TRUE(first.ended());

    EXPECT_TRUE(server.send_signal(SIGTERM));
    EXPECT_EQ(second.receive_to_end(), "second client\nerror: server shutting down\n");
    EXPECT_TRUE(second.ended());
    second.close();
    EXPECT_EQ(server.wait_for_exit(10s), 0);
    const std::string output = server.read_until("echoed\n", 2s);
    EXPECT_NE(output.find("stopped: 2 connection(s), 6 line(s) echoed\n"), std::string::npos)
        << output;
}

TEST(LineEchoExample, AnOverlongLineGetsAnErrorLineAndTheConnectionEnds) {
    line_echo_process server{{"--max-line", "16"}};
    client talker{server.port()};
    ASSERT_TRUE(talker.connected());
    talker.send("fine\n" + std::string(5000, 'x') + "\nnever read\n");
    EXPECT_EQ(talker.receive_to_end(), "fine\nerror: line longer than 16 bytes\n");
    EXPECT_TRUE(talker.ended()) << "a clean end, not a reset: the server read what was left";
    talker.close();

    client next{server.port()}; // the server itself goes on
    ASSERT_TRUE(next.connected());
    next.send("still here\n");
    next.end_sending();
    EXPECT_EQ(next.receive_to_end(), "still here\n");
    EXPECT_TRUE(server.send_signal(SIGINT));
    EXPECT_EQ(server.wait_for_exit(10s), 0);
}

TEST(LineEchoExample, AnIdleClientIsToldAndLetGo) {
    line_echo_process server{{"--idle-timeout", "1"}};
    client idle{server.port()};
    ASSERT_TRUE(idle.connected());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(idle.receive_to_end(), "error: idle for 1 s\n");
    EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
    idle.close();
    EXPECT_TRUE(server.send_signal(SIGTERM));
    EXPECT_EQ(server.wait_for_exit(10s), 0);
}

} // namespace

#endif
