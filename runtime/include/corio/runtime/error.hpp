// SPDX-License-Identifier: MIT
// error.hpp - the exceptions the runtime throws, all in one place.
//
// corio reports failures with exceptions, as asyncio does:
//   cancelled_error  a task was cancelled while (or before) it was suspended; like
//                    asyncio.CancelledError. A task may catch it to clean up, then rethrow.
//   timeout_error    wait_for() ran out of time; like TimeoutError.
//   usage_error      the API was misused (awaiting a task twice, spawning with no loop, ...).
// Operating-system failures surface as std::system_error with the OS error code.
#pragma once

#include <stdexcept>
#include <string>

namespace corio {

class cancelled_error : public std::runtime_error {
public:
    cancelled_error()
        : std::runtime_error("task was cancelled") {}
    using std::runtime_error::runtime_error;
};

class timeout_error : public std::runtime_error {
public:
    timeout_error()
        : std::runtime_error("operation timed out") {}
    using std::runtime_error::runtime_error;
};

class usage_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

} // namespace corio
