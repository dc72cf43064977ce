// SPDX-License-Identifier: MIT
#include "../file_ops.hpp"

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace corio::detail {

namespace {

[[noreturn]] void throw_file_error(int error, const char* call, const std::string& path) {
    throw std::system_error(error, std::generic_category(), std::string(call) + " " + path);
}

int open_flags(const open_options& how) noexcept {
    int flags = O_CLOEXEC;
    if (how.read && (how.write || how.append)) {
        flags |= O_RDWR;
    } else if (how.write || how.append) {
        flags |= O_WRONLY;
    } else {
        flags |= O_RDONLY;
    }
    if (how.append) {
        flags |= O_APPEND;
    }
    if (how.create) {
        flags |= O_CREAT;
        if (how.exclusive) {
            flags |= O_EXCL;
        }
    }
    if (how.truncate) {
        flags |= O_TRUNC;
    }
    return flags;
}

} // namespace

native_handle_t open_file(const std::string& path, const open_options& how, bool /*for_reactor*/) {
    int fd = -1;
    do {
        fd = ::open(path.c_str(), open_flags(how), static_cast<mode_t>(how.permissions));
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        throw_file_error(errno, "open", path);
    }
    // A directory opens read-only without complaint; reading it would fail later with EISDIR.
    // Saying so now names the real problem.
    struct stat status {};
    if (::fstat(fd, &status) == 0 && S_ISDIR(status.st_mode)) {
        ::close(fd);
        throw_file_error(EISDIR, "open", path);
    }
    return fd;
}

std::size_t read_file_at(native_handle_t handle, std::uint64_t offset, std::span<std::byte> buffer,
                         const std::string& path) {
    for (;;) {
        const ssize_t got =
            ::pread(handle, buffer.data(), buffer.size(), static_cast<off_t>(offset));
        if (got >= 0) {
            return static_cast<std::size_t>(got);
        }
        if (errno != EINTR) {
            throw_file_error(errno, "read", path);
        }
    }
}

void write_file_at(native_handle_t handle, std::uint64_t offset, std::span<const std::byte> data,
                   const std::string& path) {
    while (!data.empty()) {
        const ssize_t put = ::pwrite(handle, data.data(), data.size(), static_cast<off_t>(offset));
        if (put < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_file_error(errno, "write", path);
        }
        data = data.subspan(static_cast<std::size_t>(put));
        offset += static_cast<std::uint64_t>(put);
    }
}

void append_to_file(native_handle_t handle, std::span<const std::byte> data,
                    const std::string& path) {
    while (!data.empty()) {
        const ssize_t put = ::write(handle, data.data(), data.size()); // O_APPEND: at the end
        if (put < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_file_error(errno, "write", path);
        }
        data = data.subspan(static_cast<std::size_t>(put));
    }
}

std::uint64_t file_size(native_handle_t handle, const std::string& path) {
    struct stat status {};
    if (::fstat(handle, &status) != 0) {
        throw_file_error(errno, "fstat", path);
    }
    return static_cast<std::uint64_t>(status.st_size);
}

void sync_file(native_handle_t handle, const std::string& path) {
    if (::fsync(handle) != 0) {
        throw_file_error(errno, "fsync", path);
    }
}

void close_file(native_handle_t handle) noexcept {
    ::close(handle); // never retried on EINTR: see handle_ops.cpp
}

} // namespace corio::detail
