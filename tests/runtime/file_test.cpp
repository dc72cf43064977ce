// SPDX-License-Identifier: MIT
#include <corio/runtime/file.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/join_handle.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#ifndef _WIN32
#include <fcntl.h>
#include <unistd.h>
#endif

namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class File : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        directory_ = fs::temp_directory_path() / (std::string("corio-file-test-") + info->name());
        fs::remove_all(directory_);
        fs::create_directories(directory_);
    }
    void TearDown() override { fs::remove_all(directory_); }

    [[nodiscard]] std::string path(const std::string& name) const {
        return (directory_ / name).string();
    }
    static std::string contents_of(const std::string& file_path) {
        std::ifstream in(file_path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    static void put(const std::string& file_path, const std::string& text) {
        std::ofstream(file_path, std::ios::binary) << text;
    }

private:
    fs::path directory_;
};

std::span<std::byte> bytes_of(std::string& text) {
    return std::as_writable_bytes(std::span<char>(text.data(), text.size()));
}

std::span<const std::byte> bytes_of(std::string_view text) {
    return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

TEST_F(File, WhatWriteFileWritesReadFileReadsBack) {
    corio_test::leak_check check;
    const std::string target = path("a.txt");
    auto main_task = [&]() -> corio::task<> {
        co_await corio::write_file(target, "hello, file\n");
        EXPECT_EQ(co_await corio::read_file(target, 1024), "hello, file\n");
    };
    corio::run(main_task());
    EXPECT_EQ(contents_of(target), "hello, file\n");
}

TEST_F(File, ReadAtAndWriteAtLeaveThePositionWhileReadAndWriteAdvanceIt) {
    corio_test::leak_check check;
    const std::string target = path("b.bin");
    put(target, "0123456789");
    auto main_task = [&]() -> corio::task<> {
        corio::file f = co_await corio::file::open(target, corio::open_options::read_write());
        std::string four(4, '\0');
        EXPECT_EQ(co_await f.read_at(3, bytes_of(four)), 4u);
        EXPECT_EQ(four, "3456");
        EXPECT_EQ(f.position(), 0u);

        co_await f.write_at(8, bytes_of(std::string_view("XYZ"))); // grows the file by one
        EXPECT_EQ(f.position(), 0u);
        EXPECT_EQ(co_await f.size(), 11u);

        EXPECT_EQ(co_await f.read(bytes_of(four)), 4u);
        EXPECT_EQ(four, "0123");
        EXPECT_EQ(f.position(), 4u);
        co_await f.write("ab");
        EXPECT_EQ(f.position(), 6u);
        f.seek(0);
        EXPECT_EQ(co_await f.read_to_end(100), "0123ab67XYZ");
        EXPECT_EQ(f.position(), 11u);
        co_await f.sync();
    };
    corio::run(main_task());
}

TEST_F(File, AReadAtOrPastTheEndReturnsZeroAndANearOneReturnsWhatIsLeft) {
    const std::string target = path("c.txt");
    put(target, "abc");
    auto main_task = [&]() -> corio::task<> {
        corio::file f = co_await corio::file::open(target);
        std::string buffer(10, '\0');
        EXPECT_EQ(co_await f.read_at(1, bytes_of(buffer)), 2u);
        EXPECT_EQ(buffer.substr(0, 2), "bc");
        EXPECT_EQ(co_await f.read_at(3, bytes_of(buffer)), 0u);
        EXPECT_EQ(co_await f.read_at(1000, bytes_of(buffer)), 0u);
    };
    corio::run(main_task());
}

TEST_F(File, OpeningAMissingFileThrowsASystemErrorThatNamesThePath) {
    corio_test::leak_check check;
    const std::string missing = path("missing.txt");
    auto main_task = [&]() -> corio::task<> {
        try {
            co_await corio::file::open(missing);
            ADD_FAILURE() << "opened a file that does not exist";
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code(), std::errc::no_such_file_or_directory);
            EXPECT_NE(std::string(error.what()).find("open " + missing), std::string::npos)
                << error.what();
        }
    };
    corio::run(main_task());
}

TEST_F(File, ExclusiveCreationFailsWhenTheFileExists) {
    const std::string target = path("d.txt");
    put(target, "already here");
    auto main_task = [&]() -> corio::task<> {
        corio::open_options how = corio::open_options::write_new();
        how.exclusive = true;
        try {
            co_await corio::file::open(target, how);
            ADD_FAILURE() << "exclusive creation replaced an existing file";
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code(), std::errc::file_exists) << error.what();
        }
    };
    corio::run(main_task());
    EXPECT_EQ(contents_of(target), "already here");
}

