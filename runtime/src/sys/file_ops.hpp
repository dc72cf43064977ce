// SPDX-License-Identifier: MIT
// file_ops.hpp - the blocking calls behind corio::file, declared once and implemented per
// platform (sys/posix/file_ops.cpp: open/pread/pwrite/fstat/fsync; sys/windows/file_ops.cpp:
// CreateFileW/ReadFile/WriteFile at an offset/GetFileSizeEx/FlushFileBuffers). They run on the
// blocking pool, never on the loop thread. On a backend that completes file I/O (IOCP) the reads
// and writes go through the reactor instead, and only open, size and sync use these. Each throws
// std::system_error whose message names the call and the path ("open data.bin: No such file or
// directory").
#pragma once

#include <corio/runtime/file.hpp>
#include <corio/runtime/native_handle.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace corio::detail {

// `for_reactor`: the handle will do its reads and writes through a reactor that completes file
// I/O (overlapped on Windows; POSIX descriptors need nothing different).
[[nodiscard]] native_handle_t open_file(const std::string& path, const open_options& how,
                                        bool for_reactor);
// Up to buffer.size() bytes from `offset`; 0 at or past the end.
[[nodiscard]] std::size_t read_file_at(native_handle_t handle, std::uint64_t offset,
                                       std::span<std::byte> buffer, const std::string& path);
// All of `data` at `offset`, or (append) at the end of the file.
void write_file_at(native_handle_t handle, std::uint64_t offset, std::span<const std::byte> data,
                   const std::string& path);
void append_to_file(native_handle_t handle, std::span<const std::byte> data,
                    const std::string& path);
[[nodiscard]] std::uint64_t file_size(native_handle_t handle, const std::string& path);
void sync_file(native_handle_t handle, const std::string& path);
void close_file(native_handle_t handle) noexcept;

} // namespace corio::detail
