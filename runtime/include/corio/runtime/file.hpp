// SPDX-License-Identifier: MIT
// file.hpp - a regular file, read and written from tasks without blocking the loop
// (aiofiles in Python, tokio::fs::File).
//
//     corio::file log = co_await corio::file::open("app.log", corio::open_options::append_to());
//     co_await log.write("started\n");
//     corio::file data = co_await corio::file::open("data.bin");
//     std::size_t n = co_await data.read_at(4096, buffer);          // 0 at the end of the file
//
// Why files are different: epoll and kqueue report readiness, and a regular file is always
// "ready" (epoll refuses to watch one at all, and the reactor reports that as a usage_error that
// points here). A read of a file that is not in the page cache still blocks the thread. So there
// each operation runs on the loop's blocking pool (run_blocking.hpp): the loop keeps running other
// tasks, and the awaiting task resumes with the result. A backend that completes file I/O itself
// takes the reads and writes instead: IOCP opens the file overlapped and the kernel reads at the
// offset while the loop runs (no pool thread); opening, size() and sync() still use the pool.
// file.cpp has one seam for each path, where io_uring's IORING_OP_READ can take over later.
//
// Positional reads and writes (read_at/write_at) do not touch the file position, so tasks may run
// several at once; read/write use and advance the position kept by this object, like a stream.
// Errors are std::system_error naming the operation and the path ("open data.bin: No such file or
// directory"). Closing a file while an operation is running on the pool waits for nothing: the
// handle is closed when that operation returns, and later operations throw usage_error.
// Cancelling a task withdraws an operation no worker has started (on IOCP: that the kernel has
// not finished); one already running finishes first (the buffer stays valid), then the task gets
// cancelled_error.
// Not thread-safe: use a file from tasks of one loop.
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/native_handle.hpp>
#include <corio/runtime/task.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

CORIO_EXPORT_BEGIN
namespace corio {

// How to open a file (the flags of open(2), named like Rust's OpenOptions).
struct open_options {
    bool read = true;
    bool write = false;
    bool append = false;         // every write() goes to the end; write_at() is refused
    bool create = false;         // create the file if it does not exist
    bool exclusive = false;      // with create: fail if it exists
    bool truncate = false;       // empty an existing file
    unsigned permissions = 0644; // for a created file (POSIX; before the process umask)

    static open_options read_only() { return {}; }
    // Write, creating or emptying the file.
    static open_options write_new() { return {false, true, false, true, false, true}; }
    // Append, creating the file if needed.
    static open_options append_to() { return {false, true, true, true, false, false}; }
    // Read and write an existing file, or create it.
    static open_options read_write() { return {true, true, false, true, false, false}; }
};

namespace detail {
struct file_state;
} // namespace detail

class file {
public:
    file() noexcept = default;
    file(file&&) noexcept = default;
    file& operator=(file&& other) noexcept;
    file(const file&) = delete;
    file& operator=(const file&) = delete;
    ~file() { close(); }

    // Opens `path` on the blocking pool. Throws std::system_error naming the path.
    static task<file> open(std::string path, open_options how = open_options::read_only());

    // Up to buffer.size() bytes from `offset`; fewer near the end, 0 at or past it.
    task<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> buffer);
    // All of `data` at `offset` (the file grows as needed).
    task<> write_at(std::uint64_t offset, std::span<const std::byte> data);
    // From the position, which advances by what was read; 0 at the end of the file.
    task<std::size_t> read(std::span<std::byte> buffer);
    // All of `data` at the position, which advances past it. Opened for appending: at the end of
    // the file, and the position is left alone.
    task<> write(std::span<const std::byte> data);
    task<> write(std::string_view text);
    // The whole rest of the file from the position, at most `limit` bytes: more is an error
    // (std::length_error) rather than unbounded memory.
    task<std::string> read_to_end(std::size_t limit);

    [[nodiscard]] task<std::uint64_t> size();
    // Data and metadata on stable storage (fsync; FlushFileBuffers).
    task<> sync();

    [[nodiscard]] std::uint64_t position() const noexcept { return position_; }
    void seek(std::uint64_t position) noexcept { position_ = position; }

    [[nodiscard]] bool is_open() const noexcept;
    [[nodiscard]] const std::string& path() const noexcept;
    // Closes the handle now, or when the operation running on the pool returns.
    void close() noexcept;

private:
    explicit file(std::shared_ptr<detail::file_state> state) noexcept;

    // Shared with the operations in flight on the pool, so that closing or destroying the file
    // cannot pull the handle from under them.
    std::shared_ptr<detail::file_state> state_;
    std::uint64_t position_ = 0;
};

// The whole file at `path`, at most `limit` bytes (std::length_error beyond).
task<std::string> read_file(std::string path, std::size_t limit);
// Creates or replaces the file at `path` with `contents`.
task<> write_file(std::string path, std::string contents);

} // namespace corio
CORIO_EXPORT_END
