// SPDX-License-Identifier: MIT
// unix_listener and unix_stream on real Unix domain sockets: socket files in the temporary
// directory and, on Linux, abstract names. On Windows, the typed refusal.
#include <corio/net/buffered_stream.hpp>
#include <corio/net/tcp_listener.hpp>
#include <corio/net/unix_listener.hpp>
#include <corio/net/unix_stream.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/sleep.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#if !defined(_WIN32)
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#endif

using namespace std::chrono_literals;
using corio::net::address;
using corio::net::unix_listener;
using corio::net::unix_stream;

namespace {

namespace fs = std::filesystem;

#if !defined(_WIN32)

std::span<const std::byte> bytes(const std::string& text) {
    return std::as_bytes(std::span{text});
}

// A socket path of our own, short enough for sun_path, removed by the fixture if a test left it.
class UnixSocket : public testing::Test {
protected:
    UnixSocket() {
        static std::atomic<int> counter{0};
        path_ = (fs::temp_directory_path() / ("corio-unix-" + std::to_string(::getpid()) + "-" +
                                              std::to_string(counter++) + ".sock"))
                    .string();
        fs::remove(path_);
    }
    ~UnixSocket() override {
        std::error_code ignored;
        fs::remove(path_, ignored);
    }
    std::string path_;
};

corio::task<std::string> read_to_end(unix_stream& stream) {
    std::string all;
    std::array<std::byte, 256> buffer{};
    for (;;) {
        const std::size_t n = co_await stream.read_some(buffer, corio::now() + 5s);
        if (n == 0) {
            co_return all;
        }
        all.append(reinterpret_cast<const char*>(buffer.data()), n);
    }
}

corio::task<> exchange_over(address endpoint) {
    auto listener = unix_listener::bind(endpoint);
    EXPECT_EQ(listener.local_address(), endpoint);
    auto server = [&]() -> corio::task<std::string> {
        unix_stream connection = co_await listener.accept(corio::now() + 5s);
        EXPECT_EQ(connection.local_address(), endpoint);
        std::string request = co_await read_to_end(connection);
        co_await connection.write_all(bytes("echo:" + request));
        co_return request;
    };
    auto client = [&]() -> corio::task<std::string> {
        auto stream = co_await unix_stream::connect(endpoint, 5s);
        EXPECT_EQ(stream.peer_address(), endpoint);
        co_await stream.write_all("hello");
        stream.shutdown_write();
        co_return co_await read_to_end(stream);
    };
    auto [received, answer] = co_await corio::gather(server(), client());
    EXPECT_EQ(received, "hello");
    EXPECT_EQ(answer, "echo:hello");
}

TEST_F(UnixSocket, AClientAndAServerExchangeBytesThroughASocketFile) {
    corio_test::leak_check check;
    corio::event_loop loop;
    loop.run_until_complete(exchange_over(address::unix_path(path_)));
    corio_test::expect_loop_is_clean(loop);
}

TEST_F(UnixSocket, ClosingTheListenerRemovesTheSocketFileItCreated) {
    corio::event_loop loop;
    auto listener = unix_listener::bind(address::unix_path(path_));
    EXPECT_TRUE(fs::is_socket(path_));
    listener.close();
    EXPECT_FALSE(fs::exists(path_));
}

// A server that died without cleaning up leaves its socket file: the next bind replaces it.
TEST_F(UnixSocket, AStaleSocketFileIsReplacedByBind) {
    const int dead = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(dead, 0);
    sockaddr_un raw{};
    raw.sun_family = AF_UNIX;
    std::memcpy(raw.sun_path, path_.c_str(), path_.size() + 1);
    ASSERT_EQ(::bind(dead, reinterpret_cast<sockaddr*>(&raw), sizeof raw), 0);
    ::close(dead); // the file stays, nobody behind it
    ASSERT_TRUE(fs::is_socket(path_));

    corio_test::leak_check check;
    corio::event_loop loop;
    loop.run_until_complete(exchange_over(address::unix_path(path_)));
    corio_test::expect_loop_is_clean(loop);
    EXPECT_FALSE(fs::exists(path_)); // and the new listener removed its own file at the end
}

TEST_F(UnixSocket, BindingThePathOfALiveListenerFailsWithAddressInUseAndLeavesItServing) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = [&]() -> corio::task<> {
        auto first = unix_listener::bind(address::unix_path(path_));
        try {
            (void)unix_listener::bind(address::unix_path(path_));
            ADD_FAILURE() << "the second bind succeeded";
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code(), std::errc::address_in_use) << error.what();
            EXPECT_NE(std::string(error.what()).find(path_), std::string::npos) << error.what();
        }
        EXPECT_TRUE(fs::is_socket(path_));
        auto client = co_await unix_stream::connect(address::unix_path(path_), 5s);
        auto accepted = co_await first.accept(corio::now() + 5s);
        EXPECT_TRUE(accepted.is_open());
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST_F(UnixSocket, AFileThatIsNotASocketIsLeftAloneAndBindFails) {
    std::ofstream(path_) << "precious";
    corio::event_loop loop;
    try {
        (void)unix_listener::bind(address::unix_path(path_));
        ADD_FAILURE() << "bind succeeded over a regular file";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::address_in_use) << error.what();
    }
    std::ifstream kept(path_);
    std::string content;
    kept >> content;
    EXPECT_EQ(content, "precious");
}

