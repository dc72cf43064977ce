// SPDX-License-Identifier: MIT
#include "../file_ops.hpp"

#include <corio/runtime/detail/os_error.hpp>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <algorithm>
#include <limits>
#include <system_error>

namespace corio::detail {

namespace {

[[noreturn]] void throw_file_error(DWORD error, const char* call, const std::string& path) {
    throw std::system_error(os_error_code(static_cast<int>(error)), std::string(call) + " " + path);
}

HANDLE as_handle(native_handle_t handle) noexcept {
    return reinterpret_cast<HANDLE>(handle); // NOLINT(performance-no-int-to-ptr)
}

// Paths are UTF-8, as everywhere in corio; Windows wants UTF-16.
std::wstring widen(const std::string& path) {
    if (path.empty()) {
        return {};
    }
    const int size = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path.data(),
                                           static_cast<int>(path.size()), nullptr, 0);
    if (size <= 0) {
        throw_file_error(::GetLastError(), "open", path);
    }
    std::wstring wide(static_cast<std::size_t>(size), L'\0');
    ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path.data(), static_cast<int>(path.size()),
                          wide.data(), size);
    return wide;
}

DWORD creation_disposition(const open_options& how) noexcept {
    if (how.create && how.exclusive) {
        return CREATE_NEW;
    }
    if (how.create) {
        return how.truncate ? CREATE_ALWAYS : OPEN_ALWAYS;
    }
    return how.truncate ? TRUNCATE_EXISTING : OPEN_EXISTING;
}

OVERLAPPED at(std::uint64_t offset) noexcept {
    OVERLAPPED position{};
    position.Offset = static_cast<DWORD>(offset);
    position.OffsetHigh = static_cast<DWORD>(offset >> 32);
    return position;
}

DWORD chunk(std::size_t size) noexcept {
    return static_cast<DWORD>(std::min<std::size_t>(size, std::numeric_limits<DWORD>::max()));
}

} // namespace

native_handle_t open_file(const std::string& path, const open_options& how, bool for_reactor) {
    DWORD access = 0;
    if (how.read) {
        access |= GENERIC_READ;
    }
    if (how.append) {
        access |= FILE_APPEND_DATA; // without FILE_WRITE_DATA: every write goes to the end
    } else if (how.write) {
        access |= GENERIC_WRITE;
    }
    // Shared like a POSIX descriptor: others may read, write, rename or delete the file meanwhile.
    const HANDLE handle = ::CreateFileW(
        widen(path).c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
        nullptr, creation_disposition(how),
        FILE_ATTRIBUTE_NORMAL | (for_reactor ? FILE_FLAG_OVERLAPPED : 0), nullptr);
    if (handle == INVALID_HANDLE_VALUE) {
        throw_file_error(::GetLastError(), "open", path);
    }
    return reinterpret_cast<native_handle_t>(handle);
}

std::size_t read_file_at(native_handle_t handle, std::uint64_t offset, std::span<std::byte> buffer,
                         const std::string& path) {
    OVERLAPPED position = at(offset); // a synchronous handle: this only says where to read
    DWORD got = 0;
    if (!::ReadFile(as_handle(handle), buffer.data(), chunk(buffer.size()), &got, &position)) {
        const DWORD error = ::GetLastError();
        if (error == ERROR_HANDLE_EOF) {
            return 0;
        }
        throw_file_error(error, "read", path);
    }
    return got;
}

void write_file_at(native_handle_t handle, std::uint64_t offset, std::span<const std::byte> data,
                   const std::string& path) {
    while (!data.empty()) {
        OVERLAPPED position = at(offset);
        DWORD put = 0;
        if (!::WriteFile(as_handle(handle), data.data(), chunk(data.size()), &put, &position)) {
            throw_file_error(::GetLastError(), "write", path);
        }
        data = data.subspan(put);
        offset += put;
    }
}

void append_to_file(native_handle_t handle, std::span<const std::byte> data,
                    const std::string& path) {
    while (!data.empty()) {
        DWORD put = 0;
        if (!::WriteFile(as_handle(handle), data.data(), chunk(data.size()), &put, nullptr)) {
            throw_file_error(::GetLastError(), "write", path);
        }
        data = data.subspan(put);
    }
}

std::uint64_t file_size(native_handle_t handle, const std::string& path) {
    LARGE_INTEGER size{};
    if (!::GetFileSizeEx(as_handle(handle), &size)) {
        throw_file_error(::GetLastError(), "size", path);
    }
    return static_cast<std::uint64_t>(size.QuadPart);
}

void sync_file(native_handle_t handle, const std::string& path) {
    if (!::FlushFileBuffers(as_handle(handle))) {
        throw_file_error(::GetLastError(), "sync", path);
    }
}

void close_file(native_handle_t handle) noexcept {
    ::CloseHandle(as_handle(handle));
}

} // namespace corio::detail