TEST_F(File, OptionsThatContradictEachOtherAreAUsageError) {
    auto main_task = [&]() -> corio::task<> {
        corio::open_options create_read_only;
        create_read_only.create = true;
        EXPECT_THROW(co_await corio::file::open(path("e.txt"), create_read_only),
                     corio::usage_error);
        corio::open_options exclusive_alone = corio::open_options::read_write();
        exclusive_alone.create = false;
        exclusive_alone.exclusive = true;
        EXPECT_THROW(co_await corio::file::open(path("e.txt"), exclusive_alone),
                     corio::usage_error);
    };
    corio::run(main_task());
    EXPECT_FALSE(fs::exists(path("e.txt")));
}

TEST_F(File, AppendedWritesGoToTheEndAndWriteAtIsRefused) {
    const std::string target = path("log.txt");
    put(target, "first\n");
    auto main_task = [&]() -> corio::task<> {
        corio::file log = co_await corio::file::open(target, corio::open_options::append_to());
        co_await log.write("second\n");
        co_await log.write("third\n");
        EXPECT_THROW(co_await log.write_at(0, bytes_of(std::string_view("x"))), corio::usage_error);
    };
    corio::run(main_task());
    EXPECT_EQ(contents_of(target), "first\nsecond\nthird\n");
}

TEST_F(File, ReadToEndStopsAtItsLimitWithALengthError) {
    const std::string target = path("big.txt");
    put(target, std::string(1000, 'x'));
    auto main_task = [&]() -> corio::task<> {
        EXPECT_EQ((co_await corio::read_file(target, 1000)).size(), 1000u); // exactly the limit
        EXPECT_THROW(co_await corio::read_file(target, 999), std::length_error);
    };
    corio::run(main_task());
}

TEST_F(File, ReadingADirectoryIsAnErrorAtOpen) {
    auto main_task = [&]() -> corio::task<> {
        EXPECT_THROW(co_await corio::file::open(path("")), std::system_error);
    };
    corio::run(main_task());
}

TEST_F(File, ManyPositionalReadsRunAtOnceAndEachGetsItsOwnBytes) {
    corio_test::leak_check check;
    const std::string target = path("blocks.bin");
    std::string text;
    for (char block = 'a'; block <= 'p'; ++block) {
        text += std::string(4096, block);
    }
    put(target, text);
    auto main_task = [&]() -> corio::task<> {
        corio::file f = co_await corio::file::open(target);
        auto read_block = [&f](int index) -> corio::task<std::string> {
            std::string block(4096, '\0');
            const std::size_t got =
                co_await f.read_at(static_cast<std::uint64_t>(index) * 4096, bytes_of(block));
            block.resize(got);
            co_return block;
        };
        std::vector<corio::join_handle<std::string>> readers;
        for (int i = 0; i < 16; ++i) {
            readers.push_back(corio::spawn(read_block(i)));
        }
        for (int i = 0; i < 16; ++i) {
            EXPECT_EQ(co_await readers[static_cast<std::size_t>(i)],
                      std::string(4096, static_cast<char>('a' + i)));
        }
    };
    corio::run(main_task());
}

TEST_F(File, ClosingDuringARunningOperationClosesTheHandleWhenItReturns) {
    corio_test::leak_check check; // the handle is closed in the end: no descriptor is left
    const std::string target = path("f.txt");
    put(target, std::string(64 * 1024, 'z'));
    auto main_task = [&]() -> corio::task<> {
        corio::file f = co_await corio::file::open(target);
        std::string buffer(64 * 1024, '\0');
        corio::join_handle<std::size_t> reader = corio::spawn(f.read_at(0, bytes_of(buffer)));
        co_await corio::yield_now(); // the reader hands its read to the pool
        f.close();
        EXPECT_FALSE(f.is_open());
        EXPECT_EQ(co_await reader, buffer.size()); // it still completes, with its bytes
        EXPECT_EQ(buffer, std::string(64 * 1024, 'z'));
        EXPECT_THROW(co_await f.read(bytes_of(buffer)), corio::usage_error);
    };
    corio::run(main_task());
}

// Which path a file's reads and writes take is the backend's call: IOCP registers the handle
// with its port and the kernel completes them; epoll and kqueue leave the handle unregistered and
// run them on the blocking pool.
TEST_F(File, AnOpenFileIsRegisteredWithTheReactorExactlyWhenTheBackendCompletesFileIo) {
    corio_test::leak_check check;
    const std::string target = path("path.txt");
    auto main_task = [&]() -> corio::task<> {
        auto& loop = corio::event_loop::current();
        const std::size_t before = loop.stats().io_registrations;
        corio::file f = co_await corio::file::open(target, corio::open_options::read_write());
        co_await f.write("abc");
#ifdef _WIN32
        EXPECT_EQ(loop.stats().io_registrations, before + 1) << "IOCP completes file I/O";
#else
        if (loop.backend_name() == "io_uring") {
            EXPECT_EQ(loop.stats().io_registrations, before + 1) << "io_uring completes file I/O";
        } else {
            EXPECT_EQ(loop.stats().io_registrations, before) << "readiness backends use the pool";
        }
#endif
        f.close();
        EXPECT_EQ(loop.stats().io_registrations, before);
    };
    corio::run(main_task());
    EXPECT_EQ(contents_of(target), "abc");
}

