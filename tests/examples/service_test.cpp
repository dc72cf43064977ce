// SPDX-License-Identifier: MIT
// examples/service, run as a real child process and stopped with a real SIGTERM while a request
// is in flight: the response must still arrive whole, and the service must exit 0 and say what
// it drained. Plain POSIX calls throughout, so the test does not lean on what it checks.
#include <gtest/gtest.h>

#ifndef _WIN32

#include "support/spawned_process.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// The service, started on an ephemeral port with its stdout on a pipe; killed if a test leaves
// it running.
class service_process : public corio_test::spawned_process {
public:
    explicit service_process(const std::vector<std::string>& extra_args = {})
        : spawned_process(EXAMPLE_SERVICE, with_port_zero(extra_args)) {}

private:
    static std::vector<std::string> with_port_zero(const std::vector<std::string>& extra_args) {
        std::vector<std::string> args{"--port", "0"};
        args.insert(args.end(), extra_args.begin(), extra_args.end());
        return args;
    }
};

int connect_to(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(port);
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) != 0) {
        ::close(fd);
        return -1;
    }
    timeval limit{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    return fd;
}

std::string read_to_end(int fd) {
    std::string received;
    char buffer[1024];
    for (;;) {
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0) {
            return received;
        }
        received.append(buffer, static_cast<std::size_t>(got));
    }
}

// The port from the service's first line ("listening on http://127.0.0.1:PORT"); 0 if it did
// not say so in time.
unsigned short port_of(service_process& service) {
    const std::string banner = service.read_until("\n", 10s);
    const std::string prefix = "listening on http://127.0.0.1:";
    EXPECT_EQ(banner.rfind(prefix, 0), 0U) << banner;
    return banner.rfind(prefix, 0) == 0
               ? static_cast<unsigned short>(std::stoul(banner.substr(prefix.size())))
               : 0;
}

// Connects and sends one GET; the connection's descriptor, or -1.
int send_get(unsigned short port, const std::string& target, const std::string& extra = "") {
    const int client = connect_to(port);
    if (client < 0) {
        return -1;
    }
    const std::string request =
        "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
    if (::send(client, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
        ::close(client);
        return -1;
    }
    return client;
}

TEST(ServiceExample, SigtermMidRequestLetsTheResponseArriveAndExitsZero) {
    service_process service;
    const unsigned short port = port_of(service);
    const int client = send_get(port, "/work");
    ASSERT_GE(client, 0);
    std::this_thread::sleep_for(100ms); // the handler takes 500 ms: it is under way now
    EXPECT_TRUE(service.send_signal(SIGTERM));

    const std::string response = read_to_end(client);
    ::close(client);
    EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << response;
    EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos) << response;
    EXPECT_NE(response.find("\r\n\r\nwork done\n"), std::string::npos) << response;

    EXPECT_EQ(service.wait_for_exit(10s), 0);
    const std::string output = service.read_until("time(s)\n", 2s);
    EXPECT_NE(output.find("SIGTERM: draining 1 connection(s)\n"), std::string::npos) << output;
    EXPECT_NE(output.find("stopped: 1 request(s) served, 0 cut off"), std::string::npos) << output;
    EXPECT_EQ(connect_to(port), -1) << "nothing listens after the exit";
}

TEST(ServiceExample, AnswersAndCallsItsUpstreamThenStopsOnSigint) {
    service_process service;
    const int client = send_get(port_of(service), "/upstream", "Connection: close\r\n");
    ASSERT_GE(client, 0);
    const std::string response = read_to_end(client);
    ::close(client);
    EXPECT_NE(response.find("\r\n\r\nupstream said: hello\n"), std::string::npos) << response;

    EXPECT_TRUE(service.send_signal(SIGINT));
    EXPECT_EQ(service.wait_for_exit(10s), 0);
    const std::string output = service.read_until("time(s)\n", 2s);
    EXPECT_NE(output.find("SIGINT: draining"), std::string::npos) << output;
    EXPECT_NE(output.find("stopped: 2 request(s) served, 0 cut off"), std::string::npos) << output;
}

// An upstream that accepts the connection (the kernel does, into the backlog) and never answers.
TEST(ServiceExample, AnUpstreamThatNeverAnswersGets504AfterTheClientsTimeout) {
    const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof where;
    ASSERT_EQ(::bind(silent, reinterpret_cast<const sockaddr*>(&where), sizeof where), 0);
    ASSERT_EQ(::listen(silent, 8), 0);
    ASSERT_EQ(::getsockname(silent, reinterpret_cast<sockaddr*>(&where), &length), 0);
    const std::string upstream = "http://127.0.0.1:" + std::to_string(ntohs(where.sin_port)) + "/";

    service_process service{{"--upstream", upstream}};
    const int client = send_get(port_of(service), "/upstream", "Connection: close\r\n");
    ASSERT_GE(client, 0);
    const auto start = clock_type::now();
    const std::string response = read_to_end(client);
    ::close(client);
    EXPECT_EQ(response.rfind("HTTP/1.1 504 ", 0), 0U) << response;
    EXPECT_NE(response.find("upstream timed out"), std::string::npos) << response;
    EXPECT_GE(clock_type::now() - start, 1900ms) << "the service's client allows 2 s";
    EXPECT_TRUE(service.send_signal(SIGTERM));
    EXPECT_EQ(service.wait_for_exit(10s), 0);
    ::close(silent);
}

} // namespace

#else

TEST(ServiceExample, SigtermMidRequestLetsTheResponseArriveAndExitsZero) {
    GTEST_SKIP() << "Windows cannot send SIGTERM to another process; the console events the "
                    "service also watches are tested in runtime_signal_test";
}

#endif
