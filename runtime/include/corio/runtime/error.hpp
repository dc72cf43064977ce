// SPDX-License-Identifier: MIT
// error.hpp - the exceptions the runtime throws, and the two every part of corio shares.
//
// corio reports failures with exceptions, as asyncio does:
//   cancelled_error  a task was cancelled while (or before) it was suspended; like
//                    asyncio.CancelledError. A task may catch it to clean up, then rethrow.
//   timeout_error    a deadline passed; like TimeoutError. Every timeout corio raises is one:
//                    wait_for(), an I/O deadline (io_object, tcp_stream, tls_stream), and the
//                    HTTP clients' corio::http::timeout_error, which is a corio::http::error too.
//   usage_error      the API was misused (awaiting a task twice, spawning with no loop, ...).
// Operating-system failures surface as std::system_error with the OS error code. docs/errors.md
// lists every exception corio throws.
//
// So that one class can belong to two families (http::timeout_error is a timeout and an HTTP
// error), timeout_error and cancelled_error derive from std::runtime_error *virtually*: the class
// that joins both then holds one std::runtime_error, and `catch (const std::runtime_error&)` or
// `catch (const std::exception&)` still matches it. With two ordinary bases it would hold two,
// and those catches would silently not match. The price of a virtual base: a class derived from
// one of these must initialise std::runtime_error itself, as in
//     class my_timeout : public corio::timeout_error {
//     public:
//         explicit my_timeout(const std::string& what) : std::runtime_error(what) {}
//     };
// and assignment copies rather than moves (a virtual base could be moved from twice, once along
// each path to it; copying a std::runtime_error is cheap, its message is shared).
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <stdexcept>
#include <string>

CORIO_EXPORT_BEGIN
namespace corio {

class cancelled_error : public virtual std::runtime_error {
public:
    cancelled_error()
        : std::runtime_error("task was cancelled") {}
    explicit cancelled_error(const std::string& what)
        : std::runtime_error(what) {}
    explicit cancelled_error(const char* what)
        : std::runtime_error(what) {}
    // Copies only, no moves: see the top of this file.
    cancelled_error(const cancelled_error&) = default;
    cancelled_error& operator=(const cancelled_error&) = default;
    ~cancelled_error() override = default;
};

class timeout_error : public virtual std::runtime_error {
public:
    timeout_error()
        : std::runtime_error("operation timed out") {}
    explicit timeout_error(const std::string& what)
        : std::runtime_error(what) {}
    explicit timeout_error(const char* what)
        : std::runtime_error(what) {}
    // Copies only, no moves: see the top of this file.
    timeout_error(const timeout_error&) = default;
    timeout_error& operator=(const timeout_error&) = default;
    ~timeout_error() override = default;
};

class usage_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

} // namespace corio
CORIO_EXPORT_END