// Offsets past 4 GiB need the OVERLAPPED's high half on Windows (and a 64-bit off_t on POSIX).
// The file is sparse where the file system allows it, so this writes two bytes, not 5 GiB.
TEST_F(File, OffsetsPastFourGibibytesReadAndWriteWhereTheySay) {
    corio_test::leak_check check;
    const std::string target = path("far.bin");
    constexpr std::uint64_t far = 5ULL << 30;
    auto main_task = [&]() -> corio::task<> {
        corio::file f = co_await corio::file::open(target, corio::open_options::read_write());
        co_await f.write_at(far, bytes_of(std::string_view("Z")));
        co_await f.write_at(3, bytes_of(std::string_view("a")));
        EXPECT_EQ(co_await f.size(), far + 1);
        std::string byte(1, '\0');
        EXPECT_EQ(co_await f.read_at(far, bytes_of(byte)), 1U);
        EXPECT_EQ(byte, "Z");
        EXPECT_EQ(co_await f.read_at(far + 1, bytes_of(byte)), 0U); // the end
        EXPECT_EQ(co_await f.read_at(3, bytes_of(byte)), 1U);
        EXPECT_EQ(byte, "a");
    };
    corio::run(main_task());
}

TEST_F(File, AppendingThroughSeveralWritesKeepsTheirOrder) {
    corio_test::leak_check check;
    const std::string target = path("log.txt");
    put(target, "start\n");
    auto main_task = [&]() -> corio::task<> {
        corio::file log = co_await corio::file::open(target, corio::open_options::append_to());
        for (int line = 0; line < 50; ++line) {
            co_await log.write("line " + std::to_string(line) + "\n");
        }
        EXPECT_EQ(log.position(), 0U); // appending leaves the position alone
    };
    corio::run(main_task());
    std::string expected = "start\n";
    for (int line = 0; line < 50; ++line) {
        expected += "line " + std::to_string(line) + "\n";
    }
    EXPECT_EQ(contents_of(target), expected);
}

// epoll and kqueue only: IOCP completes I/O on a file handle opened for overlapped I/O, and
// io_uring on any regular file.
#ifndef _WIN32
TEST_F(File, TheReactorRefusesARegularFileAndNamesCorioFile) {
    corio_test::leak_check check;
    const std::string target = path("g.txt");
    put(target, "x");
    bool completes_file_io = false;
    auto main_task = [&]() -> corio::task<> {
        if (corio::event_loop::current().backend_name() == "io_uring") {
            completes_file_io = true;
            co_return;
        }
        const int fd = ::open(target.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            ADD_FAILURE() << "could not open " << target;
            co_return;
        }
        try {
            corio::io_object watched{fd}; // takes the descriptor, and closes it when refused
            ADD_FAILURE() << "the reactor accepted a regular file";
        } catch (const corio::usage_error& error) {
            EXPECT_NE(std::string(error.what()).find("corio::file"), std::string::npos)
                << error.what();
        }
        co_return;
    };
    corio::run(main_task());
    if (completes_file_io) {
        GTEST_SKIP() << "io_uring completes file I/O: it accepts a regular file";
    }
}

TEST(IoObject, PositionalFileIoThroughAReadinessReactorIsAUsageError) {
    int ends[2] = {-1, -1};
    ASSERT_EQ(::pipe(ends), 0);
    ::fcntl(ends[0], F_SETFL, O_NONBLOCK);
    ::close(ends[1]);
    bool completes_file_io = false;
    auto main_task = [&]() -> corio::task<> {
        if (corio::event_loop::current().backend_name() == "io_uring") {
            completes_file_io = true; // positional I/O is the backend's to do
            co_return;
        }
        corio::io_object pipe_end{ends[0]};
        std::string buffer(4, '\0');
        try {
            (void)co_await pipe_end.read_some_at(0, bytes_of(buffer));
            ADD_FAILURE() << "epoll/kqueue accepted a positional read";
        } catch (const corio::usage_error& error) {
            EXPECT_NE(std::string(error.what()).find("blocking pool"), std::string::npos)
                << error.what();
        }
    };
    corio::run(main_task());
    if (completes_file_io) {
        GTEST_SKIP() << "io_uring completes file I/O";
    }
}
#endif

} // namespace
