// SPDX-License-Identifier: MIT
#include <corio/runtime/file.hpp>

#include "../sys/file_ops.hpp"

#include <corio/runtime/error.hpp>
#include <corio/runtime/run_blocking.hpp>

#include <stdexcept>
#include <utility>

namespace corio {

namespace detail {

// What a file and the operations it started share. Lives on the loop's thread: only the blocking
// calls themselves run on the pool, and they get the handle and path, not this.
struct file_state {
    file_state(native_handle_t opened, std::string name, bool appends) noexcept
        : handle(opened)
        , path(std::move(name))
        , append(appends) {}
    file_state(const file_state&) = delete;
    file_state& operator=(const file_state&) = delete;
    ~file_state() { close_now(); }

    void close_now() noexcept {
        if (handle != invalid_native_handle) {
            close_file(std::exchange(handle, invalid_native_handle));
        }
    }

    native_handle_t handle = invalid_native_handle;
    std::string path;
    bool append = false;
    int in_flight = 0;            // operations running (or queued) on the blocking pool
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

// The one place every file operation passes through: today it hands the blocking call to the
// pool. A completion backend with file I/O (io_uring, overlapped IOCP) would take it here.
template <class Call, class... Args>
auto run_file_operation(std::shared_ptr<file_state> state, Call call, Args... args)
    -> task<std::invoke_result_t<Call, native_handle_t, Args..., const std::string&>> {
    if (!state || state->close_requested || state->handle == invalid_native_handle) {
        throw usage_error("corio::file: the file is closed");
    }
    const in_flight_guard running{*state};
    // The state (and so the handle and the path) outlives the call: this frame holds it.
    co_return co_await run_blocking(call, state->handle, std::move(args)...,
                                    std::cref(state->path));
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

native_handle_t open_call(const std::string& path, open_options how) {
    return detail::open_file(path, how);
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
    const native_handle_t handle = co_await run_blocking(&open_call, std::cref(path), how);
    co_return file{std::make_shared<file_state>(handle, std::move(path), how.append)};
}

task<std::size_t> file::read_at(std::uint64_t offset, std::span<std::byte> buffer) {
    return run_file_operation(state_, &read_at_call, offset, buffer);
}

task<> file::write_at(std::uint64_t offset, std::span<const std::byte> data) {
    if (state_ && state_->append) {
        // pwrite() on an O_APPEND file appends on Linux whatever the offset says.
        throw usage_error("corio::file::write_at: " + state_->path +
                          " was opened for appending; use write()");
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
        co_await run_file_operation(state_, &append_call, data);
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