// If someone else has bound the path since (after removing our file), closing must not remove
// their file.
TEST_F(UnixSocket, ClosingTheListenerLeavesAFileSomeoneElseBoundAtThePathSince) {
    corio::event_loop loop;
    auto first = unix_listener::bind(address::unix_path(path_));
    fs::remove(path_);
    auto second = unix_listener::bind(address::unix_path(path_));
    first.close();
    EXPECT_TRUE(fs::is_socket(path_));
    second.close();
    EXPECT_FALSE(fs::exists(path_));
}

TEST_F(UnixSocket, ConnectingToAPathWithNoSocketNamesThePath) {
    corio_test::leak_check check;
    auto main_task = [&]() -> corio::task<> {
        try {
            (void)co_await unix_stream::connect(address::unix_path(path_));
            ADD_FAILURE() << "connect succeeded";
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code(), std::errc::no_such_file_or_directory) << error.what();
            EXPECT_EQ(std::string(error.what()).rfind("connect to " + path_, 0), 0U)
                << error.what();
        }
    };
    corio::run(main_task());
}

TEST_F(UnixSocket, APathTooLongForTheSystemIsRefusedNotCutShort) {
    corio::event_loop loop;
    const std::string long_path = "/tmp/" + std::string(200, 'x');
    try {
        (void)unix_listener::bind(address::unix_path(long_path));
        ADD_FAILURE() << "bind succeeded";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::filename_too_long) << error.what();
    }
}

