// SPDX-License-Identifier: MIT
#include <corio/runtime/file.hpp>

#include "../sys/file_ops.hpp"

#include "../reactor/reactor_backend.hpp"

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/io_object.hpp>
#include <corio/runtime/run_blocking.hpp>

#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

namespace corio {

namespace detail {

// What a file and the operations it started share. Lives on the loop's thread: only the blocking
// calls themselves run on the pool, and they get the handle and path, not this.
struct file_state {
    file_state(native_handle_t opened, std::string name, bool appends, bool through_reactor)
        : handle(opened)
        , path(std::move(name))
        , append(appends) {
        if (through_reactor) {
            registered = io_object{opened}; // closes the handle itself if registering fails
        }
    }
    file_state(const file_state&) = delete;
    file_state& operator=(const file_state&) = delete;
    ~file_state() { close_now(); }

    [[nodiscard]] bool reads_through_reactor() const noexcept { return registered.is_open(); }

    void close_now() noexcept {
        if (registered.is_open()) {
            registered.close(); // deregisters, then closes `handle`
            handle = invalid_native_handle;
        } else if (handle != invalid_native_handle) {
            close_file(std::exchange(handle, invalid_native_handle));
        }
    }

    native_handle_t handle = invalid_native_handle;
    // The same handle, registered with the loop's reactor when it completes file I/O (IOCP);
    // closed otherwise.
    io_object registered;
    std::string path;
    bool append = false;
    int in_flight = 0;            // operations running on the pool or pending in the reactor
    bool close_requested = false; // close() came while some were
};

} // namespace detail

namespace {

using detail::file_state;

// Marks an operation in flight for as long as it runs, and closes the handle after the last one
// if close() was called meanwhile.
class in_flight_guard {
public:
    explicit in_flight_guard(file_state& state) noexcept
        : state_(state) {
        ++state_.in_flight;
    }
    in_flight_guard(const in_flight_guard&) = delete;
    in_flight_guard& operator=(const in_flight_guard&) = delete;
    ~in_flight_guard() {
        if (--state_.in_flight == 0 && state_.close_requested) {
            state_.close_now();
        }
    }

private:
    file_state& state_;
};

void require_usable(const std::shared_ptr<file_state>& state) {
    if (!state || state->close_requested || state->handle == invalid_native_handle) {
        throw usage_error("corio::file: the file is closed");
    }
}

// The one place every blocking file call passes through: it hands the call to the pool. Reads and
// writes come here only when the loop's reactor does not complete file I/O (epoll, kqueue);
// otherwise they take reactor_read_at/reactor_write_at below.
template <class Call, class... Args>
auto run_file_operation(std::shared_ptr<file_state> state, Call call, Args... args)
    -> task<std::invoke_result_t<Call, native_handle_t, Args..., const std::string&>> {
    require_usable(state);
    const in_flight_guard running{*state};
    // The state (and so the handle and the path) outlives the call: this frame holds it.
    co_return co_await run_blocking(call, state->handle, std::move(args)...,
                                    std::cref(state->path));
}

// The reactor reports "read" or "write" and the OS error; corio::file's errors name the path too,
// as the pool's calls do.
[[noreturn]] void rethrow_naming(const std::system_error& failure, const char* call,
                                 const std::string& path) {
    throw std::system_error(failure.code(), std::string(call) + " " + path);
}

task<std::size_t> reactor_read_at(std::shared_ptr<file_state> state, std::uint64_t offset,
                                  std::span<std::byte> buffer) {
    require_usable(state);
    const in_flight_guard running{*state};
    try {
        co_return co_await state->registered.read_some_at(offset, buffer);
    } catch (const std::system_error& failure) {
        rethrow_naming(failure, "read", state->path);
    }
}

// All of `data`, at `offset` or (detail::append_offset) at the end. A disk write completes whole
// unless the disk is full, which is an error, but a short count is still handled.
task<> reactor_write_at(std::shared_ptr<file_state> state, std::uint64_t offset,
                        std::span<const std::byte> data) {
    require_usable(state);
    const in_flight_guard running{*state};
    try {
        while (!data.empty()) {
            const std::size_t wrote = co_await state->registered.write_some_at(offset, data);
            if (wrote == 0) {
                throw std::system_error(std::make_error_code(std::errc::io_error), "wrote nothing");
            }
            data = data.subspan(wrote);
            if (offset != detail::append_offset) {
                offset += wrote;
            }
        }
    } catch (const std::system_error& failure) {
        rethrow_naming(failure, "write", state->path);
    }
}

std::size_t read_at_call(native_handle_t handle, std::uint64_t offset, std::span<std::byte> buffer,
                         const std::string& path) {
    return detail::read_file_at(handle, offset, buffer, path);
}

void write_at_call(native_handle_t handle, std::uint64_t offset, std::span<const std::byte> data,
                   const std::string& path) {
    detail::write_file_at(handle, offset, data, path);
}

void append_call(native_handle_t handle, std::span<const std::byte> data, const std::string& path) {
    detail::append_to_file(handle, data, path);
}

std::uint64_t size_call(native_handle_t handle, const std::string& path) {
    return detail::file_size(handle, path);
}

void sync_call(native_handle_t handle, const std::string& path) {
    detail::sync_file(handle, path);
}

native_handle_t open_call(const std::string& path, open_options how, bool for_reactor) {
    return detail::open_file(path, how, for_reactor);
}

} // namespace

file::file(std::shared_ptr<detail::file_state> state) noexcept
    : state_(std::move(state)) {}

file& file::operator=(file&& other) noexcept {
    if (this != &other) {
        close();
        state_ = std::move(other.state_);
        position_ = std::exchange(other.position_, 0);
    }
    return *this;
}

task<file> file::open(std::string path, open_options how) {
    if (how.append && !how.write) {
        how.write = true; // appending is writing
    }
    if (how.exclusive && !how.create) {
        throw usage_error("corio::file::open: exclusive needs create");
    }
    if ((how.create || how.truncate) && !how.write) {
        throw usage_error("corio::file::open: create and truncate need write");
    }
    // Asked on the loop thread, where the reactor lives; the open itself may block (a network
    // file system, a cold directory) and runs on the pool.
    const bool through_reactor = event_loop::current().reactor().completes_file_io();
    const native_handle_t handle =
        co_await run_blocking(&open_call, std::cref(path), how, through_reactor);
    co_return file{
        std::make_shared<file_state>(handle, std::move(path), how.append, through_reactor)};
}

task<std::size_t> file::read_at(std::uint64_t offset, std::span<std::byte> buffer) {
    if (state_ && state_->reads_through_reactor()) {
        return reactor_read_at(state_, offset, buffer);
    }
    return run_file_operation(state_, &read_at_call, offset, buffer);
}

task<> file::write_at(std::uint64_t offset, std::span<const std::byte> data) {
    if (state_ && state_->append) {
        // pwrite() on an O_APPEND file appends on Linux whatever the offset says.
        throw usage_error("corio::file::write_at: " + state_->path +
                          " was opened for appending; use write()");
    }
    if (state_ && state_->reads_through_reactor()) {
        return reactor_write_at(state_, offset, data);
    }
    return run_file_operation(state_, &write_at_call, offset, data);
}

task<std::size_t> file::read(std::span<std::byte> buffer) {
    const std::size_t got = co_await read_at(position_, buffer);
    position_ += got;
    co_return got;
}

task<> file::write(std::span<const std::byte> data) {
    if (state_ && state_->append) {
        if (state_->reads_through_reactor()) {
            co_await reactor_write_at(state_, detail::append_offset, data);
        } else {
            co_await run_file_operation(state_, &append_call, data);
        }
        co_return;
    }
    co_await write_at(position_, data);
    position_ += data.size();
}

task<> file::write(std::string_view text) {
    return write(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

task<std::string> file::read_to_end(std::size_t limit) {
    std::string contents;
    constexpr std::size_t chunk_size = 64 * 1024;
    for (;;) {
        // One byte past the limit tells "exactly at the limit" from "over it".
        const std::size_t room = std::min(chunk_size, limit + 1 - contents.size());
        const std::size_t before = contents.size();
        contents.resize(before + room);
        const std::size_t got =
            co_await read(std::as_writable_bytes(std::span<char>(contents.data() + before, room)));
        contents.resize(before + got);
        if (got == 0) {
            co_return contents;
        }
        if (contents.size() > limit) {
            throw std::length_error("corio::file::read_to_end: " + path() + " has more than " +
                                    std::to_string(limit) + " bytes left");
        }
    }
}

task<std::uint64_t> file::size() {
    return run_file_operation(state_, &size_call);
}

task<> file::sync() {
    return run_file_operation(state_, &sync_call);
}

bool file::is_open() const noexcept {
    return state_ != nullptr;
}

const std::string& file::path() const noexcept {
    static const std::string none;
    return state_ ? state_->path : none;
}

void file::close() noexcept {
    if (!state_) {
        return;
    }
    if (state_->in_flight > 0) {
        state_->close_requested = true; // the last operation closes it (in_flight_guard)
    } else {
        state_->close_now();
    }
    state_.reset();
}

task<std::string> read_file(std::string path, std::size_t limit) {
    file source = co_await file::open(std::move(path));
    co_return co_await source.read_to_end(limit);
}

task<> write_file(std::string path, std::string contents) {
    file target = co_await file::open(std::move(path), open_options::write_new());
    co_await target.write(contents);
}

} // namespace corio