TEST_F(UnixSocket, BufferedStreamReadsLinesOverAUnixStream) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = [&]() -> corio::task<> {
        auto listener = unix_listener::bind(address::unix_path(path_));
        auto server = [&]() -> corio::task<> {
            corio::net::buffered_stream conn{
                corio::net::unix_byte_stream{co_await listener.accept(corio::now() + 5s)}};
            while (auto line = co_await conn.read_line(1024, corio::now() + 5s)) {
                co_await conn.write_all("got " + *line + "\n");
            }
            co_await conn.close();
        };
        auto client = [&]() -> corio::task<std::vector<std::string>> {
            corio::net::buffered_stream conn{corio::net::unix_byte_stream{
                co_await unix_stream::connect(address::unix_path(path_), 5s)}};
            co_await conn.write_all("one\ntwo\n");
            co_await conn.writer().close(); // flush, then end of stream; reading goes on
            std::vector<std::string> lines;
            while (auto line = co_await conn.read_line(1024, corio::now() + 5s)) {
                lines.push_back(*line);
            }
            co_return lines;
        };
        auto [done, lines] = co_await corio::gather(server(), client());
        EXPECT_EQ(lines, (std::vector<std::string>{"got one", "got two"}));
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST_F(UnixSocket, AnAcceptPastItsDeadlineThrowsTimeoutAndACancelledOneLeavesNothingBehind) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = [&]() -> corio::task<> {
        auto listener = unix_listener::bind(address::unix_path(path_));
        EXPECT_THROW((void)co_await listener.accept(corio::now() + 10ms), corio::timeout_error);
        auto acceptor = [&]() -> corio::task<> { (void)co_await listener.accept(); };
        auto handle = corio::spawn(acceptor());
        co_await corio::sleep_for(1ms);
        handle.cancel();
        EXPECT_THROW(co_await handle, corio::cancelled_error);
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST_F(UnixSocket, AReadPastItsDeadlineThrowsTimeoutError) {
    corio_test::leak_check check;
    corio::event_loop loop;
    auto main_task = [&]() -> corio::task<> {
        auto listener = unix_listener::bind(address::unix_path(path_));
        auto client = co_await unix_stream::connect(address::unix_path(path_), 5s);
        auto silent = co_await listener.accept(corio::now() + 5s);
        std::array<std::byte, 4> buffer{};
        EXPECT_THROW((void)co_await client.read_some(buffer, corio::now() + 10ms),
                     corio::timeout_error);
    };
    loop.run_until_complete(main_task());
    corio_test::expect_loop_is_clean(loop);
}

TEST(UnixSocketAddresses, IpAddressesAndUnixAddressesDoNotMixUp) {
    corio::event_loop loop;
    EXPECT_THROW((void)unix_listener::bind(address::loopback_v4()), corio::usage_error);
    EXPECT_THROW((void)corio::net::tcp_listener::bind(address::unix_path("/tmp/x.sock")),
                 corio::usage_error);
}

#if defined(__linux__)
TEST(UnixSocketAbstract, AnAbstractNameWorksAndLeavesNoFile) {
    corio_test::leak_check check;
    corio::event_loop loop;
    const std::string name = "corio-test-" + std::to_string(::getpid());
    loop.run_until_complete(exchange_over(address::unix_abstract(name)));
    corio_test::expect_loop_is_clean(loop);
    EXPECT_FALSE(fs::exists(name));
    EXPECT_FALSE(fs::exists("@" + name));
}
#else
TEST(UnixSocketAbstract, AnAbstractNameIsRefusedOutsideLinux) {
    corio::event_loop loop;
    try {
        (void)unix_listener::bind(address::unix_abstract("corio-test"));
        ADD_FAILURE() << "bind succeeded";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::address_family_not_supported) << error.what();
    }
}
#endif

#else // _WIN32

// corio has no AF_UNIX on Windows (unix_stream.hpp says why): a clear, typed refusal.
TEST(UnixSocket, IsRefusedOnWindowsWithAddressFamilyNotSupported) {
    corio_test::leak_check check;
    corio::event_loop loop;
    try {
        (void)unix_listener::bind(address::unix_path("corio-test.sock"));
        ADD_FAILURE() << "bind succeeded";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::address_family_not_supported) << error.what();
        EXPECT_NE(std::string(error.what()).find("Windows"), std::string::npos) << error.what();
    }
    auto connect = []() -> corio::task<> {
        try {
            (void)co_await unix_stream::connect(address::unix_path("corio-test.sock"));
            ADD_FAILURE() << "connect succeeded";
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code(), std::errc::address_family_not_supported) << error.what();
        }
    };
    loop.run_until_complete(connect());
    EXPECT_FALSE(fs::exists("corio-test.sock"));
    corio_test::expect_loop_is_clean(loop);
}

#endif

} // namespace
